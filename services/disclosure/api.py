"""Public rosters (公示名单) as JSON, objections, the personal and village queries, open data.
No full ID or card number ever leaves here."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from openpyxl import Workbook
from pydantic import BaseModel, Field

from services.disclosure.usecases import objections, public
from services.disclosure.usecases.objections import ObjectionIn
from shared import ratelimit
from shared.inputs import Code, DivisionCode, IdNumber, Name
from shared.web import RuntimeDep

router = APIRouter(tags=["public"])
BatchId = Annotated[str, Path(pattern=r"^[A-Z0-9-]{1,40}$")]
ItemId = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,60}$")]
Period = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")]


class PersonQuery(BaseModel):
    id_number: IdNumber = Field(description="公民身份号码 (18 位)")
    name: Name = Field(description="姓名")


@router.get("/public/rosters")
async def list_rosters(rt: RuntimeDep, program_code: Code | None = None, period: Period | None = None,
                       township_code: DivisionCode | None = None, limit: int = Query(1000, ge=1, le=5000),
                       offset: int = Query(0, ge=0, le=10_000_000)) -> list[dict[str, Any]]:
    """Rosters under or after publicity, newest first, with totals, names and the publicity period."""
    return await rt.run(public.list_rosters, program_code, period, township_code, limit, offset)


@router.get("/public/rosters/{batch_id}")
async def roster_json(batch_id: BatchId, rt: RuntimeDep, limit: int = Query(1000, ge=1, le=5000),
                      offset: int = Query(0, ge=0, le=10_000_000), village: Name | None = None) -> dict[str, Any]:
    """One roster, masked (optionally one village's part)."""
    head, lines = await rt.run(public.roster, batch_id, limit, offset, village)
    return {**head, "items": lines}


@router.post("/public/rosters/{batch_id}/lines/{item_id}/objections", status_code=201)
async def object_to_line(batch_id: BatchId, item_id: ItemId, body: ObjectionIn, rt: RuntimeDep,
                         request: Request) -> dict[str, Any]:
    """异议: object to one entry of a roster under publicity; the entry is held until the case is decided.
    The answer carries the receipt number and a code to look the case up (shown once)."""
    ratelimit.check(request, "objections")
    answer: dict[str, Any] = await rt.run(objections.file_objection, batch_id, item_id, body)
    return answer


@router.post("/public/person-query")
async def person_query(body: PersonQuery, rt: RuntimeDep, request: Request) -> dict[str, Any]:
    """A person's own payments across programs and periods (ID number and name must both match). The answer
    has the same shape whether or not the person exists; a few queries a minute per address."""
    ratelimit.check(request, "query")
    return {"items": await rt.run(public.person_query, body.id_number, body.name)}


@router.get("/public/villages/{township_code}/{village}")
async def village_query(township_code: DivisionCode, village: Name, rt: RuntimeDep, period: Period | None = None,
                        limit: int = Query(200, ge=1, le=2000),
                        offset: int = Query(0, ge=0, le=10_000_000)) -> dict[str, Any]:
    """A village's lines on every public roster (masked), with totals."""
    result: dict[str, Any] = await rt.run(public.village_query, township_code, village, period, limit, offset)
    return result


@router.get("/public/dictionary")
async def dictionary() -> list[dict[str, str]]:
    """The open-data export's columns (数据字典)."""
    return [{"列名": c, "name": en, "说明": meaning} for c, en, meaning in public.DICTIONARY]


@router.get("/open-data/{batch_id}.csv")
async def export_csv(batch_id: BatchId, rt: RuntimeDep) -> Response:
    """A published roster as CSV (UTF-8 with BOM, so Excel reads the Chinese), masked."""
    title, rows = await rt.run(public.export_rows, batch_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c for c, _, _ in public.DICTIONARY])
    writer.writerows(rows)
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": _attachment(batch_id, title, "csv")})


@router.get("/open-data/{batch_id}.xlsx")
async def export_xlsx(batch_id: BatchId, rt: RuntimeDep) -> Response:
    """A published roster as XLSX, masked, with the data dictionary on a second sheet."""
    title, rows = await rt.run(public.export_rows, batch_id)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("名单")
    sheet.append([c for c, _, _ in public.DICTIONARY])
    for row in rows:
        sheet.append(row)
    notes = book.create_sheet("数据字典")
    notes.append(["列名", "英文名", "说明"])
    for entry in public.DICTIONARY:
        notes.append(list(entry))
    out = io.BytesIO()
    book.save(out)
    return Response(out.getvalue(), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": _attachment(batch_id, title, "xlsx")})


def _attachment(batch_id: str, title: str, ext: str) -> str:
    """An ASCII file name for old clients, the Chinese title for the rest (RFC 6266)."""
    return f"attachment; filename=\"roster-{batch_id}.{ext}\"; filename*=UTF-8''{quote(title)}.{ext}"
