"""Working a case: assign, investigate, resolve (upheld or not), close — each with who and when, within the
scope of the department and township it was routed to; overdue stages raise alerts; figures for supervision."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any, Literal

from pydantic import BaseModel, Field

from services.complaint import store, tables
from services.complaint.domain import CASE_FLOW, CATEGORY_LABELS, CHANNEL_LABELS, OUTCOME_LABELS, STAGE_LABELS, Stage
from services.complaint.settings import Settings
from services.complaint.usecases.intake import deadlines
from shared.access import Viewer
from shared.audit import record
from shared.events.oversight import CaseResolved
from shared.events.payloads import AlertRaised
from shared.inputs import Name, Text2000
from shared.masking import mask_id
from shared.messaging.context import HandlerContext, Runtime

log = logging.getLogger(__name__)
Ctx = HandlerContext[Settings]


class StepIn(BaseModel):
    note: Text2000 | None = Field(default=None, description="办理意见")


class AssignIn(StepIn):
    assignee: Name = Field(description="承办人 (who investigates)")


class ResolveIn(BaseModel):
    outcome: Literal["upheld", "not_upheld"] = Field(description="反映属实 / 反映不属实")
    finding: Text2000 = Field(min_length=4, description="调查结论")


def staff_view(c: dict[str, Any], full_id: bool = False) -> dict[str, Any]:
    """A case as staff see it (the named person's ID in full only in the case's own page)."""
    now = dt.datetime.now(dt.UTC)
    out = {k: c[k] for k in ("complaint_id", "channel", "category", "program_code", "township_code", "village",
                             "department_code", "batch_id", "item_id", "content", "assignee", "outcome", "finding",
                             "filed_at", "stage_due_at", "resolve_due_at", "resolved_at", "holds")}
    out |= {"stage": c["status"], "stage_label": STAGE_LABELS[Stage(c["status"])],
            "channel_label": CHANNEL_LABELS.get(c["channel"], c["channel"]),
            "category_label": CATEGORY_LABELS.get(c["category"], c["category"]),
            "outcome_label": OUTCOME_LABELS.get(c["outcome"] or "", ""),
            "overdue": c["status"] != Stage.CLOSED and c["stage_due_at"] is not None and c["stage_due_at"] < now,
            "id_number": (c["id_number"] if full_id else mask_id(c["id_number"])) if c["id_number"] else None}
    return out


async def list_cases(ctx: Ctx, who: Viewer, stage: str | None, overdue: bool, limit: int,
                     offset: int) -> list[dict[str, Any]]:
    """Cases routed to the caller's department or township (all of them for finance and the auditor)."""
    narrowed = who.narrowed()
    rows = await store.cases(ctx.session, {"status": stage, **narrowed},
                             dt.datetime.now(dt.UTC) if overdue else None, limit, offset)
    return [staff_view(c) for c in rows]


async def get_case(ctx: Ctx, who: Viewer, complaint_id: str) -> dict[str, Any]:
    c = who.check(await store.case(ctx.session, complaint_id), f"case {complaint_id}")
    return staff_view(dict(c), full_id=True) | {"steps": await store.steps(ctx.session, complaint_id)}


async def _advance(ctx: Ctx, who: Viewer, complaint_id: str, target: Stage, note: str | None,
                   **values: Any) -> dict[str, Any]:
    ctx.correlate(complaint_id)
    c = dict(who.check(await store.case(ctx.session, complaint_id, lock=True), f"case {complaint_id}"))
    CASE_FLOW.check(c["status"], target, f"case {complaint_id}")
    values |= {"status": target, "overdue_stage": None}
    values |= {"stage_due_at": deadlines(ctx.settings, target, c["filed_at"])["stage_due_at"]} \
        if target != Stage.CLOSED else {"stage_due_at": None}
    await store.move(ctx.session, complaint_id, values)
    await store.add_step(ctx.session, complaint_id, target, who.sub, who.role.value, note)
    await record(ctx.session, tables.audit, who, f"case.{target.value}", complaint_id, note)
    return c | values


async def assign(ctx: Ctx, who: Viewer, complaint_id: str, body: AssignIn) -> dict[str, Any]:
    """交办: name who investigates."""
    return staff_view(await _advance(ctx, who, complaint_id, Stage.ASSIGNED, body.note, assignee=body.assignee))


async def investigate(ctx: Ctx, who: Viewer, complaint_id: str, body: StepIn) -> dict[str, Any]:
    """调查核实: the investigation has started."""
    return staff_view(await _advance(ctx, who, complaint_id, Stage.INVESTIGATING, body.note))


async def resolve(ctx: Ctx, who: Viewer, complaint_id: str, body: ResolveIn) -> dict[str, Any]:
    """办结: upheld or not. Holds the case made are released (not upheld) or the items withdrawn (upheld);
    an upheld case about a paid item becomes a problem for supervision."""
    c = await _advance(ctx, who, complaint_id, Stage.RESOLVED, body.finding, outcome=body.outcome,
                       finding=body.finding, resolved_at=dt.datetime.now(dt.UTC))
    await ctx.emit(CaseResolved(
        complaint_id=complaint_id, outcome=body.outcome, channel=c["channel"], category=c["category"],
        program_code=c["program_code"], township_code=c["township_code"], department_code=c["department_code"],
        item_id=c["item_id"], id_number=c["id_number"], finding=body.finding, resolved_by=who.sub))
    return staff_view(c)


async def close(ctx: Ctx, who: Viewer, complaint_id: str, body: StepIn) -> dict[str, Any]:
    """结案: the filer has been told; nothing more to do."""
    return staff_view(await _advance(ctx, who, complaint_id, Stage.CLOSED, body.note))


async def figures(ctx: Ctx, who: Viewer, by: str) -> dict[str, Any]:
    """Received, resolved, resolved in time, upheld, overdue — overall or per department, township, channel."""
    narrowed = who.narrowed()
    rows = await store.figures(ctx.session, by, dt.datetime.now(dt.UTC), narrowed.get("department_code"),
                               narrowed.get("township_code"))
    return {"by": by, "rows": [{"group": r.pop("grp"), **r} for r in rows]}


async def flag_overdue(ctx: Ctx, now: dt.datetime) -> int:
    """Alert supervision once per case and stage past its deadline; returns how many were flagged."""
    rows = await store.overdue(ctx.session, now)
    for c in rows:
        stage = Stage(c["status"])
        await store.move(ctx.session, c["complaint_id"], {"overdue_stage": stage})
        await ctx.emit(AlertRaised(
            alert_id=f"overdue:{c['complaint_id']}:{stage.value}", kind="complaint_overdue",
            subject=c["complaint_id"],
            detail=f"投诉举报件 {c['complaint_id']} 在「{STAGE_LABELS[stage]}」阶段超期 "
                   f"(期限 {c['stage_due_at']:%Y-%m-%d %H:%M} UTC), 承办单位 {c['department_code'] or '-'} / "
                   f"{c['township_code'] or '-'}"))
    return len(rows)


async def watch_deadlines(rt: Runtime[Settings]) -> None:
    """Background job: flag overdue cases every minute (safe with several instances: rows are locked)."""
    while True:
        try:
            async with rt.unit_of_work() as ctx:
                await flag_overdue(ctx, dt.datetime.now(dt.UTC))
        except Exception:
            log.exception("flagging overdue cases failed; will retry")
        await asyncio.sleep(60)

