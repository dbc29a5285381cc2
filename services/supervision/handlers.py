"""Every topic updates the ledger; upserts make the order of arrival across topics irrelevant."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.supervision import tables
from shared.events.envelope import DeadLettered, Envelope
from shared.events.payloads import (
    AlertRaised,
    BatchSubmitted,
    ComplaintFiled,
    Item,
    ItemsCleared,
    ItemsReviewed,
    PaymentCompleted,
    PaymentOrdered,
    PaymentSettled,
    RosterPublished,
)
from shared.service import Runtime

L = tables.ledger
_IDENTITY = ("batch_id", "program_code", "department_code", "township_code", "period", "amount_fen")


async def _upsert(session: AsyncSession, rows: list[dict[str, Any]], stage: tuple[str, ...],
                  newer_attempt: bool = False) -> None:
    """Insert item rows or fill in the stage columns (and identity columns still empty)."""
    if not rows:
        return
    stmt = insert(L)
    fill = {c: stmt.excluded[c] for c in stage}
    for c in ("id_number", "card_number"):
        if c in rows[0]:
            fill[c] = stmt.excluded[c]
    # a first attempt's failure arriving after the re-issue's credit must not overwrite it
    where = (func.coalesce(L.c.outcome_attempt, 0) <= stmt.excluded.outcome_attempt) if newer_attempt else None
    await session.execute(stmt.on_conflict_do_update(index_elements=["item_id"], set_=fill, where=where), rows)


def _head(p: Any) -> dict[str, Any]:
    return {"batch_id": p.batch_id, "program_code": p.program_code, "department_code": p.department_code,
            "township_code": p.township_code, "period": p.period}


def _item(head: dict[str, Any], i: Item, **stage: Any) -> dict[str, Any]:
    return {**head, "item_id": i.item_id, "id_number": i.id_number, "card_number": i.card_number,
            "amount_fen": i.amount_fen, **stage}


async def on_batch_submitted(rt: Runtime, session: AsyncSession, env: Envelope[BatchSubmitted]) -> None:
    h = _head(env.payload)
    await _upsert(session, [_item(h, i, declared=True) for i in env.payload.items], ("declared",))


async def on_items_reviewed(rt: Runtime, session: AsyncSession, env: Envelope[ItemsReviewed]) -> None:
    h = _head(env.payload)
    rows = [_item(h, i, review="approved", reject_code=None) for i in env.payload.approved]
    rows += [_item(h, r.item, review="rejected", reject_code=r.reason_code) for r in env.payload.rejected]
    await _upsert(session, rows, ("review", "reject_code"))


async def on_items_cleared(rt: Runtime, session: AsyncSession, env: Envelope[ItemsCleared]) -> None:
    h = _head(env.payload)
    await _upsert(session, [_item(h, i, cleared=True) for i in env.payload.items], ("cleared",))


async def on_payment_ordered(rt: Runtime, session: AsyncSession, env: Envelope[PaymentOrdered]) -> None:
    h = _head(env.payload)
    await _upsert(session, [_item(h, i, ordered=True) for i in env.payload.items], ("ordered",))


async def on_payment_settled(rt: Runtime, session: AsyncSession, env: Envelope[PaymentSettled]) -> None:
    h = _head(env.payload)
    await _upsert(session, [{**h, "item_id": r.item_id, "amount_fen": r.amount_fen, "outcome": r.outcome,
                             "outcome_code": r.reason_code, "outcome_attempt": r.attempt}
                            for r in env.payload.results],
                  ("outcome", "outcome_code", "outcome_attempt"), newer_attempt=True)


async def on_payment_completed(rt: Runtime, session: AsyncSession, env: Envelope[PaymentCompleted]) -> None:
    p = env.payload
    await session.execute(insert(tables.orders).values(
        order_id=p.order_id, batch_id=p.batch_id, status=p.status, credited_fen=p.credited_fen,
        returned_fen=p.returned_fen).on_conflict_do_nothing())


async def on_roster_published(rt: Runtime, session: AsyncSession, env: Envelope[RosterPublished]) -> None:
    p = env.payload
    await session.execute(insert(tables.rosters).values(
        batch_id=p.batch_id, paid_count=p.paid_count, paid_fen=p.paid_fen, consistent=p.consistent
    ).on_conflict_do_nothing())
    if not p.consistent:
        await _alert(session, f"roster:{p.batch_id}", "roster_mismatch", p.batch_id,
                     "公开与发放不一致: published roster does not match what was paid")


async def on_complaint_filed(rt: Runtime, session: AsyncSession, env: Envelope[ComplaintFiled]) -> None:
    p = env.payload
    await session.execute(insert(tables.complaints).values(
        complaint_id=p.complaint_id, category=p.category, program_code=p.program_code,
        township_code=p.township_code).on_conflict_do_nothing())


async def on_dead_lettered(rt: Runtime, session: AsyncSession, env: Envelope[DeadLettered]) -> None:
    p = env.payload
    await _alert(session, f"dlq:{env.event_id}", "dead_letter", f"{p.original_topic}@{p.consumer_group}",
                 p.reason[:1000])


async def on_alert_raised(rt: Runtime, session: AsyncSession, env: Envelope[AlertRaised]) -> None:
    p = env.payload
    await _alert(session, p.alert_id, p.kind, p.subject, p.detail)


async def _alert(session: AsyncSession, alert_id: str, kind: str, subject: str, detail: str) -> None:
    await session.execute(insert(tables.alerts).values(alert_id=alert_id, kind=kind, subject=subject,
                                                       detail=detail).on_conflict_do_nothing())
