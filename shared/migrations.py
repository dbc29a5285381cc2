"""Run (or generate) a service's Alembic migrations against its own database."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData

HERE = Path(__file__).resolve().parent


def _config(service: str, url: str, metadata: MetaData) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE / "alembic"))
    cfg.set_main_option("path_separator", "os")
    versions = HERE.parent / "services" / service / "migrations"
    versions.mkdir(exist_ok=True)
    cfg.set_main_option("version_locations", str(versions))
    cfg.set_main_option("sqlalchemy.url", url.replace("+asyncpg", "+psycopg") if _has_psycopg() else
                        url.replace("+asyncpg", ""))
    cfg.attributes["metadata"] = metadata
    return cfg


def _has_psycopg() -> bool:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return False
    return True


def upgrade(service: str, url: str, metadata: MetaData) -> None:
    """Bring the service's database to the newest revision (run at start, before serving)."""
    command.upgrade(_config(service, url, metadata), "head")


def main() -> None:
    """python -m shared.migrations revision SERVICE -m "what changed" (needs a database URL)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["revision", "upgrade"])
    parser.add_argument("service")
    parser.add_argument("-m", "--message", default="change")
    parser.add_argument("--url", required=True)
    args = parser.parse_args()
    metadata = importlib.import_module(f"services.{args.service}.tables").metadata
    cfg = _config(args.service, args.url, metadata)
    if args.action == "revision":
        command.upgrade(cfg, "head")
        command.revision(cfg, message=args.message, autogenerate=True)
    else:
        command.upgrade(cfg, "head")


if __name__ == "__main__":
    main()
