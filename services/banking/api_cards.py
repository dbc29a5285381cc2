"""The card registry over HTTP: bulk registration, one person's card, 一人多卡 report, card changes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy import select

from services.banking import cards, tables
from shared.auth import CurrentPrincipal, Role, require
from shared.ids import card_problem, id_problem
from shared.masking import mask_card, mask_id, mask_name
from shared.web import RuntimeDep

router = APIRouter(tags=["cards"])


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
async def register_cards(body: list[CardIn], who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, Any]:
    """Register social-security cards in bulk; invalid rows are listed by index, valid ones kept."""
    require(who, Role.FINANCE)
    errors, good = [], []
    for n, c in enumerate(body):
        problem = card_problem(c.card_number) or id_problem(c.id_number)
        if problem:
            errors.append({"index": n, "card": mask_card(c.card_number), "message": problem})
        else:
            good.append(c.model_dump())
    async with rt.db.transaction() as session:
        got = await cards.register(rt, session, who, good)
    rt.nudge()
    return got | {"errors": errors}


@router.get("/cards/multiple")
async def multiple_cards(who: CurrentPrincipal, rt: RuntimeDep) -> list[dict[str, Any]]:
    """一人多卡: people with more than one registered card."""
    require(who, Role.FINANCE, Role.AUDITOR)
    async with rt.db.transaction() as session:
        return await cards.multiple_cards(session)


@router.get("/cards/{card_number}")
async def get_card(card_number: str, who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, Any]:
    require(who, Role.FINANCE, Role.AUDITOR, Role.BANK)
    async with rt.db.transaction() as session:
        card = (await session.execute(select(tables.cards).where(tables.cards.c.card_number == card_number))
                ).mappings().first()
    if card is None or (who.role == Role.BANK and card["bank_code"] != who.bank):
        raise HTTPException(404, "card not registered")
    return {"card": mask_card(card["card_number"]), "holder": mask_name(card["name"]),
            "id": mask_id(card["id_number"]), "bank_code": card["bank_code"], "status": card["status"]}


@router.post("/card-changes", status_code=201)
async def request_change(body: ChangeIn, who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, Any]:
    """Record a holder's request to change their subsidy card (needs another person's approval)."""
    require(who, Role.FINANCE)
    problem = card_problem(body.new_card_number) or id_problem(body.id_number)
    if problem:
        raise HTTPException(422, problem)
    async with rt.db.transaction() as session:
        return await cards.request_change(session, who, body.id_number, body.new_card_number, body.bank_code,
                                          body.reason)


@router.post("/card-changes/{request_id}/decision")
async def decide_change(request_id: str, body: DecisionIn, who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, Any]:
    """Approve or reject a card change; the approver must not be the person who recorded it."""
    require(who, Role.FINANCE)
    async with rt.db.transaction() as session:
        got = await cards.decide_change(rt, session, who, request_id, body.approve, body.reason)
    rt.nudge()
    return got
