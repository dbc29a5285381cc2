"""Contracts, the card registry and per-order reconciliation."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from services.banking import tables
from services.banking.pending import release_held
from shared.audit import record
from shared.auth import CurrentPrincipal, Role, require
from shared.web import RuntimeDep

router = APIRouter(tags=["banking"])


class ContractIn(BaseModel):
    bank_code: str = Field(pattern=r"^[A-Z0-9]{2,20}$")
    bank_name: str
    valid_from: dt.date
    valid_to: dt.date


@router.put("/contracts")
async def put_contract(body: ContractIn, who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, Any]:
    """Record an agency-bank contract (代发协议) and its service period."""
    require(who, Role.FINANCE)
    if body.valid_to < body.valid_from:
        raise HTTPException(422, "valid_to is before valid_from")
    async with rt.db.transaction() as session:
        stmt = insert(tables.contracts).values(**body.model_dump())
        await session.execute(stmt.on_conflict_do_update(index_elements=["bank_code"], set_=body.model_dump()))
        await record(session, tables.audit, who, "contract.put", body.bank_code, detail=body.model_dump(mode="json"))
        released = 0
        if body.valid_from <= dt.date.today() <= body.valid_to:
            released = await release_held(rt, session, body.bank_code)
    rt.nudge()
    return body.model_dump() | {"released_held_payments": released}


@router.get("/held")
async def held_payments(who: CurrentPrincipal, rt: RuntimeDep) -> list[dict[str, Any]]:
    """Payments held because their bank has no valid contract (暂缓发送), per bank and order."""
    require(who, Role.FINANCE, Role.AUDITOR)
    p = tables.payments
    async with rt.db.transaction() as session:
        rows = (await session.execute(select(p.c.bank_code, p.c.order_id, func.count(), func.sum(p.c.amount_fen))
                .where(p.c.outcome == "held").group_by(p.c.bank_code, p.c.order_id))).all()
    return [{"bank_code": r[0], "order_id": r[1], "count": r[2], "fen": int(r[3]),
             "reason": "开户银行无有效代发协议"} for r in rows]


@router.get("/orders/{order_id}/reconciliation")
async def reconciliation(order_id: str, who: CurrentPrincipal, rt: RuntimeDep, format: str = "json") -> Any:
    """对账: ordered = credited + failed + pending, in count and fen; per reason."""
    require(who, Role.FINANCE, Role.AUDITOR, Role.BANK)
    p = tables.payments
    async with rt.db.transaction() as session:
        order = (await session.execute(select(tables.orders).where(tables.orders.c.order_id == order_id))
                 ).mappings().first()
        if order is None:
            raise HTTPException(404, f"order {order_id} not known to banking")
        rows = (await session.execute(select(p.c.outcome, p.c.reason_code, func.count(), func.sum(p.c.amount_fen))
                .where(p.c.order_id == order_id).group_by(p.c.outcome, p.c.reason_code))).all()
    lines = [{"outcome": r[0] or "pending", "reason_code": r[1], "count": r[2], "fen": int(r[3])} for r in rows]
    counted = sum(x["count"] for x in lines), sum(x["fen"] for x in lines)
    settled_fen = sum(x["fen"] for x in lines if x["outcome"] != "pending")
    report = {"order_id": order_id, "ordered_count": order["item_count"], "ordered_fen": order["amount_fen"],
              "credited_count": order["credited_count"], "credited_fen": order["credited_fen"],
              "failed_count": order["failed_count"], "failed_fen": order["failed_fen"],
              "received_count": counted[0], "received_fen": counted[1], "lines": lines,
              "balanced": counted == (order["item_count"], order["amount_fen"])
              and order["credited_fen"] + order["failed_fen"] == settled_fen}
    if format != "csv":
        return report
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["结果", "原因代码", "笔数", "金额(分)"])
    for x in lines:
        w.writerow([x["outcome"], x["reason_code"] or "", x["count"], x["fen"]])
    return PlainTextResponse(out.getvalue(), media_type="text/csv")
