"""Public rosters (公示名单): masked JSON and a plain HTML page; no full ID or card number ever."""

from __future__ import annotations

import html
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from services.disclosure import usecases
from shared.web import RuntimeDep

router = APIRouter(tags=["public"])
COLUMNS = ["姓名", "公民身份号码", "社保卡号", "村", "数量", "金额(元)", "状态"]


@router.get("/public/rosters")
async def list_rosters(rt: RuntimeDep, program_code: str | None = None, period: str | None = None,
                       township_code: str | None = None) -> list[dict[str, Any]]:
    """Batches under or after publicity, with totals."""
    return await rt.run(usecases.list_rosters, program_code, period, township_code)


@router.get("/public/rosters/{batch_id}")
async def roster_json(batch_id: str, rt: RuntimeDep, limit: int = Query(1000, ge=1, le=5000),
                      offset: int = Query(0, ge=0, le=10_000_000)) -> dict[str, Any]:
    """One batch's roster, masked."""
    head, lines = await rt.run(usecases.roster, batch_id, limit, offset)
    return {**head, "items": lines}


@router.get("/public/rosters/{batch_id}/page", response_class=HTMLResponse)
async def roster_page(batch_id: str, rt: RuntimeDep, limit: int = Query(1000, ge=1, le=5000),
                      offset: int = Query(0, ge=0, le=10_000_000)) -> str:
    """One batch's roster as a page for village and township boards."""
    head, lines = await rt.run(usecases.roster, batch_id, limit, offset)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(line[c])}</td>" for c in COLUMNS) + "</tr>" for line in lines)
    summary = " · ".join(f"{k}: {html.escape(str(v))}" for k, v in head.items())
    return (f"<!doctype html><html lang='zh'><meta charset='utf-8'><title>惠民惠农补贴公示 {batch_id}</title>"
            f"<h1>惠民惠农财政补贴资金公示</h1><p>{summary}</p><table border='1'><tr>"
            + "".join(f"<th>{c}</th>" for c in COLUMNS) + f"</tr>{body}</table></html>")
