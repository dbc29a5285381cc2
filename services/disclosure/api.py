"""Public rosters (公示名单): masked JSON and a plain HTML page; no full ID or card number ever."""

from __future__ import annotations

import html
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from services.disclosure import tables
from shared.masking import mask_card, mask_id, mask_name
from shared.money import fen_to_yuan
from shared.web import RuntimeDep

router = APIRouter(tags=["public"])
STATUS = {"approved": "公示中", "paid": "已发放", "unpaid": "未发放(退回)"}
WINDOW = {"collecting": "审核中", "open": "公示中", "closed": "发放中", "published": "已发放公示"}


def _public_item(r: Any) -> dict[str, str]:
    return {"姓名": mask_name(r["name"]), "公民身份号码": mask_id(r["id_number"]),
            "社保卡号": mask_card(r["card_number"]), "村": r["village"], "数量": str(r["quantity"]),
            "金额(元)": fen_to_yuan(r["amount_fen"]), "状态": STATUS[r["status"]]}


def _public_window(w: Any) -> dict[str, Any]:
    return {"batch_id": w["batch_id"], "补贴项目": w["program_code"], "期间": w["period"],
            "乡镇": w["township_code"], "状态": WINDOW[w["status"]], "公示人数": w["approved_count"],
            "公示金额(元)": fen_to_yuan(w["approved_fen"]), "已发放人数": w["paid_count"],
            "已发放金额(元)": fen_to_yuan(w["paid_fen"]),
            "公示截止": w["closes_at"].isoformat() if w["closes_at"] else None}


@router.get("/public/rosters")
async def list_rosters(rt: RuntimeDep, program_code: str | None = None, period: str | None = None,
                       township_code: str | None = None) -> list[dict[str, Any]]:
    """Batches under or after publicity, with totals."""
    q = select(tables.windows).order_by(tables.windows.c.batch_id)
    for col, val in (("program_code", program_code), ("period", period), ("township_code", township_code)):
        if val:
            q = q.where(tables.windows.c[col] == val)
    async with rt.db.transaction() as session:
        rows = (await session.execute(q)).mappings().all()
    return [_public_window(w) for w in rows]


async def _roster(rt: RuntimeDep, batch_id: str, limit: int, offset: int) -> tuple[Any, list[Any]]:
    async with rt.db.transaction() as session:
        w = (await session.execute(select(tables.windows).where(tables.windows.c.batch_id == batch_id))
             ).mappings().first()
        if w is None or w["status"] == "collecting":
            raise HTTPException(404, f"no published roster for batch {batch_id}")
        items = (await session.execute(select(tables.roster).where(tables.roster.c.batch_id == batch_id)
                 .order_by(tables.roster.c.item_id).limit(limit).offset(offset))).mappings().all()
    return w, list(items)


@router.get("/public/rosters/{batch_id}")
async def roster_json(batch_id: str, rt: RuntimeDep, limit: int = 1000, offset: int = 0) -> dict[str, Any]:
    """One batch's roster, masked."""
    w, items = await _roster(rt, batch_id, min(limit, 5000), offset)
    return {**_public_window(w), "items": [_public_item(r) for r in items]}


@router.get("/public/rosters/{batch_id}/page", response_class=HTMLResponse)
async def roster_page(batch_id: str, rt: RuntimeDep, limit: int = 1000, offset: int = 0) -> str:
    """One batch's roster as a page for village and township boards."""
    w, items = await _roster(rt, batch_id, min(limit, 5000), offset)
    head = _public_window(w)
    cols = ["姓名", "公民身份号码", "社保卡号", "村", "数量", "金额(元)", "状态"]
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_public_item(r)[c])}</td>" for c in cols) + "</tr>"
                   for r in items)
    summary = " · ".join(f"{k}: {html.escape(str(v))}" for k, v in head.items())
    return (f"<!doctype html><html lang='zh'><meta charset='utf-8'><title>惠民惠农补贴公示 {batch_id}</title>"
            f"<h1>惠民惠农财政补贴资金公示</h1><p>{summary}</p><table border='1'><tr>"
            + "".join(f"<th>{c}</th>" for c in cols) + f"</tr>{body}</table></html>")
