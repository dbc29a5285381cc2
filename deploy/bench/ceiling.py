"""The raw ceiling of a run, measured in the same run on the same Kafka and PostgreSQL.

One hop is what every item costs each time it crosses a topic: serialize its event and produce it
(the publish), then consume, parse with the event model and COPY the rows into a table (the read).
The bench counts how many publishes and reads an item gets in the real pipeline (from the services'
own wiring), measures one publish and one read of the same number of items in chunks of the same
size, and adds them up: the time the pipeline could not beat with this Kafka, PostgreSQL and pydantic
if it did nothing else. On two cores the work can split in two, so that time is halved.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from shared import gctune
from shared.events.envelope import Envelope, wrap
from shared.events.payloads import (
    ITEM_EVENTS,
    BatchSubmitted,
    Item,
)
from shared.messaging.chunks import item_chunks
from shared.registry import SERVICES
from shared.settings import CommonSettings

TOPIC = "ykt.bench.ceiling.v1"
TABLE = "ykt_bench_ceiling"


@dataclass
class Ceiling:
    items: int
    publishes: int        # item topics an item is published on
    reads: int            # subscriptions that read an item topic
    publish_s: float      # serialize + produce of every item once
    read_s: float         # consume + parse + COPY of every item once
    cores: int = 2

    @property
    def one_core_s(self) -> float:
        return self.publishes * self.publish_s + self.reads * self.read_s

    @property
    def seconds(self) -> float:
        return self.one_core_s / self.cores

    @property
    def per_second(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0


def hops() -> tuple[int, int]:
    """(publishes, reads) per item in the running pipeline, from each service's wiring."""
    reads = 0
    for name in SERVICES:
        spec = importlib.import_module(f"services.{name}.app").SPEC
        reads += sum(1 for s in spec.subscriptions if s.model in ITEM_EVENTS)
    return len(ITEM_EVENTS), reads


def chunk_events(first: int, end: int, size: int) -> list[bytes]:
    """Declared items ``first`` .. ``end - 1`` in chunks of ``size``, as outbox values (the bytes a relay sends)."""
    out = []
    for start in range(first, end, size):
        batch = f"CEIL{start // 100_000:06d}"
        part = [Item(item_id=f"{batch}-{n:07d}", name="卓玛才让", id_number="632523198807150021",
                     card_number="6231000000000012345", bank_code="QHRCB", village="尕让村",
                     quantity=Decimal("1"), amount_fen=12_000 + n % 997)
                for n in range(start, min(start + size, end))]
        event = item_chunks(BatchSubmitted, part, size, batch_id=batch, program_code="P", department_code="D",
                            period="2026-11", township_code="632523100")[0]
        out.append(wrap(event, producer="bench", correlation_id=batch).model_dump_json().encode())
    return out


async def _publish(bootstrap: str, topic: str, items: int, size: int) -> float:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True,
                                max_request_size=8 * 1024 * 1024, linger_ms=5)
    await producer.start()
    try:
        began = time.perf_counter()
        for start in range(0, items, 100 * size):  # built and sent in parts: memory stays small at any size
            sent = [await producer.send(topic, value, key=str(n).encode())
                    for n, value in enumerate(chunk_events(start, min(start + 100 * size, items), size))]
            await asyncio.gather(*sent)
        return time.perf_counter() - began
    finally:
        await producer.stop()


async def _read(bootstrap: str, topic: str, dsn: str, items: int) -> float:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=f"bench-{uuid.uuid4().hex[:8]}",
                                auto_offset_reset="earliest", enable_auto_commit=False,
                                max_partition_fetch_bytes=16 * 1024 * 1024)
    db = await asyncpg.connect(dsn)
    await db.execute(f"DROP TABLE IF EXISTS {TABLE}")
    await db.execute(f"CREATE TABLE {TABLE} (item_id text PRIMARY KEY, batch_id text, id_number text, "
                     "card_number text, village text, amount_fen bigint, at timestamptz)")
    await consumer.start()
    try:
        began, seen = time.perf_counter(), 0
        model = Envelope[BatchSubmitted]
        while seen < items:
            got = await consumer.getmany(timeout_ms=1000, max_records=20)
            for records in got.values():
                for r in records:
                    p = model.model_validate_json(r.value or b"").payload
                    now = dt.datetime.now(dt.UTC)
                    async with db.transaction():
                        await db.copy_records_to_table(TABLE, records=[
                            (i.item_id, p.batch_id, i.id_number, i.card_number, i.village, i.amount_fen, now)
                            for i in p.items])
                    seen += len(p.items)
            await consumer.commit()
        return time.perf_counter() - began
    finally:
        await consumer.stop()
        await db.execute(f"DROP TABLE IF EXISTS {TABLE}")
        await db.close()


async def _measure(bootstrap: str, dsn: str, items: int, size: int) -> Ceiling:
    topic = f"{TOPIC}.{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=6, replication_factor=1)])
        publish_s = await _publish(bootstrap, topic, items, size)
        read_s = await _read(bootstrap, topic, dsn, items)
        await admin.delete_topics([topic])
    finally:
        await admin.close()
    publishes, reads = hops()
    return Ceiling(items, publishes, reads, publish_s, read_s)


def measure(bootstrap: str, dsn: str, items: int, size: int | None = None) -> Ceiling:
    """Measure one publish and one read of ``items`` items on this Kafka (``bootstrap``) and this
    PostgreSQL database (``dsn``, a plain postgresql:// URL): a scratch topic and table, removed after. Chunks
    of ``size`` items, by default the services' own chunk size (``YKT_CHUNK_SIZE``). The garbage collector is
    settled first, as in the services (``shared.gctune``)."""
    gctune.settle()
    return asyncio.run(_measure(bootstrap, dsn, items, size or CommonSettings().chunk_size))
