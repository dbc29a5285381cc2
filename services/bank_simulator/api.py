"""Admin of the simulated banks: open accounts, change their states, set the failure rate."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from services.bank_simulator import usecases
from shared.access import Viewer, allow
from shared.auth import Role
from shared.inputs import BankCode, CardNumber, Code, Name
from shared.web import RuntimeDep

router = APIRouter(prefix="/admin", tags=["bank simulator"])
OWN_BANK = allow(Role.BANK, scoped=(Role.BANK,))
TOTALS = allow(Role.BANK, Role.FINANCE, Role.AUDITOR, scoped=(Role.BANK,))
AccountStatus = Literal["active", "inactive", "frozen", "closed"]


class AccountIn(BaseModel):
    card_number: CardNumber
    bank_code: BankCode
    name: Name
    status: AccountStatus = "active"


class FailureRateIn(BaseModel):
    failure_rate: float = Field(ge=0, le=1)


@router.post("/accounts", status_code=201)
async def open_accounts(body: list[AccountIn], rt: RuntimeDep,
                        who: Viewer = Depends(OWN_BANK)) -> dict[str, int]:
    """Open accounts at the caller's own bank."""
    return await rt.run(usecases.open_accounts, who, [a.model_dump() for a in body])


@router.get("/accounts")
async def list_accounts(rt: RuntimeDep, status: AccountStatus = "frozen", limit: int = Query(1000, ge=1, le=10_000),
                        who: Viewer = Depends(OWN_BANK)) -> list[dict[str, Any]]:
    """The bank's own accounts in a state (the bank sees its full card numbers; nobody else calls this)."""
    return await rt.run(usecases.list_accounts, who, status, limit)


@router.patch("/accounts/{card_number}")
async def set_account_status(card_number: str, status: AccountStatus, rt: RuntimeDep,
                             who: Viewer = Depends(OWN_BANK)) -> dict[str, str]:
    """Change the state of one of the caller's own accounts."""
    return await rt.run(usecases.set_account_status, who, card_number, status)


@router.put("/failure-rate")
async def set_failure_rate(body: FailureRateIn, rt: RuntimeDep,
                           who: Viewer = Depends(allow(Role.BANK))) -> dict[str, float]:
    """Share of credits that fail at random (on top of account states), for every instance of the simulator."""
    return await rt.run(usecases.set_failure_rate, who, body.failure_rate)


@router.get("/integrity")
async def integrity(rt: RuntimeDep,
                    who: Viewer = Depends(allow(Role.BANK, Role.FINANCE, Role.AUDITOR))) -> dict[str, Any]:
    """Was anything credited twice? Do balances equal the credits? (for fault-injection runs)"""
    return await rt.run(usecases.integrity, who)


@router.get("/totals")
async def totals(rt: RuntimeDep, period: str | None = Query(None, pattern=r"^20\d\d-(0[1-9]|1[0-2])$"),
                 program: Code | None = None, batch: Code | None = None,
                 who: Viewer = Depends(TOTALS)) -> list[dict[str, Any]]:
    """Credits per bank and outcome: what the banks say they did; by period, program or batch if given."""
    return await rt.run(usecases.totals, who, period, program, batch)
