"""Service-layer tests: a service's use cases on a real PostgreSQL (its own migrated database), no Kafka.

A use case runs in a unit of work as it would for a request or a message; the test then reads the
outbox rows it wrote, which is everything the service would have published.
"""

from __future__ import annotations

import importlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from sqlalchemy import text

from shared import migrations
from shared.access import SCOPE_CLAIM, Viewer, viewer
from shared.auth import Principal, Role
from shared.db import Database
from shared.events.envelope import Envelope, Event, wrap
from shared.messaging.context import HandlerContext, Runtime

# a use case handling one consumed event
EventHandler = Callable[[HandlerContext[Any], Envelope[Any]], Awaitable[None]]


@dataclass
class Published:
    topic: str
    key: str | None
    envelope: dict[str, Any]

    @property
    def payload(self) -> dict[str, Any]:
        return dict(self.envelope["payload"])


class ServiceUnderTest:
    """One service's runtime on its own fresh database, and what its use cases put in the outbox."""

    def __init__(self, name: str, url: str, **settings: Any) -> None:
        self.name = name
        module = importlib.import_module(f"services.{name}.settings")
        tables = importlib.import_module(f"services.{name}.tables")
        self.db = Database(url, pool_size=5)
        self.runtime = Runtime(name, module.Settings(database_url=url, **settings), self.db, tables.outbox)
        self.seen = 0

    async def run(self, use_case: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
        return await self.runtime.run(use_case, *args, **kwargs)

    async def deliver(self, handler: EventHandler, event: Event, correlation_id: str = "test") -> None:
        """Hand a consumed event to its use case, as the consumer does (without the inbox)."""
        envelope = wrap(event, producer="test", correlation_id=correlation_id)
        async with self.runtime.unit_of_work(envelope.correlation_id, str(envelope.event_id)) as ctx:
            await handler(ctx, envelope)

    async def published(self) -> list[Published]:
        """Outbox rows written since the last call, in order."""
        async with self.db.transaction() as s:
            rows = (await s.execute(text("SELECT id, topic, key, value FROM outbox WHERE id > :n ORDER BY id"),
                                    {"n": self.seen})).all()
        if rows:
            self.seen = rows[-1].id
        return [Published(r.topic, r.key, json.loads(bytes(r.value))) for r in rows]

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.db.transaction() as s:
            return (await s.execute(text(sql), params)).scalar()


def fresh_database(admin_url: str, service: str) -> str:
    """A new database with the service's migrations applied; returns its asyncpg URL."""
    name = f"ut_{service}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + f"/{name}"
    tables = importlib.import_module(f"services.{service}.tables")
    migrations.upgrade(service, url, tables.metadata)
    return url


@pytest.fixture(scope="module")
def admin_url(infra: tuple[dict[str, str], str]) -> str:
    return infra[1]


def service_fixture(name: str, **settings: Any) -> Callable[..., Any]:
    """A module-scoped fixture: the named service on a fresh database."""

    @pytest.fixture(scope="module")
    async def _svc(admin_url: str) -> AsyncIterator[ServiceUnderTest]:
        svc = ServiceUnderTest(name, fresh_database(admin_url, name), **settings)
        yield svc
        await svc.db.dispose()

    return _svc


def who(role: Role, sub: str | None = None, **scope: str) -> Viewer:
    """A person as a route would hand them to a use case: a scoped role sees only its own scope."""
    person = Principal(sub=sub or f"{role.value}-{uuid.uuid4().hex[:6]}", role=role, **scope)
    return viewer(person, scoped=(role,) if role in SCOPE_CLAIM else ())


def uid(prefix: str = "B") -> str:
    return prefix + uuid.uuid4().hex[:12].upper()
