"""Reference data import, the review queue, township review and department approval."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from pydantic import BaseModel, Field

from services.review.usecases import decisions, recheck, references
from shared.access import Viewer, allow
from shared.auth import Role
from shared.inputs import Code, IdNumber, Name, Text2000, checked_rows, json_list
from shared.sheets import MAX_BYTES, read_table
from shared.web import RuntimeDep

router = APIRouter(tags=["review"])
FINANCE = allow(Role.FINANCE)
# batches and their items (full ID and card numbers): a township its own, a department its programs'
READERS = allow(Role.TOWNSHIP, Role.DEPARTMENT, Role.FINANCE, Role.AUDITOR, scoped=(Role.TOWNSHIP, Role.DEPARTMENT))
Kind = Literal["household", "deaths", "public_employees", "village_officials", "land"]
# whose data: a county's 6-digit division code (default: the county this installation serves)
County = Annotated[str | None, Query(pattern=r"^[0-9]{6}$", description="the county (6-digit division code)")]


class RefRow(BaseModel):
    id_number: IdNumber
    name: Name | None = None
    village: Name | None = None
    status: Name | None = Field(default=None, description="户籍状态, 工作单位, or relation to an official")
    on_date: dt.date | None = Field(default=None, description="死亡日期")
    gender: Literal["男", "女"] | None = None
    birth_date: dt.date | None = None
    township: Name | None = None
    role: Name | None = Field(default=None, description="村干部 or 亲属")
    post: Name | None = Field(default=None, description="职务")
    related_id: IdNumber | None = Field(default=None, description="关联村干部身份号码 (a relative's official)")
    cropland: Decimal | None = Field(default=None, ge=0, le=10**7, description="承包地确权面积, mu")
    grassland: Decimal | None = Field(default=None, ge=0, le=10**7, description="草原承包面积, mu")


class Decision(BaseModel):
    item_id: Code
    approve: bool
    reason: Text2000 | None = None


class TownshipReviewIn(BaseModel):
    decisions: list[Decision] = Field(default=[], max_length=200_000)


class ApprovalIn(BaseModel):
    approve: bool = True
    reason: Text2000 | None = None


@router.post("/reference/{kind}", status_code=201, openapi_extra={"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"type": "array", "maxItems": references.MAX_ROWS,
                                    "items": RefRow.model_json_schema()}}}}})
async def import_reference(kind: Kind, request: Request, rt: RuntimeDep, county: County = None,
                           who: Viewer = Depends(FINANCE)) -> dict[str, Any]:
    """Import a new version of reference data (户籍, 死亡, 财政供养人员, 村干部及亲属) as a JSON list of rows.
    A row that does not fit is listed with its row number and field and left out; the others are imported.
    Rows are checked one at a time as they are imported, never all held as models at once (a county's
    registry of a million people was 2 GB in this process that way)."""
    rows = json_list(await request.body(), references.MAX_ROWS)
    return await rt.run(references.import_reference, who, kind, checked_rows(RefRow, rows), "api", county)


@router.post("/reference/{kind}/upload", status_code=201)
async def upload_reference(kind: Kind, rt: RuntimeDep, file: UploadFile = File(...), county: County = None,
                           who: Viewer = Depends(FINANCE)) -> dict[str, Any]:
    """Import reference data from a CSV or XLSX with Chinese headers, every column kept: 户籍 公民身份号码, 姓名,
    性别, 出生日期, 乡镇, 村, 状态; 死亡 死亡日期; 财政供养 单位, 职务; 村干部 村, 身份, 职务, 关系,
    关联村干部身份号码; 土地 承包地确权面积, 草原承包面积."""
    rows = await asyncio.to_thread(read_table, file.filename or "", await file.read(MAX_BYTES + 1),
                                   references.COLUMNS[kind], ("id_number",), references.MAX_ROWS)
    return await rt.run(references.import_reference, who, kind, rows, file.filename or "upload", county)


@router.get("/reference")
async def reference_versions(rt: RuntimeDep, who: Viewer = Depends(allow(Role.FINANCE, Role.AUDITOR, Role.DEPARTMENT))
                             ) -> list[dict[str, Any]]:
    """Every import: kind, version, rows, who and when."""
    return await rt.run(references.reference_versions, who)


@router.get("/queue")
async def queue(rt: RuntimeDep, who: Viewer = Depends(READERS)) -> list[dict[str, Any]]:
    """Batches waiting for this person: a township's to review, a department's to approve."""
    return await rt.run(decisions.queue, who)


@router.get("/batches/{batch_id}/items")
async def batch_items(batch_id: str, rt: RuntimeDep, status: str | None = None,
                      limit: int = Query(1000, ge=1, le=5000), offset: int = Query(0, ge=0, le=10_000_000),
                      who: Viewer = Depends(READERS)) -> list[dict[str, Any]]:
    """Items of a batch with their findings (codes and plain reasons); filter by status, e.g. flagged."""
    return await rt.run(decisions.batch_items, who, batch_id, status, limit, offset)


@router.post("/batches/{batch_id}/township-review")
async def township_review(batch_id: str, body: TownshipReviewIn, rt: RuntimeDep,
                          who: Viewer = Depends(allow(Role.TOWNSHIP, scoped=(Role.TOWNSHIP,)))) -> dict[str, Any]:
    """乡镇审核: decide each flagged item; clean items pass unless rejected here with a reason."""
    return await rt.run(decisions.township_review, who, batch_id,
                        {d.item_id: (d.approve, d.reason) for d in body.decisions})


@router.post("/batches/{batch_id}/department-approval")
async def department_approval(batch_id: str, body: ApprovalIn, rt: RuntimeDep,
                              who: Viewer = Depends(allow(Role.DEPARTMENT, scoped=(Role.DEPARTMENT,)))
                              ) -> dict[str, Any]:
    """主管部门审批: approve the reviewed batch (or return it with a reason)."""
    return await rt.run(decisions.department_approval, who, batch_id, body.approve, body.reason)


@router.get("/batches/{batch_id}")
async def batch(batch_id: str, rt: RuntimeDep, who: Viewer = Depends(READERS)) -> dict[str, Any]:
    """Where a batch stands (checking, township_review, department_review, approved, returned) and its chunks
    checked so far; one row, cheap to poll."""
    return await rt.run(decisions.batch, who, batch_id)


@router.get("/batches/{batch_id}/decisions")
async def batch_decisions(batch_id: str, rt: RuntimeDep, who: Viewer = Depends(READERS)) -> dict[str, Any]:
    """Counts of items by status and first finding."""
    return await rt.run(decisions.batch_decisions, who, batch_id)


@router.post("/recheck")
async def recheck_year(body: recheck.RecheckIn, rt: RuntimeDep,
                       who: Viewer = Depends(allow(Role.FINANCE, Role.AUDITOR))) -> dict[str, Any]:
    """回头看: a year's approved rosters checked again against today's reference data (deaths, fiscal payroll,
    age); what fails goes to supervision's problem list, where paid items are followed to recovery."""
    return await rt.run(recheck.recheck, who, body)


@router.post("/history", status_code=201)
async def import_history(body: recheck.HistoryIn, rt: RuntimeDep,
                         who: Viewer = Depends(allow(Role.FINANCE))) -> dict[str, Any]:
    """Payments of an earlier year made outside the system, imported as history: 回头看 checks them too and
    supervision's ledger counts them as paid."""
    return await rt.run(recheck.import_history, who, body)
