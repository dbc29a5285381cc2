"""Treasury use cases: collect a batch's cleared items, reserve quota, order per bank, complete orders."""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Literal, Protocol

from sqlalchemy import insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.treasury import tables
from services.treasury.quota import release, reserve
from shared.events import topics
from shared.events.envelope import Envelope
from shared.events.payloads import (
    Item,
    ItemsCleared,
    OrderAccepted,
    PaymentCompleted,
    PaymentOrdered,
    PaymentSettled,
)
from shared.money import fen_to_yuan
from shared.service import Runtime
from shared.web import chunks

log = logging.getLogger(__name__)


class BatchHead(Protocol):
    batch_id: str
    program_code: str
    department_code: str
    period: str
    township_code: str

CHUNK = 1000
INTAKE, ORD = tables.intake, tables.orders


async def on_items_cleared(rt: Runtime, session: AsyncSession, env: Envelope[ItemsCleared]) -> None:
    """Keep cleared items; when the whole batch is in, order payment per agency bank."""
    c = env.payload
    await session.execute(insert(tables.cleared_items), [{**i.model_dump(), "batch_id": c.batch_id} for i in c.items])
    stmt = pg_insert(INTAKE).values(
        batch_id=c.batch_id, program_code=c.program_code, department_code=c.department_code, period=c.period,
        township_code=c.township_code, chunk_count=c.chunk_count, chunks_received=1,
        batch_item_count=c.batch_item_count, batch_amount_fen=c.batch_amount_fen)
    got = (await session.execute(stmt.on_conflict_do_update(
        index_elements=["batch_id"], set_={"chunks_received": INTAKE.c.chunks_received + 1}
    ).returning(INTAKE.c.chunks_received))).scalar_one()
    if got == c.chunk_count:
        await _order_batch(rt, session, c, str(env.event_id))


async def _order_batch(rt: Runtime, session: AsyncSession, c: ItemsCleared, causation: str) -> None:
    rows = (await session.execute(select(tables.cleared_items).where(tables.cleared_items.c.batch_id == c.batch_id)
                                  .order_by(tables.cleared_items.c.item_id))).mappings().all()
    items = [Item(**{k: r[k] for k in Item.model_fields}) for r in rows]
    mismatch = (len(items), sum(i.amount_fen for i in items)) != (c.batch_item_count, c.batch_amount_fen)
    by_bank: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        by_bank[item.bank_code].append(item)
    for bank, bank_items in sorted(by_bank.items()):
        order_id = f"{c.batch_id}-{bank}"
        amount = sum(i.amount_fen for i in bank_items)
        hold = "control totals of the batch do not match its items" if mismatch else None
        if hold is None and not await reserve(session, order_id, c.program_code, int(c.period[:4]), amount):
            hold = f"quota (指标) of {c.program_code} {c.period[:4]} cannot cover {fen_to_yuan(amount)} yuan"
        await session.execute(insert(ORD).values(
            order_id=order_id, batch_id=c.batch_id, program_code=c.program_code, period=c.period, bank_code=bank,
            item_count=len(bank_items), amount_fen=amount, status="held" if hold else "ordered", hold_reason=hold))
        if hold:
            log.warning("order %s held: %s", order_id, hold)
            continue
        await send_order(rt, session, order_id, c, bank, bank_items, 1, causation)


async def send_order(rt: Runtime, session: AsyncSession, order_id: str, head: BatchHead, bank: str,
                     items: list[Item], attempt: int, causation: str | None) -> None:
    """Record the order's items and publish the order in chunks (its reservation is already made)."""
    await session.execute(insert(tables.order_items), [
        {"item_id": i.item_id, "order_id": order_id, "attempt": attempt, "amount_fen": i.amount_fen} for i in items])
    parts = chunks(items, CHUNK)
    amount = sum(i.amount_fen for i in items)
    await rt.emit(session, topics.PAYMENT_ORDERED, order_id, [PaymentOrdered(
        batch_id=head.batch_id, program_code=head.program_code, department_code=head.department_code,
        period=head.period, township_code=head.township_code, chunk_index=n, chunk_count=len(parts),
        order_id=order_id, bank_code=bank, attempt=attempt, order_item_count=len(items), order_amount_fen=amount,
        items=tuple(p), item_count=len(p), amount_fen=sum(i.amount_fen for i in p)) for n, p in enumerate(parts)],
        head.batch_id, causation)


_APPLY = text("""
UPDATE order_items SET outcome = CASE WHEN v.outcome = 'credited' THEN 'credited' ELSE 'returned' END,
                       reason_code = v.reason
FROM unnest(CAST(:ids AS text[]), CAST(:outcomes AS text[]), CAST(:reasons AS text[])) AS v(item_id, outcome, reason)
WHERE order_items.order_id = :order AND order_items.item_id = v.item_id AND order_items.outcome IS NULL
RETURNING order_items.outcome, order_items.amount_fen
""")


async def on_payment_settled(rt: Runtime, session: AsyncSession, env: Envelope[PaymentSettled]) -> None:
    """Record results; a returned (退回) item gives its quota back; a fully settled order completes."""
    s = env.payload
    applied = (await session.execute(_APPLY, {
        "ids": [r.item_id for r in s.results], "outcomes": [r.outcome for r in s.results],
        "reasons": [r.reason_code for r in s.results], "order": s.order_id})).all()
    ok = [a.amount_fen for a in applied if a.outcome == "credited"]
    back = [a.amount_fen for a in applied if a.outcome == "returned"]
    order = (await session.execute(update(ORD).where(ORD.c.order_id == s.order_id).values(
        settled_count=ORD.c.settled_count + len(applied),
        credited_count=ORD.c.credited_count + len(ok), credited_fen=ORD.c.credited_fen + sum(ok),
        returned_count=ORD.c.returned_count + len(back), returned_fen=ORD.c.returned_fen + sum(back),
    ).returning(*ORD.c))).mappings().first()
    if order is None:
        raise LookupError(f"settlement for unknown order {s.order_id}")
    if back:
        await release(session, s.order_id, order["program_code"], int(order["period"][:4]), sum(back))
    if order["status"] in ("ordered", "sent") and order["settled_count"] == order["item_count"]:
        status: Literal["completed", "partly_returned", "returned"] = ("completed" if order["returned_count"] == 0 else
                  "returned" if order["credited_count"] == 0 else "partly_returned")
        await session.execute(update(ORD).where(ORD.c.order_id == s.order_id).values(status=status))
        await rt.emit(session, topics.PAYMENT_COMPLETED, s.order_id, [PaymentCompleted(
            order_id=s.order_id, batch_id=order["batch_id"], program_code=order["program_code"],
            period=order["period"], bank_code=order["bank_code"], status=status,
            ordered_count=order["item_count"], ordered_fen=order["amount_fen"],
            credited_count=order["credited_count"], credited_fen=order["credited_fen"],
            returned_count=order["returned_count"], returned_fen=order["returned_fen"])],
            order["batch_id"], str(env.event_id))


async def on_order_accepted(rt: Runtime, session: AsyncSession, env: Envelope[OrderAccepted]) -> None:
    """Banking has the order: ordered -> sent."""
    await session.execute(update(ORD).where(ORD.c.order_id == env.payload.order_id, ORD.c.status == "ordered")
                          .values(status="sent"))
