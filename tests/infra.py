"""Kafka and PostgreSQL for tests: URLs from the environment, else containers if Docker answers, else native.

Native means the same Apache Kafka jars and embedded PostgreSQL that ``make run`` uses, on ports of
their own and in a state folder of their own, so tests never touch a demo that is running.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from deploy.paths import REPO
from deploy.postgres import SERVICES, role_password

TEST_KAFKA_PORT = 29092
TEST_PG_PORT = 25432


def docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


@contextmanager
def real_infra() -> Iterator[tuple[dict[str, str], str]]:
    """Yield (environment for services, superuser URL of the PostgreSQL server)."""
    os.environ.setdefault("YKT_STATE_DIR", str(REPO / ".ykt" / "test"))
    given = os.environ.get("YKT_KAFKA_BOOTSTRAP") and os.environ.get("YKT_TEST_ADMIN_DATABASE_URL")
    if given:
        admin = os.environ["YKT_TEST_ADMIN_DATABASE_URL"]
        yield _service_env(os.environ["YKT_KAFKA_BOOTSTRAP"], admin), admin
    elif docker_answers():
        with _containers() as got:
            yield got
    else:
        with _native() as got:
            yield got


def _service_env(bootstrap: str, admin_url: str) -> dict[str, str]:
    """Create a database and role per service on the server (idempotent) and return their URLs."""
    import psycopg

    host = admin_url.split("@", 1)[1].split("/", 1)[0]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        have = {r[0] for r in conn.execute("SELECT datname FROM pg_database")}
        for svc in SERVICES:
            if svc not in have:
                conn.execute(f"CREATE ROLE {svc} LOGIN PASSWORD '{role_password(svc)}'")
                conn.execute(f"CREATE DATABASE {svc} OWNER {svc}")
    env = {"YKT_KAFKA_BOOTSTRAP": bootstrap}
    env |= {f"YKT_{s.upper()}_DATABASE_URL": f"postgresql+asyncpg://{s}:{role_password(s)}@{host}/{s}"
            for s in SERVICES}
    return env


@contextmanager
def _native() -> Iterator[tuple[dict[str, str], str]]:
    from deploy.kafka.broker import KafkaBroker
    from deploy.postgres import LocalPostgres

    kafka = KafkaBroker(TEST_KAFKA_PORT, TEST_KAFKA_PORT + 1, name="kafka-test")
    pg = LocalPostgres(TEST_PG_PORT, name="pg-test")
    kafka.wipe()
    pg.wipe()
    kafka.start()
    try:
        pg.start()
        admin = f"postgresql://postgres@127.0.0.1:{TEST_PG_PORT}/postgres"
        yield _service_env(kafka.bootstrap, admin), admin
    finally:
        pg.stop()
        kafka.stop()


@contextmanager
def _containers() -> Iterator[tuple[dict[str, str], str]]:
    from testcontainers.kafka import KafkaContainer
    from testcontainers.postgres import PostgresContainer

    with KafkaContainer("confluentinc/cp-kafka:7.6.0").with_kraft() as kafka, \
            PostgresContainer("postgres:16-alpine", driver=None) as pg:
        admin = pg.get_connection_url()
        yield _service_env(kafka.get_bootstrap_server(), admin), admin


def log_dir() -> Path:
    return Path(os.environ.get("YKT_STATE_DIR", REPO / ".ykt" / "test")) / "logs"
