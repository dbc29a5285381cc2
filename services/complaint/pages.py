"""The complaint side of the public portal: the report form (举报) and the case lookup (办理进度查询)."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from services.complaint.domain import CATEGORY_LABELS
from services.complaint.usecases import intake, lookup
from services.complaint.usecases.intake import ComplaintIn
from shared import ratelimit
from shared.errors import DomainError
from shared.portal import Portal
from shared.web import RuntimeDep

router = APIRouter(tags=["portal"])
portal = Portal(Path(__file__).parent)
CATEGORIES = {k: CATEGORY_LABELS[k] for k in get_args(ComplaintIn.model_fields["category"].annotation)}


@router.get("/report", response_class=HTMLResponse)
async def report_form(request: Request, rt: RuntimeDep) -> HTMLResponse:
    """我要举报: the public form."""
    return portal.render(request, "report.html", categories=CATEGORIES, choices=await rt.run(lookup.form_choices))


@router.post("/report", response_class=HTMLResponse)
async def report(request: Request, rt: RuntimeDep, category: str = Form(max_length=40),
                 content: str = Form(max_length=5000), program_code: str = Form("", max_length=40),
                 township_code: str = Form("", max_length=12), contact: str = Form("", max_length=200)) -> HTMLResponse:
    """File the report; the page shows the receipt number and the code."""
    try:
        body = ComplaintIn(category=category, content=content, program_code=program_code or None,  # type: ignore[arg-type]
                           township_code=township_code or None, contact=contact or None)
    except ValidationError:
        return portal.render(request, "report.html", status=422, categories=CATEGORIES,
                             choices=await rt.run(lookup.form_choices), error="请选择类型，并填写至少 5 个字的内容。")
    _, answer = await rt.run(intake.file_complaint, body, "public_form", None, None)
    return portal.render(request, "filed.html", status=201, answer=answer)


@router.get("/cases/lookup", response_class=HTMLResponse)
async def lookup_form(request: Request) -> HTMLResponse:
    """办理进度查询: the form (receipt and code are sent by POST, never in an address)."""
    return portal.render(request, "lookup.html", case=None)


@router.post("/cases/lookup", response_class=HTMLResponse)
async def lookup_case(request: Request, rt: RuntimeDep, complaint_id: str = Form(max_length=20),
                      code: str = Form(max_length=10)) -> HTMLResponse:
    try:
        ratelimit.check(request, "lookups")
        case = await rt.run(lookup.lookup, complaint_id, code)
    except DomainError as exc:
        return portal.render(request, "lookup.html", status=exc.status, case=None, error=str(exc))
    return portal.render(request, "lookup.html", case=case)
