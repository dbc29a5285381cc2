"""HTTP idempotency keys: the same key gives the same answer and one effect; a different body is refused.

The key row is inserted in the request's own transaction. PostgreSQL makes a concurrent insert of
the same key wait for the first transaction, so of 100 simultaneous requests exactly one performs
the effect and the others return its stored answer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, func, select, update
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import Invalid


def add_idempotency_table(metadata: MetaData) -> Table:
    return Table(
        "idempotency_keys", metadata,
        Column("key", String(200), primary_key=True),
        Column("request_hash", String(64), nullable=False),
        Column("status_code", Integer, nullable=True),
        Column("response", JSONB, nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


def request_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


async def replay(session: AsyncSession, table: Table, key: str, body: Any) -> tuple[int, Any] | None:
    """Claim the key for this request (None: go ahead), or return the first request's stored answer."""
    digest = request_hash(body)
    claimed = (await session.execute(insert(table).values(key=key, request_hash=digest)
                                     .on_conflict_do_nothing().returning(table.c.key))).scalar()
    if claimed is not None:
        return None
    row = (await session.execute(select(table).where(table.c.key == key))).mappings().one()
    if row["request_hash"] != digest:
        raise Invalid(f"Idempotency-Key {key!r} was already used with a different request body")
    return row["status_code"], row["response"]


async def remember(session: AsyncSession, table: Table, key: str, status_code: int, response: Any) -> None:
    await session.execute(update(table).where(table.c.key == key).values(status_code=status_code,
                                                                          response=response))


async def once(session: AsyncSession, table: Table, key: str | None, body: Any,
               effect: Callable[[], Awaitable[Any]], status_code: int = 201) -> tuple[int, Any]:
    """Perform ``effect`` once per key, in the caller's transaction; a repeat gets the first answer."""
    if key:
        earlier = await replay(session, table, key, body)
        if earlier is not None:
            return earlier
    answer = await effect()
    if key:
        await remember(session, table, key, status_code, answer)
    return status_code, answer
