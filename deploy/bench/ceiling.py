"""The raw ceiling of a run, measured in the same run on the same Kafka and PostgreSQL.

One hop is what every item costs each time it crosses a topic: serialize its event and produce it
(the publish), then consume, parse with the event model and COPY the rows into a table (the read).
The bench counts how many publishes and reads an item gets in the real pipeline (from the services'
own wiring), measures one publish and one read of the same number of items in chunks of the same
size, and adds them up: the time the pipeline could not beat with this Kafka, PostgreSQL and pydantic
if it did nothing else. On two cores the work can split in two, so that time is halved.

That halved clock time is what the issue's goal is measured against. It would be out of reach for two cores
if Kafka and PostgreSQL worked on the second core while the bench's process was timed on the first (the broker
serving the produce and fetch requests, the server running the COPY), so the CPU of the same work is counted
too: the bench's own process, its PostgreSQL backend, and Kafka above its idle rate (the WAL writer and the
other background processes are left out: it is counted short). Its half is printed as the time two cores busy
at full could not beat. Measured here it is the clock's ceiling, within a few percent: the bench's process
waits while the server runs the COPY.
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

from deploy.bench.meter import component_cpu, process_cpu
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


@dataclass(frozen=True)
class Cpu:
    """CPU seconds of one publish or one read of every item: where a part is None, it ran on another machine."""

    own_s: float             # the bench's own process: serialize and produce; consume, parse, send the COPY
    database_s: float | None  # the PostgreSQL backend running the COPY
    kafka_s: float | None     # the broker, above what it spends idle (the services' polls) in as long

    @property
    def total_s(self) -> float:
        return self.own_s + (self.database_s or 0.0) + (self.kafka_s or 0.0)


class _Watch:
    """The CPU of one phase: the bench's process, a database backend (by its pid) and Kafka."""

    def __init__(self, kafka_idle_per_s: float | None, backend_pid: int | None = None) -> None:
        self.kafka_idle_per_s, self.backend_pid = kafka_idle_per_s, backend_pid
        self.began = time.perf_counter()
        self.own, self.kafka = time.process_time(), component_cpu("kafka")
        self.backend = process_cpu(backend_pid) if backend_pid else None

    def stop(self) -> Cpu:
        wall = time.perf_counter() - self.began
        kafka, backend = component_cpu("kafka"), process_cpu(self.backend_pid) if self.backend_pid else None
        kafka_s = None
        if kafka is not None and self.kafka is not None and self.kafka_idle_per_s is not None:
            kafka_s = max(0.0, kafka - self.kafka - self.kafka_idle_per_s * wall)
        database_s = backend - self.backend if backend is not None and self.backend is not None else None
        return Cpu(time.process_time() - self.own, database_s, kafka_s)


def kafka_idle_rate(seconds: float = 2.0) -> float | None:
    """Kafka's CPU per second while the stack is idle (the services' consumers polling), None if not here."""
    first = component_cpu("kafka")
    time.sleep(seconds)
    last = component_cpu("kafka")
    return (last - first) / seconds if first is not None and last is not None else None


@dataclass
class Ceiling:
    items: int
    publishes: int        # item topics an item is published on
    reads: int            # subscriptions that read an item topic
    publish_s: float      # serialize + produce of every item once
    read_s: float         # consume + parse + COPY of every item once
    cores: int = 2
    publish_cpu: Cpu | None = None  # the CPU of that publish and that read (the bench's, the backend's, Kafka's)
    read_cpu: Cpu | None = None
    kafka_idle_per_s: float | None = None  # the broker's CPU per second with the stack idle (taken off Kafka's)

    @property
    def one_core_s(self) -> float:
        return self.publishes * self.publish_s + self.reads * self.read_s

    @property
    def seconds(self) -> float:
        return self.one_core_s / self.cores

    @property
    def per_second(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0

    @property
    def cpu_s(self) -> float | None:
        """The CPU every publish and read of the pipeline would use, at the ceiling's cost per hop."""
        if self.publish_cpu is None or self.read_cpu is None:
            return None
        return self.publishes * self.publish_cpu.total_s + self.reads * self.read_cpu.total_s

    @property
    def cpu_bound_s(self) -> float | None:
        """The least time ``cores`` cores busy at full need for that CPU (never less than ``seconds``)."""
        return None if self.cpu_s is None else max(self.seconds, self.cpu_s / self.cores)


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


async def _publish(bootstrap: str, topic: str, items: int, size: int, idle: float | None) -> tuple[float, Cpu]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True,
                                max_request_size=8 * 1024 * 1024, linger_ms=5)
    await producer.start()
    try:
        began, watch = time.perf_counter(), _Watch(idle)
        for start in range(0, items, 100 * size):  # built and sent in parts: memory stays small at any size
            sent = [await producer.send(topic, value, key=str(n).encode())
                    for n, value in enumerate(chunk_events(start, min(start + 100 * size, items), size))]
            await asyncio.gather(*sent)
        return time.perf_counter() - began, watch.stop()
    finally:
        await producer.stop()


async def _read(bootstrap: str, topic: str, dsn: str, items: int, idle: float | None) -> tuple[float, Cpu]:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=f"bench-{uuid.uuid4().hex[:8]}",
                                auto_offset_reset="earliest", enable_auto_commit=False,
                                max_partition_fetch_bytes=16 * 1024 * 1024)
    db = await asyncpg.connect(dsn)
    await db.execute(f"DROP TABLE IF EXISTS {TABLE}")
    await db.execute(f"CREATE TABLE {TABLE} (item_id text PRIMARY KEY, batch_id text, id_number text, "
                     "card_number text, village text, amount_fen bigint, at timestamptz)")
    backend = int(await db.fetchval("SELECT pg_backend_pid()"))
    await consumer.start()
    try:
        began, seen, watch = time.perf_counter(), 0, _Watch(idle, backend)
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
        return time.perf_counter() - began, watch.stop()
    finally:
        await consumer.stop()
        await db.execute(f"DROP TABLE IF EXISTS {TABLE}")
        await db.close()


async def _measure(bootstrap: str, dsn: str, items: int, size: int, idle: float | None) -> Ceiling:
    topic = f"{TOPIC}.{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=6, replication_factor=1)])
        publish_s, publish_cpu = await _publish(bootstrap, topic, items, size, idle)
        read_s, read_cpu = await _read(bootstrap, topic, dsn, items, idle)
        await admin.delete_topics([topic])
    finally:
        await admin.close()
    publishes, reads = hops()
    return Ceiling(items, publishes, reads, publish_s, read_s, publish_cpu=publish_cpu, read_cpu=read_cpu,
                   kafka_idle_per_s=idle)


def measure(bootstrap: str, dsn: str, items: int, size: int | None = None) -> Ceiling:
    """Measure one publish and one read of ``items`` items on this Kafka (``bootstrap``) and this
    PostgreSQL database (``dsn``, a plain postgresql:// URL): a scratch topic and table, removed after. Chunks
    of ``size`` items, by default the services' own chunk size (``YKT_CHUNK_SIZE``). The garbage collector is
    settled first, as in the services (``shared.gctune``)."""
    gctune.settle()
    idle = kafka_idle_rate()
    return asyncio.run(_measure(bootstrap, dsn, items, size or CommonSettings().chunk_size, idle))
