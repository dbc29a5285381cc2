"""The shape every service shares: FastAPI app + FastStream consumers + outbox relay in one process.

A service describes itself with a ``ServiceSpec`` (tables, routers, subscriptions, background
jobs); ``create_app`` turns it into an ASGI app whose lifespan migrates the database, creates
topics, starts the relay and the consumers, and stops them in reverse order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from faststream import FastStream
from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI
from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import AsyncSession

from shared import migrations
from shared.db import Database
from shared.events import topics
from shared.events.envelope import Envelope, Event, wrap
from shared.logs import setup_logging
from shared.messaging.consumer import ConsumerRuntime, Subscription
from shared.messaging.outbox import put
from shared.messaging.relay import OutboxRelay
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """What handlers and routes of a running service reach: settings, database, outbox, relay."""

    service: str
    settings: ServiceSettings
    db: Database
    outbox: Table
    inbox: Table
    relay: OutboxRelay
    consumers: ConsumerRuntime

    async def emit(self, session: AsyncSession, topic: str, key: str | None, payloads: Sequence[Event],
                   correlation_id: str, causation_id: str | None = None) -> None:
        """Put events in the outbox inside the caller's transaction."""
        envelopes = [wrap(p, producer=self.service, correlation_id=correlation_id, causation_id=causation_id)
                     for p in payloads]
        await put(session, self.outbox, topic, key, envelopes)  # type: ignore[arg-type]

    def nudge(self) -> None:
        """Tell the relay there is something to publish (after a commit)."""
        self.relay.wake.set()


Background = Callable[[Runtime], Coroutine[Any, Any, None]]


@dataclass
class ServiceSpec:
    name: str
    title: str
    metadata: MetaData
    outbox: Table
    inbox: Table
    settings_factory: Callable[[], ServiceSettings]
    routers: Sequence[APIRouter] = ()
    subscriptions: Sequence[Subscription] = ()
    background: Sequence[Background] = ()
    publishes: Sequence[tuple[str, type[Event]]] = ()
    extra_state: dict[str, Any] = field(default_factory=dict)


async def await_broker(bootstrap: str, timeout: float = 180) -> None:
    """Wait until the broker answers (a service may start while Kafka restarts), creating topics on the way."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            await ensure_topics(bootstrap)
            return
        except Exception as exc:
            if asyncio.get_running_loop().time() > deadline:
                raise
            log.warning("broker %s not reachable yet (%s); waiting", bootstrap, type(exc).__name__)
            await asyncio.sleep(1)


async def ensure_topics(bootstrap: str) -> None:
    """Create every topic with the project's partition count (idempotent)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(t, topics.PARTITIONS, 1) for t in topics.ALL if t not in existing]
        if missing:
            with suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
    finally:
        await admin.close()


def create_app(spec: ServiceSpec) -> FastAPI:
    settings = spec.settings_factory()
    setup_logging(spec.name, settings.log_level, settings.log_json)
    broker = KafkaBroker(settings.kafka_bootstrap, acks="all", enable_idempotence=True,
                         log_level=logging.DEBUG)
    db = Database(settings.database_url)
    relay = OutboxRelay(db, spec.outbox, settings.kafka_bootstrap, spec.name, repeat=settings.outbox_repeat)
    consumers = ConsumerRuntime(db, spec.outbox, spec.inbox, spec.name, on_commit=relay.wake.set)
    runtime = Runtime(spec.name, settings, db, spec.outbox, spec.inbox, relay, consumers)
    consumers.context = runtime
    for sub in spec.subscriptions:
        consumers.register(broker, sub)
    for topic, model in spec.publishes:
        broker.publisher(topic, title=f"{spec.name}:{topic}", schema=Envelope[model],  # type: ignore[valid-type]
                         description=model.__doc__)
    stream_app = FastStream(broker, specification=AsyncAPI(title=f"{spec.title} events", version="1.0.0"))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(migrations.upgrade, spec.name, settings.database_url, spec.metadata)
        await await_broker(settings.kafka_bootstrap)
        await relay.start()
        await broker.start()
        tasks = [asyncio.create_task(job(runtime), name=job.__name__) for job in spec.background]
        log.info("%s started", spec.name)
        try:
            yield
        finally:
            for t in tasks:
                t.cancel()
            await broker.stop()
            await relay.stop()
            await db.dispose()

    app = FastAPI(title=spec.title, lifespan=lifespan, version="1.0.0")
    app.state.settings = settings
    app.state.runtime = runtime
    app.state.broker = broker
    for key, value in spec.extra_state.items():
        setattr(app.state, key, value)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> JSONResponse:
        """Database and broker reachable."""
        checks: dict[str, str] = {}
        try:
            await db.ping()
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"error: {type(exc).__name__}"
        checks["broker"] = "ok" if await broker.ping(timeout=2) else "unreachable"
        ok = all(v == "ok" for v in checks.values())
        body = {"service": spec.name, "status": "ok" if ok else "degraded", **checks,
                "outbox_published": relay.published, "consumed": consumers.handled,
                "dead_lettered": consumers.dead_lettered}
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/asyncapi.json", tags=["ops"])
    async def asyncapi() -> JSONResponse:
        """AsyncAPI description of the topics this service consumes and publishes."""
        import json

        return JSONResponse(json.loads(stream_app.schema.to_specification().to_json()))

    for router in spec.routers:
        app.include_router(router)
    return app


def serve(app_path: str, port: int, host: str = "127.0.0.1") -> None:
    """Run one service under uvicorn (python -m services.<name>)."""
    import uvicorn

    uvicorn.run(app_path, host=host, port=port, factory=True, log_level="warning", lifespan="on")
