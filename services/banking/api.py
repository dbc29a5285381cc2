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
from shared.audit import record
from shared.auth import CurrentPrincipal, Role, require
from shared.ids import card_problem, id_problem
from shared.masking import mask_card, mask_id, mask_name
from shared.web import RuntimeDep

router = APIRouter(tags=["banking"])


class ContractIn(BaseModel):
    bank_code: str = Field(pattern=r"^[A-Z0-9]{2,20}$")
    bank_name: str
    valid_from: dt.date
    valid_to: dt.date


class CardIn(BaseModel):
    card_number: str
    id_number: str
    name: str
    bank_code: str
    status: str = Field(default="active", pattern="^(active|inactive|frozen|closed)$")


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
    return body.model_dump()


@router.post("/cards", status_code=201)
async def register_cards(body: list[CardIn], who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, Any]:
    """Register social-security cards in bulk; invalid rows are listed by index, valid ones kept."""
    require(who, Role.FINANCE)
    errors = []
    good = []
    for n, c in enumerate(body):
        problem = card_problem(c.card_number) or id_problem(c.id_number)
        if problem:
            errors.append({"index": n, "card": mask_card(c.card_number), "message": problem})
        else:
            good.append(c.model_dump())
    async with rt.db.transaction() as session:
        new = 0
        for start in range(0, len(good), 5000):
            res = await session.execute(insert(tables.cards).on_conflict_do_nothing()
                                        .returning(tables.cards.c.card_number), good[start:start + 5000])
            new += len(res.all())
        await record(session, tables.audit, who, "cards.register", f"{new} cards")
    return {"registered": new, "already_known": len(good) - new, "errors": errors}


@router.get("/cards/{card_number}")
async def get_card(card_number: str, who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, Any]:
    require(who, Role.FINANCE, Role.AUDITOR, Role.BANK)
    async with rt.db.transaction() as session:
        card = (await session.execute(select(tables.cards).where(tables.cards.c.card_number == card_number))
                ).mappings().first()
    if card is None or (who.role == Role.BANK and card["bank_code"] != who.bank):
        raise HTTPException(404, "card not registered")
    return {"card": mask_card(card["card_number"]), "holder": mask_name(card["name"]),
            "id": mask_id(card["id_number"]), "bank_code": card["bank_code"], "status": card["status"]}


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
