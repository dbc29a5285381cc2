"""Review results for departments, the finance bureau and auditors."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import func, select

from services.review import tables
from shared.auth import CurrentPrincipal, Role, require
from shared.web import RuntimeDep

router = APIRouter(tags=["review"])


@router.get("/batches/{batch_id}/decisions")
async def batch_decisions(batch_id: str, who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, Any]:
    """Counts of approved and rejected items of a batch, by reason."""
    require(who, Role.FINANCE, Role.DEPARTMENT, Role.AUDITOR, Role.TOWNSHIP)
    d = tables.decisions
    async with rt.db.transaction() as session:
        rows = (await session.execute(
            select(d.c.decision, d.c.reason_code, func.count()).where(d.c.batch_id == batch_id)
            .group_by(d.c.decision, d.c.reason_code))).all()
    return {"batch_id": batch_id,
            "by_reason": [{"decision": r[0], "reason_code": r[1], "count": r[2]} for r in rows]}
