"""Cross-check rules (比对规则): each with a code, hard (reject) or soft (to a person), and a plain reason."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from shared.events.payloads import Item
from shared.ids import age_on, card_problem, id_problem
from shared.money import fen_to_yuan
from shared.states import Flow


class BatchStatus(StrEnum):
    CHECKING = "checking"                    # chunks still arriving, rules running
    TOWNSHIP_REVIEW = "township_review"      # 乡镇审核
    DEPARTMENT_REVIEW = "department_review"  # 主管部门审批
    APPROVED = "approved"
    RETURNED = "returned"


BATCH_FLOW = Flow("review batch", {
    BatchStatus.CHECKING: frozenset({BatchStatus.TOWNSHIP_REVIEW}),
    BatchStatus.TOWNSHIP_REVIEW: frozenset({BatchStatus.DEPARTMENT_REVIEW}),
    BatchStatus.DEPARTMENT_REVIEW: frozenset({BatchStatus.APPROVED, BatchStatus.RETURNED}),
})


class ItemStatus(StrEnum):
    PASSED = "passed"      # no finding: approved with the batch unless a person rejects it
    FLAGGED = "flagged"    # a soft finding: a person must decide
    REJECTED = "rejected"  # a hard finding or a person's rejection
    APPROVED = "approved"


ITEM_FLOW = Flow("review item", {
    ItemStatus.PASSED: frozenset({ItemStatus.APPROVED, ItemStatus.REJECTED}),
    ItemStatus.FLAGGED: frozenset({ItemStatus.APPROVED, ItemStatus.REJECTED}),
    ItemStatus.APPROVED: frozenset({ItemStatus.REJECTED}),  # the department returns the batch
})

RULES: dict[str, tuple[bool, str]] = {  # code: (hard, 说明)
    "INVALID_ID": (True, "公民身份号码无效"),
    "INVALID_CARD": (True, "社保卡号无效"),
    "NAME_MISMATCH": (True, "姓名与户籍信息不一致"),
    "NOT_IN_REGISTRY": (False, "户籍库中查无此人"),
    "DECEASED": (True, "受益人已死亡"),
    "DUPLICATE_IN_PERIOD": (True, "同一人同一项目同一期重复申报"),
    "CARD_SHARED": (False, "一张卡为多人领取补贴"),
    "CARD_HOLDER_MISMATCH": (True, "社保卡持卡人与受益人不一致"),
    "PUBLIC_EMPLOYEE": (True, "财政供养人员领取困难群众补贴"),
    "OUTSIDE_CRITERIA": (True, "不符合补贴对象条件"),
    "AMOUNT_ABOVE_STANDARD": (True, "申报金额超过补贴标准"),
    "VILLAGE_OFFICIAL": (False, "村干部或其亲属享受补贴，需重点审核"),
    "SUSPENDED": (True, "监督检查暂停发放"),
}
# what is checked again on rosters already paid (回头看): facts about the person that make a payment wrong
RECHECK_RULES = frozenset({"DECEASED", "PUBLIC_EMPLOYEE", "OUTSIDE_CRITERIA"})


@dataclass(frozen=True)
class Finding:
    code: str
    detail: str

    @property
    def hard(self) -> bool:
        return RULES[self.code][0]

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "hard": self.hard, "reason": f"{RULES[self.code][1]}：{self.detail}"}


@dataclass
class Program:
    standard_fen: int
    cap_quantity: Decimal | None
    min_age: int | None
    means_tested: bool


@dataclass
class References:
    """What the checks look at for one chunk (already narrowed to its people and cards)."""

    household: dict[str, dict[str, Any]] = field(default_factory=dict)
    has_household: bool = False
    deaths: dict[str, dt.date] = field(default_factory=dict)
    employees: dict[str, str] = field(default_factory=dict)
    officials: dict[str, str] = field(default_factory=dict)
    cards: dict[str, dict[str, Any]] = field(default_factory=dict)
    suspended: dict[str, str] = field(default_factory=dict)  # id number -> why (this program only)


def check_item(item: Item, program: Program, refs: References, period_start: dt.date) -> list[Finding]:
    """Every rule that needs only the item, the program version and the reference data."""
    if problem := id_problem(item.id_number):
        return [Finding("INVALID_ID", problem)]
    out: list[Finding] = []
    if problem := card_problem(item.card_number):
        out.append(Finding("INVALID_CARD", problem))
    person = refs.household.get(item.id_number)
    if person is not None and person["name"] != item.name:
        out.append(Finding("NAME_MISMATCH", f"户籍库中该身份证号码登记的姓名不是“{item.name}”"))
    elif person is None and refs.has_household:
        out.append(Finding("NOT_IN_REGISTRY", "户籍库中没有这个身份证号码"))
    died = refs.deaths.get(item.id_number)
    if died is not None and died < period_start:
        out.append(Finding("DECEASED", f"{died.year}年{died.month}月{died.day}日死亡，早于发放期间"))
    card = refs.cards.get(item.card_number)
    if card is not None and (card["id_number"] != item.id_number or card["name"] != item.name):
        out.append(Finding("CARD_HOLDER_MISMATCH", "该社保卡登记在他人名下"))
    if program.means_tested and item.id_number in refs.employees:
        out.append(Finding("PUBLIC_EMPLOYEE", f"系财政供养人员（{refs.employees[item.id_number]}）"))
    if program.min_age is not None and age_on(item.id_number, period_start) < program.min_age:
        out.append(Finding("OUTSIDE_CRITERIA", f"年龄未满{program.min_age}周岁"))
    if program.cap_quantity is not None and item.quantity > program.cap_quantity:
        out.append(Finding("AMOUNT_ABOVE_STANDARD", f"数量{item.quantity}超过上限{program.cap_quantity}"))
    else:
        most = int((Decimal(program.standard_fen) * item.quantity).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        if item.amount_fen > most:
            out.append(Finding("AMOUNT_ABOVE_STANDARD",
                                   f"申报{fen_to_yuan(item.amount_fen)}元，按标准最多{fen_to_yuan(most)}元"))
    if item.id_number in refs.officials:
        out.append(Finding("VILLAGE_OFFICIAL", refs.officials[item.id_number]))
    if item.id_number in refs.suspended:
        out.append(Finding("SUSPENDED", refs.suspended[item.id_number]))
    return out


def item_status(found: list[Finding]) -> ItemStatus:
    if any(f.hard for f in found):
        return ItemStatus.REJECTED
    return ItemStatus.FLAGGED if found else ItemStatus.PASSED
