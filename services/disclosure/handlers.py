"""Publicity windows: open when a batch's review is complete, close (now or later), then the paid roster."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.disclosure import tables
from shared.events import topics
from shared.events.envelope import Envelope
from shared.events.payloads import Item, ItemsCleared, ItemsReviewed, PaymentSettled, RosterPublished
from shared.service import Runtime
from shared.web import chunks

log = logging.getLogger(__name__)
CHUNK = 1000
W = tables.windows


async def on_items_reviewed(rt: Runtime, session: AsyncSession, env: Envelope[ItemsReviewed]) -> None:
    """Add approved items to the batch's roster; open the window once every chunk has arrived."""
    c = env.payload
    if c.approved:
        await session.execute(insert(tables.roster), [{**i.model_dump(), "batch_id": c.batch_id} for i in c.approved])
    stmt = pg_insert(W).values(
        batch_id=c.batch_id, program_code=c.program_code, department_code=c.department_code, period=c.period,
        township_code=c.township_code, chunk_count=c.chunk_count, chunks_received=1,
        approved_count=c.approved_count, approved_fen=c.approved_fen)
    row = (await session.execute(stmt.on_conflict_do_update(index_elements=["batch_id"], set_={
        "chunks_received": W.c.chunks_received + 1,
        "approved_count": W.c.approved_count + c.approved_count,
        "approved_fen": W.c.approved_fen + c.approved_fen,
    }).returning(W.c.chunks_received, W.c.chunk_count))).one()
    if row.chunks_received < row.chunk_count:
        return
    seconds = rt.settings.publicity_seconds  # type: ignore[attr-defined]
    now = dt.datetime.now(dt.UTC)
    await session.execute(update(W).where(W.c.batch_id == c.batch_id).values(
        status="open", opens_at=now, closes_at=now + dt.timedelta(seconds=seconds)))
    if seconds <= 0:
        await close_window(rt, session, c.batch_id, str(env.event_id))


async def close_window(rt: Runtime, session: AsyncSession, batch_id: str, causation: str | None) -> None:
    """End the publicity period: every item still on the roster is cleared for payment."""
    w = (await session.execute(select(W).where(W.c.batch_id == batch_id).with_for_update())).mappings().one()
    rows = (await session.execute(select(tables.roster).where(tables.roster.c.batch_id == batch_id)
                                  .order_by(tables.roster.c.item_id))).mappings().all()
    items = [Item(**{k: r[k] for k in Item.model_fields}) for r in rows]
    await session.execute(update(W).where(W.c.batch_id == batch_id).values(status="closed"))
    if not items:
        await _publish_roster(rt, session, dict(w), causation)
        return
    parts = chunks(items, CHUNK)
    total = sum(i.amount_fen for i in items)
    events = [ItemsCleared(
        batch_id=batch_id, program_code=w["program_code"], department_code=w["department_code"],
        period=w["period"], township_code=w["township_code"], chunk_index=n, chunk_count=len(parts),
        batch_item_count=len(items), batch_amount_fen=total, items=tuple(p), item_count=len(p),
        amount_fen=sum(i.amount_fen for i in p)) for n, p in enumerate(parts)]
    await rt.emit(session, topics.ITEMS_CLEARED, batch_id, events, batch_id, causation)


async def close_due_windows(rt: Runtime) -> None:
    """Background job: close windows whose publicity period has ended (safe with several instances)."""
    while True:
        try:
            async with rt.db.transaction() as session:
                due = (await session.execute(text(
                    "SELECT batch_id FROM windows WHERE status = 'open' AND closes_at <= now() "
                    "ORDER BY closes_at LIMIT 20 FOR UPDATE SKIP LOCKED"))).scalars().all()
                for batch_id in due:
                    await close_window(rt, session, batch_id, None)
            if due:
                rt.nudge()
        except Exception:
            log.exception("closing publicity windows failed; will retry")
        await asyncio.sleep(1)


# approved -> paid | unpaid; unpaid -> paid when a re-issue is credited; paid is final
_APPLY = text("""
UPDATE roster SET status = CASE WHEN v.outcome = 'credited' THEN 'paid' ELSE 'unpaid' END,
                  reason_code = v.reason
FROM unnest(CAST(:ids AS text[]), CAST(:outcomes AS text[]), CAST(:reasons AS text[])) AS v(item_id, outcome, reason),
     (SELECT item_id, status FROM roster WHERE item_id = ANY(CAST(:ids AS text[])) FOR UPDATE) AS old
WHERE roster.item_id = v.item_id AND old.item_id = roster.item_id
  AND (roster.status = 'approved' OR (roster.status = 'unpaid' AND v.outcome = 'credited'))
RETURNING old.status AS before, roster.status, roster.amount_fen
""")


async def on_payment_settled(rt: Runtime, session: AsyncSession, env: Envelope[PaymentSettled]) -> None:
    """Mark roster items paid or unpaid; when all are settled, publish the paid roster with a consistency check."""
    s = env.payload
    applied = (await session.execute(_APPLY, {
        "ids": [r.item_id for r in s.results], "outcomes": [r.outcome for r in s.results],
        "reasons": [r.reason_code for r in s.results]})).all()
    paid = [a.amount_fen for a in applied if a.status == "paid"]
    unpaid = [a.amount_fen for a in applied if a.status == "unpaid"]
    repaid = [a.amount_fen for a in applied if a.before == "unpaid"]  # re-issued and now credited
    w = (await session.execute(update(W).where(W.c.batch_id == s.batch_id).values(
        paid_count=W.c.paid_count + len(paid), paid_fen=W.c.paid_fen + sum(paid),
        unpaid_count=W.c.unpaid_count + len(unpaid) - len(repaid),
        unpaid_fen=W.c.unpaid_fen + sum(unpaid) - sum(repaid),
        reported_credited_count=W.c.reported_credited_count + s.credited_count,
        reported_credited_fen=W.c.reported_credited_fen + s.credited_fen,
    ).returning(*W.c))).mappings().first()
    if w is None:
        raise LookupError(f"settlement for unknown batch {s.batch_id}")
    complete = w["paid_count"] + w["unpaid_count"] >= w["approved_count"]
    if complete and (w["status"] == "closed" or (w["status"] == "published" and repaid)):
        await _publish_roster(rt, session, dict(w), str(env.event_id))  # a re-issue updates the paid roster


async def _publish_roster(rt: Runtime, session: AsyncSession, w: dict[str, Any], causation: str | None) -> None:
    consistent = (w["paid_count"], w["paid_fen"]) == (w["reported_credited_count"], w["reported_credited_fen"])
    if not consistent:
        log.error("published roster of %s does not match what was paid", w["batch_id"])
    await session.execute(update(W).where(W.c.batch_id == w["batch_id"]).values(status="published"))
    event = RosterPublished(
        batch_id=w["batch_id"], program_code=w["program_code"], period=w["period"],
        township_code=w["township_code"], cleared_count=w["approved_count"], cleared_fen=w["approved_fen"],
        paid_count=w["paid_count"], paid_fen=w["paid_fen"], unpaid_count=w["unpaid_count"],
        unpaid_fen=w["unpaid_fen"], consistent=consistent)
    await rt.emit(session, topics.ROSTER_PUBLISHED, w["batch_id"], [event], w["batch_id"], causation)
