"""The idempotent inbox: a message id recorded in the same transaction as its effect."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


async def claim(session: AsyncSession, inbox: Table, message_id: str, topic: str, outcome: str = "handled") -> bool:
    """Record the message as consumed; False if it already was (a redelivery: do nothing)."""
    stmt = (
        insert(inbox)
        .values(message_id=message_id, topic=topic, outcome=outcome)
        .on_conflict_do_nothing(index_elements=["message_id"])
        .returning(inbox.c.message_id)
    )
    return (await session.execute(stmt)).scalar() is not None
