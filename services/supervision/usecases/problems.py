"""问题清单 and 整改清单: every problem with its source, scope, people and money, owner and deadline, moved
open -> rectifying -> rectified -> verified (or transferred to discipline inspection as a lead), with the
measures taken, a central hearing's decision, each step's who and when; overdue problems raise alerts."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any, Literal

from pydantic import BaseModel, Field

from services.supervision import casework, store
from services.supervision.domain import (
    OPEN_STATUSES,
    PROBLEM_FLOW,
    PROBLEM_LABELS,
    SOURCE_LABELS,
    ProblemStatus,
)
from services.supervision.settings import Settings
from shared.access import Viewer
from shared.errors import Invalid, NotFound
from shared.inputs import MAX_FEN, Code, DivisionCode, Name, Text2000
from shared.masking import mask_id
from shared.messaging.context import HandlerContext, Runtime
from shared.money import fen_to_yuan

log = logging.getLogger(__name__)
Ctx = HandlerContext[Settings]


class ProblemIn(BaseModel):
    title: Name = Field(description="问题 in a line, e.g. 已故人员仍在领取高龄补贴")
    detail: Text2000 = Field(min_length=2)
    program_code: Code | None = None
    department_code: Code | None = None
    township_code: DivisionCode | None = None
    people: int = Field(default=0, ge=0, le=10_000_000, description="人数 concerned")
    amount_fen: int = Field(default=0, ge=0, le=MAX_FEN, description="金额 concerned, in fen")
    severity: Literal["normal", "serious"] = "normal"
    due_on: dt.date | None = Field(default=None, description="整改时限 (default: the campaign's rectification date)")


class MoveIn(BaseModel):
    measures: Text2000 | None = Field(default=None, description="整改措施 taken")
    note: Text2000 | None = None


class LeadIn(BaseModel):
    sent_to: Name = Field(description="e.g. 县纪委监委")
    what_was_sent: Text2000 = Field(min_length=4, description="移交材料")


class HearingIn(BaseModel):
    decision: Text2000 = Field(min_length=4, description="集中审理意见")


async def open_problem(ctx: Ctx, who: Viewer, body: ProblemIn, problem_id: str, source: str,
                       campaign_id: str | None, scope: dict[str, str]) -> bool:
    """Put a problem on the list (once per id); the owner is the department, else the township."""
    values = body.model_dump() | {k: v for k, v in scope.items() if v}
    due = values.pop("due_on") or await _rectification_date(ctx, campaign_id)
    owner = values.get("department_code") or values.get("township_code")
    added = await casework.add_problem(ctx.session, values | {
        "problem_id": problem_id, "source": source, "campaign_id": campaign_id, "owner": owner, "due_on": due,
        "status": ProblemStatus.OPEN})
    if added:
        await casework.add_problem_step(ctx.session, problem_id, ProblemStatus.OPEN, who.sub, who.role.value,
                                     body.title)
    return added


async def _rectification_date(ctx: Ctx, campaign_id: str | None) -> dt.date:
    if campaign_id:
        c = await casework.campaign(ctx.session, campaign_id)
        if c:
            return dt.date.fromisoformat(next(s["due"] for s in c["stages"] if s["code"] == "rectification"))
    return dt.date.today() + dt.timedelta(days=ctx.settings.rectify_days)


async def add_problem(ctx: Ctx, who: Viewer, campaign_id: str | None, body: ProblemIn) -> dict[str, Any]:
    """A problem found by the spot check or in a hearing (finance or audit)."""
    if campaign_id and await casework.campaign(ctx.session, campaign_id) is None:
        raise NotFound(f"no campaign {campaign_id}")
    problem_id = f"{campaign_id or 'P'}:spot:{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S%f}"
    await open_problem(ctx, who, body, problem_id, "spot_check", campaign_id, {})
    return await get_problem(ctx, who, problem_id)


def view(p: dict[str, Any]) -> dict[str, Any]:
    today = dt.date.today()
    return p | {"id_number": mask_id(p["id_number"]) if p["id_number"] else None,
                "amount_yuan": fen_to_yuan(p["amount_fen"]), "status_label": PROBLEM_LABELS[ProblemStatus(p["status"])],
                "source_label": SOURCE_LABELS.get(p["source"], p["source"]),
                "overdue": p["due_on"] is not None and p["due_on"] < today and p["status"] in OPEN_STATUSES}


async def list_problems(ctx: Ctx, who: Viewer, campaign_id: str | None, status: str | None) -> list[dict[str, Any]]:
    """问题清单 within the caller's scope (ID numbers masked)."""
    narrowed = who.narrowed()
    rows = await casework.problems(ctx.session, narrowed.get("department_code"), narrowed.get("township_code"),
                                campaign_id, status)
    return [view(r) for r in rows]


async def get_problem(ctx: Ctx, who: Viewer, problem_id: str) -> dict[str, Any]:
    p = dict(who.check(await casework.problem(ctx.session, problem_id), f"problem {problem_id}"))
    return view(p) | {"steps": await casework.problem_steps(ctx.session, problem_id)}


async def _move(ctx: Ctx, who: Viewer, problem_id: str, target: ProblemStatus, note: str | None,
                **values: Any) -> dict[str, Any]:
    p = dict(who.check(await casework.problem(ctx.session, problem_id, lock=True), f"problem {problem_id}"))
    PROBLEM_FLOW.check(p["status"], target, f"problem {problem_id}")
    if target == ProblemStatus.RECTIFIED and not values.get("measures"):
        raise Invalid("a rectification is reported with the measures taken (measures)")
    await casework.update_problem(ctx.session, problem_id, values | {"status": target})
    await casework.add_problem_step(ctx.session, problem_id, target, who.sub, who.role.value, note)
    return await get_problem(ctx, who, problem_id)


async def start_rectifying(ctx: Ctx, who: Viewer, problem_id: str, body: MoveIn) -> dict[str, Any]:
    """整改中: the owner has started (measures so far)."""
    return await _move(ctx, who, problem_id, ProblemStatus.RECTIFYING, body.note or body.measures,
                       measures=body.measures)


async def report_rectified(ctx: Ctx, who: Viewer, problem_id: str, body: MoveIn) -> dict[str, Any]:
    """已整改: the owner reports the measures taken."""
    return await _move(ctx, who, problem_id, ProblemStatus.RECTIFIED, body.note, measures=body.measures)


async def verify(ctx: Ctx, who: Viewer, problem_id: str, body: MoveIn) -> dict[str, Any]:
    """已验收: finance or audit checked the rectification."""
    return await _move(ctx, who, problem_id, ProblemStatus.VERIFIED, body.note)


async def send_back(ctx: Ctx, who: Viewer, problem_id: str, body: MoveIn) -> dict[str, Any]:
    """The rectification is not accepted: back to 整改中, with why."""
    return await _move(ctx, who, problem_id, ProblemStatus.RECTIFYING, body.note)


async def transfer_lead(ctx: Ctx, who: Viewer, problem_id: str, body: LeadIn) -> dict[str, Any]:
    """问题线索移交: hand the problem to discipline inspection, recording what was sent."""
    lead = body.model_dump() | {"by": who.sub, "at": dt.datetime.now(dt.UTC).isoformat()}
    return await _move(ctx, who, problem_id, ProblemStatus.TRANSFERRED, f"移交{body.sent_to}", lead=lead)


async def hear(ctx: Ctx, who: Viewer, problem_id: str, body: HearingIn) -> dict[str, Any]:
    """集中审理: record the hearing's decision on a problem (its status is unchanged)."""
    p = dict(who.check(await casework.problem(ctx.session, problem_id, lock=True), f"problem {problem_id}"))
    hearing = body.model_dump() | {"by": who.sub, "at": dt.datetime.now(dt.UTC).isoformat()}
    await casework.update_problem(ctx.session, problem_id, {"hearing": hearing})
    await casework.add_problem_step(ctx.session, problem_id, p["status"], who.sub, who.role.value,
                                 f"集中审理: {body.decision}")
    return await get_problem(ctx, who, problem_id)


async def flag_overdue(ctx: Ctx, today: dt.date) -> int:
    """An alert for each problem past its rectification deadline (once)."""
    rows = await casework.overdue_problems(ctx.session, today)
    for p in rows:
        await casework.update_problem(ctx.session, p["problem_id"], {"overdue_alerted": True})
        await store.keep(ctx.session, "alerts", {
            "alert_id": f"overdue:{p['problem_id']}"[:80], "kind": "problem_overdue", "subject": p["problem_id"][:200],
            "detail": f"问题「{p['title'] or p['detail'][:60]}」整改超期 (时限 {p['due_on']}), "
                      f"责任单位 {p['owner'] or '-'}"})
    return len(rows)


async def watch_deadlines(rt: Runtime[Settings]) -> None:
    """Background job: alert overdue problems every minute (rows locked: safe with several instances)."""
    while True:
        try:
            async with rt.unit_of_work() as ctx:
                await flag_overdue(ctx, dt.date.today())
        except Exception:
            log.exception("flagging overdue problems failed; will retry")
        await asyncio.sleep(rt.settings.deadline_check_seconds)
