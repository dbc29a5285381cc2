"""The card registry over HTTP: bulk registration, one person's card, 一人多卡 report, card changes."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, File, Path, UploadFile
from pydantic import BaseModel, Field, field_validator

from services.banking.usecases import banks, cards
from shared.access import Viewer, allow
from shared.auth import Role
from shared.inputs import BankCode, CardNumber, IdNumber, Name, Text2000
from shared.sheets import MAX_BYTES, read_table
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


class BankIn(BaseModel):
    name: Name = Field(examples=["青海农商银行"])
    aliases: list[Name] = Field(default_factory=list, max_length=50, description="other names files use")
    bins: list[str] = Field(default_factory=list, max_length=50, description="card BIN prefixes (卡BIN)")
    retired: bool = Field(default=False, description="no longer an agency bank: files may not name it")

    @field_validator("bins")
    @classmethod
    def _digits(cls, bins: list[str]) -> list[str]:
        bad = [b for b in bins if not (b.isascii() and b.isdigit() and 3 <= len(b) <= 10)]
        if bad:
            raise ValueError(f"a BIN is 3-10 digits: {bad[:5]}")
        return bins


# 社保卡 lists as counties keep them
CARD_HEADERS = {"社保卡号": "card_number", "社会保障卡号": "card_number", "公民身份号码": "id_number",
                "身份证号码": "id_number", "姓名": "name", "开户银行": "bank_code", "开户行": "bank_code",
                "状态": "status", "卡状态": "status"}
MAX_CARD_ROWS = 500_000


class DecisionIn(BaseModel):
    approve: bool
    reason: Text2000 | None = None


@router.post("/cards", status_code=201)
async def register_cards(body: Annotated[list[CardIn], Body(max_length=200_000)], rt: RuntimeDep,
                         who: Viewer = Depends(FINANCE)) -> dict[str, Any]:
    """Register social-security cards in bulk; invalid rows are listed by index, valid ones kept."""
    return await rt.run(cards.register, who, [c.model_dump() for c in body])


@router.post("/cards/upload", status_code=201)
async def upload_cards(rt: RuntimeDep, file: UploadFile = File(...),
                       who: Viewer = Depends(FINANCE)) -> dict[str, Any]:
    """Import a card list (CSV or XLSX) with the headers 社保卡号, 公民身份号码, 姓名, 开户银行 (name, other
    name or code; empty: by the card's BIN) and 状态 (正常, 未激活, 冻结, 注销); bad rows are listed by row
    and column, the good ones registered."""
    rows = await asyncio.to_thread(read_table, file.filename or "", await file.read(MAX_BYTES + 1), CARD_HEADERS,
                                   ("card_number", "id_number", "name"), MAX_CARD_ROWS)
    return await rt.run(banks.import_cards, who, rows)


@router.put("/banks/{code}")
async def put_bank(body: BankIn, code: str = Path(pattern=r"^[A-Z0-9]{2,20}$"), *, rt: RuntimeDep,
                   who: Viewer = Depends(FINANCE)) -> dict[str, Any]:
    """Add an agency bank, or change its name, other names, BINs or service; every file may then name it by
    any of them."""
    return await rt.run(banks.put_bank, who, code, body.model_dump())


@router.get("/banks")
async def list_banks(rt: RuntimeDep, name: Name | None = None) -> list[dict[str, Any]]:
    """The agency-bank register (public: names and codes only); ``name`` finds by a part of any name."""
    return await rt.run(banks.list_banks, name)


@router.get("/banks/{name}")
async def get_bank(name: Name, rt: RuntimeDep) -> dict[str, Any]:
    """One bank by its code, name or another name, e.g. 农行 -> ABC."""
    return await rt.run(banks.get_bank, name)


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
