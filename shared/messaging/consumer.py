"""Consumers: parse once, handle in one transaction with the inbox, capped retries, dead letters.

Offsets are committed (``msg.ack()``) only after every record of the polled batch has been
handled or dead-lettered in a committed transaction. A database or broker outage is not the
message's fault: it is retried without limit, so good messages are never dead-lettered by it.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from pydantic import ValidationError
from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from shared.events.envelope import DeadLettered, Envelope, Event
from shared.events.payloads import ITEM_EVENTS
from shared.logs import correlation_id
from shared.messaging import inbox as inbox_mod
from shared.messaging.context import HandlerContext, Runtime

log = logging.getLogger(__name__)

# a use case gets the handler context (open transaction, settings, emit) and the parsed event
Handler = Callable[[HandlerContext[Any], Envelope[Any]], Awaitable[None]]


class RetryLater(Exception):
    """Raised by a handler that needs something still on its way (e.g. a program before its batches):
    retried for up to ``RETRY_LATER_SECONDS`` without counting as a failure, then treated as one. For item
    handlers only: the quiet topics of a service share one consumer, which would wait with it."""


RETRY_LATER_SECONDS = 120
# How long the broker holds a fetch that finds nothing new. It is also the longest a partition can wait for its
# next records while its consumer is busy: once a fetch's records wait in the consumer's buffer (the handler
# is still on the previous poll, or a poll took only ``max_records``), aiokafka fetches the other partitions
# alone, and with one fetch in flight per broker a record arriving on the first waits until that one comes
# back. On the item topics (handlers of 50-500 ms a chunk) a 5,000 ms wait stalled the end of a 100k payroll
# ~4.5 s; 500 ms (Kafka's default) there. The other topics carry a few small events each, handled in a few ms
# (within the 100 ms aiokafka waits before fetching around a buffered partition): 5,000 ms, which spares idle
# round trips (measured when each quiet topic had a consumer of its own, ~35: all at 500 ms cost the idle stack
# +2 s CPU per 30 s, broker and services).
ITEM_FETCH_WAIT_MS = 500
FETCH_WAIT_MS = 5000
PARTITION_FETCH_BYTES = 2 * 1024 * 1024
IDLE_POLL_MS = 2000
# The quiet topics of a service are read by one consumer (group "<service>.events"), not one each: an idle
# consumer costs a fetch every FETCH_WAIT_MS and a heartbeat every 3 s, in the service and in the broker.
# Measured here (bare aiokafka consumers on idle topics, 30 s): 36 consumers of a topic each 1.27 s of the
# clients' CPU and 1.10 s of the broker's above its own baseline; 9 consumers of 4 topics each 0.44 and 0.30 s.
# Only item handlers wait for another event (``RetryLater``): a quiet one never holds the others up for long.
QUIET_GROUP = "events"


@dataclass(frozen=True)
class Subscription:
    """The event class to consume (its topic comes with it) and the use case that handles one event."""

    model: type[Event]
    handler: Handler
    max_records: int = 20
    # a slim reading of the same topic (shared.events.slim) for a handler that needs ids and amounts only
    reads: type[Event] | None = None

    @property
    def parsed_as(self) -> type[Event]:
        return self.reads or self.model

    @property
    def topic(self) -> str:
        return self.model.topic


def fetch_wait_ms(model: type[Event]) -> int:
    """The broker's hold on an empty fetch for a topic: short where items flow in chunks, long elsewhere."""
    return ITEM_FETCH_WAIT_MS if model in ITEM_EVENTS else FETCH_WAIT_MS


def waits_without_sleeping(subscriber: Any) -> None:
    """FastStream's batch subscriber asks for records with a 200 ms wait and, when none came, sleeps another
    200 ms before asking again: each of the stack's ~50 subscribers woke five times a second while idle, and
    a record arriving during the sleep waited for it. This one waits up to ``IDLE_POLL_MS`` for records
    (answered as soon as one arrives) and asks again at once."""

    async def get_msg(consumer: Any) -> tuple[ConsumerRecord[Any, Any], ...]:
        got = await consumer.getmany(timeout_ms=IDLE_POLL_MS, max_records=subscriber.max_records)
        return tuple(chain.from_iterable(got.values()))

    subscriber.get_msg = get_msg


class ConsumerRuntime:
    def __init__(self, runtime: Runtime[Any], inbox: Table, max_tries: int = 5, backoff: float = 0.2) -> None:
        self.runtime = runtime
        self.inbox = inbox
        self.service = runtime.service
        self.max_tries = max_tries
        self.backoff = backoff
        self.handled = 0
        self.dead_lettered = 0
        self._groups: dict[str, str] = {}  # topic -> the consumer group reading it

    def group(self, sub: Subscription) -> str:
        """The consumer group reading the subscription's topic (set when it was registered)."""
        return self._groups[sub.topic]

    def register_all(self, broker: KafkaBroker, subs: Sequence[Subscription]) -> None:
        """A consumer of its own for each item topic (they are read side by side); one for all the others."""
        for sub in subs:
            if sub.model in ITEM_EVENTS:
                self.register(broker, sub)
        quiet = [s for s in subs if s.model not in ITEM_EVENTS]
        if quiet:
            self.register(broker, *quiet, group=f"{self.service}.{QUIET_GROUP}")

    def register(self, broker: KafkaBroker, *subs: Subscription, group: str | None = None) -> None:
        """Attach a batch subscriber with manual acknowledgement to the broker: one consumer (one group) reading
        the topics of ``subs``, each record handled by the subscription of its topic."""
        by_topic = {s.topic: s for s in subs}
        if len(by_topic) != len(subs):
            raise ValueError(f"{self.service}: two subscriptions to one topic in one consumer")
        first = subs[0]
        group = group or f"{self.service}.{first.topic}"
        self._groups.update(dict.fromkeys(by_topic, group))
        subscriber = broker.subscriber(
            *by_topic, group_id=group, batch=True, max_records=min(s.max_records for s in subs),
            auto_offset_reset="earliest", ack_policy=AckPolicy.MANUAL,
            max_partition_fetch_bytes=PARTITION_FETCH_BYTES,
            fetch_max_wait_ms=min(fetch_wait_ms(s.model) for s in subs),
            title=f"{self.service}:{first.topic}" if len(subs) == 1 else group,
            description=f"consumes {', '.join(s.model.__name__ for s in subs)}", decoder=_undecoded,
        )
        waits_without_sleeping(subscriber)

        @subscriber
        async def consume(body: Any, msg: KafkaMessage) -> None:
            records: Sequence[ConsumerRecord[Any, Any]] = msg.raw_message  # type: ignore[assignment]
            try:
                await self.process(records, by_topic)
            except BaseException:
                # seek back to the batch's start so no later commit can skip an unhandled record
                await msg.nack()
                raise
            await msg.ack()

    async def process(self, records: Sequence[ConsumerRecord[Any, Any]], by_topic: dict[str, Subscription]) -> None:
        for record in records:
            await self.process_one(record, by_topic[record.topic])

    async def process_one(self, record: ConsumerRecord[Any, Any], sub: Subscription) -> None:
        position = f"{record.topic}:{record.partition}:{record.offset}"
        try:
            envelope = Envelope[sub.parsed_as].model_validate_json(record.value or b"")  # type: ignore[name-defined]
        except ValidationError as exc:
            await self._dead_letter(record, sub, position, f"unparseable {sub.parsed_as.__name__}: {_short(exc)}", 1)
            return
        correlation_id.set(envelope.correlation_id)
        message_id = str(envelope.event_id)
        failures = 0
        waited = 0.0
        while True:
            try:
                async with self.runtime.unit_of_work(envelope.correlation_id, message_id) as ctx:
                    if await inbox_mod.claim(ctx.session, self.inbox, message_id, record.topic):
                        await sub.handler(ctx, envelope)
                self.handled += 1
                return
            except (OperationalError, InterfaceError, OSError) as exc:
                await self._infra_pause(exc)
            except RetryLater as exc:
                if waited < RETRY_LATER_SECONDS:
                    log.info("not ready yet (%s); retrying", exc)
                    await asyncio.sleep(1)
                    waited += 1
                    continue
                failures += 1
                if await self._gave_up(record, sub, message_id, exc, failures):
                    return
            except DBAPIError as exc:
                if exc.connection_invalidated:
                    await self._infra_pause(exc)
                    continue
                failures += 1
                if await self._gave_up(record, sub, message_id, exc, failures):
                    return
            except Exception as exc:
                failures += 1
                if await self._gave_up(record, sub, message_id, exc, failures):
                    return

    async def _infra_pause(self, exc: BaseException) -> None:
        log.warning("database unavailable (%s); retrying the same message", type(exc).__name__)
        await asyncio.sleep(2)

    async def _gave_up(self, record: ConsumerRecord[Any, Any], sub: Subscription, message_id: str,
                       exc: Exception, failures: int) -> bool:
        if failures >= self.max_tries:
            await self._dead_letter(record, sub, message_id, f"{type(exc).__name__}: {exc}"[:2000], failures)
            return True
        log.warning("handler failed (try %d of %d): %s", failures, self.max_tries, exc)
        await asyncio.sleep(self.backoff * 2 ** (failures - 1))
        return False

    async def _dead_letter(self, record: ConsumerRecord[Any, Any], sub: Subscription, message_id: str,
                           reason: str, attempts: int) -> None:
        log.error("dead-lettering %s:%s:%s after %d tries: %s", record.topic, record.partition,
                  record.offset, attempts, reason[:300])
        key = record.key.decode(errors="replace") if record.key else None
        event = DeadLettered(
            original_topic=record.topic, partition=record.partition, offset=record.offset, key=key,
            consumer_group=self.group(sub), reason=reason, attempts=attempts,
            raw_value_b64=base64.b64encode(record.value or b"").decode(),
        )
        while True:
            try:
                async with self.runtime.unit_of_work(message_id) as ctx:
                    if await inbox_mod.claim(ctx.session, self.inbox, message_id, record.topic, "dead_lettered"):
                        await ctx.emit(event)
                self.dead_lettered += 1
                return
            except (OperationalError, InterfaceError, OSError) as exc:
                await self._infra_pause(exc)


async def _undecoded(msg: Any) -> Any:
    """Leave the bytes alone: each record is parsed once, by its event model, in ``process_one``."""
    return msg.body


def _short(exc: ValidationError) -> str:
    errs = exc.errors()[:3]
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errs)
