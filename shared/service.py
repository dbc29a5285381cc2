"""The shape every service shares: FastAPI app + FastStream consumers + outbox relay in one process.

A service describes itself with a ``ServiceSpec`` (settings, tables, routers, subscriptions,
background jobs, events it publishes); ``create_app`` turns it into an ASGI app whose lifespan
migrates the database, creates topics, starts the relay and the consumers, and stops them in
reverse order. Only each service's ``app.py`` imports this module.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from faststream import FastStream
from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI
from sqlalchemy import MetaData, Table

from shared import gctune, memtrace, migrations
from shared.db import Database
from shared.events import topics
from shared.events.envelope import Envelope, Event
from shared.events.registry import wiring_problems
from shared.logs import setup_logging
from shared.messaging.consumer import ConsumerRuntime, Subscription
from shared.messaging.context import Runtime
from shared.messaging.relay import OutboxRelay
from shared.pagecache import CachedPages, PageCache, listen
from shared.registry import SERVICES
from shared.settings import ServiceSettings
from shared.web import Correlated, RefuseBadText, map_database_refusals, map_domain_errors, serve_docs_offline

log = logging.getLogger(__name__)

Background = Callable[[Runtime[Any]], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class ServiceSpec:
    settings: type[ServiceSettings]
    metadata: MetaData
    outbox: Table
    inbox: Table
    routers: Sequence[APIRouter] = ()
    subscriptions: Sequence[Subscription] = ()
    background: Sequence[Background] = ()
    publishes: Sequence[type[Event]] = ()
    # GET paths whose answers may be kept in memory until the database notifies a change (shared.pagecache;
    # the service's migrations add the triggers)
    cached_pages: Callable[[str], bool] | None = None

    @property
    def name(self) -> str:
        return self.settings.service

    def wiring_problems(self) -> list[str]:
        """What does not agree between the events this service publishes or consumes and their topics."""
        problems = wiring_problems(self.publishes, [(s.topic, s.model) for s in self.subscriptions])
        if self.name not in SERVICES:
            problems.append(f"service {self.name!r} is not in shared.registry")
        return problems


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
    problems = spec.wiring_problems()
    if problems:
        raise RuntimeError(f"{spec.name}: event wiring is wrong: {problems}")
    settings = spec.settings()
    setup_logging(spec.name, settings.log_level, settings.log_json)
    db = Database(settings.database_url)
    relay = OutboxRelay(db, spec.outbox, settings.kafka_bootstrap, spec.name, repeat=settings.outbox_repeat,
                        compression=settings.kafka_compression, keep_sent=settings.outbox_keep_hours * 3600)
    runtime = Runtime(spec.name, settings, db, spec.outbox, relay.wake.set)
    consumers = ConsumerRuntime(runtime, spec.inbox)
    cache = PageCache() if spec.cached_pages else None
    # this broker only consumes (and documents what the relay publishes): the relay's producer publishes
    broker = KafkaBroker(settings.kafka_bootstrap, log_level=logging.DEBUG)
    consumers.register_all(broker, spec.subscriptions)
    for model in spec.publishes:
        broker.publisher(model.topic, title=f"{spec.name}:{model.topic}", schema=Envelope[model],  # type: ignore[valid-type]
                         description=model.__doc__)
    title = SERVICES[spec.name].title
    stream_app = FastStream(broker, specification=AsyncAPI(title=f"{title} events", version="1.0.0"))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(migrations.upgrade, spec.name, settings.database_url, spec.metadata)
        await await_broker(settings.kafka_bootstrap)
        await relay.start()
        await broker.start()
        tasks = [asyncio.create_task(job(runtime), name=job.__name__) for job in spec.background]
        if cache is not None:
            tasks.append(asyncio.create_task(listen(cache, settings.database_url), name="page cache"))
        if (trace_to := memtrace.wanted(spec.name)) is not None:
            tasks.append(asyncio.create_task(memtrace.trace(trace_to), name="memory trace"))
        gctune.settle()
        log.info("%s started", spec.name)
        try:
            yield
        finally:
            for t in tasks:
                t.cancel()
            await broker.stop()
            await relay.stop()
            await db.dispose()

    app = FastAPI(title=title, lifespan=lifespan, version="1.0.0", docs_url=None, redoc_url=None)
    serve_docs_offline(app, title)
    app.state.settings = settings
    app.state.runtime = runtime

    map_domain_errors(app)
    map_database_refusals(app)
    app.add_middleware(RefuseBadText)
    app.add_middleware(Correlated)
    if cache is not None and spec.cached_pages is not None:
        app.add_middleware(CachedPages, cache=cache, cacheable=spec.cached_pages)  # outermost: a hit does nothing else

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
        body: dict[str, Any] = {"service": spec.name, "status": "ok" if ok else "degraded", **checks,
                "outbox_published": relay.published, "consumed": consumers.handled,
                "dead_lettered": consumers.dead_lettered}
        if cache is not None:
            body["page_cache"] = {"listening": cache.live, "hits": cache.hits, "misses": cache.misses,
                                  "pages": len(cache.answers)}
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/asyncapi.json", tags=["ops"])
    async def asyncapi() -> JSONResponse:
        """AsyncAPI description of the topics this service consumes and publishes."""
        return JSONResponse(json.loads(stream_app.schema.to_specification().to_json()))

    for router in spec.routers:
        app.include_router(router)
    return app
