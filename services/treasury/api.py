"""Quotas (指标) and payment orders for the finance bureau, departments and auditors."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from services.treasury import usecases
from services.treasury.usecases import QuotaIn
from shared.auth import CurrentPrincipal
from shared.web import RuntimeDep

router = APIRouter(tags=["treasury"])


@router.put("/quotas")
async def set_quota(body: QuotaIn, who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, Any]:
    """Set a program's quota for a year (finance bureau); what is reserved already stays reserved."""
    return await rt.run(usecases.set_quota, who, body)


@router.get("/quotas")
async def list_quotas(who: CurrentPrincipal, rt: RuntimeDep) -> list[dict[str, Any]]:
    return await rt.run(usecases.list_quotas, who)


@router.get("/orders")
async def list_orders(who: CurrentPrincipal, rt: RuntimeDep, batch_id: str | None = None) -> list[dict[str, Any]]:
    """Payment orders with their control totals and results."""
    return await rt.run(usecases.list_orders, who, batch_id)


@router.post("/orders/{order_id}/reissue", status_code=201)
async def reissue_order(order_id: str, who: CurrentPrincipal, rt: RuntimeDep,
                        idempotency_key: str | None = Header(default=None)) -> JSONResponse:
    """Re-issue an order's returned (退回) items once, after their cards were corrected in banking."""
    status, answer = await rt.run(usecases.reissue_once, who, order_id, idempotency_key)
    return JSONResponse(answer, status_code=status)
