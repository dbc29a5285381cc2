"""A minimal service for messaging tests: the real outbox, inbox, relay and consumer on a test table."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from faststream.kafka import KafkaBroker
from sqlalchemy import BigInteger, Column, String, Table, create_engine, insert, text

from shared.db import Database, new_metadata
from shared.events.envelope import Envelope, Event
from shared.messaging.consumer import ConsumerRuntime, Subscription
from shared.messaging.context import HandlerContext, Runtime
from shared.messaging.relay import OutboxRelay
from shared.messaging.tables import add_messaging_tables
from shared.settings import ServiceSettings

metadata = new_metadata()
outbox, inbox = add_messaging_tables(metadata)
effects = Table(
    "effects", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("key", String(100), nullable=False),
    Column("amount", BigInteger, nullable=False),
)


class Ping(Event):
    event_type: ClassVar[str] = "test.ping"
    topic: ClassVar[str] = "test.ping.v1"
    key_field: ClassVar[str] = "key"
    key: str
    amount: int
    poison: bool = False


def ping_on(topic: str) -> type[Ping]:
    """Each test has a topic of its own: a Ping class that travels on it."""
    return type(f"Ping_{topic.replace('.', '_')}", (Ping,), {"topic": topic})


Handler = Callable[[HandlerContext[Any], Envelope[Ping]], Awaitable[None]]


async def record_effect(ctx: HandlerContext[Any], env: Envelope[Ping]) -> None:
    await ctx.session.execute(insert(effects).values(key=env.payload.key, amount=env.payload.amount))


class _Settings(ServiceSettings):
    service = "catalog"  # any registered name: only the settings object is needed


def create_schema(admin_url: str, name: str) -> str:
    """A fresh database with the test tables; returns its asyncpg URL."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    sync_url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    engine = create_engine(sync_url.replace("postgresql://", "postgresql+psycopg://"))
    metadata.create_all(engine)
    engine.dispose()
    return sync_url.replace("postgresql://", "postgresql+asyncpg://")


class Harness:
    def __init__(self, db_url: str, bootstrap: str, service: str = "test") -> None:
        self.db = Database(db_url)
        self.bootstrap = bootstrap
        self.broker = KafkaBroker(bootstrap, log_level=logging.DEBUG)
        self.relay = OutboxRelay(self.db, outbox, bootstrap, service)
        self.runtime = Runtime(service, _Settings(database_url=db_url), self.db, outbox, self.relay.wake.set)
        self.consumers = ConsumerRuntime(self.runtime, inbox, backoff=0.01)

    def subscribe(self, topic: str, handler: Handler) -> None:
        self.consumers.register(self.broker, Subscription(ping_on(topic), handler))

    async def start(self) -> Harness:
        await self.relay.start()
        await self.broker.start()
        return self

    async def stop(self) -> None:
        await self.broker.stop()
        await self.relay.stop()
        await self.db.dispose()

    async def count(self, sql: str, **params: Any) -> int:
        async with self.db.transaction() as session:
            return int((await session.execute(text(sql), params)).scalar() or 0)


async def produce(bootstrap: str, topic: str, values: list[bytes], key: bytes | None = b"k") -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for v in values:
            await producer.send_and_wait(topic, v, key=key)
    finally:
        await producer.stop()


async def read_topic(bootstrap: str, topic: str, want: Callable[[dict[str, Any]], bool], count: int,
                     timeout: float = 30) -> list[dict[str, Any]]:
    """Read a topic from the start until ``count`` JSON messages match ``want``."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                enable_auto_commit=False)
    await consumer.start()
    found: list[dict[str, Any]] = []
    try:
        async with asyncio.timeout(timeout):
            while len(found) < count:
                batch = await consumer.getmany(timeout_ms=500)
                for records in batch.values():
                    for r in records:
                        body = json.loads(r.value)
                        if want(body):
                            found.append(body)
    finally:
        await consumer.stop()
    return found


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 30, what: str = "condition") -> None:
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.1)
