"""Writing events to the outbox inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from shared import bulk
from shared.events.envelope import Envelope, Event, dump


def outbox_row(envelope: Envelope[Event]) -> dict[str, object]:
    """The row the relay will publish: the event's own topic and partition key."""
    return {
        "topic": envelope.payload.topic,
        "key": envelope.payload.partition_key(),
        "event_id": envelope.event_id,
        "event_type": envelope.event_type,
        "value": dump(envelope).encode(),
    }


async def put(session: AsyncSession, outbox: Table, envelopes: Sequence[Envelope[Event]]) -> None:
    """Add events to the outbox in the session's transaction: one statement for all of them, straight to asyncpg
    (``shared.bulk``), rows in the order given (the relay publishes a transaction's rows by id)."""
    if envelopes:
        await bulk.insert_rows(session, outbox, [outbox_row(e) for e in envelopes])
