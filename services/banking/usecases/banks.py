"""The agency-bank register (代发银行名录): code, name, the other names files use, card BIN prefixes; and
card lists imported as officials send them (CSV/XLSX with Chinese headers and states)."""

from __future__ import annotations

from typing import Any

from services.banking import store, tables
from services.banking.domain import CARD_STATES
from services.banking.usecases import Ctx
from services.banking.usecases.cards import register
from shared.audit import record
from shared.auth import Principal
from shared.errors import Invalid, NotFound
from shared.events.oversight import BankRegistered
from shared.ids import card_problem, id_problem, normalize_number
from shared.masking import mask_card
from shared.registers import Lookup, bank_by_card, matching

MAX_ERRORS_SHOWN = 200


async def put_bank(ctx: Ctx, who: Principal, code: str, body: dict[str, Any]) -> dict[str, Any]:
    """Add a bank or change its name, other names, BINs or service (nothing else is dropped: the other names
    and BINs given are the bank's from now on). Declaration is told, so files may name the bank any way."""
    others = Lookup((b["code"], b["name"], b["aliases"]) for b in await store.banks(ctx.session) if b["code"] != code)
    if problem := others.taken((body["name"], *body["aliases"]), "bank"):
        raise Invalid(problem)
    values = {"code": code, "name": body["name"], "aliases": sorted(set(body["aliases"])),
              "bins": sorted(set(body["bins"])), "retired": body["retired"]}
    await store.put_bank(ctx.session, values)
    await record(ctx.session, tables.audit, who, "bank.put", code, detail=values)
    ctx.correlate(f"bank:{code}")
    await ctx.emit(BankRegistered(bank_code=code, name=values["name"], aliases=tuple(values["aliases"]),
                                  bins=tuple(values["bins"]), retired=values["retired"]))
    return values


async def list_banks(ctx: Ctx, name: str | None) -> list[dict[str, Any]]:
    """The register; ``name`` finds banks whose code, name or another name contains it."""
    return matching(await store.banks(ctx.session), name)


async def get_bank(ctx: Ctx, text: str) -> dict[str, Any]:
    """One bank by its code, name or another name."""
    banks = await store.banks(ctx.session)
    lookup = Lookup((b["code"], b["name"], b["aliases"]) for b in banks)
    code = lookup.code(text)
    if code is None:
        raise NotFound(lookup.problem(text, "银行"))
    return next(b for b in banks if b["code"] == code)


async def import_cards(ctx: Ctx, who: Principal, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A card list as a county sends it: each row's bank by name, other name, code or the card's BIN, its
    state in Chinese; a bad row is listed with its row and column, the good ones are registered."""
    banks = [b for b in await store.banks(ctx.session) if not b["retired"]]
    lookup = Lookup((b["code"], b["name"], b["aliases"]) for b in banks)
    bins = {p: b["code"] for b in banks for p in b["bins"]}
    good, errors = [], []
    for n, raw in enumerate(rows, start=1):
        card, problems = _card(raw, lookup, bins)
        if problems:
            errors += [{"row": n, "sheet_row": n + 1, "column": col, "message": msg,
                        "card": mask_card(str(raw.get("card_number") or ""))} for col, msg in problems]
        else:
            good.append(card)
    result = await register(ctx, who, good) if good else {"registered": 0, "already_known": 0,
                                                          "second_cards_inactive": 0, "errors": []}
    return result | {"rows": len(rows), "accepted_rows": len(good), "rejected_rows": len({e["row"] for e in errors}),
                     "errors": errors[:MAX_ERRORS_SHOWN]}


def _card(raw: dict[str, Any], lookup: Lookup, bins: dict[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    text = {k: "" if v is None else str(v).strip() for k, v in raw.items()}
    card, id_number = normalize_number(text.get("card_number", "")), normalize_number(text.get("id_number", ""))
    problems = []
    if problem := card_problem(card):
        problems.append(("社保卡号", problem))
    if problem := id_problem(id_number):
        problems.append(("公民身份号码", problem))
    name = text.get("name", "")
    if not 1 <= len(name) <= 50:
        problems.append(("姓名", "姓名不能为空（最多50字）"))
    bank_text = text.get("bank_code", "")
    bank = lookup.code(bank_text) if bank_text else bank_by_card(card, bins)
    if bank is None:
        problems.append(("开户银行", lookup.problem(bank_text, "开户银行") if bank_text else
                         "开户银行为空，且无法从卡BIN识别银行"))
    state_text = text.get("status", "") or "正常"
    state = CARD_STATES.get(state_text)
    if state is None:
        problems.append(("状态", f"状态“{state_text}”应为 {'、'.join(CARD_STATES)} 之一"))
    return {"card_number": card, "id_number": id_number, "name": name, "bank_code": bank, "status": state}, problems
