"""Answer an instruction: credit each card at most once; a repeated line gets its original answer.

Fault modes (settings): ``latency_ms`` before answering; ``ambiguous_rate``, the share of
instructions whose credits are applied but whose reply is lost, so banking must ask again.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

from services.bank_simulator import store
from services.bank_simulator.domain import answer, notice
from services.bank_simulator.settings import Settings
from shared.access import Viewer
from shared.errors import Forbidden
from shared.events.envelope import Envelope
from shared.events.payloads import BankFeedbackReported, InstructionIssued, Outcome, PaymentResult
from shared.masking import mask_card
from shared.messaging.context import HandlerContext

log = logging.getLogger(__name__)
Ctx = HandlerContext[Settings]


async def on_instruction(ctx: Ctx, env: Envelope[InstructionIssued]) -> None:
    ins = env.payload
    cfg = ctx.settings
    if cfg.latency_ms:
        await asyncio.sleep(cfg.latency_ms / 1000)
    given = await store.answers(ctx.session, [x.item_id for x in ins.lines])
    earlier = {(a.item_id, a.attempt): a for a in given}
    paid_before = {a.item_id for a in given if a.outcome == "credited"}
    accounts = await store.accounts(ctx.session, [x.card_number for x in ins.lines])
    failure_rate = await store.fault(ctx.session, "failure_rate", cfg.failure_rate)
    results: list[PaymentResult] = []
    new_rows: list[dict[str, Any]] = []
    for line in ins.lines:
        e = earlier.get((line.item_id, line.attempt))
        if e is not None:  # the same instruction line again: the original answer
            results.append(PaymentResult(item_id=e.item_id, attempt=e.attempt, outcome=e.outcome,
                                         reason_code=e.reason_code, amount_fen=e.amount_fen))
            continue
        reason = "DUPLICATE_PAYMENT" if line.item_id in paid_before else answer(
            line, ins.bank_code, accounts.get(line.card_number), failure_rate, cfg.seed)
        outcome: Outcome = "credited" if reason is None else "failed"
        results.append(PaymentResult(item_id=line.item_id, attempt=line.attempt, outcome=outcome,
                                     reason_code=reason, amount_fen=line.amount_fen))
        new_rows.append({"item_id": line.item_id, "attempt": line.attempt, "instruction_id": ins.instruction_id,
                         "card_number": line.card_number, "amount_fen": line.amount_fen, "outcome": outcome,
                         "reason_code": reason, "program_code": ins.program_code, "period": ins.period})
    if new_rows:
        by_id = {x.item_id: x for x in ins.lines}
        await store.apply_credits(ctx.session, new_rows, [
            {"item_id": r["item_id"], "text": notice(by_id[r["item_id"]], ins.bank_code)}
            for r in new_rows if r["outcome"] == "credited"])
    if new_rows and random.random() < cfg.ambiguous_rate:
        log.warning("ambiguous mode: %s applied, reply lost", ins.instruction_id)
        return
    ok = [r.amount_fen for r in results if r.outcome == "credited"]
    bad = [r.amount_fen for r in results if r.outcome != "credited"]
    await ctx.emit(BankFeedbackReported(
        instruction_id=ins.instruction_id, order_id=ins.order_id, bank_code=ins.bank_code, results=tuple(results),
        credited_count=len(ok), credited_fen=sum(ok), failed_count=len(bad), failed_fen=sum(bad)))


async def open_accounts(ctx: Ctx, who: Viewer, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Open accounts at the caller's own bank (an account of another bank is refused, by its row)."""
    foreign = [n for n, r in enumerate(rows) if not who.sees(r)]
    if foreign:
        raise Forbidden(f"rows {foreign[:10]} are accounts of another bank; a bank opens only its own accounts")
    return {"opened": await store.open_accounts(ctx.session, rows)}


async def list_accounts(ctx: Ctx, who: Viewer, status: str, limit: int) -> list[dict[str, Any]]:
    """The bank's own accounts in a state (the bank sees its full card numbers; nobody else calls this)."""
    return await store.accounts_in(ctx.session, status, limit, who.narrowed())


async def set_account_status(ctx: Ctx, who: Viewer, card_number: str, status: str) -> dict[str, str]:
    who.check((await store.accounts(ctx.session, [card_number])).get(card_number), "account")
    await store.set_account_status(ctx.session, card_number, status)
    return {"card": mask_card(card_number), "status": status}


async def set_failure_rate(ctx: Ctx, who: Viewer, rate: float) -> dict[str, float]:
    """Share of credits that fail at random (on top of account states), for every instance of the simulator:
    kept in its database, read with each instruction (the starting setting holds until this is called)."""
    await store.set_fault(ctx.session, "failure_rate", rate, who.sub)
    return {"failure_rate": rate}


async def integrity(ctx: Ctx, who: Viewer) -> dict[str, Any]:
    """Was anything credited twice? Do balances equal the credits? (for fault-injection runs)"""
    got = await store.integrity(ctx.session)
    return got | {"balances_match": got["credited_fen"] == got["balance_fen"]}


async def totals(ctx: Ctx, who: Viewer, period: str | None = None, program: str | None = None,
                 batch: str | None = None) -> list[dict[str, Any]]:
    """Credits per bank and outcome: what the banks say they did (a bank: its own), for a period, program or
    batch if asked (a demo county's figures apart from a real county's in the same banks)."""
    return [t for t in await store.totals(ctx.session, period, program, batch) if who.sees(t)]
