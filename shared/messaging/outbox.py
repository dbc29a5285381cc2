"""Writing events to the outbox inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.envelope import Envelope, Event


def outbox_row(topic: str, key: str | None, envelope: Envelope[Event]) -> dict[str, object]:
    return {
        "topic": topic,
        "key": key,
        "event_id": envelope.event_id,
        "event_type": envelope.event_type,
        "value": envelope.model_dump_json().encode(),
    }


async def put(session: AsyncSession, outbox: Table, topic: str, key: str | None,
              envelopes: Sequence[Envelope[Event]]) -> None:
    """Add events to the outbox in the session's transaction (one bulk insert)."""
    if envelopes:
        await session.execute(insert(outbox), [outbox_row(topic, key, e) for e in envelopes])
