"""Row validation of a declaration: which row, which field, what is wrong, how to fix it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.ids import card_problem, id_problem
from shared.money import amount_for

PERIOD = re.compile(r"^20\d\d-(0[1-9]|1[0-2])$")
MAX_ROWS = 200_000

# the column headers officials use, and the field each one fills
HEADERS = {
    "姓名": "name",
    "公民身份号码": "id_number",
    "社保卡号": "card_number",
    "开户银行": "bank_code",
    "村": "village",
    "数量": "quantity",
}
LABEL = {field: header for header, field in HEADERS.items()}


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "column": LABEL.get(self.field, self.field),
                "message": self.message}


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


def _text(raw: dict[str, Any], field: str) -> str:
    value = raw.get(field)
    return "" if value is None else str(value).strip()


BANK_CODE = re.compile(r"^[A-Z0-9]{2,20}$")


def check_row(row: int, raw: dict[str, Any], standard_fen: int) -> GoodRow | list[RowError]:
    """Validate one declared row; the amount is the program's standard times the quantity."""
    errors: list[RowError] = []
    name = _text(raw, "name")
    if not 2 <= len(name) <= 50:
        errors.append(RowError(row, "name", "姓名 is required (2-50 characters)"))
    id_number = _text(raw, "id_number").upper()
    if problem := id_problem(id_number):
        errors.append(RowError(row, "id_number", f"公民身份号码 {problem}"))
    card = _text(raw, "card_number").replace(" ", "")
    if problem := card_problem(card):
        errors.append(RowError(row, "card_number", f"社保卡号 {problem}"))
    bank = _text(raw, "bank_code")
    if not BANK_CODE.match(bank):
        errors.append(RowError(row, "bank_code", f"开户银行 {bank!r} must be the bank's code, e.g. ABC or QHRCB"))
    village = _text(raw, "village")
    if not village:
        errors.append(RowError(row, "village", "村 is required"))
    quantity = Decimal(0)
    try:
        quantity = Decimal(_text(raw, "quantity") or "1")
        if not quantity.is_finite() or quantity <= 0 or quantity > 100_000 or quantity.as_tuple().exponent < -2:  # type: ignore[operator]
            raise InvalidOperation
    except InvalidOperation:
        errors.append(RowError(row, "quantity", "数量 must be a positive number with at most two decimals"))
    if errors:
        return errors
    return GoodRow(row, name, id_number, card, bank, village, quantity, amount_for(standard_fen, quantity))
