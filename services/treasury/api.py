"""Quotas (指标) and payment orders for the finance bureau, departments and auditors."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Header, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from services.treasury import tables
from services.treasury.reissue import ReissueRefused, reissue
from shared.audit import record
from shared.auth import CurrentPrincipal, Role, require
from shared.idempotency import remember, replay
from shared.web import RuntimeDep

router = APIRouter(tags=["treasury"])


class QuotaIn(BaseModel):
    program_code: str
    year: int = Field(ge=2000, le=2100)
    level: Literal["central", "provincial", "prefecture", "county"] = Field(
        default="county", description="funding level: 中央 / 省级 / 州级 / 县级")
    total_fen: int = Field(ge=0, description="this level's budget quota for the program and year, in fen")


@router.put("/quotas")
async def set_quota(body: QuotaIn, who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, Any]:
    """Set a program's quota for a year (finance bureau); what is reserved already stays reserved."""
    require(who, Role.FINANCE)
    async with rt.db.transaction() as session:
        stmt = insert(tables.quotas).values(**body.model_dump())
        row = (await session.execute(stmt.on_conflict_do_update(
            index_elements=["program_code", "year", "level"], set_={"total_fen": body.total_fen}
        ).returning(*tables.quotas.c))).mappings().one()
        await record(session, tables.audit, who, "quota.set", f"{body.program_code}/{body.year}/{body.level}",
                     detail=body.model_dump())
    return dict(row)


@router.get("/quotas")
async def list_quotas(who: CurrentPrincipal, rt: RuntimeDep) -> list[dict[str, Any]]:
    require(who, Role.FINANCE, Role.AUDITOR, Role.DEPARTMENT)
    async with rt.db.transaction() as session:
        rows = (await session.execute(select(tables.quotas))).mappings().all()
    return [dict(r) | {"available_fen": r["total_fen"] - r["reserved_fen"]} for r in rows]


@router.get("/orders")
async def list_orders(who: CurrentPrincipal, rt: RuntimeDep, batch_id: str | None = None) -> list[dict[str, Any]]:
    """Payment orders with their control totals and results."""
    require(who, Role.FINANCE, Role.AUDITOR, Role.DEPARTMENT)
    q = select(tables.orders).order_by(tables.orders.c.order_id)
    if batch_id:
        q = q.where(tables.orders.c.batch_id == batch_id)
    async with rt.db.transaction() as session:
        return [dict(r) for r in (await session.execute(q)).mappings().all()]


@router.post("/orders/{order_id}/reissue", status_code=201)
async def reissue_order(order_id: str, who: CurrentPrincipal, rt: RuntimeDep,
                        idempotency_key: str | None = Header(default=None)) -> JSONResponse:
    """Re-issue an order's returned (退回) items once, after their cards were corrected in banking."""
    require(who, Role.FINANCE)
    async with rt.db.transaction() as session:
        if idempotency_key:
            earlier = await replay(session, tables.idempotency, idempotency_key, {"reissue": order_id})
            if earlier is not None:
                return JSONResponse(earlier[1], status_code=earlier[0])
        try:
            answer = await reissue(rt, session, who, order_id)
        except ReissueRefused as exc:
            raise HTTPException(409, str(exc)) from exc
        if idempotency_key:
            await remember(session, tables.idempotency, idempotency_key, 201, answer)
    rt.nudge()
    return JSONResponse(answer, status_code=201)
