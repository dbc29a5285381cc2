"""Quotas (指标) and payment orders for the finance bureau, departments and auditors."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse

from services.treasury import usecases
from services.treasury.usecases import QuotaIn, QuotaTotalIn
from shared.access import Viewer, allow
from shared.auth import Role
from shared.inputs import IdempotencyKey
from shared.web import RuntimeDep

router = APIRouter(tags=["treasury"])
FINANCE = allow(Role.FINANCE)
READERS = allow(Role.FINANCE, Role.AUDITOR, Role.DEPARTMENT, scoped=(Role.DEPARTMENT,))


@router.put("/quotas")
async def set_quota(body: QuotaIn, rt: RuntimeDep, who: Viewer = Depends(FINANCE)) -> dict[str, Any]:
    """Set a program's quota for a year (finance bureau); what is reserved already stays reserved."""
    return await rt.run(usecases.set_quota, who, body)


@router.put("/quotas/by-shares")
async def set_quota_by_shares(body: QuotaTotalIn, rt: RuntimeDep, who: Viewer = Depends(FINANCE)) -> dict[str, Any]:
    """One total quota for a program and year, split into the levels' quotas by its funding shares (资金来源)."""
    return await rt.run(usecases.set_quota_by_shares, who, body)


@router.get("/quotas")
async def list_quotas(rt: RuntimeDep, who: Viewer = Depends(READERS)) -> list[dict[str, Any]]:
    """Quotas (指标) per program, year and funding level, with what is still available."""
    return await rt.run(usecases.list_quotas, who)


@router.get("/orders")
async def list_orders(rt: RuntimeDep, batch_id: str | None = None,
                      who: Viewer = Depends(READERS)) -> list[dict[str, Any]]:
    """Payment orders with their control totals and results."""
    return await rt.run(usecases.list_orders, who, batch_id)


@router.post("/orders/{order_id}/reissue", status_code=201)
async def reissue_order(order_id: str, rt: RuntimeDep, idempotency_key: IdempotencyKey | None = Header(default=None),
                        who: Viewer = Depends(FINANCE)) -> JSONResponse:
    """Re-issue an order's returned (退回) items once, after their cards were corrected in banking."""
    status, answer = await rt.run(usecases.reissue_once, who, order_id, idempotency_key)
    return JSONResponse(answer, status_code=status)
