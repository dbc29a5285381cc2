"""No Docker engine here: check the compose file's shape instead of running it."""

from pathlib import Path

import yaml

from shared.registry import PORTS

REPO = Path(__file__).resolve().parents[2]


def test_every_service_is_in_compose_with_health_check_and_environment() -> None:
    spec = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = spec["services"]
    assert services["kafka"]["image"].startswith("apache/kafka")
    assert "healthcheck" in services["kafka"] and "healthcheck" in services["postgres"]
    for name in PORTS:
        svc = services[name.replace("_", "-")]
        env = svc["environment"]
        assert env["YKT_KAFKA_BOOTSTRAP"] == "kafka:9092"
        assert env[f"YKT_{name.upper()}_DATABASE_URL"].endswith(f"@postgres:5432/{name}")
        assert "healthz" in " ".join(svc["healthcheck"]["test"])
        deps = svc["depends_on"]
        assert deps["kafka"]["condition"] == "service_healthy"
        assert deps["postgres"]["condition"] == "service_healthy"
    init = (REPO / "deploy" / "compose" / "init-databases.sh").read_text()
    for name in PORTS:
        assert f"{name}" in init


def test_compose_and_init_script_are_generated_from_the_registry() -> None:
    from deploy.compose.generate import COMPOSE, INIT, compose, init_script

    assert COMPOSE.read_text() == compose(), "run: python -m deploy.compose.generate"
    assert INIT.read_text() == init_script(), "run: python -m deploy.compose.generate"
