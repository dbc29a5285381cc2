"""The campaign (专项整治): a timetable and a scope; every department, township and bank self-checks (自查)
with the findings the system already knows pre-filled; finance and audit draw a spot check (抽查) of at least
30% of departments, weighted toward those that reported few or no problems, with a seed anyone can redraw."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, Literal

from pydantic import BaseModel, Field

from services.supervision import casework
from services.supervision.domain import CHECK_ITEMS, draw, sample_items, spot_weight, stage_dates
from services.supervision.settings import Settings
from services.supervision.usecases.problems import ProblemIn, open_problem
from shared.access import Viewer
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.inputs import Code, Name, Text2000
from shared.messaging.context import HandlerContext

Ctx = HandlerContext[Settings]
UnitKind = Literal["department", "township", "bank"]


class CampaignIn(BaseModel):
    campaign_id: str = Field(pattern=r"^[A-Za-z0-9_-]{2,60}$", examples=["YKT-2026"])
    name: Name = Field(examples=["深入整治惠民惠农财政补贴资金发放“一卡通”专项行动"])
    year: int = Field(ge=2000, le=2100, description="the campaign's year (its timetable's dates)")
    scope_years: list[int] = Field(min_length=1, max_length=10, description="funding years checked (回头看 included)")
    program_codes: list[Code] | None = Field(default=None, max_length=200, description="None: every program")
    stage_dates: dict[str, dt.date] = Field(default_factory=dict, description="a stage's date instead of the "
                                            "document's (department_self_check, county_spot_check, ...)")


class Answer(BaseModel):
    ok: bool = Field(description="符合 (true) / 存在问题 (false)")
    evidence: Text2000 = Field(min_length=2, description="佐证: what was checked and how")


class SelfCheckIn(BaseModel):
    answers: dict[str, Answer] = Field(description=f"every item of the form: {sorted(CHECK_ITEMS)}")
    problems: list[ProblemIn] = Field(default_factory=list, max_length=500, description="问题清单")


class SpotCheckIn(BaseModel):
    ratio: float = Field(default=0.3, ge=0.3, le=1.0, description="share of departments (at least 30%)")
    item_ratio: float = Field(default=0.1, gt=0, le=1.0, description="share of each sampled program's items")
    seed: int | None = Field(default=None, ge=0, le=2**62, description="empty: a fresh random seed")


async def create_campaign(ctx: Ctx, who: Viewer, body: CampaignIn) -> dict[str, Any]:
    """Open a campaign with the document's timetable (dates may be set per stage)."""
    unknown = set(body.stage_dates) - {s["code"] for s in stage_dates(body.year)}
    if unknown:
        raise Invalid(f"unknown stages {sorted(unknown)}")
    values = body.model_dump(exclude={"stage_dates"}) | {
        "stages": stage_dates(body.year, body.stage_dates), "created_by": who.sub,
        "scope_years": [str(y) for y in body.scope_years]}
    if not await casework.add_campaign(ctx.session, values):
        raise Conflict(f"campaign {body.campaign_id} exists")
    return await progress(ctx, who, body.campaign_id)


async def _campaign(ctx: Ctx, campaign_id: str) -> dict[str, Any]:
    c = await casework.campaign(ctx.session, campaign_id)
    if c is None:
        raise NotFound(f"no campaign {campaign_id}")
    return c


def _unit_of(who: Viewer, kind: str, code: str) -> None:
    """A department, township or bank self-checks only itself (finance may enter one on its behalf)."""
    who.check({f"{kind}_code": code}, f"the self-check of {kind} {code}")


async def prefill(ctx: Ctx, who: Viewer, campaign_id: str, kind: UnitKind, code: str) -> dict[str, Any]:
    """The self-check form of a unit with what the system already knows for its scope and years."""
    _unit_of(who, kind, code)
    c = await _campaign(ctx, campaign_id)
    known = await casework.known_findings(ctx.session, kind, code, c["scope_years"], c["program_codes"])
    return {"campaign_id": campaign_id, "unit_kind": kind, "unit_code": code, "items": CHECK_ITEMS,
            "known": known, "known_problems": _problems_known(known)}


def _problems_known(known: dict[str, int]) -> int:
    """Findings that are problems of the unit's management. Items caught at review were stopped in time, and
    items or orders the bank returned (a frozen account, a closed card) are the payment path working: both
    are shown on the form, not counted."""
    return sum(v for k, v in known.items() if k in ("withdrawn_items", "upheld_complaints", "alerts",
                                                    "paid_ineligible"))


async def submit_self_check(ctx: Ctx, who: Viewer, campaign_id: str, kind: UnitKind, code: str,
                            body: SelfCheckIn) -> dict[str, Any]:
    """Submit (or correct) a self-check: every item answered with evidence, and the problems found."""
    _unit_of(who, kind, code)
    c = await _campaign(ctx, campaign_id)
    missing = sorted(set(CHECK_ITEMS) - set(body.answers))
    extra = sorted(set(body.answers) - set(CHECK_ITEMS))
    if missing or extra:
        raise Invalid("every item of the form needs an answer and nothing else",
                      detail={"missing": missing, "unknown": extra})
    failed = [k for k, a in body.answers.items() if not a.ok]
    if failed and not body.problems:
        raise Invalid(f"items {failed} are answered 存在问题 but no problem is listed")
    known = await casework.known_findings(ctx.session, kind, code, c["scope_years"], c["program_codes"])
    for n, problem in enumerate(body.problems, 1):
        scope = {"department_code": code} if kind == "department" else {"township_code": code} \
            if kind == "township" else {}
        await open_problem(ctx, who, problem, f"{campaign_id}:self:{kind}:{code}:{n}", "self_check", campaign_id,
                           scope)
    await casework.save_self_check(ctx.session, {
        "campaign_id": campaign_id, "unit_kind": kind, "unit_code": code,
        "answers": {k: a.model_dump() for k, a in body.answers.items()}, "reported_problems": len(body.problems),
        "known_findings": _problems_known(known), "known": known, "submitted_by": who.sub,
        "submitted_at": dt.datetime.now(dt.UTC)})
    return _self_check_view({"unit_kind": kind, "unit_code": code, "reported_problems": len(body.problems),
                             "known_findings": _problems_known(known), "known": known})


def _self_check_view(s: dict[str, Any]) -> dict[str, Any]:
    reported, known = s["reported_problems"], s["known_findings"]
    mark = "零报送但系统已发现问题" if reported == 0 and known > 0 else "报送问题少于系统已发现" \
        if reported < known else "零报送" if reported == 0 else ""
    return {k: s[k] for k in ("unit_kind", "unit_code", "reported_problems", "known_findings", "known")} | {
        "flag": mark, "understated": reported < known}


async def draw_spot_check(ctx: Ctx, who: Viewer, campaign_id: str, body: SpotCheckIn) -> dict[str, Any]:
    """Finance draws the spot check: departments weighted by what they reported against what is known; the
    weights and the seed are kept, so the draw can be repeated by anyone; audit confirms it."""
    c = await _campaign(ctx, campaign_id)
    if await casework.spot_check(ctx.session, campaign_id) is not None:
        raise Conflict(f"the spot check of {campaign_id} is drawn already; redraw it with its seed to check it")
    checks = {s["unit_code"]: s for s in await casework.self_checks(ctx.session, campaign_id)
              if s["unit_kind"] == "department"}
    weights, required = {}, []
    for dept in sorted(set(await casework.departments_in(ctx.session, c["scope_years"], c["program_codes"]))
                       | set(checks)):
        known = checks[dept]["known_findings"] if dept in checks else _problems_known(
            await casework.known_findings(ctx.session, "department", dept, c["scope_years"], c["program_codes"]))
        reported = checks[dept]["reported_problems"] if dept in checks else None
        weights[dept] = spot_weight(reported, known)
        if not reported and known:
            required.append(dept)
    if not weights:
        raise Conflict("no department has payments in the campaign's scope")
    seed = body.seed if body.seed is not None else secrets.randbelow(2**62)
    sample = draw(weights, body.ratio, seed, required)
    await casework.save_spot_check(ctx.session, {
        "campaign_id": campaign_id, "seed": seed, "ratio": body.ratio, "weights": weights, "required": required,
        "sample": sample,
        "item_ratio": body.item_ratio, "drawn_by": who.sub})
    return await spot_check(ctx, who, campaign_id)


async def confirm_spot_check(ctx: Ctx, who: Viewer, campaign_id: str) -> dict[str, Any]:
    """The audit bureau takes part in the draw: a second person, not the one who drew it."""
    s = await casework.spot_check(ctx.session, campaign_id, lock=True)
    if s is None:
        raise NotFound(f"no spot check drawn for {campaign_id}")
    if s["drawn_by"] == who.sub:
        raise Forbidden("the draw is confirmed by a second person")
    if s["confirmed_by"]:
        raise Conflict(f"confirmed already by {s['confirmed_by']}")
    await casework.confirm_spot_check(ctx.session, campaign_id, who.sub)
    return await spot_check(ctx, who, campaign_id)


async def spot_check(ctx: Ctx, who: Viewer, campaign_id: str) -> dict[str, Any]:
    """The draw as recorded, the same draw repeated from its seed and weights, and the items to look at."""
    c = await _campaign(ctx, campaign_id)
    s = await casework.spot_check(ctx.session, campaign_id)
    if s is None:
        raise NotFound(f"no spot check drawn for {campaign_id}")
    redrawn = draw({k: float(v) for k, v in s["weights"].items()}, s["ratio"], s["seed"], s["required"])
    items: dict[str, dict[str, Any]] = {}
    for dept in s["sample"]:
        for program, ids in (await casework.paid_items_of(ctx.session, dept, c["scope_years"],
                                                       c["program_codes"])).items():
            picked = sample_items(ids, s["item_ratio"], s["seed"])
            items[program] = {"department_code": dept, "paid_items": len(ids), "sampled": len(picked),
                              "item_ids": picked}
    coverage = len(s["sample"]) / max(1, len(s["weights"]))
    return {k: s[k] for k in ("campaign_id", "seed", "ratio", "weights", "required", "sample", "item_ratio",
                              "drawn_by", "confirmed_by")} | {
        "drawn_at": s["drawn_at"].isoformat(), "coverage": round(coverage, 3), "redraw_matches": redrawn == s["sample"],
        "confirmed": s["confirmed_by"] is not None, "items": items}


async def progress(ctx: Ctx, who: Viewer, campaign_id: str) -> dict[str, Any]:
    """The campaign: timetable, who has self-checked (flagging 零报送 against what is known), the spot check,
    problems by department, source and status."""
    c = await _campaign(ctx, campaign_id)
    checks = [_self_check_view(s) for s in await casework.self_checks(ctx.session, campaign_id)]
    spot = await casework.spot_check(ctx.session, campaign_id)
    today = dt.date.today().isoformat()
    return {"campaign_id": campaign_id, "name": c["name"], "year": c["year"], "scope_years": c["scope_years"],
            "program_codes": c["program_codes"],
            "stages": [s | {"passed": s["due"] < today} for s in c["stages"]],
            "self_checks": checks, "understated": [x["unit_code"] for x in checks if x["understated"]],
            "spot_check": None if spot is None else {"sample": spot["sample"], "seed": spot["seed"],
                                                     "confirmed_by": spot["confirmed_by"]},
            "problems": await casework.problem_counts(ctx.session, campaign_id)}


async def list_campaigns(ctx: Ctx, who: Viewer) -> list[dict[str, Any]]:
    return [{k: c[k] for k in ("campaign_id", "name", "year", "scope_years", "stages")}
            for c in await casework.campaigns(ctx.session)]
