"""Cross-check rules (比对规则): each with a code, hard (reject) or soft (to a person), and a plain reason."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from shared.events.payloads import Item
from shared.ids import age_on, birth_date, card_problem, gender_of, id_problem
from shared.money import fen_to_yuan
from shared.rules import RULES, weight
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

# what is checked again on rosters already paid (回头看): facts about the person that make a payment wrong
RECHECK_RULES = frozenset({"DECEASED", "PUBLIC_EMPLOYEE", "OUTSIDE_CRITERIA"})


@dataclass(frozen=True)
class Finding:
    code: str
    detail: str
    hard: bool = False  # set from the program's weight of the rule by ``weigh``

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "hard": self.hard, "reason": f"{RULES[self.code][1]}：{self.detail}"}


def weigh(found: list[Finding], rules: dict[str, str]) -> list[Finding]:
    """The findings as the program weighs them: hard, a flag, or dropped (a rule the program turned off)."""
    out = []
    for f in found:
        w = weight(f.code, rules)
        if w != "off":
            out.append(Finding(f.code, f.detail, w == "hard"))
    return out


@dataclass
class Program:
    standard_fen: int
    cap_quantity: Decimal | None
    min_age: int | None
    means_tested: bool
    rules: dict[str, str] = field(default_factory=dict)  # rule code -> hard | flag | off
    excludes: tuple[str, ...] = ()  # programs not to be received in the same period
    area_basis: str | None = None  # cropland | grassland: the land register area bounding a per-mu claim


@dataclass
class References:
    """What the checks look at for one chunk (already narrowed to its people and cards)."""

    household: dict[str, dict[str, Any]] = field(default_factory=dict)
    has_household: bool = False
    deaths: dict[str, dt.date] = field(default_factory=dict)
    employees: dict[str, str] = field(default_factory=dict)
    officials: dict[str, str] = field(default_factory=dict)  # id number -> who (official, or whose relative)
    land: dict[str, dict[str, Decimal]] = field(default_factory=dict)  # id number -> {cropland, grassland} mu
    has_land: bool = False
    cards: dict[str, Any] = field(default_factory=dict)  # card number -> its row (id_number, name, status)
    suspended: dict[str, str] = field(default_factory=dict)  # id number -> why (this program only)


AREA_NAMES = {"cropland": "承包地确权面积", "grassland": "草原承包面积"}


def _registry(item: Item, person: dict[str, Any] | None, has_household: bool) -> list[Finding]:
    """The household register (户籍): the name, the record's state, its gender and birth date."""
    if person is None:
        return [Finding("NOT_IN_REGISTRY", "户籍库中没有这个身份证号码")] if has_household else []
    out = []
    if person["name"] != item.name:
        out.append(Finding("NAME_MISMATCH", f"户籍库中该身份证号码登记的姓名不是“{item.name}”"))
    state = person.get("status") or ""
    if "注销" in state:
        out.append(Finding("HOUSEHOLD_CANCELLED", f"户籍状态：{state}"))
    elif "迁出" in state:
        out.append(Finding("HOUSEHOLD_MOVED", f"户籍状态：{state}"))
    elif "死亡" in state:
        out.append(Finding("DECEASED", f"户籍状态：{state}"))
    if problem := registry_id_problem(item.id_number, person.get("gender"), person.get("birth_date")):
        out.append(Finding("REGISTRY_ID_MISMATCH", problem))
    return out


def registry_id_problem(id_number: str, gender: str | None, born: str | None) -> str | None:
    """A register's 性别/出生日期 that contradict the ID number (odd 17th digit: male), in Chinese."""
    problems = []
    if gender in ("男", "女") and gender != gender_of(id_number):
        problems.append(f"户籍登记性别为{gender}，身份证号码为{gender_of(id_number)}")
    if born:
        try:
            day = dt.date.fromisoformat(str(born)[:10])
        except ValueError:
            day = None
        if day is not None and day != birth_date(id_number):
            problems.append(f"户籍登记出生日期为{day:%Y-%m-%d}，身份证号码为{birth_date(id_number):%Y-%m-%d}")
    return "；".join(problems) or None


def check_item(item: Item, program: Program, refs: References, period_start: dt.date) -> list[Finding]:
    """Every rule that needs only the item, the program version and the reference data, weighed as the
    program says."""
    if problem := id_problem(item.id_number):
        return weigh([Finding("INVALID_ID", problem)], program.rules)
    out: list[Finding] = []
    if problem := card_problem(item.card_number):
        out.append(Finding("INVALID_CARD", problem))
    out += _registry(item, refs.household.get(item.id_number), refs.has_household)
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
    if program.area_basis in AREA_NAMES and refs.has_land:
        area = refs.land.get(item.id_number, {}).get(program.area_basis, Decimal(0))
        if item.quantity > area:
            out.append(Finding("LAND_AREA_EXCEEDED", f"申报{item.quantity}亩，"
                                                     f"{AREA_NAMES[program.area_basis]}{area}亩"))
    if item.id_number in refs.officials:
        out.append(Finding("VILLAGE_OFFICIAL", refs.officials[item.id_number]))
    if item.id_number in refs.suspended:
        out.append(Finding("SUSPENDED", refs.suspended[item.id_number]))
    return weigh(out, program.rules)


def item_status(found: list[Finding]) -> ItemStatus:
    if any(f.hard for f in found):
        return ItemStatus.REJECTED
    return ItemStatus.FLAGGED if found else ItemStatus.PASSED
