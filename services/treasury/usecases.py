"""Treasury use cases: collect a batch's cleared items, reserve quota, order per bank, complete, re-issue."""

from __future__ import annotations

import logging
from typing import Any, Literal, cast

from pydantic import BaseModel, Field

from services.treasury import store, tables
from services.treasury.domain import LEVELS, REISSUABLE, BatchHead, OrderStatus, settled_status, split
from services.treasury.settings import Settings
from shared.access import Viewer
from shared.audit import record
from shared.auth import Principal
from shared.errors import Conflict, Invalid
from shared.events.envelope import Envelope
from shared.events.oversight import MoneyRecovered, QuotaSet
from shared.events.payloads import (
    Item,
    ItemsCleared,
    OrderAccepted,
    PaymentCompleted,
    PaymentOrdered,
    PaymentSettled,
    ProgramPublished,
)
from shared.idempotency import once
from shared.inputs import MAX_FEN, Code
from shared.messaging.chunks import arrive, build, fen
from shared.messaging.context import HandlerContext
from shared.money import fen_to_yuan
from shared.periods import period_year

log = logging.getLogger(__name__)
Ctx = HandlerContext[Settings]
Settled = Literal["completed", "partly_returned", "returned"]


class QuotaTotalIn(BaseModel):
    program_code: Code
    year: int = Field(ge=2000, le=2100)
    total_fen: int = Field(ge=0, le=MAX_FEN, description="the program's quota for the year, all levels, in fen")


class QuotaIn(BaseModel):
    program_code: Code
    year: int = Field(ge=2000, le=2100)
    level: Literal["central", "provincial", "prefecture", "county"] = Field(
        default="county", description="funding level: 中央 / 省级 / 州级 / 县级")
    total_fen: int = Field(ge=0, le=MAX_FEN, description="this level's budget quota for the program and year, in fen")


async def on_items_cleared(ctx: Ctx, env: Envelope[ItemsCleared]) -> None:
    """Keep cleared items; when the whole batch is in, order payment per agency bank."""
    c = env.payload
    await store.keep_cleared(ctx.session, c.batch_id, c.items)
    complete = await arrive(ctx.session, store.INTAKE, c.head() | {
        "chunk_count": c.chunk_count, "batch_item_count": c.batch_item_count, "batch_amount_fen": c.batch_amount_fen})
    if complete:
        await _order_batch(ctx, c)


async def _order_batch(ctx: Ctx, c: ItemsCleared) -> None:
    """One order per agency bank of the batch's cleared items, each drawn on the program's quota; the items
    go on to banking as the database renders them (they were validated as they came in)."""
    banks = await store.cleared_by_bank(ctx.session, c.batch_id)
    mismatch = (sum(n for _, n, _ in banks), sum(f for _, _, f in banks)) != (c.batch_item_count, c.batch_amount_fen)
    head = BatchHead(c.batch_id, c.program_code, c.department_code, c.period, c.township_code)
    for bank, count, amount in banks:
        order_id = f"{c.batch_id}-{bank}"
        hold = "control totals of the batch do not match its items" if mismatch else None
        if hold is None and not await store.reserve_quota(ctx.session, order_id, c.program_code,
                                                          period_year(c.period), amount, ctx.settings.draw_by_shares):
            hold = f"quota (指标) of {c.program_code} {period_year(c.period)} cannot cover {fen_to_yuan(amount)} yuan"
        await store.add_order(ctx.session, {
            "order_id": order_id, "batch_id": c.batch_id, "program_code": c.program_code, "period": c.period,
            "bank_code": bank, "item_count": count, "amount_fen": amount,
            "status": OrderStatus.HELD if hold else OrderStatus.ORDERED, "hold_reason": hold})
        if hold:
            log.warning("order %s held: %s", order_id, hold)
            continue
        await store.order_cleared(ctx.session, order_id, c.batch_id, bank)
        chunks = await store.cleared_chunks(ctx.session, c.batch_id, bank, ctx.settings.chunk_size)
        await ctx.emit(*[PaymentOrdered.with_raw(
            {"items": part.items}, **_order_head(head, order_id, bank, 1, count, amount), chunk_index=n,
            chunk_count=len(chunks), item_count=part.count, amount_fen=part.fen) for n, part in enumerate(chunks)])


def _order_head(head: BatchHead, order_id: str, bank: str, attempt: int, count: int, amount: int) -> dict[str, Any]:
    return {"batch_id": head.batch_id, "program_code": head.program_code, "department_code": head.department_code,
            "period": head.period, "township_code": head.township_code, "order_id": order_id, "bank_code": bank,
            "attempt": attempt, "order_item_count": count, "order_amount_fen": amount}


async def _send_order(ctx: Ctx, order_id: str, head: BatchHead, bank: str, items: list[Item], attempt: int) -> None:
    """Record the order's items and publish the order in chunks (its reservation is already made)."""
    await store.add_order_items(ctx.session, order_id, attempt, items)
    amount = fen(items)
    await ctx.emit(*build(items, ctx.settings.chunk_size, lambda n, count, part: PaymentOrdered(
        **_order_head(head, order_id, bank, attempt, len(items), amount), chunk_index=n, chunk_count=count,
        items=tuple(part), item_count=len(part), amount_fen=fen(part))))


async def on_payment_settled(ctx: Ctx, env: Envelope[PaymentSettled]) -> None:
    """Record results; a returned (退回) item gives its quota back; a fully settled order completes."""
    s = env.payload
    applied = await store.apply_results(ctx.session, s.order_id, [r.item_id for r in s.results],
                                        [r.outcome for r in s.results], [r.reason_code for r in s.results])
    ok = [a["amount_fen"] for a in applied if a["outcome"] == "credited"]
    back = [a["amount_fen"] for a in applied if a["outcome"] == "returned"]
    order = await store.add_results(ctx.session, s.order_id, ok, back)
    if order is None:
        raise LookupError(f"settlement for unknown order {s.order_id}")
    if back:
        await store.release_quota(ctx.session, s.order_id, order["program_code"], period_year(order["period"]),
                                  sum(back), ctx.settings.draw_by_shares)
    if order["settled_count"] != order["item_count"]:
        return
    status = settled_status(order["credited_count"], order["returned_count"])
    if await store.move_order(ctx.session, s.order_id, status):
        await ctx.emit(PaymentCompleted(
            order_id=s.order_id, batch_id=order["batch_id"], program_code=order["program_code"],
            period=order["period"], bank_code=order["bank_code"], status=cast(Settled, status.value),
            ordered_count=order["item_count"], ordered_fen=order["amount_fen"],
            credited_count=order["credited_count"], credited_fen=order["credited_fen"],
            returned_count=order["returned_count"], returned_fen=order["returned_fen"]))


async def on_money_recovered(ctx: Ctx, env: Envelope[MoneyRecovered]) -> None:
    """清退、追缴: money wrongly paid came back; its amount goes back to the levels the order drew it from."""
    r = env.payload
    order_id = await store.credited_order(ctx.session, r.item_id)
    if order_id is None:
        raise LookupError(f"recovery {r.recovery_id} for item {r.item_id}, which no order credited")
    if await store.add_recovery(ctx.session, {"recovery_id": r.recovery_id, "seq": r.seq, "order_id": order_id,
                                              "item_id": r.item_id, "amount_fen": r.amount_fen, "means": r.means}):
        await store.release_quota(ctx.session, order_id, r.program_code, period_year(r.period), r.amount_fen,
                                  ctx.settings.draw_by_shares)


async def on_program_published(ctx: Ctx, env: Envelope[ProgramPublished]) -> None:
    """Which department a program belongs to: its quotas and orders are that department's to see."""
    p = env.payload
    await store.keep_program(ctx.session, p.program_code, p.department_code, p.funding_shares)


async def on_order_accepted(ctx: Ctx, env: Envelope[OrderAccepted]) -> None:
    """Banking has the order: ordered -> sent."""
    await store.move_order(ctx.session, env.payload.order_id, OrderStatus.SENT)


async def reissue(ctx: Ctx, who: Principal, order_id: str) -> dict[str, Any]:
    """Order the returned items of ``order_id`` again (attempt 2); banking pays the person's current card."""
    order = await store.order(ctx.session, order_id, lock=True)
    if order is None:
        raise Conflict(f"order {order_id} does not exist")
    if order["attempt"] != 1:
        raise Conflict(f"order {order_id} is itself a re-issue; items are re-issued once only")
    if order["status"] not in REISSUABLE:
        raise Conflict(f"order {order_id} is {order['status']}; only returned items can be re-issued")
    ids = await store.returned_not_reissued(ctx.session, order_id)
    if not ids:
        raise Conflict(f"order {order_id} has no returned item left to re-issue")
    ctx.correlate(order["batch_id"])
    items = await store.cleared_items(ctx.session, ids)
    amount = fen(items)
    new_id = f"{order_id}-R"
    if not await store.reserve_quota(ctx.session, new_id, order["program_code"], period_year(order["period"]),
                                     amount, ctx.settings.draw_by_shares):
        raise Conflict(f"the quota (指标) of {order['program_code']} cannot cover the re-issue")
    intake = await store.intake(ctx.session, order["batch_id"])
    head = BatchHead(order["batch_id"], order["program_code"], intake["department_code"], order["period"],
                     intake["township_code"])
    await store.add_order(ctx.session, {
        "order_id": new_id, "batch_id": order["batch_id"], "program_code": order["program_code"],
        "period": order["period"], "bank_code": order["bank_code"], "attempt": 2, "item_count": len(items),
        "amount_fen": amount, "status": OrderStatus.ORDERED})
    await store.mark_reissued(ctx.session, order_id, ids)
    await _send_order(ctx, new_id, head, order["bank_code"], items, 2)
    await record(ctx.session, tables.audit, who, "order.reissue", order_id, detail={"new_order": new_id,
                                                                                    "items": len(items)})
    return {"order_id": new_id, "reissued_of": order_id, "item_count": len(items), "amount_fen": amount}


async def reissue_once(ctx: Ctx, who: Principal, order_id: str, key: str | None) -> tuple[int, Any]:
    """A re-issue with an Idempotency-Key: sent twice by the same person, it happens once and answers the same."""
    return await once(ctx.session, tables.idempotency, f"{who.sub}:{key}" if key else None, {"reissue": order_id},
                      lambda: reissue(ctx, who, order_id))


async def set_quota(ctx: Ctx, who: Principal, body: QuotaIn) -> dict[str, Any]:
    """Set a program's quota for a year (finance bureau); what is reserved already stays reserved."""
    row = await store.set_quota(ctx.session, body.model_dump())
    await record(ctx.session, tables.audit, who, "quota.set", f"{body.program_code}/{body.year}/{body.level}",
                 detail=body.model_dump())
    ctx.correlate(body.program_code)
    await ctx.emit(QuotaSet(**body.model_dump()))
    return row


async def set_quota_by_shares(ctx: Ctx, who: Principal, body: QuotaTotalIn) -> dict[str, Any]:
    """One total for a program and year, split into the levels' quotas by the program's funding shares."""
    shares = await store.shares(ctx.session, body.program_code)
    if not shares:
        raise Invalid(f"no funding shares known for {body.program_code}; is it in the catalog?")
    parts = split(body.total_fen, shares)
    levels = [await set_quota(ctx, who, QuotaIn.model_validate({
        "program_code": body.program_code, "year": body.year, "level": lv, "total_fen": parts.get(lv, 0)}))
        for lv in LEVELS if lv in shares]
    return {"program_code": body.program_code, "year": body.year, "total_fen": body.total_fen, "shares": shares,
            "levels": levels}


async def list_quotas(ctx: Ctx, who: Viewer) -> list[dict[str, Any]]:
    """Quotas with what is still available (a department: its own programs')."""
    return [r | {"available_fen": r["total_fen"] - r["reserved_fen"]}
            for r in await store.quotas(ctx.session, who.narrowed())]


async def list_orders(ctx: Ctx, who: Viewer, batch_id: str | None) -> list[dict[str, Any]]:
    """Payment orders with their control totals and results (a department: its own programs')."""
    return await store.orders(ctx.session, batch_id, who.narrowed())
