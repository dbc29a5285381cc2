"""Review rules (比对规则): each with a code and a plain reason shown on the item."""

from __future__ import annotations

from dataclasses import dataclass

from shared.events.payloads import Item
from shared.ids import card_problem, id_problem

INVALID_ID = "INVALID_ID"
INVALID_CARD = "INVALID_CARD"
DUPLICATE_IN_PERIOD = "DUPLICATE_IN_PERIOD"

REASONS = {
    INVALID_ID: "公民身份号码无效",
    INVALID_CARD: "社保卡号无效",
    DUPLICATE_IN_PERIOD: "同一人同一项目同一期重复申报",
}


@dataclass(frozen=True)
class Finding:
    code: str
    detail: str

    @property
    def reason(self) -> str:
        return f"{REASONS[self.code]}: {self.detail}"


def validity(item: Item) -> Finding | None:
    """Rules that need nothing but the item itself."""
    if problem := id_problem(item.id_number):
        return Finding(INVALID_ID, problem)
    if problem := card_problem(item.card_number):
        return Finding(INVALID_CARD, problem)
    return None
