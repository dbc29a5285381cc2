"""Payments still open: re-send unanswered instructions (same key), release held ones when a contract comes."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from itertools import groupby

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.banking import tables
from shared.events import topics
from shared.events.payloads import InstructionIssued, PayeeLine
from shared.service import Runtime

log = logging.getLogger(__name__)
PAY = tables.payments

_STALE = text("""
SELECT i.instruction_id, i.order_id, i.bank_code FROM instructions i
WHERE i.last_sent_at < now() - make_interval(secs => :after) AND i.sends < :max_sends
  AND EXISTS (SELECT 1 FROM payments p WHERE p.instruction_id = i.instruction_id AND p.outcome IS NULL)
ORDER BY i.last_sent_at LIMIT 50 FOR UPDATE OF i SKIP LOCKED
""")


async def resend_unanswered(rt: Runtime) -> None:
    """Background job: a bank that applied a credit but whose reply was lost is asked again with the same key."""
    after = rt.settings.resend_after_seconds  # type: ignore[attr-defined]
    while True:
        try:
            async with rt.db.transaction() as session:
                stale = (await session.execute(_STALE, {"after": after, "max_sends": 50})).all()
                for ins in stale:
                    await _resend(rt, session, ins.instruction_id, ins.order_id, ins.bank_code)
            if stale:
                log.warning("re-sent %d unanswered instruction(s)", len(stale))
                rt.nudge()
        except Exception:
            log.exception("re-sending instructions failed; will retry")
        await asyncio.sleep(max(1.0, after / 4))


async def _resend(rt: Runtime, session: AsyncSession, instruction_id: str, order_id: str, bank: str) -> None:
    rows = (await session.execute(select(PAY).where(PAY.c.instruction_id == instruction_id, PAY.c.outcome.is_(None))
                                  .order_by(PAY.c.item_id))).mappings().all()
    lines = tuple(PayeeLine(item_id=r["item_id"], attempt=r["attempt"], name=r["name"], card_number=r["card_number"],
                            amount_fen=r["amount_fen"]) for r in rows)
    await session.execute(update(tables.instructions).where(tables.instructions.c.instruction_id == instruction_id)
                          .values(sends=tables.instructions.c.sends + 1, last_sent_at=dt.datetime.now(dt.UTC)))
    await rt.emit(session, topics.INSTRUCTION_ISSUED, order_id, [InstructionIssued(
        instruction_id=instruction_id, order_id=order_id, bank_code=bank, chunk_index=0, chunk_count=1, lines=lines,
        item_count=len(lines), amount_fen=sum(x.amount_fen for x in lines))], order_id)


async def release_held(rt: Runtime, session: AsyncSession, bank: str) -> int:
    """Send the payments held for want of a valid contract with ``bank`` (call after the contract is valid)."""
    from services.banking.handlers import instruct

    rows = (await session.execute(select(PAY).where(PAY.c.outcome == "held", PAY.c.bank_code == bank)
                                  .order_by(PAY.c.order_id, PAY.c.item_id).with_for_update())).mappings().all()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S%f")
    for order_id, group in groupby(rows, key=lambda r: r["order_id"]):
        held = list(group)
        ins = await instruct(rt, session, f"{order_id}-release-{stamp}", order_id, bank, [
            PayeeLine(item_id=r["item_id"], attempt=r["attempt"], name=r["name"], card_number=r["card_number"],
                      amount_fen=r["amount_fen"]) for r in held], order_id, None)
        await session.execute(update(PAY).where(PAY.c.order_id == order_id, PAY.c.outcome == "held",
                                                PAY.c.bank_code == bank)
                              .values(outcome=None, reason_code=None, instruction_id=ins))
    return len(rows)
