"""The ledger (台账) of people, cards and money per program, department and township, by stage."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from sqlalchemy import text

from shared.auth import CurrentPrincipal, Role, require
from shared.web import RuntimeDep

router = APIRouter(tags=["supervision"])

STAGES = {
    "declared": "declared",
    "approved": "review = 'approved'",
    "rejected": "review = 'rejected'",
    "cleared": "cleared",
    "ordered": "ordered",
    "credited": "outcome = 'credited'",
    "failed": "outcome IN ('failed', 'refused')",
}
LABELS = {"declared": "申报", "approved": "审核通过", "rejected": "审核退回", "cleared": "公示无异议",
          "ordered": "国库拨付", "credited": "银行入卡", "failed": "发放失败"}
GROUPS = {"program": "program_code", "department": "department_code", "township": "township_code",
          "batch": "batch_id"}


def _ledger_sql(group_col: str) -> str:
    cols = []
    for stage, cond in STAGES.items():
        cols += [f"count(DISTINCT id_number) FILTER (WHERE {cond}) AS {stage}_people",
                 f"count(DISTINCT card_number) FILTER (WHERE {cond}) AS {stage}_cards",
                 f"count(*) FILTER (WHERE {cond}) AS {stage}_items",
                 f"coalesce(sum(amount_fen) FILTER (WHERE {cond}), 0) AS {stage}_fen"]
    return (f"SELECT {group_col} AS grp, {', '.join(cols)} FROM ledger "
            "WHERE (CAST(:dept AS text) IS NULL OR department_code = :dept) "
            "AND (CAST(:town AS text) IS NULL OR township_code = :town) "
            "AND (CAST(:batch AS text) IS NULL OR batch_id = :batch) "
            f"GROUP BY {group_col} ORDER BY {group_col}")


@router.get("/ledger")
async def ledger(who: CurrentPrincipal, rt: RuntimeDep,
                 by: Literal["program", "department", "township", "batch"] = "program",
                 batch_id: str | None = None) -> dict[str, Any]:
    """人、卡、钱 per group and stage: distinct people, distinct cards, items and fen."""
    require(who, Role.FINANCE, Role.AUDITOR, Role.DEPARTMENT, Role.TOWNSHIP)
    scope = {"dept": who.department if who.role == Role.DEPARTMENT else None,
             "town": who.township if who.role == Role.TOWNSHIP else None, "batch": batch_id}
    async with rt.db.transaction() as session:
        rows = (await session.execute(text(_ledger_sql(GROUPS[by])), scope)).mappings().all()
    return {"by": by, "stages": LABELS, "rows": [
        {"group": r["grp"], **{s: {k: int(r[f"{s}_{k}"]) for k in ("people", "cards", "items", "fen")}
                               for s in STAGES}} for r in rows]}


@router.get("/batches/{batch_id}")
async def batch_status(batch_id: str, who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, Any]:
    """One batch: its ledger by stage, its orders and whether its paid roster matched."""
    require(who, Role.FINANCE, Role.AUDITOR, Role.DEPARTMENT, Role.TOWNSHIP)
    body = await ledger(who, rt, by="batch", batch_id=batch_id)
    async with rt.db.transaction() as session:
        roster = (await session.execute(text("SELECT * FROM rosters WHERE batch_id = :b"), {"b": batch_id})
                  ).mappings().first()
        orders = (await session.execute(text("SELECT * FROM orders WHERE batch_id = :b ORDER BY order_id"),
                                        {"b": batch_id})).mappings().all()
    return {"batch_id": batch_id, "stages": body["rows"][0] if body["rows"] else None,
            "roster": dict(roster) if roster else None, "orders": [dict(o) for o in orders]}


@router.get("/alerts")
async def alerts(who: CurrentPrincipal, rt: RuntimeDep) -> list[dict[str, Any]]:
    """Dead-lettered messages and mismatches that need a person's attention."""
    require(who, Role.FINANCE, Role.AUDITOR)
    async with rt.db.transaction() as session:
        rows = (await session.execute(text("SELECT * FROM alerts ORDER BY raised_at DESC LIMIT 500"))).mappings()
        return [dict(r) for r in rows]
