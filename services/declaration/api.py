"""Thin routes: upload a declaration (JSON, CSV or XLSX), get the template and the rows to correct."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, File, Form, HTTPException, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import delete, insert, select

from services.declaration import tables
from services.declaration.domain import PERIOD
from services.declaration.handlers import MAX_ERRORS_SHOWN, Accepted, DeclarationRefused, submit_batch
from services.declaration.uploads import (
    MAX_BYTES,
    UploadError,
    errors_csv,
    read_upload,
    template_csv,
    template_xlsx,
)
from shared.audit import record
from shared.auth import CurrentPrincipal, Principal, Role, require
from shared.web import RuntimeDep

router = APIRouter(tags=["declaration"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RowIn(BaseModel):
    name: Any = None
    id_number: Any = None
    card_number: Any = None
    bank_code: Any = None
    township: Any = None
    village: Any = None
    program: Any = None
    quantity: Any = None
    amount: Any = None


class BatchIn(BaseModel):
    program_code: str
    period: str = Field(pattern=PERIOD.pattern, examples=["2026-11"])
    township_code: str | None = Field(default=None, description="for a department's declaration")
    items: list[RowIn]


class TownshipIn(BaseModel):
    name: str
    villages: list[str] = Field(min_length=1)


def _answer(result: Accepted) -> JSONResponse:
    body = {"upload_id": result.upload_id, "batch_id": result.batch_id, "accepted_rows": result.item_count,
            "amount_fen": result.amount_fen, "chunks": result.chunk_count, "rejected_rows": result.rejected_rows,
            "errors": [e.as_dict() for e in result.errors[:MAX_ERRORS_SHOWN]],
            "errors_csv": f"/uploads/{result.upload_id}/errors.csv" if result.errors else None,
            "duplicate_upload": result.duplicate_upload}
    return JSONResponse(body, status_code=200 if result.duplicate_upload else 201)


async def _submit(rt: RuntimeDep, who: Principal, program: str, period: str, rows: list[dict[str, Any]],
                  township: str | None, filename: str | None = None) -> JSONResponse:
    require(who, Role.TOWNSHIP, Role.DEPARTMENT)
    try:
        return _answer(await submit_batch(rt, who, program, period, rows, township, filename))
    except DeclarationRefused as exc:
        raise HTTPException(422, {"message": str(exc), "upload_id": exc.upload_id,
                                  "errors": [e.as_dict() for e in exc.errors[:MAX_ERRORS_SHOWN]]}) from exc
    finally:
        rt.nudge()


@router.post("/batches", status_code=201)
async def post_batch(body: BatchIn, who: CurrentPrincipal, rt: RuntimeDep) -> JSONResponse:
    """Submit a declaration as JSON (system-to-system). Good rows are kept; bad rows are listed."""
    return await _submit(rt, who, body.program_code, body.period, [r.model_dump() for r in body.items],
                         body.township_code)


@router.post("/batches/upload", status_code=201)
async def upload_batch(who: CurrentPrincipal, rt: RuntimeDep, file: UploadFile = File(...),
                       program_code: str = Form(...), period: str = Form(...),
                       township_code: str | None = Form(None)) -> JSONResponse:
    """Upload an XLSX or CSV (UTF-8 or GBK) with the headers of the template."""
    if not PERIOD.match(period):
        raise HTTPException(422, "period must look like 2026-11")
    content = await file.read(MAX_BYTES + 1)
    try:
        rows = read_upload(file.filename or "", content)
    except UploadError as exc:
        raise HTTPException(422, {"message": str(exc), "errors": []}) from exc
    return await _submit(rt, who, program_code, period, rows, township_code, file.filename)


@router.get("/template.csv", response_class=PlainTextResponse)
async def csv_template() -> str:
    """The declaration template with the column headers officials use."""
    return template_csv()


@router.get("/template.xlsx")
async def xlsx_template() -> Response:
    return Response(template_xlsx(), media_type=XLSX,
                    headers={"content-disposition": "attachment; filename=template.xlsx"})


@router.get("/uploads/{upload_id}/errors.csv", response_class=PlainTextResponse)
async def upload_errors(upload_id: str, who: CurrentPrincipal, rt: RuntimeDep) -> str:
    """The rejected rows with what is wrong: correct them and upload this file again (only these rows)."""
    async with rt.db.transaction() as session:
        up = (await session.execute(select(tables.uploads).where(tables.uploads.c.upload_id == upload_id))
              ).mappings().first()
    if up is None or (who.role == Role.TOWNSHIP and up["township_code"] != who.township):
        raise HTTPException(404, f"upload {upload_id} not found")
    return errors_csv(up["errors"])


@router.get("/batches/{batch_id}")
async def get_batch(batch_id: str, who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, Any]:
    async with rt.db.transaction() as session:
        row = (await session.execute(
            select(tables.batches).where(tables.batches.c.batch_id == batch_id))).mappings().first()
    if row is None or (who.role == Role.TOWNSHIP and row["township_code"] != who.township):
        raise HTTPException(404, f"batch {batch_id} not found")
    return dict(row)


@router.get("/programs/{code}/versions")
async def known_versions(code: str, rt: RuntimeDep) -> list[dict[str, Any]]:
    """The program versions declaration has received from the catalog (and checks periods against)."""
    pv = tables.program_versions
    async with rt.db.transaction() as session:
        rows = (await session.execute(select(pv).where(pv.c.code == code).order_by(pv.c.version))).mappings().all()
    return [dict(r) for r in rows]


@router.get("/batches/{batch_id}/returned")
async def returned_items(batch_id: str, who: CurrentPrincipal, rt: RuntimeDep) -> list[dict[str, Any]]:
    """Items review rejected (退回), with row number and reason, for the declarer to correct."""
    await get_batch(batch_id, who, rt)  # the same scope check
    r, it = tables.item_reviews, tables.items
    async with rt.db.transaction() as session:
        rows = (await session.execute(select(it.c.row_no, it.c.name, it.c.village, r.c.reason_code, r.c.reason)
                .join(it, it.c.item_id == r.c.item_id).where(r.c.batch_id == batch_id, r.c.decision == "rejected")
                .order_by(it.c.row_no))).mappings().all()
    return [dict(x) for x in rows]


@router.put("/townships/{code}")
async def put_township(code: str, body: TownshipIn, who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, Any]:
    """Register a township and its villages (the scope a township may declare for)."""
    require(who, Role.FINANCE)
    async with rt.db.transaction() as session:
        await session.execute(delete(tables.townships).where(tables.townships.c.code == code))
        await session.execute(insert(tables.townships).values(code=code, name=body.name))
        await session.execute(delete(tables.villages).where(tables.villages.c.township_code == code))
        await session.execute(insert(tables.villages), [{"township_code": code, "name": v}
                                                        for v in sorted(set(body.villages))])
        await record(session, tables.audit, who, "township.put", code, detail=body.model_dump())
    return {"code": code, "name": body.name, "villages": len(set(body.villages))}
