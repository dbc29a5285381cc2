"""Complaints and reports (举报): intake by hotline and public form, cases worked by the department and
township they are routed to, figures for supervision, the public lookup by receipt and code."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from services.complaint.usecases import cases, intake, lookup
from services.complaint.usecases.cases import AssignIn, ResolveIn, StepIn
from services.complaint.usecases.intake import ComplaintIn, HotlineIn
from shared import ratelimit
from shared.access import Viewer, allow
from shared.auth import Role
from shared.inputs import IdempotencyKey
from shared.web import RuntimeDep

router = APIRouter(tags=["complaint"])
CaseId = Annotated[str, Path(pattern=r"^C[0-9A-F]{15}$")]
SCOPED = (Role.DEPARTMENT, Role.TOWNSHIP)
READERS = allow(Role.FINANCE, Role.AUDITOR, Role.HOTLINE, Role.DEPARTMENT, Role.TOWNSHIP, scoped=SCOPED)
WORKERS = allow(Role.DEPARTMENT, Role.TOWNSHIP, scoped=SCOPED)


class LookupIn(BaseModel):
    complaint_id: str = Field(max_length=20, description="受理编号")
    code: str = Field(max_length=10, description="查询码 (given at filing)")


@router.post("/complaints", status_code=201)
async def hotline_intake(body: HotlineIn, rt: RuntimeDep,
                         idempotency_key: IdempotencyKey | None = Header(default=None),
                         who: Viewer = Depends(allow(Role.HOTLINE, Role.FINANCE))) -> JSONResponse:
    """Hotline staff record a complaint (12345 / 监督举报电话); naming a person (and program or item) holds
    their unpaid items until the case is resolved. Send an Idempotency-Key to retry safely."""
    status, answer = await rt.run(intake.file_complaint, body, "hotline", who, idempotency_key)
    return JSONResponse(answer, status_code=status)


@router.post("/public/complaints", status_code=201)
async def public_form(body: ComplaintIn, rt: RuntimeDep,
                      idempotency_key: IdempotencyKey | None = Header(default=None)) -> JSONResponse:
    """Anyone may file a complaint or report through the public form (Idempotency-Key: retry safely)."""
    status, answer = await rt.run(intake.file_complaint, body, "public_form", None, idempotency_key)
    return JSONResponse(answer, status_code=status)


@router.post("/public/cases/lookup")
async def public_lookup(body: LookupIn, rt: RuntimeDep, request: Request) -> dict[str, Any]:
    """办理进度查询: receipt number + code -> stage, steps and outcome (a few lookups a minute per address)."""
    ratelimit.check(request, "lookups")
    answer: dict[str, Any] = await rt.run(lookup.lookup, body.complaint_id, body.code)
    return answer


@router.get("/cases")
async def list_cases(rt: RuntimeDep, stage: Literal["received", "assigned", "investigating", "resolved",
                                                    "closed"] | None = None,
                     overdue: bool = False, limit: int = Query(200, ge=1, le=2000),
                     offset: int = Query(0, ge=0, le=10_000_000),
                     who: Viewer = Depends(READERS)) -> list[dict[str, Any]]:
    """Cases routed to the caller's department or township; finance, the auditor and the hotline see all."""
    return await rt.run(cases.list_cases, who, stage, overdue, limit, offset)


@router.get("/cases/figures")
async def case_figures(rt: RuntimeDep, by: Literal["all", "department", "township", "channel"] = "all",
                       who: Viewer = Depends(READERS)) -> dict[str, Any]:
    """Received, resolved, resolved in time, upheld, overdue."""
    return await rt.run(cases.figures, who, by)


@router.get("/cases/{complaint_id}")
async def get_case(complaint_id: CaseId, rt: RuntimeDep, who: Viewer = Depends(READERS)) -> dict[str, Any]:
    """One case with every step (who, when, note)."""
    return await rt.run(cases.get_case, who, complaint_id)


@router.post("/cases/{complaint_id}/assign")
async def assign(complaint_id: CaseId, body: AssignIn, rt: RuntimeDep,
                 who: Viewer = Depends(WORKERS)) -> dict[str, Any]:
    """交办: received -> assigned, naming who investigates."""
    return await rt.run(cases.assign, who, complaint_id, body)


@router.post("/cases/{complaint_id}/investigate")
async def investigate(complaint_id: CaseId, body: StepIn, rt: RuntimeDep,
                      who: Viewer = Depends(WORKERS)) -> dict[str, Any]:
    """调查核实: assigned -> investigating."""
    return await rt.run(cases.investigate, who, complaint_id, body)


@router.post("/cases/{complaint_id}/resolve")
async def resolve(complaint_id: CaseId, body: ResolveIn, rt: RuntimeDep,
                  who: Viewer = Depends(WORKERS)) -> dict[str, Any]:
    """办结: investigating -> resolved, upheld or not; held items are released or withdrawn."""
    return await rt.run(cases.resolve, who, complaint_id, body)


@router.post("/cases/{complaint_id}/close")
async def close(complaint_id: CaseId, body: StepIn, rt: RuntimeDep,
                who: Viewer = Depends(WORKERS)) -> dict[str, Any]:
    """结案: resolved -> closed."""
    return await rt.run(cases.close, who, complaint_id, body)
