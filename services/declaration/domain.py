"""Row validation of a declaration: which row, which column, what is wrong, how to fix it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as default
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from shared.ids import card_problem, id_problem, normalize_number
from shared.inputs import text_problem
from shared.money import MoneyError, amount_for, yuan_to_fen
from shared.registers import Lookup, bank_by_card

PERIOD = re.compile(r"^20\d\d-(0[1-9]|1[0-2])$")
MAX_ROWS = 200_000
MAX_CELL = 100
MAX_ITEM_FEN = 10**10  # one person's subsidy above 100 million yuan is a typing error

# the column headers officials use, and the field each one fills
HEADERS = {
    "姓名": "name",
    "公民身份号码": "id_number",
    "社保卡号": "card_number",
    "开户银行": "bank_code",
    "乡镇": "township",
    "村": "village",
    "补贴项目": "program",
    "数量": "quantity",
    "金额": "amount",
}
# other headers found in counties' files for the same columns
ALIASES = {"身份证号码": "id_number", "身份证号": "id_number", "社会保障卡号": "card_number", "开户行": "bank_code",
           "代发银行": "bank_code", "乡镇(街道)": "township", "乡镇（街道）": "township", "村(社区)": "village",
           "村（社区）": "village", "项目名称": "program", "面积": "quantity", "发放金额": "amount"}
READ_HEADERS = {**HEADERS, **ALIASES}
REQUIRED = ("name", "id_number", "card_number", "village")
LABEL = {field: header for header, field in HEADERS.items()}


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        # row 1 is the first data row; in the spreadsheet it is line 2, under the header
        return {"row": self.row, "sheet_row": self.row + 1, "field": self.field,
                "column": LABEL.get(self.field, self.field), "message": self.message}


@dataclass(frozen=True)
class GoodRow:
    row: int
    name: str
    id_number: str
    card_number: str
    bank_code: str
    village: str
    quantity: Decimal
    amount_fen: int


@dataclass(frozen=True)
class Context:
    """What a row is checked against: the program version in force, the batch's township and its villages."""

    program_code: str
    program_name: str
    standard_fen: int
    township_code: str
    township_names: frozenset[str]
    villages: frozenset[str]
    banks: Lookup = default(default_factory=lambda: Lookup([]))  # 开户银行 by code, name or other name
    bins: dict[str, str] = default(default_factory=dict)  # card BIN prefix -> bank code


def _text(raw: dict[str, Any], field: str) -> str:
    value = raw.get(field)
    return "" if value is None else str(value).strip()


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value: Any) -> bool:
    """Text a spreadsheet would run as a formula (= + - @, or a tab or CR first), after stripping spaces.
    A number is a number, not a formula: -1 is refused later as not positive, not as a formula."""
    if not isinstance(value, str):
        return False
    text = value.strip(" ")
    if not text.startswith(FORMULA_START):
        return False
    try:
        Decimal(text)
    except ArithmeticError:
        return True
    return False


def _hygiene(row: int, raw: dict[str, Any]) -> list[RowError]:
    """Formulas and oversized cells are refused: nothing from a spreadsheet is ever evaluated."""
    errors = []
    for field, value in raw.items():
        text = "" if value is None else str(value)
        if formula_like(value):
            errors.append(RowError(row, field, f"{LABEL.get(field, field)} starts like a formula (= + - @); "
                                               "type the value itself"))
        elif problem := text_problem(text):
            errors.append(RowError(row, field, f"{LABEL.get(field, field)} {problem}"))
        elif len(text) > MAX_CELL:
            errors.append(RowError(row, field, f"{LABEL.get(field, field)} is {len(text)} characters; "
                                               f"at most {MAX_CELL}"))
    return errors


def check_row(row: int, raw: dict[str, Any], ctx: Context) -> GoodRow | list[RowError]:
    """Validate one declared row; the amount is the 金额 given, else the standard times the quantity."""
    hygiene = _hygiene(row, raw)
    if hygiene:  # those cells are not read further; every other cell is still checked
        refused = {e.field for e in hygiene}
        rest = check_row(row, {k: (None if k in refused else v) for k, v in raw.items()}, ctx)
        return hygiene + [e for e in (rest if isinstance(rest, list) else []) if e.field not in refused]
    errors: list[RowError] = []
    name = _text(raw, "name")
    if not 2 <= len(name) <= 50:
        errors.append(RowError(row, "name", "姓名 is required (2-50 characters)"))
    id_number = normalize_number(_text(raw, "id_number"))
    if problem := id_problem(id_number):
        errors.append(RowError(row, "id_number", f"公民身份号码 {problem}"))
    card = normalize_number(_text(raw, "card_number"))
    if problem := card_problem(card):
        errors.append(RowError(row, "card_number", f"社保卡号 {problem}"))
    bank_text = _text(raw, "bank_code")
    bank = ctx.banks.code(bank_text) if bank_text else bank_by_card(card, ctx.bins)
    if bank is None:
        errors.append(RowError(row, "bank_code", ctx.banks.problem(bank_text, "开户银行") if bank_text else
                               "开户银行为空，且无法从社保卡号的卡BIN识别银行；请填写开户银行"))
    town = _text(raw, "township")
    if town and town != ctx.township_code and town not in ctx.township_names:
        errors.append(RowError(row, "township", f"乡镇 {town!r} is not this batch's township; a township "
                                                "declares only for its own villages"))
    village = _text(raw, "village")
    if not village:
        errors.append(RowError(row, "village", "村 is required"))
    elif village not in ctx.villages:
        errors.append(RowError(row, "village", f"村 {village!r} is not a village of this township"))
    program = _text(raw, "program")
    if program and program not in (ctx.program_code, ctx.program_name):
        errors.append(RowError(row, "program", f"补贴项目 {program!r} is not this batch's program "
                                               f"({ctx.program_code} {ctx.program_name})"))
    quantity = Decimal(0)
    try:
        quantity = Decimal(_text(raw, "quantity") or "1")
        exponent = quantity.as_tuple().exponent
        if not quantity.is_finite() or quantity <= 0 or quantity > 100_000 or (
                isinstance(exponent, int) and exponent < -2):
            raise InvalidOperation
    except ArithmeticError:
        errors.append(RowError(row, "quantity", "数量 must be a positive number with at most two decimals"))
    amount = 0
    given = _text(raw, "amount")
    if given:
        try:
            amount = yuan_to_fen(given)
            if amount <= 0:
                raise MoneyError("not positive")
        except MoneyError:
            errors.append(RowError(row, "amount", f"金额 {given!r} must be a positive amount in yuan, e.g. 1055.00"))
    if not errors and (amount or amount_for(ctx.standard_fen, quantity)) > MAX_ITEM_FEN:
        errors.append(RowError(row, "amount", f"金额 is above {MAX_ITEM_FEN // 100:,} yuan for one person; "
                                              "check the amount and the quantity"))
    if errors:
        return errors
    assert bank is not None
    return GoodRow(row, name, id_number, card, bank, village, quantity,
                   amount or amount_for(ctx.standard_fen, quantity))


class BatchStatus(StrEnum):
    SUBMITTED = "submitted"   # published to review
    REVIEWED = "reviewed"     # review's decisions are back
