"""The ledger (台账) of people, cards and money per program, department and township, by stage."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter

from services.supervision import usecases
from shared.auth import CurrentPrincipal
from shared.web import RuntimeDep

router = APIRouter(tags=["supervision"])


@router.get("/ledger")
async def ledger(who: CurrentPrincipal, rt: RuntimeDep,
                 by: Literal["program", "department", "township", "batch"] = "program",
                 batch_id: str | None = None) -> dict[str, Any]:
    """人、卡、钱 per group and stage: distinct people, distinct cards, items and fen."""
    return await rt.run(usecases.ledger, who, by, batch_id)


@router.get("/batches/{batch_id}")
async def batch_status(batch_id: str, who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, Any]:
    """One batch: its ledger by stage, its orders and whether its paid roster matched."""
    return await rt.run(usecases.batch_status, who, batch_id)


@router.get("/alerts")
async def alerts(who: CurrentPrincipal, rt: RuntimeDep) -> list[dict[str, Any]]:
    """Dead-lettered messages and mismatches that need a person's attention."""
    return await rt.run(usecases.alerts, who)
