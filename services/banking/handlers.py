"""Banking use cases: route an order's items to banks (or refuse them), settle the banks' feedback."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.banking import tables
from services.banking.domain import Route, route
from shared.events import topics
from shared.events.envelope import Envelope
from shared.events.payloads import (
    BankFeedbackReported,
    InstructionIssued,
    PayeeLine,
    PaymentOrdered,
    PaymentResult,
    PaymentSettled,
)
from shared.service import Runtime

log = logging.getLogger(__name__)
ORD = tables.orders


async def on_payment_ordered(rt: Runtime, session: AsyncSession, env: Envelope[PaymentOrdered]) -> None:
    """Check every payee against the card registry and contracts; instruct banks; settle refusals at once."""
    c = env.payload
    await session.execute(pg_insert(ORD).values(
        order_id=c.order_id, batch_id=c.batch_id, program_code=c.program_code, department_code=c.department_code,
        period=c.period, township_code=c.township_code, bank_code=c.bank_code, chunk_count=c.chunk_count,
        item_count=c.order_item_count, amount_fen=c.order_amount_fen).on_conflict_do_nothing())
    cards = {r["card_number"]: dict(r) for r in (await session.execute(select(tables.cards).where(
        tables.cards.c.card_number.in_([i.card_number for i in c.items])))).mappings()}
    contracts = {r.bank_code: (r.valid_from, r.valid_to) for r in (await session.execute(select(tables.contracts)))}
    today = dt.date.today()
    routes = [route(i, cards.get(i.card_number), contracts, today) for i in c.items]
    by_bank: dict[str, list[Route]] = defaultdict(list)
    refused = [r for r in routes if r.bank_code is None]
    for r in routes:
        if r.bank_code is not None:
            by_bank[r.bank_code].append(r)
    rows: list[dict[str, Any]] = []
    instructions = []
    for bank, rs in sorted(by_bank.items()):
        instruction_id = f"{c.order_id}-{c.chunk_index}-{bank}"
        lines = tuple(PayeeLine(item_id=r.item.item_id, name=r.item.name, card_number=r.item.card_number,
                                amount_fen=r.item.amount_fen) for r in rs)
        instructions.append(InstructionIssued(
            instruction_id=instruction_id, order_id=c.order_id, bank_code=bank, chunk_index=0, chunk_count=1,
            lines=lines, item_count=len(lines), amount_fen=sum(x.amount_fen for x in lines)))
        rows += [{"item_id": r.item.item_id, "order_id": c.order_id, "instruction_id": instruction_id,
                  "bank_code": bank, "card_number": r.item.card_number, "amount_fen": r.item.amount_fen}
                 for r in rs]
    rows += [{"item_id": r.item.item_id, "order_id": c.order_id, "instruction_id": None, "bank_code": c.bank_code,
              "card_number": r.item.card_number, "amount_fen": r.item.amount_fen, "outcome": "refused",
              "reason_code": r.reason_code} for r in refused]
    await session.execute(insert(tables.payments), [{"outcome": None, "reason_code": None} | r for r in rows])
    for ins in instructions:
        await rt.emit(session, topics.INSTRUCTION_ISSUED, ins.bank_code, [ins], c.batch_id, str(env.event_id))
    if refused:
        log.warning("order %s chunk %d: %d payee(s) refused", c.order_id, c.chunk_index, len(refused))
        results = [PaymentResult(item_id=r.item.item_id, outcome="refused", reason_code=r.reason_code,
                                 amount_fen=r.item.amount_fen) for r in refused]
        await _settle(rt, session, c.order_id, f"{c.order_id}-{c.chunk_index}-refused", results, str(env.event_id))


_APPLY = text("""
UPDATE payments SET outcome = v.outcome, reason_code = v.reason
FROM unnest(CAST(:ids AS text[]), CAST(:outcomes AS text[]), CAST(:reasons AS text[]), CAST(:amounts AS bigint[]))
     AS v(item_id, outcome, reason, amount)
WHERE payments.item_id = v.item_id AND payments.outcome IS NULL AND payments.instruction_id = :instruction
  AND payments.amount_fen = v.amount
RETURNING payments.item_id, payments.outcome, payments.reason_code, payments.amount_fen
""")


async def on_bank_feedback(rt: Runtime, session: AsyncSession, env: Envelope[BankFeedbackReported]) -> None:
    """Reconcile a bank's answer: each pending payment is settled once; anything else is reported."""
    f = env.payload
    applied = (await session.execute(_APPLY, {
        "ids": [r.item_id for r in f.results], "outcomes": [r.outcome for r in f.results],
        "reasons": [r.reason_code for r in f.results], "amounts": [r.amount_fen for r in f.results],
        "instruction": f.instruction_id})).all()
    if len(applied) != len(f.results):
        log.error("bank %s feedback %s: %d result(s) did not match a pending payment of the same amount",
                  f.bank_code, f.instruction_id, len(f.results) - len(applied))
    results = [PaymentResult(item_id=a.item_id, outcome=a.outcome, reason_code=a.reason_code,
                             amount_fen=a.amount_fen) for a in applied]
    if results:
        await _settle(rt, session, f.order_id, f.instruction_id, results, str(env.event_id))


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
