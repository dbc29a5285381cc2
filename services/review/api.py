"""Reference data import, the review queue, township review and department approval."""

from __future__ import annotations

import csv
import io
from typing import Any, Literal

from fastapi import APIRouter, File, HTTPException, UploadFile
from pydantic import BaseModel
from sqlalchemy import func, insert, select, text

from services.review import decisions, tables
from services.review.checks import KINDS
from shared.audit import record
from shared.auth import CurrentPrincipal, Role, require
from shared.files import decode_text
from shared.ids import id_problem
from shared.web import RuntimeDep

router = APIRouter(tags=["review"])
Kind = Literal["household", "deaths", "public_employees", "village_officials"]
# CSV headers per kind -> ref_rows columns
COLUMNS: dict[str, dict[str, str]] = {
    "household": {"公民身份号码": "id_number", "姓名": "name", "村": "village", "状态": "status"},
    "deaths": {"公民身份号码": "id_number", "姓名": "name", "死亡日期": "on_date"},
    "public_employees": {"公民身份号码": "id_number", "姓名": "name", "单位": "status"},
    "village_officials": {"公民身份号码": "id_number", "姓名": "name", "村": "village", "关系": "status"},
}


class RefRow(BaseModel):
    id_number: str
    name: str | None = None
    village: str | None = None
    status: str | None = None
    on_date: str | None = None


class Decision(BaseModel):
    item_id: str
    approve: bool
    reason: str | None = None


class TownshipReviewIn(BaseModel):
    decisions: list[Decision] = []


class ApprovalIn(BaseModel):
    approve: bool = True
    reason: str | None = None


async def _import(rt: RuntimeDep, who: Any, kind: str, rows: list[dict[str, Any]], source: str) -> dict[str, Any]:
    errors = [{"row": n, "message": p} for n, r in enumerate(rows, 1) if (p := id_problem(r["id_number"]))]
    good = {r["id_number"]: r for r in rows if not id_problem(r["id_number"])}
    async with rt.db.transaction() as session:
        import_id = (await session.execute(insert(tables.ref_imports).values(
            kind=kind, row_count=len(good), imported_by=who.sub, source=source
        ).returning(tables.ref_imports.c.import_id))).scalar_one()
        values = [{"import_id": import_id, "name": None, "village": None, "status": None, "on_date": None} | r
                  for r in good.values()]
        for start in range(0, len(values), 5000):
            await session.execute(insert(tables.ref_rows), values[start:start + 5000])
        await record(session, tables.audit, who, f"reference.import.{kind}", str(import_id),
                     detail={"rows": len(good), "source": source})
    return {"kind": kind, "version": import_id, "rows": len(good), "errors": errors[:200]}


@router.post("/reference/{kind}", status_code=201)
async def import_reference(kind: Kind, rows: list[RefRow], who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, Any]:
    """Import a new version of reference data (户籍, 死亡, 财政供养人员, 村干部及亲属) as JSON."""
    require(who, Role.FINANCE)
    import datetime as dt

    parsed = [r.model_dump() | {"on_date": dt.date.fromisoformat(r.on_date) if r.on_date else None} for r in rows]
    return await _import(rt, who, kind, parsed, "api")


@router.post("/reference/{kind}/upload", status_code=201)
async def upload_reference(kind: Kind, who: CurrentPrincipal, rt: RuntimeDep,
                           file: UploadFile = File(...)) -> dict[str, Any]:
    """Import reference data from a CSV with Chinese headers (e.g. 公民身份号码, 姓名, 村, 状态)."""
    import datetime as dt

    require(who, Role.FINANCE)
    reader = csv.DictReader(io.StringIO(decode_text(await file.read())))
    cols = COLUMNS[kind]
    if not reader.fieldnames or "公民身份号码" not in reader.fieldnames:
        raise HTTPException(422, f"the header row must contain {list(cols)}")
    rows = []
    for raw in reader:
        r = {cols[k]: (v or "").strip() or None for k, v in raw.items() if k in cols}
        if r.get("on_date"):
            r["on_date"] = dt.date.fromisoformat(str(r["on_date"]))
        r["id_number"] = (r.get("id_number") or "").upper()
        rows.append(r)
    return await _import(rt, who, kind, rows, file.filename or "upload")


@router.get("/reference")
async def reference_versions(who: CurrentPrincipal, rt: RuntimeDep) -> list[dict[str, Any]]:
    """Every import: kind, version, rows, who and when."""
    require(who, Role.FINANCE, Role.AUDITOR, Role.DEPARTMENT)
    async with rt.db.transaction() as session:
        rows = (await session.execute(select(tables.ref_imports).order_by(tables.ref_imports.c.import_id.desc())
                                      )).mappings().all()
        cards = (await session.execute(select(func.count()).select_from(tables.card_refs))).scalar_one()
    return [dict(r) for r in rows if r["kind"] in KINDS] + [{"kind": "cards", "row_count": cards,
                                                             "source": "banking.cards.registered.v1"}]


@router.get("/queue")
async def queue(who: CurrentPrincipal, rt: RuntimeDep) -> list[dict[str, Any]]:
    """Batches waiting for this person: a township's to review, a department's to approve."""
    b, it = tables.batches, tables.items
    q = select(b, func.count().filter(it.c.status == "flagged").label("flagged"),
               func.count().filter(it.c.status == "rejected").label("rejected_by_rules"),
               func.count().label("items")).join(it, it.c.batch_id == b.c.batch_id).group_by(b.c.batch_id)
    if who.role == Role.TOWNSHIP:
        q = q.where(b.c.township_code == who.township, b.c.status == "township_review")
    elif who.role == Role.DEPARTMENT:
        q = q.where(b.c.department_code == who.department, b.c.status == "department_review")
    else:
        require(who, Role.FINANCE, Role.AUDITOR)
    async with rt.db.transaction() as session:
        return [dict(r) for r in (await session.execute(q.order_by(b.c.batch_id))).mappings().all()]


@router.get("/batches/{batch_id}/items")
async def batch_items(batch_id: str, who: CurrentPrincipal, rt: RuntimeDep, status: str | None = None,
                      limit: int = 1000, offset: int = 0) -> list[dict[str, Any]]:
    """Items of a batch with their findings (codes and plain reasons); filter by status, e.g. flagged."""
    require(who, Role.TOWNSHIP, Role.DEPARTMENT, Role.FINANCE, Role.AUDITOR)
    it = tables.items
    q = select(it).where(it.c.batch_id == batch_id).order_by(it.c.item_id).limit(min(limit, 5000)).offset(offset)
    if status:
        q = q.where(it.c.status == status)
    async with rt.db.transaction() as session:
        return [dict(r) for r in (await session.execute(q)).mappings().all()]


@router.post("/batches/{batch_id}/township-review")
async def township_review(batch_id: str, body: TownshipReviewIn, who: CurrentPrincipal,
                          rt: RuntimeDep) -> dict[str, Any]:
    """乡镇审核: decide each flagged item; clean items pass unless rejected here with a reason."""
    require(who, Role.TOWNSHIP)
    async with rt.db.transaction() as session:
        got = await decisions.township_review(rt, session, who, batch_id,
                                              {d.item_id: (d.approve, d.reason) for d in body.decisions})
    rt.nudge()
    return got


@router.post("/batches/{batch_id}/department-approval")
async def department_approval(batch_id: str, body: ApprovalIn, who: CurrentPrincipal,
                              rt: RuntimeDep) -> dict[str, Any]:
    """主管部门审批: approve the reviewed batch (or return it with a reason)."""
    require(who, Role.DEPARTMENT)
    async with rt.db.transaction() as session:
        got = await decisions.department_approval(rt, session, who, batch_id, body.approve, body.reason)
    rt.nudge()
    return got


@router.get("/batches/{batch_id}/decisions")
async def batch_decisions(batch_id: str, who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, Any]:
    """Counts of items by status and first finding."""
    require(who, Role.FINANCE, Role.DEPARTMENT, Role.AUDITOR, Role.TOWNSHIP)
    async with rt.db.transaction() as session:
        rows = (await session.execute(text(
            "SELECT status, findings -> 0 ->> 'code', count(*) FROM items WHERE batch_id = :b GROUP BY 1, 2"),
            {"b": batch_id})).all()
        b = (await session.execute(select(tables.batches.c.status).where(tables.batches.c.batch_id == batch_id))
             ).scalar()
    return {"batch_id": batch_id, "status": b,
            "by_reason": [{"status": r[0], "reason_code": r[1], "count": r[2]} for r in rows]}
