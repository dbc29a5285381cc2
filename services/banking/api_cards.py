"""The card registry over HTTP: bulk registration, one person's card, 一人多卡 report, card changes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel, Field

from services.banking.usecases import cards
from shared.access import Viewer, allow
from shared.auth import Role
from shared.inputs import BankCode, CardNumber, IdNumber, Name, Text2000
from shared.web import RuntimeDep

router = APIRouter(tags=["cards"])
FINANCE = allow(Role.FINANCE)


class CardIn(BaseModel):
    card_number: CardNumber
    id_number: IdNumber
    name: Name
    bank_code: BankCode
    status: Literal["active", "inactive", "frozen", "closed"] = "active"


class ChangeIn(BaseModel):
    id_number: IdNumber
    new_card_number: CardNumber
    bank_code: BankCode
    reason: Text2000 = Field(min_length=4, description="the holder's reason, e.g. 原卡遗失补办")


class DecisionIn(BaseModel):
    approve: bool
    reason: Text2000 | None = None


@router.post("/cards", status_code=201)
async def register_cards(body: Annotated[list[CardIn], Body(max_length=200_000)], rt: RuntimeDep,
                         who: Viewer = Depends(FINANCE)) -> dict[str, Any]:
    """Register social-security cards in bulk; invalid rows are listed by index, valid ones kept."""
    return await rt.run(cards.register, who, [c.model_dump() for c in body])


@router.get("/cards/multiple")
async def multiple_cards(rt: RuntimeDep,
                         who: Viewer = Depends(allow(Role.FINANCE, Role.AUDITOR))) -> list[dict[str, Any]]:
    """一人多卡: people with more than one registered card."""
    return await rt.run(cards.multiple_cards, who)


@router.get("/cards/summary")
async def cards_summary(rt: RuntimeDep, who: Viewer = Depends(allow(
        Role.FINANCE, Role.AUDITOR, Role.FINANCIAL_OFFICE, Role.BANK, scoped=(Role.BANK,)))) -> list[dict[str, Any]]:
    """Each bank's cards (what the financial office 县金融办 follows): registered, by state, people with several
    cards, card changes asked, approved and waiting (a bank: its own row)."""
    return await rt.run(cards.summary, who)


@router.get("/cards/{card_number}")
async def get_card(card_number: str, rt: RuntimeDep,
                   who: Viewer = Depends(allow(Role.FINANCE, Role.AUDITOR, Role.BANK, scoped=(Role.BANK,)))
                   ) -> dict[str, Any]:
    """One registered card, masked (a bank: its own cards only)."""
    return await rt.run(cards.get_card, who, card_number)


@router.post("/card-changes", status_code=201)
async def request_change(body: ChangeIn, rt: RuntimeDep, who: Viewer = Depends(FINANCE)) -> dict[str, Any]:
    """Record a holder's request to change their subsidy card (needs another person's approval)."""
    return await rt.run(cards.request_change, who, body.id_number, body.new_card_number, body.bank_code, body.reason)


@router.post("/card-changes/{request_id}/decision")
async def decide_change(request_id: str, body: DecisionIn, rt: RuntimeDep,
                        who: Viewer = Depends(FINANCE)) -> dict[str, Any]:
    """Approve or reject a card change; the approver must not be the person who recorded it."""
    return await rt.run(cards.decide_change, who, request_id, body.approve, body.reason)
