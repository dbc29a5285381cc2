"""Stop and recover money (清退、追缴): items paid that a later check found ineligible become problems; a
recovery order for money wrongly paid records what came back and by what means (treasury gives it back to
the quota; the ledger shows paid, recovered, net); a person may be suspended in a program (暂停发放)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

from services.supervision import casework
from services.supervision.settings import Settings
from services.supervision.usecases.problems import ProblemIn, open_problem
from shared.access import Viewer
from shared.auth import Role
from shared.errors import Conflict, Invalid, NotFound
from shared.events.envelope import Envelope
from shared.events.oversight import EligibilityRechecked, MoneyRecovered, PersonSuspended
from shared.inputs import MAX_FEN, Code, IdNumber, Text2000
from shared.masking import mask_id
from shared.messaging.context import HandlerContext
from shared.money import fen_to_yuan

Ctx = HandlerContext[Settings]
MEANS = {"returned_to_treasury": "缴回国库", "deducted": "从后续补贴中扣回", "bank_debit": "银行协助划回",
         "cash": "现金缴回"}
RECHECK_TITLES = {"DECEASED": "已发放后比对发现：受益人已死亡", "PUBLIC_EMPLOYEE": "已发放后比对发现：财政供养人员领取",
                  "OUTSIDE_CRITERIA": "已发放后比对发现：不符合补贴条件"}


class RecoveryIn(BaseModel):
    amount_fen: int | None = Field(default=None, gt=0, le=MAX_FEN, description="empty: all that was paid")
    due_on: dt.date = Field(description="追缴期限")


class RecoveryPaymentIn(BaseModel):
    amount_fen: int = Field(gt=0, le=MAX_FEN)
    means: Literal["returned_to_treasury", "deducted", "bank_debit", "cash"] = Field(
        description="缴回国库 / 从后续补贴中扣回 / 银行协助划回 / 现金缴回")
    note: Text2000 | None = None


class SuspensionIn(BaseModel):
    id_number: IdNumber
    program_code: Code
    reason: Text2000 = Field(min_length=4)
    problem_id: str | None = Field(default=None, max_length=120)


async def on_eligibility_rechecked(ctx: Ctx, env: Envelope[EligibilityRechecked]) -> None:
    """An item already credited that no longer holds is a problem: money to recover (source: cross_check)."""
    c = env.payload
    system = Viewer(sub="回头看", role=Role.FINANCE)
    for f in c.found:
        paid = await casework.credited_row(ctx.session, f.item.item_id)
        if paid is None:
            continue  # not paid (yet): nothing to recover; review stops new items on its own
        await open_problem(ctx, system, ProblemIn(
            title=RECHECK_TITLES.get(f.reason_code, f.reason_code), detail=f.reason, program_code=c.program_code,
            people=1, amount_fen=paid["amount_fen"], severity="serious"),
            f"recheck:{f.item.item_id}:{f.reason_code}", "cross_check", None,
            {"department_code": c.department_code, "township_code": c.township_code, "item_id": f.item.item_id,
             "batch_id": c.batch_id, "id_number": f.item.id_number})


async def open_recovery(ctx: Ctx, who: Viewer, problem_id: str, body: RecoveryIn) -> dict[str, Any]:
    """A recovery order for the item of a problem (what was credited, or part of it)."""
    p = await casework.problem(ctx.session, problem_id, lock=True)
    if p is None:
        raise NotFound(f"no problem {problem_id}")
    if not p["item_id"]:
        raise Conflict("this problem names no paid item; a recovery order needs one")
    paid = await casework.credited_row(ctx.session, p["item_id"])
    if paid is None:
        raise Conflict(f"item {p['item_id']} was not credited: nothing to recover")
    amount = body.amount_fen or paid["amount_fen"]
    if amount > paid["amount_fen"]:
        raise Invalid(f"at most {fen_to_yuan(paid['amount_fen'])} yuan was paid for this item")
    recovery_id = f"R:{problem_id}"
    added = await casework.add_recovery(ctx.session, {
        "recovery_id": recovery_id, "problem_id": problem_id, "item_id": paid["item_id"], "batch_id": paid["batch_id"],
        "program_code": paid["program_code"], "department_code": paid["department_code"],
        "township_code": paid["township_code"], "period": paid["period"], "id_number": paid["id_number"],
        "amount_fen": amount, "due_on": body.due_on, "created_by": who.sub})
    if not added:
        raise Conflict(f"problem {problem_id} has a recovery order already")
    return await get_recovery(ctx, who, recovery_id)


async def record_payment(ctx: Ctx, who: Viewer, recovery_id: str, body: RecoveryPaymentIn) -> dict[str, Any]:
    """Money came back: recorded, netted in the ledger, and given back to the quota by treasury."""
    r = await casework.recovery(ctx.session, recovery_id, lock=True)
    if r is None:
        raise NotFound(f"no recovery order {recovery_id}")
    outstanding = r["amount_fen"] - r["recovered_fen"]
    if body.amount_fen > outstanding:
        raise Invalid(f"only {fen_to_yuan(outstanding)} yuan is still to be recovered")
    ctx.correlate(recovery_id)
    seq = await casework.add_recovery_payment(ctx.session, recovery_id, {
        "amount_fen": body.amount_fen, "means": body.means, "note": body.note, "by": who.sub})
    await casework.recovered(ctx.session, recovery_id, r["item_id"], body.amount_fen, body.amount_fen == outstanding)
    await ctx.emit(MoneyRecovered(recovery_id=recovery_id, seq=seq, item_id=r["item_id"], batch_id=r["batch_id"],
                                  program_code=r["program_code"], period=r["period"], amount_fen=body.amount_fen,
                                  means=body.means))
    return await get_recovery(ctx, who, recovery_id)


def _view(r: dict[str, Any]) -> dict[str, Any]:
    return r | {"id_number": mask_id(r["id_number"]) if r["id_number"] else None,
                "amount_yuan": fen_to_yuan(r["amount_fen"]), "recovered_yuan": fen_to_yuan(r["recovered_fen"]),
                "outstanding_fen": r["amount_fen"] - r["recovered_fen"],
                "overdue": r["status"] == "open" and r["due_on"] < dt.date.today()}


async def get_recovery(ctx: Ctx, who: Viewer, recovery_id: str) -> dict[str, Any]:
    r = dict(who.check(await casework.recovery(ctx.session, recovery_id), f"recovery order {recovery_id}"))
    payments = [p | {"means_label": MEANS[p["means"]]} for p in await casework.recovery_payments(ctx.session,
                                                                                           recovery_id)]
    return _view(r) | {"payments": payments}


async def list_recoveries(ctx: Ctx, who: Viewer) -> list[dict[str, Any]]:
    narrowed = who.narrowed()
    return [await get_recovery(ctx, who, r["recovery_id"]) for r in await casework.recoveries(
        ctx.session, narrowed.get("department_code"), narrowed.get("township_code"))]


async def suspend(ctx: Ctx, who: Viewer, body: SuspensionIn) -> dict[str, Any]:
    """暂停发放: review rejects the person's new items in the program; disclosure holds those not yet cleared."""
    suspension_id = "S" + uuid.uuid4().hex[:15].upper()
    ctx.correlate(suspension_id)
    await casework.add_suspension(ctx.session, body.model_dump() | {"suspension_id": suspension_id, "active": True,
                                                                 "by": who.sub})
    await ctx.emit(PersonSuspended(suspension_id=suspension_id, id_number=body.id_number,
                                   program_code=body.program_code, reason=body.reason, active=True))
    return {"suspension_id": suspension_id, "id_number": mask_id(body.id_number), "program_code": body.program_code,
            "active": True}


async def lift(ctx: Ctx, who: Viewer, suspension_id: str) -> dict[str, Any]:
    s = await casework.suspension(ctx.session, suspension_id, lock=True)
    if s is None:
        raise NotFound(f"no suspension {suspension_id}")
    if not s["active"]:
        raise Conflict(f"suspension {suspension_id} was lifted already")
    ctx.correlate(suspension_id)
    await casework.lift_suspension(ctx.session, suspension_id, who.sub)
    await ctx.emit(PersonSuspended(suspension_id=suspension_id, id_number=s["id_number"],
                                   program_code=s["program_code"], reason=s["reason"], active=False))
    return {"suspension_id": suspension_id, "active": False}


async def list_suspensions(ctx: Ctx, who: Viewer) -> list[dict[str, Any]]:
    return [s | {"id_number": mask_id(s["id_number"])} for s in await casework.suspensions(ctx.session)]
