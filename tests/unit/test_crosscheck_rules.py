"""Every cross-check rule on planted cases, and clean people not flagged (review's pure rules)."""

import datetime as dt
from decimal import Decimal

import pytest

from services.review.domain import RULES, Program, References, check_item
from shared.events.payloads import Item
from tests.factories import item, person

START = dt.date(2026, 11, 1)
PLAIN = Program(standard_fen=10000, cap_quantity=None, min_age=None, means_tested=False)


def _refs(it: Item, **over: object) -> References:
    refs = References(household={it.id_number: {"name": it.name, "village": "王屯村"}}, has_household=True,
                      cards={it.card_number: {"id_number": it.id_number, "name": it.name}})
    for k, v in over.items():
        setattr(refs, k, v)
    return refs


def codes(it: Item, program: Program = PLAIN, **refs: object) -> list[str]:
    return [f.code for f in check_item(it, program, _refs(it, **refs), START)]


def test_a_clean_person_is_not_flagged() -> None:
    for _ in range(200):
        assert codes(item(10000)) == []


def test_invalid_id() -> None:
    assert codes(item(id_number="110105194912310021")) == ["INVALID_ID"]


def test_name_differs_from_household_registry_and_unknown_person() -> None:
    it = item()
    assert codes(it, household={it.id_number: {"name": "王二", "village": "x"}}) == ["NAME_MISMATCH"]
    assert codes(it, household={}) == ["NOT_IN_REGISTRY"]


def test_deceased_before_the_period_only() -> None:
    it = item()
    assert codes(it, deaths={it.id_number: dt.date(2026, 9, 30)}) == ["DECEASED"]
    assert codes(it, deaths={it.id_number: dt.date(2026, 11, 15)}) == []  # died during the period: still due


def test_card_holder_differs_from_beneficiary() -> None:
    it = item()
    other_id, _ = person()
    assert codes(it, cards={it.card_number: {"id_number": other_id, "name": "赵六"}}) == ["CARD_HOLDER_MISMATCH"]


def test_public_employee_in_a_means_tested_program_only() -> None:
    it = item()
    means = Program(10000, None, None, means_tested=True)
    assert codes(it, means, employees={it.id_number: "县某局"}) == ["PUBLIC_EMPLOYEE"]
    assert codes(it, PLAIN, employees={it.id_number: "县某局"}) == []


def test_outside_the_programs_criteria() -> None:
    young = item(id_number="632523200001010014")
    old = item(id_number="632523194001010016")
    elderly_only = Program(10000, None, min_age=80, means_tested=False)
    assert codes(young, elderly_only) == ["OUTSIDE_CRITERIA"]
    assert codes(old, elderly_only) == []


def test_amount_above_the_standard_or_quantity_above_the_cap() -> None:
    assert codes(item(10001)) == ["AMOUNT_ABOVE_STANDARD"]
    capped = Program(100, cap_quantity=Decimal(10), min_age=None, means_tested=False)
    assert codes(item(1100, quantity=Decimal(11)), capped) == ["AMOUNT_ABOVE_STANDARD"]
    assert codes(item(1000, quantity=Decimal(10)), capped) == []


def test_village_official_or_relative_is_a_flag_not_a_rejection() -> None:
    it = item()
    found = check_item(it, PLAIN, _refs(it, officials={it.id_number: "王屯村 村主任之子"}), START)
    assert [(f.code, f.hard) for f in found] == [("VILLAGE_OFFICIAL", False)]


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_rule_has_a_plain_chinese_reason(code: str) -> None:
    hard, text = RULES[code]
    assert isinstance(hard, bool) and any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_findings_are_in_chinese_and_money_in_yuan() -> None:
    over = item(285000, quantity=Decimal(1))
    [found] = check_item(over, PLAIN, _refs(over), START)
    assert found.as_dict()["reason"] == "申报金额超过补贴标准：申报2,850.00元，按标准最多100.00元"
    dead = item()
    [died] = check_item(dead, PLAIN, _refs(dead, deaths={dead.id_number: dt.date(2025, 11, 5)}), START)
    assert died.as_dict()["reason"] == "受益人已死亡：2025年11月5日死亡，早于发放期间"
