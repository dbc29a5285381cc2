"""Thin routes: upload a declaration (JSON, CSV or XLSX), get the template and the rows to correct."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Path, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

from services.declaration import usecases
from services.declaration.domain import MAX_ROWS, PERIOD
from services.declaration.uploads import MAX_BYTES, read_upload, template_csv, template_xlsx
from services.declaration.usecases import MAX_ERRORS_SHOWN, Accepted
from shared.access import Viewer, allow
from shared.auth import Principal, Role
from shared.inputs import Code, DivisionCode, Name
from shared.sheets import read_table
from shared.web import RuntimeDep

router = APIRouter(tags=["declaration"])
DECLARERS = allow(Role.TOWNSHIP, Role.DEPARTMENT)  # the use case: a township for itself, a department its programs
# full ID and card numbers: the declaring township or department, and the finance bureau and auditors
READERS = allow(Role.TOWNSHIP, Role.DEPARTMENT, Role.FINANCE, Role.AUDITOR, scoped=(Role.TOWNSHIP, Role.DEPARTMENT))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DIVISION_HEADERS = {"乡镇代码": "code", "乡镇（街道）代码": "code", "乡镇": "name", "乡镇（街道）": "name",
                    "村": "village", "村（社区）": "village", "村(社区)": "village"}


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
    program_code: Code
    period: str = Field(pattern=PERIOD.pattern, examples=["2026-11"])
    township_code: DivisionCode | None = Field(default=None, description="for a department's declaration")
    items: list[RowIn] = Field(max_length=MAX_ROWS)


class TownshipIn(BaseModel):
    name: Name
    villages: list[Name] = Field(default_factory=list, max_length=1000, description="villages to add")


def _answer(result: Accepted) -> JSONResponse:
    errors = [e.as_dict() for e in result.errors[:MAX_ERRORS_SHOWN]]
    errors_csv = f"/uploads/{result.upload_id}/errors.csv" if result.errors else None
    if not result.batches:
        return JSONResponse({"detail": {"message": "no row is valid; nothing was declared",
                                        "upload_id": result.upload_id, "errors": errors,
                                        "errors_csv": errors_csv}}, status_code=422)
    body = {"upload_id": result.upload_id, "batch_id": result.batch_id, "accepted_rows": result.item_count,
            "amount_fen": result.amount_fen, "chunks": result.chunk_count, "rejected_rows": result.rejected_rows,
            "errors": errors, "errors_csv": errors_csv, "duplicate_upload": result.duplicate_upload,
            "batches": result.batches}
    return JSONResponse(body, status_code=200 if result.duplicate_upload else 201)


async def _submit(rt: RuntimeDep, who: Principal, program: str | None, period: str, rows: list[dict[str, Any]],
                  township: str | None, filename: str | None = None) -> JSONResponse:
    return _answer(await rt.run(usecases.submit_batch, who, program, period, rows, township, filename))


@router.post("/batches", status_code=201)
async def post_batch(body: BatchIn, rt: RuntimeDep, who: Viewer = Depends(DECLARERS)) -> JSONResponse:
    """Submit a declaration as JSON (system-to-system). Good rows are kept; bad rows are listed."""
    return await _submit(rt, who, body.program_code, body.period, [r.model_dump() for r in body.items],
                         body.township_code)


@router.post("/batches/upload", status_code=201)
async def upload_batch(rt: RuntimeDep, file: UploadFile = File(...),
                       period: str = Form(..., pattern=PERIOD.pattern),
                       program_code: str | None = Form(None, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$"),
                       township_code: str | None = Form(None, pattern=r"^[0-9]{6,12}$"),
                       who: Viewer = Depends(DECLARERS)) -> JSONResponse:
    """Upload an XLSX or CSV (UTF-8 or GBK) with the headers of the template. One file may hold several
    townships and programs (乡镇 and 补贴项目 by name or code on each row): it becomes one batch per
    township and program. Given here, a program or township holds for every row."""
    # parsing is CPU work of unbounded shape: off the event loop, so other requests keep being served
    rows = await asyncio.to_thread(read_upload, file.filename or "", await file.read(MAX_BYTES + 1))
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
async def upload_errors(upload_id: str, rt: RuntimeDep, who: Viewer = Depends(READERS)) -> str:
    """The rejected rows with what is wrong: correct them and upload this file again (only these rows)."""
    return await rt.run(usecases.upload_errors, who, upload_id)


@router.get("/batches/{batch_id}")
async def get_batch(batch_id: str, rt: RuntimeDep, who: Viewer = Depends(READERS)) -> dict[str, Any]:
    return await rt.run(usecases.get_batch, who, batch_id)


@router.get("/programs/{code}/versions")
async def known_versions(code: str, rt: RuntimeDep) -> list[dict[str, Any]]:
    """The program versions declaration has received from the catalog (and checks periods against)."""
    return await rt.run(usecases.known_versions, code)


@router.get("/batches/{batch_id}/returned")
async def returned_items(batch_id: str, rt: RuntimeDep, who: Viewer = Depends(READERS)) -> list[dict[str, Any]]:
    """Items review rejected (退回), with row number and reason, for the declarer to correct."""
    return await rt.run(usecases.returned_items, who, batch_id)


@router.put("/townships/{code}")
async def put_township(body: TownshipIn, code: str = Path(pattern=r"^[0-9]{6,12}$"), *, rt: RuntimeDep,
                       who: Viewer = Depends(allow(Role.FINANCE))) -> dict[str, Any]:
    """Register or rename a township and add villages (the scope a township may declare for); villages
    registered before are kept."""
    return await rt.run(usecases.put_township, who, code, body.name, body.villages)


@router.post("/townships/upload", status_code=201)
async def upload_townships(rt: RuntimeDep, file: UploadFile = File(...),
                           who: Viewer = Depends(allow(Role.FINANCE))) -> dict[str, Any]:
    """Import the division list (CSV or XLSX: 乡镇代码, 乡镇, 村 — one row per village): townships registered or
    renamed, villages added, none dropped; bad rows listed by row and column."""
    rows = await asyncio.to_thread(read_table, file.filename or "", await file.read(MAX_BYTES + 1), DIVISION_HEADERS,
                                   ("code", "name"), 100_000)
    return await rt.run(usecases.import_townships, who, rows)


@router.delete("/townships/{code}/villages/{village}")
async def remove_village(village: Name, code: str = Path(pattern=r"^[0-9]{6,12}$"), *, rt: RuntimeDep,
                         who: Viewer = Depends(allow(Role.FINANCE))) -> dict[str, Any]:
    """Take one village off a township (merged or renamed); its declarations are refused from now on."""
    return await rt.run(usecases.remove_village, who, code, village)


@router.get("/banks")
async def list_banks(rt: RuntimeDep) -> list[dict[str, Any]]:
    """The agency banks 开户银行 is read against: code, name, other names, card BINs (banking's register)."""
    return await rt.run(usecases.list_banks)


@router.get("/townships")
async def list_townships(rt: RuntimeDep, name: Name | None = None) -> list[dict[str, Any]]:
    """Townships and their villages by code and name; ``name`` finds those whose name or a village's contains it."""
    return await rt.run(usecases.list_townships, name)
