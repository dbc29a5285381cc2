"""Route an order's items to banks (refuse, hold or send), settle the banks' feedback, ask again, release held."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from itertools import groupby
from typing import Any

from services.banking import store
from services.banking.domain import ALREADY_PAID, NO_ACTIVE_CARD, Outcome, Route, recently_changed, route
from services.banking.settings import Settings
from services.banking.usecases import Ctx
from shared.events.envelope import Envelope
from shared.events.payloads import (
    AlertRaised,
    BankFeedbackReported,
    InstructionIssued,
    Item,
    OrderAccepted,
    PayeeLine,
    PaymentOrdered,
    PaymentResult,
    PaymentSettled,
)
from shared.masking import mask_card, mask_id
from shared.messaging.context import Runtime

log = logging.getLogger(__name__)


async def on_payment_ordered(ctx: Ctx, env: Envelope[PaymentOrdered]) -> None:
    """Check every payee against the card registry and contracts; instruct banks; settle refusals at once."""
    c = env.payload
    if await store.accept_order(ctx.session, {
            "order_id": c.order_id, "batch_id": c.batch_id, "program_code": c.program_code,
            "department_code": c.department_code, "period": c.period, "township_code": c.township_code,
            "bank_code": c.bank_code, "attempt": c.attempt, "chunk_count": c.chunk_count,
            "item_count": c.order_item_count, "amount_fen": c.order_amount_fen}):
        await ctx.emit(OrderAccepted(order_id=c.order_id))
    routes = await _routes(ctx, c)
    today = dt.date.today()
    by_bank: dict[str, list[Route]] = defaultdict(list)
    rows: list[dict[str, Any]] = []
    alerts = []
    for r, card in routes:
        if r.bank_code is not None:
            by_bank[r.bank_code].append(r)
            if card is not None and recently_changed(card, today, ctx.settings.card_change_alert_days):
                alerts.append(AlertRaised(
                    alert_id=f"card-change:{r.item.item_id}:{c.attempt}", kind="CARD_CHANGED_BEFORE_PAYMENT",
                    subject=mask_id(r.item.id_number), detail=f"card {mask_card(r.item.card_number)} changed on "
                    f"{card['changed_at']:%Y-%m-%d}, paid by order {c.order_id}"))
        else:
            rows.append({"item_id": r.item.item_id, "attempt": c.attempt, "order_id": c.order_id,
                         "name": r.item.name, "card_number": r.item.card_number, "amount_fen": r.item.amount_fen,
                         "bank_code": card["bank_code"] if card else c.bank_code, "instruction_id": None,
                         "outcome": Outcome.HELD if r.held else Outcome.REFUSED, "reason_code": r.reason_code})
    for bank, rs in sorted(by_bank.items()):
        lines = [PayeeLine(item_id=r.item.item_id, attempt=c.attempt, name=r.item.name,
                           card_number=r.item.card_number, amount_fen=r.item.amount_fen) for r in rs]
        ins = await instruct(ctx, f"{c.order_id}-{c.attempt}-{c.chunk_index}-{bank}", c.order_id, bank, lines,
                             (c.program_code, c.period))
        rows += [_line_row(x, c.order_id, bank, ins) for x in lines]
    await store.add_payments(ctx.session, rows)
    await ctx.emit(*alerts)
    refused = [r for r, _ in routes if r.bank_code is None and not r.held]
    if refused:
        log.warning("order %s chunk %d: %d payee(s) refused", c.order_id, c.chunk_index, len(refused))
        await _settle(ctx, c.order_id, f"{c.order_id}-{c.attempt}-{c.chunk_index}-refused", [
            PaymentResult(item_id=r.item.item_id, attempt=c.attempt, outcome="refused", reason_code=r.reason_code,
                          amount_fen=r.item.amount_fen) for r in refused])


async def _routes(ctx: Ctx, c: PaymentOrdered) -> list[tuple[Route, dict[str, Any] | None]]:
    """Route each item; a re-issue (attempt > 1) goes to the person's current active card, never twice."""
    contracts = await store.contract_periods(ctx.session)
    today = dt.date.today()
    if c.attempt == 1:
        cards = await store.cards_by_number(ctx.session, [i.card_number for i in c.items])
        return [(route(i, cards.get(i.card_number), contracts, today), cards.get(i.card_number)) for i in c.items]
    paid = await store.credited_items(ctx.session, [i.item_id for i in c.items])
    active = await store.active_cards_by_person(ctx.session, [i.id_number for i in c.items])
    out: list[tuple[Route, dict[str, Any] | None]] = []
    for i in c.items:
        card = active.get(i.id_number)
        if i.item_id in paid:
            out.append((Route(i, None, ALREADY_PAID), None))
        elif card is None:
            out.append((Route(i, None, NO_ACTIVE_CARD), None))
        else:
            moved = Item(**(i.model_dump() | {"card_number": card["card_number"]}))
            out.append((route(moved, card, contracts, today), card))
    return out


def _line_row(x: PayeeLine, order_id: str, bank: str, instruction_id: str) -> dict[str, Any]:
    return {"item_id": x.item_id, "attempt": x.attempt, "order_id": order_id, "name": x.name,
            "card_number": x.card_number, "amount_fen": x.amount_fen, "bank_code": bank,
            "instruction_id": instruction_id, "outcome": None, "reason_code": None}


async def _instruction(ctx: Ctx, instruction_id: str, order_id: str, bank: str, lines: list[PayeeLine],
                       purpose: tuple[str, str] | None = None) -> InstructionIssued:
    """The instruction, with its purpose (program and period) as the order has it."""
    if purpose is None:
        order = await store.order(ctx.session, order_id)
        purpose = (order["program_code"], order["period"]) if order else None
    return InstructionIssued(instruction_id=instruction_id, order_id=order_id, bank_code=bank, chunk_index=0,
                             chunk_count=1, lines=tuple(lines), item_count=len(lines),
                             amount_fen=sum(x.amount_fen for x in lines),
                             program_code=purpose[0] if purpose else None, period=purpose[1] if purpose else None)


async def instruct(ctx: Ctx, instruction_id: str, order_id: str, bank: str, lines: list[PayeeLine],
                   purpose: tuple[str, str] | None = None) -> str:
    """Record a new instruction to a bank and send it."""
    await store.add_instruction(ctx.session, instruction_id, order_id, bank, len(lines))
    await ctx.emit(await _instruction(ctx, instruction_id, order_id, bank, lines, purpose))
    return instruction_id


async def on_bank_feedback(ctx: Ctx, env: Envelope[BankFeedbackReported]) -> None:
    """Reconcile a bank's answer: each pending payment is settled once; anything else is reported."""
    f = env.payload
    applied = await store.apply_feedback(ctx.session, f.order_id, list(f.results))
    if len(applied) != len(f.results):
        await _check_unapplied(ctx, f, {(a["item_id"], a["attempt"]) for a in applied}, str(env.event_id))
    results = _as_applied(f.results, applied)
    if results:
        await _settle(ctx, f.order_id, f"{f.instruction_id}@{env.event_id}", results)


def _as_applied(answered: Sequence[PaymentResult], applied: Sequence[Any]) -> list[PaymentResult]:
    """The bank's results that settled a payment now, each once and as it was applied (the bank's own
    result objects, in the bank's order: no model is built again per item)."""
    now = {(a["item_id"], a["attempt"]): (a["outcome"], a["reason_code"], a["amount_fen"]) for a in applied}
    out = []
    for r in answered:
        key = (r.item_id, r.attempt)
        if now.get(key) == (r.outcome, r.reason_code, r.amount_fen):
            out.append(r)
            del now[key]
    return out


async def _check_unapplied(ctx: Ctx, f: BankFeedbackReported, applied: set[tuple[str, int]], answer: str) -> None:
    """A repeated answer (already settled the same way) is normal; anything else is a reconciliation alert."""
    rest = [r for r in f.results if (r.item_id, r.attempt) not in applied]
    known = {(p.item_id, p.attempt): p for p in await store.payments_of(ctx.session, f.order_id,
                                                                         [r.item_id for r in rest])}
    odd = [r for r in rest if (p := known.get((r.item_id, r.attempt))) is None
           or (p.outcome, p.amount_fen) != (r.outcome, r.amount_fen)]
    if odd:
        log.error("bank %s feedback %s: %d result(s) do not match the payments sent", f.bank_code,
                  f.instruction_id, len(odd))
        digest = hashlib.sha256(f"{f.instruction_id}:{answer}".encode()).hexdigest()[:40]
        await ctx.emit(AlertRaised(
            alert_id=f"reconcile:{digest}", kind="RECONCILIATION_MISMATCH",
            subject=f.order_id, detail=f"对账不符: {len(odd)} result(s) from {f.bank_code} match no payment sent "
                                       f"(first: item {odd[0].item_id}, {odd[0].outcome}, {odd[0].amount_fen} fen)"))


async def _settle(ctx: Ctx, order_id: str, settlement_id: str, results: list[PaymentResult]) -> None:
    ok = [r.amount_fen for r in results if r.outcome == Outcome.CREDITED]
    bad = [r.amount_fen for r in results if r.outcome != Outcome.CREDITED]
    order = await store.add_to_order(ctx.session, order_id, ok, bad)
    await ctx.emit(PaymentSettled(
        settlement_id=settlement_id, order_id=order_id, batch_id=order["batch_id"],
        program_code=order["program_code"], department_code=order["department_code"], period=order["period"],
        township_code=order["township_code"], bank_code=order["bank_code"], results=tuple(results),
        credited_count=len(ok), credited_fen=sum(ok), failed_count=len(bad), failed_fen=sum(bad)))


async def resend_unanswered(rt: Runtime[Settings]) -> None:
    """Background job: a bank that applied a credit but whose reply was lost is asked again with the same key."""
    after = rt.settings.resend_after_seconds
    while True:
        try:
            async with rt.unit_of_work() as ctx:
                stale = await store.unanswered_instructions(ctx.session, after)
                for ins in stale:
                    await _resend(ctx, ins.instruction_id, ins.order_id, ins.bank_code)
            if stale:
                log.warning("re-sent %d unanswered instruction(s)", len(stale))
        except Exception:
            log.exception("re-sending instructions failed; will retry")
        await asyncio.sleep(max(1.0, after / 4))


async def _resend(ctx: Ctx, instruction_id: str, order_id: str, bank: str) -> None:
    ctx.correlate(order_id)
    pending = await store.pending_payments(ctx.session, instruction_id)
    lines = [PayeeLine(item_id=r["item_id"], attempt=r["attempt"], name=r["name"], card_number=r["card_number"],
                       amount_fen=r["amount_fen"]) for r in pending]
    await store.count_send(ctx.session, instruction_id)
    await ctx.emit(await _instruction(ctx, instruction_id, order_id, bank, lines))


async def release_held(ctx: Ctx, bank: str) -> int:
    """Send the payments held for want of a valid contract with ``bank`` (call after the contract is valid)."""
    rows = await store.held_payments(ctx.session, bank)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S%f")
    for order_id, group in groupby(rows, key=lambda r: r["order_id"]):
        ctx.correlate(order_id)
        held = list(group)
        ins = await instruct(ctx, f"{order_id}-release-{stamp}", order_id, bank, [
            PayeeLine(item_id=r["item_id"], attempt=r["attempt"], name=r["name"], card_number=r["card_number"],
                      amount_fen=r["amount_fen"]) for r in held])
        await store.send_held(ctx.session, order_id, bank, ins)
    return len(rows)
