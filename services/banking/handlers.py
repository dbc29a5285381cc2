"""Banking use cases: route an order's items to banks (refuse, hold or send), settle the banks' feedback."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.banking import tables
from services.banking.domain import ALREADY_PAID, NO_ACTIVE_CARD, Route, recently_changed, route
from shared.events import topics
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
from shared.service import Runtime

log = logging.getLogger(__name__)
ORD, PAY = tables.orders, tables.payments


async def on_payment_ordered(rt: Runtime, session: AsyncSession, env: Envelope[PaymentOrdered]) -> None:
    """Check every payee against the card registry and contracts; instruct banks; settle refusals at once."""
    c = env.payload
    new = (await session.execute(pg_insert(ORD).values(
        order_id=c.order_id, batch_id=c.batch_id, program_code=c.program_code, department_code=c.department_code,
        period=c.period, township_code=c.township_code, bank_code=c.bank_code, attempt=c.attempt,
        chunk_count=c.chunk_count, item_count=c.order_item_count, amount_fen=c.order_amount_fen,
    ).on_conflict_do_nothing().returning(ORD.c.order_id))).scalar()
    if new:
        await rt.emit(session, topics.ORDER_ACCEPTED, c.order_id, [OrderAccepted(order_id=c.order_id)],
                      c.batch_id, str(env.event_id))
    routes = await _routes(session, c)
    today = dt.date.today()
    days = rt.settings.card_change_alert_days  # type: ignore[attr-defined]
    by_bank: dict[str, list[Route]] = defaultdict(list)
    rows: list[dict[str, Any]] = []
    alerts = []
    for r, card in routes:
        base = {"item_id": r.item.item_id, "attempt": c.attempt, "order_id": c.order_id, "name": r.item.name,
                "card_number": r.item.card_number, "amount_fen": r.item.amount_fen}
        if r.bank_code is not None:
            by_bank[r.bank_code].append(r)
            if card is not None and recently_changed(card, today, days):
                alerts.append(AlertRaised(
                    alert_id=f"card-change:{r.item.item_id}:{c.attempt}", kind="CARD_CHANGED_BEFORE_PAYMENT",
                    subject=mask_id(r.item.id_number), detail=f"card {mask_card(r.item.card_number)} changed on "
                    f"{card['changed_at']:%Y-%m-%d}, paid by order {c.order_id}"))
        else:
            rows.append(base | {"bank_code": card["bank_code"] if card else c.bank_code, "instruction_id": None,
                                "outcome": "held" if r.held else "refused", "reason_code": r.reason_code})
    for bank, rs in sorted(by_bank.items()):
        lines = [PayeeLine(item_id=r.item.item_id, attempt=c.attempt, name=r.item.name,
                           card_number=r.item.card_number, amount_fen=r.item.amount_fen) for r in rs]
        ins = await instruct(rt, session, f"{c.order_id}-{c.attempt}-{c.chunk_index}-{bank}", c.order_id, bank,
                              lines, c.batch_id, str(env.event_id))
        rows += [line_row(x, c.order_id, bank, ins) for x in lines]
    await session.execute(insert(PAY), rows)
    if alerts:
        await rt.emit(session, topics.ALERT_RAISED, c.order_id, alerts, c.batch_id, str(env.event_id))
    refused = [r for r, _ in routes if r.bank_code is None and not r.held]
    if refused:
        log.warning("order %s chunk %d: %d payee(s) refused", c.order_id, c.chunk_index, len(refused))
        await _settle(rt, session, c.order_id, f"{c.order_id}-{c.attempt}-{c.chunk_index}-refused", [
            PaymentResult(item_id=r.item.item_id, attempt=c.attempt, outcome="refused", reason_code=r.reason_code,
                          amount_fen=r.item.amount_fen) for r in refused], str(env.event_id))


async def _routes(session: AsyncSession, c: PaymentOrdered) -> list[tuple[Route, dict[str, Any] | None]]:
    """Route each item; a re-issue (attempt > 1) goes to the person's current active card, never twice."""
    contracts = {r.bank_code: (r.valid_from, r.valid_to) for r in (await session.execute(select(tables.contracts)))}
    today = dt.date.today()
    if c.attempt == 1:
        cards = {r["card_number"]: dict(r) for r in (await session.execute(select(tables.cards).where(
            tables.cards.c.card_number.in_([i.card_number for i in c.items])))).mappings()}
        return [(route(i, cards.get(i.card_number), contracts, today), cards.get(i.card_number)) for i in c.items]
    paid = set((await session.execute(select(PAY.c.item_id).where(
        PAY.c.item_id.in_([i.item_id for i in c.items]), PAY.c.outcome == "credited"))).scalars())
    active = {r["id_number"]: dict(r) for r in (await session.execute(select(tables.cards).where(
        tables.cards.c.id_number.in_([i.id_number for i in c.items]), tables.cards.c.status == "active")
    )).mappings()}
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


def line_row(x: PayeeLine, order_id: str, bank: str, instruction_id: str) -> dict[str, Any]:
    return {"item_id": x.item_id, "attempt": x.attempt, "order_id": order_id, "name": x.name,
            "card_number": x.card_number, "amount_fen": x.amount_fen, "bank_code": bank,
            "instruction_id": instruction_id, "outcome": None, "reason_code": None}


async def instruct(rt: Runtime, session: AsyncSession, instruction_id: str, order_id: str, bank: str,
                    lines: list[PayeeLine], correlation: str, causation: str | None) -> str:
    await session.execute(insert(tables.instructions).values(instruction_id=instruction_id, order_id=order_id,
                                                             bank_code=bank))
    await rt.emit(session, topics.INSTRUCTION_ISSUED, order_id, [InstructionIssued(
        instruction_id=instruction_id, order_id=order_id, bank_code=bank, chunk_index=0, chunk_count=1,
        lines=tuple(lines), item_count=len(lines), amount_fen=sum(x.amount_fen for x in lines))],
        correlation, causation)
    return instruction_id


_APPLY = text("""
UPDATE payments SET outcome = v.outcome, reason_code = v.reason
FROM unnest(CAST(:ids AS text[]), CAST(:attempts AS int[]), CAST(:outcomes AS text[]), CAST(:reasons AS text[]),
            CAST(:amounts AS bigint[])) AS v(item_id, attempt, outcome, reason, amount)
WHERE payments.item_id = v.item_id AND payments.attempt = v.attempt AND payments.outcome IS NULL
  AND payments.order_id = :order AND payments.amount_fen = v.amount
RETURNING payments.item_id, payments.attempt, payments.outcome, payments.reason_code, payments.amount_fen
""")


async def on_bank_feedback(rt: Runtime, session: AsyncSession, env: Envelope[BankFeedbackReported]) -> None:
    """Reconcile a bank's answer: each pending payment is settled once; anything else is reported."""
    f = env.payload
    applied = (await session.execute(_APPLY, {
        "ids": [r.item_id for r in f.results], "attempts": [r.attempt for r in f.results],
        "outcomes": [r.outcome for r in f.results], "reasons": [r.reason_code for r in f.results],
        "amounts": [r.amount_fen for r in f.results], "order": f.order_id})).all()
    if len(applied) != len(f.results):
        await _check_unapplied(rt, session, f, {(a.item_id, a.attempt) for a in applied}, str(env.event_id))
    results = [PaymentResult(item_id=a.item_id, attempt=a.attempt, outcome=a.outcome, reason_code=a.reason_code,
                             amount_fen=a.amount_fen) for a in applied]
    if results:
        await _settle(rt, session, f.order_id, f"{f.instruction_id}@{env.event_id}", results, str(env.event_id))


async def _check_unapplied(rt: Runtime, session: AsyncSession, f: BankFeedbackReported,
                           applied: set[tuple[str, int]], causation: str) -> None:
    """A repeated answer (already settled the same way) is normal; anything else is a reconciliation alert."""
    rest = [r for r in f.results if (r.item_id, r.attempt) not in applied]
    known = {(p.item_id, p.attempt): p for p in (await session.execute(select(PAY).where(
        PAY.c.order_id == f.order_id, PAY.c.item_id.in_([r.item_id for r in rest]))))}
    odd = [r for r in rest if (p := known.get((r.item_id, r.attempt))) is None
           or (p.outcome, p.amount_fen) != (r.outcome, r.amount_fen)]
    if odd:
        log.error("bank %s feedback %s: %d result(s) do not match the payments sent", f.bank_code,
                  f.instruction_id, len(odd))
        await rt.emit(session, topics.ALERT_RAISED, f.order_id, [AlertRaised(
            alert_id=f"reconcile:{f.instruction_id}:{causation}", kind="RECONCILIATION_MISMATCH",
            subject=f.order_id, detail=f"对账不符: {len(odd)} result(s) from {f.bank_code} match no payment sent "
                                       f"(first: item {odd[0].item_id}, {odd[0].outcome}, {odd[0].amount_fen} fen)")],
            f.order_id, causation)


async def _settle(rt: Runtime, session: AsyncSession, order_id: str, settlement_id: str,
                  results: list[PaymentResult], causation: str) -> None:
    ok = [r.amount_fen for r in results if r.outcome == "credited"]
    bad = [r.amount_fen for r in results if r.outcome != "credited"]
    order = (await session.execute(update(ORD).where(ORD.c.order_id == order_id).values(
        credited_count=ORD.c.credited_count + len(ok), credited_fen=ORD.c.credited_fen + sum(ok),
        failed_count=ORD.c.failed_count + len(bad), failed_fen=ORD.c.failed_fen + sum(bad),
    ).returning(*ORD.c))).mappings().one()
    await rt.emit(session, topics.PAYMENT_SETTLED, order_id, [PaymentSettled(
        settlement_id=settlement_id, order_id=order_id, batch_id=order["batch_id"],
        program_code=order["program_code"], department_code=order["department_code"], period=order["period"],
        township_code=order["township_code"], bank_code=order["bank_code"], results=tuple(results),
        credited_count=len(ok), credited_fen=sum(ok), failed_count=len(bad), failed_fen=sum(bad))],
        order["batch_id"], causation)
