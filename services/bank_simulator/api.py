"""Admin of the simulated banks: open accounts, change their states, set the failure rate."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert

from services.bank_simulator import tables
from shared.auth import CurrentPrincipal, Role, require
from shared.masking import mask_card
from shared.web import RuntimeDep

router = APIRouter(prefix="/admin", tags=["bank simulator"])


class AccountIn(BaseModel):
    card_number: str
    bank_code: str
    name: str
    status: str = Field(default="active", pattern="^(active|inactive|frozen|closed)$")


class FailureRateIn(BaseModel):
    failure_rate: float = Field(ge=0, le=1)


@router.post("/accounts", status_code=201)
async def open_accounts(body: list[AccountIn], who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, int]:
    require(who, Role.BANK)
    async with rt.db.transaction() as session:
        opened = 0
        rows = [a.model_dump() for a in body]
        for start in range(0, len(rows), 5000):
            res = await session.execute(insert(tables.accounts).on_conflict_do_nothing()
                                        .returning(tables.accounts.c.card_number), rows[start:start + 5000])
            opened += len(res.all())
    return {"opened": opened}


@router.get("/accounts")
async def list_accounts(who: CurrentPrincipal, rt: RuntimeDep, status: str = "frozen",
                        limit: int = 1000) -> list[dict[str, Any]]:
    """The bank's own accounts in a state (the bank sees its full card numbers; nobody else calls this)."""
    require(who, Role.BANK)
    a = tables.accounts
    async with rt.db.transaction() as session:
        rows = (await session.execute(select(a).where(a.c.status == status).order_by(a.c.card_number)
                                      .limit(min(limit, 10000)))).mappings().all()
    return [dict(r) for r in rows]


@router.patch("/accounts/{card_number}")
async def set_account_status(card_number: str, status: str, who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, str]:
    require(who, Role.BANK)
    if status not in ("active", "inactive", "frozen", "closed"):
        raise HTTPException(422, "status must be active, inactive, frozen or closed")
    async with rt.db.transaction() as session:
        res = await session.execute(update(tables.accounts).where(tables.accounts.c.card_number == card_number)
                                    .values(status=status).returning(tables.accounts.c.card_number))
        if res.scalar() is None:
            raise HTTPException(404, "no such account")
    return {"card": mask_card(card_number), "status": status}


@router.put("/failure-rate")
async def set_failure_rate(body: FailureRateIn, who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, float]:
    """Share of credits that fail at random (on top of account states); this process only."""
    require(who, Role.BANK)
    rt.settings.failure_rate = body.failure_rate  # type: ignore[attr-defined]
    return {"failure_rate": body.failure_rate}


@router.get("/integrity")
async def integrity(who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, Any]:
    """Was anything credited twice? Do balances equal the credits? (for fault-injection runs)"""
    require(who, Role.BANK, Role.FINANCE, Role.AUDITOR)
    async with rt.db.transaction() as session:
        row = (await session.execute(text(
            "SELECT (SELECT count(*) FROM (SELECT item_id FROM credits WHERE outcome = 'credited' GROUP BY item_id "
            "HAVING count(*) > 1) d) AS duplicated_items, "
            "(SELECT coalesce(sum(amount_fen), 0) FROM credits WHERE outcome = 'credited') AS credited_fen, "
            "(SELECT coalesce(sum(balance_fen), 0) FROM accounts) AS balance_fen, "
            "(SELECT count(*) FROM notices) AS notices, "
            "(SELECT count(*) FROM credits WHERE outcome = 'credited') AS credited_items"))).mappings().one()
    got = {k: int(v) for k, v in row.items()}
    return got | {"balances_match": got["credited_fen"] == got["balance_fen"]}


@router.get("/totals")
async def totals(who: CurrentPrincipal, rt: RuntimeDep) -> list[dict[str, Any]]:
    """Credits per bank and outcome: what the banks say they did."""
    require(who, Role.BANK, Role.FINANCE, Role.AUDITOR)
    c, a = tables.credits, tables.accounts
    async with rt.db.transaction() as session:
        rows = (await session.execute(
            select(a.c.bank_code, c.c.outcome, func.count(), func.sum(c.c.amount_fen))
            .select_from(c.outerjoin(a, a.c.card_number == c.c.card_number))
            .group_by(a.c.bank_code, c.c.outcome))).all()
    return [{"bank_code": r[0], "outcome": r[1], "count": r[2], "fen": int(r[3] or 0)} for r in rows]
