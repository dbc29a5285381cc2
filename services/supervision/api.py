"""The ledger (台账) of people, cards and money per program, department and township, by stage."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends

from services.supervision import usecases
from shared.access import Viewer, allow
from shared.auth import Role
from shared.web import RuntimeDep

router = APIRouter(tags=["supervision"])
LEDGER = allow(Role.FINANCE, Role.AUDITOR, Role.DEPARTMENT, Role.TOWNSHIP, scoped=(Role.DEPARTMENT, Role.TOWNSHIP))


@router.get("/ledger")
async def ledger(rt: RuntimeDep, by: Literal["program", "department", "township", "batch"] = "program",
                 batch_id: str | None = None, who: Viewer = Depends(LEDGER)) -> dict[str, Any]:
    """人、卡、钱 per group and stage: distinct people, distinct cards, items and fen."""
    return await rt.run(usecases.ledger, who, by, batch_id)


@router.get("/batches/{batch_id}")
async def batch_status(batch_id: str, rt: RuntimeDep, who: Viewer = Depends(LEDGER)) -> dict[str, Any]:
    """One batch: its ledger by stage, its orders and whether its paid roster matched."""
    return await rt.run(usecases.batch_status, who, batch_id)


@router.get("/alerts")
async def alerts(rt: RuntimeDep, who: Viewer = Depends(allow(Role.FINANCE, Role.AUDITOR))) -> list[dict[str, Any]]:
    """Dead-lettered messages and mismatches that need a person's attention."""
    return await rt.run(usecases.alerts, who)


@router.get("/problems")
async def problems(rt: RuntimeDep, who: Viewer = Depends(LEDGER)) -> list[dict[str, Any]]:
    """问题清单: upheld complaints about money already paid, to rectify and recover."""
    return await rt.run(usecases.problems, who)
