"""Thin routes: a township uploads a batch (JSON or CSV) and reads its status."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, File, Form, HTTPException, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from services.declaration import tables
from services.declaration.domain import PERIOD
from services.declaration.handlers import Accepted, DeclarationRefused, submit_batch
from services.declaration.uploads import UploadError, read_csv, template
from shared.auth import CurrentPrincipal, Role, require
from shared.web import RuntimeDep

router = APIRouter(tags=["declaration"])


class RowIn(BaseModel):
    name: Any = None
    id_number: Any = None
    card_number: Any = None
    bank_code: Any = None
    village: Any = None
    quantity: Any = None


class BatchIn(BaseModel):
    program_code: str
    period: str = Field(pattern=PERIOD.pattern, examples=["2026-11"])
    items: list[RowIn]


def _answer(result: Accepted) -> JSONResponse:
    body = {"batch_id": result.batch_id, "accepted_rows": result.item_count, "amount_fen": result.amount_fen,
            "chunks": result.chunk_count, "rejected_rows": len({e.row for e in result.errors}),
            "errors": [e.as_dict() for e in result.errors], "duplicate_upload": result.duplicate_upload}
    return JSONResponse(body, status_code=200 if result.duplicate_upload else 201)


async def _submit(rt: RuntimeDep, who: CurrentPrincipal, program: str, period: str,
                  rows: list[dict[str, Any]]) -> JSONResponse:
    require(who, Role.TOWNSHIP)
    try:
        return _answer(await submit_batch(rt, who, program, period, rows))
    except DeclarationRefused as exc:
        raise HTTPException(422, {"message": str(exc), "errors": [e.as_dict() for e in exc.errors]}) from exc


@router.post("/batches", status_code=201)
async def post_batch(body: BatchIn, who: CurrentPrincipal, rt: RuntimeDep) -> JSONResponse:
    """Submit a declaration batch as JSON (system-to-system). Good rows are kept; bad rows are listed."""
    return await _submit(rt, who, body.program_code, body.period, [r.model_dump() for r in body.items])


@router.post("/batches/upload", status_code=201)
async def upload_batch(who: CurrentPrincipal, rt: RuntimeDep, file: UploadFile = File(...),
                       program_code: str = Form(...), period: str = Form(...)) -> JSONResponse:
    """Upload a CSV with the headers 姓名, 公民身份号码, 社保卡号, 开户银行, 村, 数量."""
    if not PERIOD.match(period):
        raise HTTPException(422, "period must look like 2026-11")
    try:
        rows = read_csv(await file.read())
    except UploadError as exc:
        raise HTTPException(422, {"message": str(exc), "errors": []}) from exc
    return await _submit(rt, who, program_code, period, rows)


@router.get("/template.csv", response_class=PlainTextResponse)
async def csv_template() -> str:
    """The declaration template with the column headers officials use."""
    return template()


@router.get("/batches/{batch_id}")
async def get_batch(batch_id: str, who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, Any]:
    async with rt.db.transaction() as session:
        row = (await session.execute(
            select(tables.batches).where(tables.batches.c.batch_id == batch_id))).mappings().first()
    if row is None or (who.role == Role.TOWNSHIP and row["township_code"] != who.township):
        raise HTTPException(404, f"batch {batch_id} not found")
    return {k: v for k, v in row.items() if k != "content_digest"}
