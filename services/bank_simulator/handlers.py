"""Answer an instruction: credit each card at most once; a repeated line gets its original answer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.bank_simulator import tables
from services.bank_simulator.domain import answer, notice
from shared.events import topics
from shared.events.envelope import Envelope
from shared.events.payloads import BankFeedbackReported, InstructionIssued, Outcome, PaymentResult
from shared.service import Runtime


async def on_instruction(rt: Runtime, session: AsyncSession, env: Envelope[InstructionIssued]) -> None:
    ins = env.payload
    ids = [x.item_id for x in ins.lines]
    earlier = {r.item_id: r for r in (await session.execute(
        select(tables.credits).where(tables.credits.c.item_id.in_(ids))))}
    accounts = {r["card_number"]: dict(r) for r in (await session.execute(select(tables.accounts).where(
        tables.accounts.c.card_number.in_([x.card_number for x in ins.lines])))).mappings()}
    rate = rt.settings.failure_rate  # type: ignore[attr-defined]
    seed = rt.settings.seed  # type: ignore[attr-defined]
    results: list[PaymentResult] = []
    new_rows: list[dict[str, Any]] = []
    for line in ins.lines:
        if line.item_id in earlier:
            e = earlier[line.item_id]
            results.append(PaymentResult(item_id=e.item_id, outcome=e.outcome, reason_code=e.reason_code,
                                         amount_fen=e.amount_fen))
            continue
        reason = answer(line, ins.bank_code, accounts.get(line.card_number), rate, seed)
        outcome: Outcome = "credited" if reason is None else "failed"
        results.append(PaymentResult(item_id=line.item_id, outcome=outcome, reason_code=reason,
                                     amount_fen=line.amount_fen))
        new_rows.append({"item_id": line.item_id, "instruction_id": ins.instruction_id,
                         "card_number": line.card_number, "amount_fen": line.amount_fen, "outcome": outcome,
                         "reason_code": reason})
    if new_rows:
        await session.execute(insert(tables.credits), new_rows)
        paid = [r for r in new_rows if r["outcome"] == "credited"]
        if paid:
            await session.execute(text(
                "UPDATE accounts SET balance_fen = balance_fen + v.amount FROM "
                "(SELECT card, sum(amount) AS amount FROM unnest(CAST(:cards AS text[]), CAST(:amounts AS bigint[]))"
                " AS u(card, amount) GROUP BY card) v WHERE accounts.card_number = v.card"),
                {"cards": [r["card_number"] for r in paid], "amounts": [r["amount_fen"] for r in paid]})
            by_id = {x.item_id: x for x in ins.lines}
            await session.execute(insert(tables.notices), [
                {"item_id": r["item_id"], "text": notice(by_id[r["item_id"]], ins.bank_code)} for r in paid])
    ok = [r.amount_fen for r in results if r.outcome == "credited"]
    bad = [r.amount_fen for r in results if r.outcome != "credited"]
    await rt.emit(session, topics.BANK_FEEDBACK, ins.order_id, [BankFeedbackReported(
        instruction_id=ins.instruction_id, order_id=ins.order_id, bank_code=ins.bank_code, results=tuple(results),
        credited_count=len(ok), credited_fen=sum(ok), failed_count=len(bad), failed_fen=sum(bad))],
        env.correlation_id, str(env.event_id))
