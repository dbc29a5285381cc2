"""Answer an instruction: credit each card at most once; a repeated line gets its original answer.

Fault modes (settings): ``latency_ms`` before answering; ``ambiguous_rate``, the share of
instructions whose credits are applied but whose reply is lost, so banking must ask again.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

from sqlalchemy import insert, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.bank_simulator import tables
from services.bank_simulator.domain import answer, notice
from shared.events import topics
from shared.events.envelope import Envelope
from shared.events.payloads import BankFeedbackReported, InstructionIssued, Outcome, PaymentResult
from shared.service import Runtime

log = logging.getLogger(__name__)
CR = tables.credits


async def on_instruction(rt: Runtime, session: AsyncSession, env: Envelope[InstructionIssued]) -> None:
    ins = env.payload
    latency = rt.settings.latency_ms  # type: ignore[attr-defined]
    if latency:
        await asyncio.sleep(latency / 1000)
    keys = [(x.item_id, x.attempt) for x in ins.lines]
    earlier = {(r.item_id, r.attempt): r for r in (await session.execute(
        select(CR).where(tuple_(CR.c.item_id, CR.c.attempt).in_(keys))))} if keys else {}
    paid_before = set((await session.execute(select(CR.c.item_id).where(
        CR.c.item_id.in_([x.item_id for x in ins.lines]), CR.c.outcome == "credited"))).scalars())
    accounts = {r["card_number"]: dict(r) for r in (await session.execute(select(tables.accounts).where(
        tables.accounts.c.card_number.in_([x.card_number for x in ins.lines])))).mappings()}
    rate, seed = rt.settings.failure_rate, rt.settings.seed  # type: ignore[attr-defined]
    results: list[PaymentResult] = []
    new_rows: list[dict[str, Any]] = []
    for line in ins.lines:
        e = earlier.get((line.item_id, line.attempt))
        if e is not None:  # the same instruction line again: the original answer
            results.append(PaymentResult(item_id=e.item_id, attempt=e.attempt, outcome=e.outcome,
                                         reason_code=e.reason_code, amount_fen=e.amount_fen))
            continue
        reason = "DUPLICATE_PAYMENT" if line.item_id in paid_before else answer(
            line, ins.bank_code, accounts.get(line.card_number), rate, seed)
        outcome: Outcome = "credited" if reason is None else "failed"
        results.append(PaymentResult(item_id=line.item_id, attempt=line.attempt, outcome=outcome,
                                     reason_code=reason, amount_fen=line.amount_fen))
        new_rows.append({"item_id": line.item_id, "attempt": line.attempt, "instruction_id": ins.instruction_id,
                         "card_number": line.card_number, "amount_fen": line.amount_fen, "outcome": outcome,
                         "reason_code": reason})
    if new_rows:
        await _apply(session, ins, new_rows)
    if new_rows and random.random() < rt.settings.ambiguous_rate:  # type: ignore[attr-defined]
        log.warning("ambiguous mode: %s applied, reply lost", ins.instruction_id)
        return
    ok = [r.amount_fen for r in results if r.outcome == "credited"]
    bad = [r.amount_fen for r in results if r.outcome != "credited"]
    await rt.emit(session, topics.BANK_FEEDBACK, ins.order_id, [BankFeedbackReported(
        instruction_id=ins.instruction_id, order_id=ins.order_id, bank_code=ins.bank_code, results=tuple(results),
        credited_count=len(ok), credited_fen=sum(ok), failed_count=len(bad), failed_fen=sum(bad))],
        env.correlation_id, str(env.event_id))


async def _apply(session: AsyncSession, ins: InstructionIssued, rows: list[dict[str, Any]]) -> None:
    """Record the answers, add credits to balances and send each beneficiary an SMS notice."""
    await session.execute(insert(CR), rows)
    paid = [r for r in rows if r["outcome"] == "credited"]
    if not paid:
        return
    await session.execute(text(
        "UPDATE accounts SET balance_fen = balance_fen + v.amount FROM "
        "(SELECT card, sum(amount) AS amount FROM unnest(CAST(:cards AS text[]), CAST(:amounts AS bigint[]))"
        " AS u(card, amount) GROUP BY card) v WHERE accounts.card_number = v.card"),
        {"cards": [r["card_number"] for r in paid], "amounts": [r["amount_fen"] for r in paid]})
    by_id = {x.item_id: x for x in ins.lines}
    await session.execute(insert(tables.notices), [
        {"item_id": r["item_id"], "text": notice(by_id[r["item_id"]], ins.bank_code)} for r in paid])
