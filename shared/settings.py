"""Settings: one base class, an env prefix per service, a refusal of default secrets outside development."""

from __future__ import annotations

import os
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.registry import SERVICES

DEV_SECRET = "dev-only-secret-change-me-before-production"


class CommonSettings(BaseSettings):
    """What every process needs: environment, broker, token secret."""

    model_config = SettingsConfigDict(env_prefix="YKT_", extra="ignore")

    env: str = "production"  # local stacks and tests say development (deploy/stack.py, tests/conftest.py)
    kafka_bootstrap: str = "127.0.0.1:19092"
    jwt_secret: str = DEV_SECRET
    log_level: str = "INFO"
    log_json: bool = False
    # items per chunk of every batch, order and instruction event (the one chunk size of the project). Each chunk
    # is a message and a transaction in every service it passes: at 100k people 1,000 -> 2,000 cut the stack's CPU
    # per item 0.71 -> 0.60 ms; 4,000 gained nothing more (a 100k batch is then one or two chunks)
    chunk_size: int = Field(default=2000, ge=1, le=10_000)
    # where a browser reaches each service's public pages (links between the portal's services);
    # JSON, e.g. {"disclosure": "https://gongkai.example.gov.cn"}; default http://127.0.0.1:<port>
    public_urls: dict[str, str] = Field(default_factory=dict)
    # fault injection for tests: publish every event this many times (consumers must not care)
    outbox_repeat: int = 1
    # sent outbox rows are deleted this many hours after they were sent (the messages live on in Kafka; the
    # values are stored uncompressed, ~200 KB a chunk, so they are not kept for ever)
    outbox_keep_hours: float = Field(default=168, ge=0)
    # how the relay compresses what it publishes: none on one machine (loopback: compressing costs CPU and
    # saves nothing), gzip/lz4/zstd across a real network (YKT_KAFKA_COMPRESSION)
    kafka_compression: Literal["none", "gzip"] = "none"

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> CommonSettings:
        if self.env != "development" and self.jwt_secret in (DEV_SECRET, ""):
            raise ValueError("YKT_JWT_SECRET must be set to a real secret outside development (YKT_ENV)")
        if not self.jwt_secret.strip():
            raise ValueError("YKT_JWT_SECRET is empty")
        return self


class ServiceSettings(CommonSettings):
    """A service's settings; each service's ``settings.py`` sets ``service`` and adds its own fields."""

    service: ClassVar[str] = ""
    database_url: str = Field(default="", description="YKT_<SERVICE>_DATABASE_URL")
    http_port: int = Field(default=0, description="0: the port in shared.registry")
    http_host: str = "127.0.0.1"  # 0.0.0.0 only inside a container
    # processes serving this service (each a full instance: its consumers join the same groups, migrations
    # and the relay take a lock); more than one for the public pages under a crowd
    http_workers: int = Field(default=1, ge=1, le=32)

    def __init__(self, **values: Any) -> None:
        prefix = f"YKT_{self.service.upper()}_"
        for key, val in os.environ.items():
            if key.startswith(prefix):
                values.setdefault(key[len(prefix):].lower(), val)
        super().__init__(**values)

    @model_validator(mode="after")
    def _need_database(self) -> ServiceSettings:
        if not self.database_url:
            raise ValueError(f"YKT_{self.service.upper()}_DATABASE_URL is not set")
        if not self.http_port:
            self.http_port = SERVICES[self.service].port
        return self
