"""python -m deploy.compose.generate: write docker-compose.yml and the database init script from the registry.

The nine services are listed once, in ``shared.registry``; the compose file and the script that
creates a database and a login role per service are generated from it (a test checks that the
committed files are what this writes).
"""

from __future__ import annotations

from pathlib import Path

from deploy.paths import REPO
from shared.registry import SERVICES, ServiceInfo

COMPOSE = REPO / "docker-compose.yml"
INIT = REPO / "deploy" / "compose" / "init-databases.sh"

_HEAD = """\
# The whole suite with the official Apache Kafka image (KRaft) and PostgreSQL.
# Generated from shared/registry.py by `python -m deploy.compose.generate`: edit the registry, not this file.
# make up / make down. YKT_JWT_SECRET must be set (services refuse to start without a real secret);
# set real database passwords too. YKT_ENV=development relaxes the secret check for a local trial.
x-service: &service
  build: {context: ., dockerfile: deploy/compose/Dockerfile}
  restart: unless-stopped
  depends_on: &deps
    kafka: {condition: service_healthy}
    postgres: {condition: service_healthy}

services:
  kafka:
    image: apache/kafka:4.1.1
    environment:
      KAFKA_NODE_ID: 1
      KAFKA_PROCESS_ROLES: broker,controller
      KAFKA_LISTENERS: PLAINTEXT://:9092,CONTROLLER://:9093
      KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://kafka:9092
      KAFKA_CONTROLLER_LISTENER_NAMES: CONTROLLER
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
      KAFKA_CONTROLLER_QUORUM_VOTERS: 1@kafka:9093
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: 1
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: 1
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: 1
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: 1
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: 1
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: 0
      KAFKA_NUM_PARTITIONS: 6
      KAFKA_MESSAGE_MAX_BYTES: 8388608
    healthcheck:
      test: ["CMD-SHELL", "/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:9092 >/dev/null 2>&1"]
      interval: 5s
      timeout: 10s
      retries: 30
    volumes: [kafka-data:/var/lib/kafka/data]

  postgres:
    image: postgres:17
    # tables that grow from nothing within minutes (a payroll's roster, ledger) get statistics in time, and index
    # look-ups are costed for memory or SSD: keyed bulk updates use their indexes instead of scanning; room in
    # the WAL between checkpoints and buffers for a million-people payroll (the reasons: deploy/postgres.py)
    command: ["postgres", "-c", "autovacuum_naptime=10s", "-c", "random_page_cost=1.1", "-c", "max_wal_size=8GB",
              "-c", "checkpoint_timeout=15min", "-c", "shared_buffers=1GB",
              "-c", "autovacuum_analyze_scale_factor=1.0"]
    environment:
      POSTGRES_USER: postgres
      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-postgres-local-pw}
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U postgres"]
      interval: 3s
      timeout: 5s
      retries: 30
    volumes:
      - pg-data:/var/lib/postgresql/data
      - ./deploy/compose/init-databases.sh:/docker-entrypoint-initdb.d/init-databases.sh:ro
"""

_TAIL = """
volumes:
  kafka-data:
  pg-data:
"""


def _service(s: ServiceInfo) -> str:
    p, db, prefix = s.port, s.database, s.env_prefix
    env = {
        "YKT_ENV": "${YKT_ENV:-production}",
        "YKT_JWT_SECRET": "${YKT_JWT_SECRET:?set YKT_JWT_SECRET to a real secret}",
        "YKT_KAFKA_BOOTSTRAP": "kafka:9092",
        f"{prefix}DATABASE_URL": f"postgresql+asyncpg://{db}:${{{prefix}DB_PASSWORD:-{db}-local-pw}}"
                                 f"@postgres:5432/{db}",
        f"{prefix}HTTP_PORT": f'"{p}"',
        f"{prefix}HTTP_HOST": "0.0.0.0",
        **dict(s.compose_env),
    }
    lines = [f"  {s.name.replace('_', '-')}:", "    <<: *service",
             f'    command: ["python", "-m", "services", "{s.name}"]',
             f'    ports: ["127.0.0.1:{p}:{p}"]', "    environment:"]
    lines += [f"      {k}: {v}" for k, v in env.items()]
    lines += ["    healthcheck:",
              '      test: ["CMD", "python", "-c", "import urllib.request; '
              f"urllib.request.urlopen('http://127.0.0.1:{p}/healthz', timeout=3)\"]",
              "      interval: 5s", "      timeout: 5s", "      retries: 30"]
    return "\n".join(lines) + "\n"


def compose() -> str:
    return _HEAD + "".join("\n" + _service(s) for s in SERVICES.values()) + _TAIL


def init_script() -> str:
    names = " ".join(SERVICES[n].database for n in SERVICES)
    return f"""#!/bin/sh
# A database and a login role per service; a role reaches only its own database.
# Generated from shared/registry.py by `python -m deploy.compose.generate`.
set -eu
for svc in {names}; do
  pw_var=$(echo "YKT_${{svc}}_DB_PASSWORD" | tr '[:lower:]' '[:upper:]')
  pw=$(eval "printf '%s' \\"\\${{$pw_var:-${{svc}}-local-pw}}\\"")
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE ROLE ${{svc}} LOGIN PASSWORD '${{pw}}';
CREATE DATABASE ${{svc}} OWNER ${{svc}};
REVOKE ALL ON DATABASE ${{svc}} FROM PUBLIC;
SQL
done
"""


def write(path: Path, text: str) -> None:
    path.write_text(text)
    print(f"wrote {path.relative_to(REPO)}")


if __name__ == "__main__":
    write(COMPOSE, compose())
    write(INIT, init_script())
