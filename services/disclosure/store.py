"""Disclosure's SQL: publicity windows and their roster lines."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.disclosure import tables
from services.disclosure.domain import WindowStatus
from shared.events.payloads import Item

W, ROSTER = tables.windows, tables.roster


async def add_lines(session: AsyncSession, batch_id: str, items: tuple[Item, ...]) -> None:
    if items:
        await session.execute(insert(ROSTER), [{**i.model_dump(), "batch_id": batch_id} for i in items])


async def open_window(session: AsyncSession, batch_id: str, seconds: int) -> None:
    now = dt.datetime.now(dt.UTC)
    await session.execute(update(W).where(W.c.batch_id == batch_id).values(
        status=WindowStatus.OPEN, opens_at=now, closes_at=now + dt.timedelta(seconds=seconds)))


async def window(session: AsyncSession, batch_id: str, lock: bool = False) -> dict[str, Any] | None:
    q = select(W).where(W.c.batch_id == batch_id)
    row = (await session.execute(q.with_for_update() if lock else q)).mappings().first()
    return dict(row) if row else None


async def lines(session: AsyncSession, batch_id: str, limit: int | None = None, offset: int = 0) -> list[Any]:
    q = select(ROSTER).where(ROSTER.c.batch_id == batch_id).order_by(ROSTER.c.item_id).offset(offset)
    return list((await session.execute(q if limit is None else q.limit(limit))).mappings().all())


async def set_status(session: AsyncSession, batch_id: str, status: WindowStatus) -> None:
    await session.execute(update(W).where(W.c.batch_id == batch_id).values(status=status))


async def due_windows(session: AsyncSession, limit: int = 20) -> list[str]:
    """Open windows whose publicity period has ended, locked (SKIP LOCKED: safe with several instances)."""
    return list((await session.execute(text(
        "SELECT batch_id FROM windows WHERE status = :open AND closes_at <= now() "
        "ORDER BY closes_at LIMIT :n FOR UPDATE SKIP LOCKED"), {"open": WindowStatus.OPEN, "n": limit})).scalars())


# approved -> paid | unpaid; unpaid -> paid when a re-issue is credited; paid is final (domain.LINE_FLOW)
_APPLY = text("""
UPDATE roster SET status = CASE WHEN v.outcome = 'credited' THEN 'paid' ELSE 'unpaid' END,
                  reason_code = v.reason
FROM unnest(CAST(:ids AS text[]), CAST(:outcomes AS text[]), CAST(:reasons AS text[])) AS v(item_id, outcome, reason),
     (SELECT item_id, status FROM roster WHERE item_id = ANY(CAST(:ids AS text[])) FOR UPDATE) AS old
WHERE roster.item_id = v.item_id AND old.item_id = roster.item_id
  AND (roster.status = 'approved' OR (roster.status = 'unpaid' AND v.outcome = 'credited'))
RETURNING old.status AS before, roster.status, roster.amount_fen
""")


async def apply_results(session: AsyncSession, ids: list[str], outcomes: list[str],
                        reasons: list[str | None]) -> list[Any]:
    """Mark lines paid or unpaid; returns (before, status, amount_fen) of each line that changed."""
    return list((await session.execute(_APPLY, {"ids": ids, "outcomes": outcomes, "reasons": reasons})).all())


async def add_to_window(session: AsyncSession, batch_id: str, **deltas: int) -> dict[str, Any] | None:
    """Add to the window's counters; returns the window as it is now."""
    row = (await session.execute(update(W).where(W.c.batch_id == batch_id).values(
        {k: W.c[k] + v for k, v in deltas.items()}).returning(*W.c))).mappings().first()
    return dict(row) if row else None


async def windows(session: AsyncSession, filters: dict[str, str | None]) -> list[Any]:
    q = select(W).order_by(W.c.batch_id)
    for col, val in filters.items():
        if val:
            q = q.where(W.c[col] == val)
    return list((await session.execute(q)).mappings().all())
