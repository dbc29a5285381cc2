"""The card registry over HTTP: bulk registration, one person's card, 一人多卡 report, card changes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from services.banking.usecases import cards
from shared.access import Viewer, allow
from shared.auth import Role
from shared.web import RuntimeDep

router = APIRouter(tags=["cards"])
FINANCE = allow(Role.FINANCE)


class CardIn(BaseModel):
    card_number: str
    id_number: str
    name: str
    bank_code: str
    status: str = Field(default="active", pattern="^(active|inactive|frozen|closed)$")


class ChangeIn(BaseModel):
    id_number: str
    new_card_number: str
    bank_code: str
    reason: str = Field(min_length=4, description="the holder's reason, e.g. 原卡遗失补办")


class DecisionIn(BaseModel):
    approve: bool
    reason: str | None = None


@router.post("/cards", status_code=201)
async def register_cards(body: list[CardIn], rt: RuntimeDep, who: Viewer = Depends(FINANCE)) -> dict[str, Any]:
    """Register social-security cards in bulk; invalid rows are listed by index, valid ones kept."""
    return await rt.run(cards.register, who, [c.model_dump() for c in body])


@router.get("/cards/multiple")
async def multiple_cards(rt: RuntimeDep,
                         who: Viewer = Depends(allow(Role.FINANCE, Role.AUDITOR))) -> list[dict[str, Any]]:
    """一人多卡: people with more than one registered card."""
    return await rt.run(cards.multiple_cards, who)


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
