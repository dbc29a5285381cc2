"""Admin of the simulated banks: open accounts, change their states, set the failure rate."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from services.bank_simulator import usecases
from shared.auth import CurrentPrincipal
from shared.web import RuntimeDep

router = APIRouter(prefix="/admin", tags=["bank simulator"])
AccountStatus = Literal["active", "inactive", "frozen", "closed"]


class AccountIn(BaseModel):
    card_number: str
    bank_code: str
    name: str
    status: AccountStatus = "active"


class FailureRateIn(BaseModel):
    failure_rate: float = Field(ge=0, le=1)


@router.post("/accounts", status_code=201)
async def open_accounts(body: list[AccountIn], who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, int]:
    return await rt.run(usecases.open_accounts, who, [a.model_dump() for a in body])


@router.get("/accounts")
async def list_accounts(who: CurrentPrincipal, rt: RuntimeDep, status: str = "frozen",
                        limit: int = 1000) -> list[dict[str, Any]]:
    """The bank's own accounts in a state (the bank sees its full card numbers; nobody else calls this)."""
    return await rt.run(usecases.list_accounts, who, status, limit)


@router.patch("/accounts/{card_number}")
async def set_account_status(card_number: str, status: AccountStatus, who: CurrentPrincipal,
                             rt: RuntimeDep) -> dict[str, str]:
    return await rt.run(usecases.set_account_status, who, card_number, status)


@router.put("/failure-rate")
async def set_failure_rate(body: FailureRateIn, who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, float]:
    """Share of credits that fail at random (on top of account states); this process only."""
    return await rt.run(usecases.set_failure_rate, who, body.failure_rate)


@router.get("/integrity")
async def integrity(who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, Any]:
    """Was anything credited twice? Do balances equal the credits? (for fault-injection runs)"""
    return await rt.run(usecases.integrity, who)


@router.get("/totals")
async def totals(who: CurrentPrincipal, rt: RuntimeDep) -> list[dict[str, Any]]:
    """Credits per bank and outcome: what the banks say they did."""
    return await rt.run(usecases.totals, who)
