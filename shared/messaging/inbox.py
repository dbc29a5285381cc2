"""The idempotent inbox: a message id recorded in the same transaction as its effect."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from shared.rawsql import fetch


async def claim(session: AsyncSession, inbox: Table, message_id: str, topic: str, outcome: str = "handled") -> bool:
    """Record the message as consumed; False if it already was (a redelivery: do nothing). The first statement
    of every message's transaction, sent straight to asyncpg: no SQLAlchemy statement built and compiled per
    message (a transaction with the claim, measured here: 0.65-0.69 ms of the client's CPU, 0.44-0.46 raw)."""
    got = await fetch(session, f"INSERT INTO {inbox.name} (message_id, topic, outcome) VALUES (:m, :t, :o) "
                               "ON CONFLICT (message_id) DO NOTHING RETURNING message_id",
                      {"m": message_id, "t": topic, "o": outcome})
    return bool(got)
