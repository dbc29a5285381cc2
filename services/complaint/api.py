"""File a complaint or report (举报) by hotline or public form; the receipt number is the case id."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse

from services.complaint import usecases
from services.complaint.usecases import ComplaintIn
from shared.access import Viewer, allow
from shared.auth import Role
from shared.inputs import IdempotencyKey
from shared.web import RuntimeDep

router = APIRouter(tags=["complaint"])


@router.post("/complaints", status_code=201)
async def hotline_intake(body: ComplaintIn, rt: RuntimeDep,
                         idempotency_key: IdempotencyKey | None = Header(default=None),
                         who: Viewer = Depends(allow(Role.HOTLINE, Role.FINANCE))) -> JSONResponse:
    """Hotline staff record a complaint (12345 / 监督举报电话). Send an Idempotency-Key to retry safely."""
    status, answer = await rt.run(usecases.file_complaint, body, "hotline", who, idempotency_key)
    return JSONResponse(answer, status_code=status)


@router.post("/public/complaints", status_code=201)
async def public_form(body: ComplaintIn, rt: RuntimeDep,
                      idempotency_key: IdempotencyKey | None = Header(default=None)) -> JSONResponse:
    """Anyone may file a complaint or report through the public form (Idempotency-Key: retry safely)."""
    status, answer = await rt.run(usecases.file_complaint, body, "public_form", None, idempotency_key)
    return JSONResponse(answer, status_code=status)
