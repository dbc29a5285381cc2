"""Outbox, inbox and dead letters against the real broker and the real database."""

from __future__ import annotations

import asyncio
import base64
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text

from deploy.paths import REPO
from shared.db import Database
from shared.events import topics
from shared.events.envelope import Envelope, wrap
from shared.messaging.consumer import Subscription
from shared.messaging.context import HandlerContext
from shared.messaging.outbox import put
from tests.integration.harness import (
    Harness,
    Ping,
    create_schema,
    eventually,
    outbox,
    ping_on,
    produce,
    read_topic,
    record_effect,
)


@pytest.fixture(scope="module")
def db_url(infra: tuple[dict[str, str], str]) -> str:
    return create_schema(infra[1], "messaging_test")


@pytest.fixture
def bootstrap(infra: tuple[dict[str, str], str]) -> str:
    return infra[0]["YKT_KAFKA_BOOTSTRAP"]


@pytest.fixture
def topic() -> str:
    return f"test.ping.{uuid.uuid4().hex[:10]}.v1"


@pytest.fixture
async def harness(db_url: str, bootstrap: str) -> AsyncIterator[Harness]:
    h = Harness(db_url, bootstrap)
    yield h
    await h.stop()


def ping(key: str, amount: int = 1, poison: bool = False, topic: str = Ping.topic) -> Envelope[Ping]:
    return wrap(ping_on(topic)(key=key, amount=amount, poison=poison), producer="test", correlation_id=key)


async def test_outbox_publishes_committed_rows_in_order_and_never_rolled_back_ones(
        harness: Harness, bootstrap: str, topic: str) -> None:
    key = uuid.uuid4().hex
    sent = [ping(key, n, topic=topic) for n in range(60)]
    # committed while no relay runs (as after a crash between commit and publish)
    for part in (sent[:20], sent[20:45], sent[45:]):
        async with harness.db.transaction() as session:
            await put(session, outbox, part)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError):
        async with harness.db.transaction() as session:
            await put(session, outbox, [ping(key, -1, topic=topic)])  # type: ignore[list-item]
            raise RuntimeError("the handler failed after writing its outbox row")
    await harness.start()
    got = await read_topic(bootstrap, topic, lambda b: b["payload"]["key"] == key, 60)
    assert [g["payload"]["amount"] for g in got] == list(range(60))
    assert [g["event_id"] for g in got] == [str(e.event_id) for e in sent]
    await eventually(lambda: _unsent(harness, topic), what="rows marked sent")


async def test_sent_rows_are_deleted_once_kept_long_enough_and_unsent_ones_never(
        harness: Harness, bootstrap: str, topic: str) -> None:
    key = uuid.uuid4().hex
    async with harness.db.transaction() as session:
        await put(session, outbox, [ping(key, n, topic=topic) for n in range(3)])  # type: ignore[misc]
    await harness.start()
    await eventually(lambda: _unsent(harness, topic), what="rows marked sent")
    await harness.relay.stop()  # nothing more is sent: what is in the outbox now stays unsent
    async with harness.db.transaction() as session:
        await put(session, outbox, [ping(key, 9, topic=topic)])  # type: ignore[list-item]
    mine = "SELECT count(*) FROM outbox WHERE topic = :t"
    assert await harness.relay.prune() == 0  # kept a week by default (every row here is minutes old)
    assert await harness.count(mine, t=topic) == 4
    harness.relay.keep_sent = 0
    assert await harness.relay.prune() >= 3
    assert await harness.count(mine, t=topic) == 1  # the unsent row is never deleted
    assert await harness.count(mine + " AND sent_at IS NULL", t=topic) == 1


async def _unsent(h: Harness, topic: str) -> bool:
    return await h.count("SELECT count(*) FROM outbox WHERE topic = :t AND sent_at IS NULL", t=topic) == 0


async def test_redelivered_event_changes_nothing(harness: Harness, bootstrap: str, topic: str) -> None:
    key = uuid.uuid4().hex
    harness.subscribe(topic, record_effect)
    await harness.start()
    once = ping(key, 500).model_dump_json().encode()
    await produce(bootstrap, topic, [once, once, once])
    await eventually(lambda: _seen(harness, 3), what="three deliveries handled")
    assert await harness.count("SELECT count(*) FROM effects WHERE key = :k", k=key) == 1
    assert await harness.count("SELECT sum(amount) FROM effects WHERE key = :k", k=key) == 500


async def _seen(h: Harness, n: int) -> bool:
    return h.consumers.handled + h.consumers.dead_lettered >= n


async def test_unparseable_message_is_dead_lettered_and_the_consumer_keeps_going(
        harness: Harness, bootstrap: str, topic: str) -> None:
    key = uuid.uuid4().hex
    harness.subscribe(topic, record_effect)
    await harness.start()
    junk = b'{"this is": "not a Ping envelope"'
    await produce(bootstrap, topic, [junk, ping(key, 7).model_dump_json().encode()])
    await eventually(lambda: _effect(harness, key), what="the good message after the bad one")
    [dead] = await read_topic(bootstrap, topics.DEAD_LETTER, lambda b: b["payload"]["original_topic"] == topic, 1)
    assert "unparseable Ping" in dead["payload"]["reason"]
    assert base64.b64decode(dead["payload"]["raw_value_b64"]) == junk  # nothing lost


async def _effect(h: Harness, key: str) -> bool:
    return await h.count("SELECT count(*) FROM effects WHERE key = :k", k=key) > 0


async def test_poison_message_dead_lettered_after_five_tries_while_others_flow(
        harness: Harness, bootstrap: str, topic: str) -> None:
    tries: Counter[str] = Counter()

    async def sometimes_fails(ctx: HandlerContext[Any], env: Envelope[Ping]) -> None:
        tries[env.payload.key] += 1
        if env.payload.poison:
            raise ValueError("this event can never be handled")
        await record_effect(ctx, env)

    harness.subscribe(topic, sometimes_fails)
    await harness.start()
    poison = ping("poison-" + uuid.uuid4().hex, poison=True)
    good = [ping(uuid.uuid4().hex, n) for n in range(10)]
    await produce(bootstrap, topic, [e.model_dump_json().encode() for e in [good[0], poison, *good[1:]]],
                  key=None)
    await eventually(lambda: _seen(harness, 11), what="all eleven messages settled")
    assert tries[poison.payload.key] == 5
    assert all(tries[g.payload.key] == 1 for g in good)
    assert await harness.count("SELECT count(*) FROM effects WHERE key LIKE 'poison-%'") == 0
    for g in good:
        assert await _effect(harness, g.payload.key)
    [dead] = await read_topic(bootstrap, topics.DEAD_LETTER, lambda b: b["payload"]["original_topic"] == topic, 1)
    assert dead["payload"]["attempts"] == 5 and "can never be handled" in dead["payload"]["reason"]
    assert await harness.count("SELECT count(*) FROM inbox WHERE message_id = :m AND outcome = 'dead_lettered'",
                               m=str(poison.event_id)) == 1


async def test_one_consumer_reads_several_topics_and_hands_each_record_to_its_own_handler(
        harness: Harness, bootstrap: str, topic: str) -> None:
    """How a service reads its quiet topics: one consumer group for all of them (``register_all``)."""
    other = topic.replace("ping", "pong")
    seen: dict[str, list[str]] = {topic: [], other: []}

    def keeps(name: str) -> Any:
        async def handler(ctx: HandlerContext[Any], env: Envelope[Ping]) -> None:
            if env.payload.poison:
                raise ValueError("never handled")
            seen[name].append(env.payload.key)
            await record_effect(ctx, env)
        return handler

    harness.consumers.register(harness.broker, Subscription(ping_on(topic), keeps(topic)),
                               Subscription(ping_on(other), keeps(other)), group="test.events")
    await harness.start()
    ours = [ping(f"a{n}-{uuid.uuid4().hex}", n, topic=topic) for n in range(5)]
    theirs = [ping(f"b{n}-{uuid.uuid4().hex}", n, topic=other) for n in range(5)]
    bad = ping("poison-" + uuid.uuid4().hex, poison=True, topic=other)
    await produce(bootstrap, topic, [e.model_dump_json().encode() for e in ours])
    await produce(bootstrap, other, [e.model_dump_json().encode() for e in [*theirs[:2], bad, *theirs[2:]]])
    await eventually(lambda: _seen(harness, 11), what="eleven messages on two topics settled")
    assert seen == {topic: [e.payload.key for e in ours], other: [e.payload.key for e in theirs]}
    [dead] = await read_topic(bootstrap, topics.DEAD_LETTER, lambda b: b["payload"]["original_topic"] == other, 1)
    assert dead["payload"]["consumer_group"] == "test.events"


async def test_crash_mid_handler_before_commit_duplicates_nothing(
        db_url: str, bootstrap: str, topic: str, harness: Harness) -> None:
    key = uuid.uuid4().hex
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.integration.crash_worker", db_url, bootstrap, topic, cwd=REPO)
    await produce(bootstrap, topic, [ping(key, 42).model_dump_json().encode()])
    assert await asyncio.wait_for(worker.wait(), 60) == 17  # died inside the handler
    assert await harness.count("SELECT count(*) FROM effects WHERE key = :k", k=key) == 0
    harness.subscribe(topic, record_effect)  # same service, same consumer group: the offset was not committed
    await harness.start()
    await eventually(lambda: _effect(harness, key), what="redelivery after the crash")
    await asyncio.sleep(1)
    assert await harness.count("SELECT count(*) FROM effects WHERE key = :k", k=key) == 1


async def test_a_long_transaction_in_another_database_does_not_delay_this_outbox(
        harness: Harness, bootstrap: str, topic: str, infra: tuple[dict[str, str], str]) -> None:
    other = create_schema(infra[1], "another_service_test")
    busy = Database(other)
    key = uuid.uuid4().hex
    async with busy.transaction() as long_tx:
        await long_tx.execute(text("SELECT pg_current_xact_id()"))  # a transaction id, held for 15 s below
        holder = asyncio.create_task(asyncio.sleep(15))
        async with harness.db.transaction() as session:
            await put(session, outbox, [ping(key, 1, topic=topic)])  # type: ignore[list-item]
        await harness.start()
        started = asyncio.get_running_loop().time()
        got = await read_topic(bootstrap, topic, lambda b: b["payload"]["key"] == key, 1, timeout=10)
        waited = asyncio.get_running_loop().time() - started
        holder.cancel()
    await busy.dispose()
    assert got and waited < 5, f"published after {waited:.1f}s while another database's transaction was open"


async def test_a_partition_read_in_part_gets_its_next_record_without_waiting_out_a_fetch(
        bootstrap: str, topic: str) -> None:
    """A poll takes at most ``max_records``; while the rest of a fetch waits in the buffer, aiokafka fetches the
    other partitions alone, and a record arriving on the first partition then waits until that fetch comes back
    (the broker holds it the fetch wait when the other partitions are quiet). On an item topic the wait must stay
    short: at 5,000 ms it stalled the end of every payroll for seconds."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    from shared.events.payloads import PaymentSettled
    from shared.messaging.consumer import PARTITION_FETCH_BYTES, Subscription, fetch_wait_ms

    take = Subscription(Ping, record_effect).max_records
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=f"g.{topic}",
                                auto_offset_reset="earliest", enable_auto_commit=False,
                                max_partition_fetch_bytes=PARTITION_FETCH_BYTES,
                                fetch_max_wait_ms=fetch_wait_ms(PaymentSettled))
    try:
        for n in range(take + 5):  # more than one poll takes, on partition 0 (the topic has more partitions)
            await producer.send(topic, f"{n}".encode(), partition=0)
        await producer.flush()
        await consumer.start()
        assert len(consumer.assignment()) > 1, "the case needs a consumer of several partitions"
        got: list[bytes] = []
        while len(got) < take:
            for records in (await consumer.getmany(timeout_ms=5000, max_records=take)).values():
                got += [r.value or b"" for r in records]
        assert len(got) == take, "one poll takes max_records; the rest of the fetch waits in the buffer"
        await asyncio.sleep(0.5)  # a handler's work; meanwhile the next fetch goes out for the other partitions
        while len(got) < take + 5:
            for records in (await consumer.getmany(timeout_ms=5000, max_records=take)).values():
                got += [r.value or b"" for r in records]
        await producer.send_and_wait(topic, b"next", partition=0)
        sent = asyncio.get_running_loop().time()
        while True:
            batch = await consumer.getmany(timeout_ms=10_000, max_records=take)
            if any(r.value == b"next" for records in batch.values() for r in records):
                break
        waited = asyncio.get_running_loop().time() - sent
        assert waited < 2.0, f"a record waited {waited:.1f} s behind a held fetch of quiet partitions"
    finally:
        await consumer.stop()
        await producer.stop()


async def test_a_record_larger_than_a_partitions_fetch_comes_through_whole(bootstrap: str, topic: str) -> None:
    """Consumers fetch at most PARTITION_FETCH_BYTES a partition (what each keeps buffered ahead of its handler);
    the broker still hands over a record batch larger than that whole, as the first of a fetch (KIP-74): a chunk
    of the largest size the relay may send (8 MB) is never stuck."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    from shared.messaging.consumer import PARTITION_FETCH_BYTES

    big = bytes(range(256)) * (3 * PARTITION_FETCH_BYTES // 256)
    assert len(big) > 2 * PARTITION_FETCH_BYTES and len(big) < 7 * 1024 * 1024
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", max_request_size=8 * 1024 * 1024)
    await producer.start()
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=f"g.{topic}",
                                auto_offset_reset="earliest", enable_auto_commit=False,
                                max_partition_fetch_bytes=PARTITION_FETCH_BYTES)
    try:
        await producer.send_and_wait(topic, b"small", partition=0)
        await producer.send_and_wait(topic, big, partition=0)
        await producer.send_and_wait(topic, b"after", partition=0)
        await consumer.start()
        got: list[bytes] = []
        deadline = asyncio.get_running_loop().time() + 30
        while len(got) < 3 and asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=2000)).values():
                got += [r.value or b"" for r in records]
        assert [len(v) for v in got] == [5, len(big), 5] and got[1] == big
    finally:
        await consumer.stop()
        await producer.stop()
