"""An idle stack wakes seldom. A subscriber waits for records without sleeping between polls (FastStream's
batch subscriber slept 200 ms after every empty poll, so each idle subscriber woke five times a second and a
record arriving meanwhile waited for the sleep); an idle relay looks at its outbox less often."""

from __future__ import annotations

import asyncio
import inspect
import time
from typing import Any

from faststream.kafka import KafkaBroker

from shared.events.payloads import BatchSubmitted
from shared.messaging.consumer import IDLE_POLL_MS, ConsumerRuntime, Subscription


class _Consumer:
    """Stands in for aiokafka's consumer: nothing for the first poll, then two records on two partitions."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def getmany(self, timeout_ms: int, max_records: int | None) -> dict[str, list[str]]:
        self.calls.append({"timeout_ms": timeout_ms, "max_records": max_records})
        return {} if len(self.calls) == 1 else {"p0": ["a"], "p1": ["b"]}


async def _noop(ctx: Any, env: Any) -> None:
    return None


def test_an_empty_poll_returns_at_once_and_the_next_one_gets_the_records() -> None:
    broker = KafkaBroker("127.0.0.1:1")
    runtime = ConsumerRuntime.__new__(ConsumerRuntime)  # registering needs only the service's name
    runtime.service = "review"
    runtime._groups = {}
    sub = Subscription(BatchSubmitted, _noop)
    runtime.register(broker, sub)
    [registered] = broker.subscribers
    subscriber: Any = registered  # FastStream's Kafka batch subscriber (get_msg is not on its public type)
    consumer = _Consumer()
    began = time.perf_counter()
    first = asyncio.run(subscriber.get_msg(consumer))
    assert first == () and time.perf_counter() - began < 0.1, "no sleep after an empty poll"
    assert asyncio.run(subscriber.get_msg(consumer)) == ("a", "b")
    assert consumer.calls == [{"timeout_ms": IDLE_POLL_MS, "max_records": sub.max_records}] * 2
    # FastStream's loop still asks the subscriber's get_msg (what the override replaces)
    assert "self.get_msg(consumer)" in inspect.getsource(type(subscriber)._run_consume_loop)


def test_an_idle_relay_looks_less_often_and_never_waits_more_than_a_second() -> None:
    from shared.messaging.relay import idle_wait

    waits = [idle_wait(n) for n in range(6)]
    assert waits[0] == 0.2 and waits == sorted(waits) and max(waits) == 1.0


def test_item_topics_are_fetched_with_a_short_wait_and_quiet_topics_with_a_long_one() -> None:
    from shared.events.payloads import ITEM_EVENTS, ProgramPublished, RosterPublished
    from shared.messaging.consumer import FETCH_WAIT_MS, ITEM_FETCH_WAIT_MS, fetch_wait_ms

    assert {fetch_wait_ms(m) for m in ITEM_EVENTS} == {ITEM_FETCH_WAIT_MS} and ITEM_FETCH_WAIT_MS <= 500
    assert fetch_wait_ms(ProgramPublished) == fetch_wait_ms(RosterPublished) == FETCH_WAIT_MS > ITEM_FETCH_WAIT_MS


def test_a_service_reads_each_item_topic_with_a_consumer_of_its_own_and_its_quiet_topics_with_one() -> None:
    import importlib

    from shared.events.payloads import ITEM_EVENTS
    from shared.registry import SERVICES

    item_topics = {m.topic for m in ITEM_EVENTS}
    for name in SERVICES:
        spec = importlib.import_module(f"services.{name}.app").SPEC
        broker = KafkaBroker("127.0.0.1:1")
        runtime = ConsumerRuntime.__new__(ConsumerRuntime)
        runtime.service, runtime._groups = name, {}
        runtime.register_all(broker, spec.subscriptions)
        consumers: dict[str, set[str]] = {s.group_id: set(s.topic_names) for s in broker.subscribers}  # type: ignore[attr-defined]
        wanted = {s.topic for s in spec.subscriptions}
        assert set().union(*consumers.values()) == wanted, name  # every topic read, by one consumer only
        assert sum(map(len, consumers.values())) == len(wanted), name
        quiet = wanted - item_topics
        for group, read in consumers.items():
            assert read == quiet and group == f"{name}.events" if read & quiet else len(read) == 1, (name, group)
        assert len(consumers) == len(wanted & item_topics) + bool(quiet), name
        assert all(runtime.group(s) in consumers and s.topic in consumers[runtime.group(s)]
                   for s in spec.subscriptions), name
