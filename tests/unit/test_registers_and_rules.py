"""Registers by name, money split by funding shares, and the rule families added for a real county (no I/O)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from services.banking.usecases.banks import _card
from services.review.domain import Finding, Program, References, check_item, registry_id_problem, weigh
from services.review.usecases.references import _row
from services.treasury.domain import allocate, give_back, split
from shared import registers
from shared.ids import birth_date, gender_of
from shared.registers import Lookup, bank_by_card
from shared.rules import rules_problem
from tests.factories import item

BANKS = Lookup((b.code, b.name, b.aliases) for b in registers.BANKS)
BINS = {p: b.code for b in registers.BANKS for p in b.bins}
START = dt.date(2026, 11, 1)


def test_banks_and_departments_are_found_by_code_name_or_another_name() -> None:
    assert [BANKS.code(t) for t in ("农行", "中国农业银行", "abc", " ＡＢＣ ", "青海农村商业银行", "信用社")] == [
        "ABC", "ABC", "ABC", "ABC", "QHRCB", "QHRCB"]
    assert BANKS.code("招商银行") is None and "不在名录中" in BANKS.problem("招商银行", "开户银行")
    departments = Lookup((d.code, d.name, d.aliases) for d in registers.DEPARTMENTS)
    assert departments.code("县残疾人联合会") == "CL" and departments.code("民政局") == "MZ"
    shared_name = Lookup([("A", "甲银行", ("农商行",)), ("B", "乙银行", ("农商行",))])
    assert shared_name.code("农商行") is None and "对应多个：A、B" in shared_name.problem("农商行", "开户银行")
    assert bank_by_card("6228481234567890123", BINS) == "ABC" and bank_by_card("6213501234567890", BINS) == "QHRCB"
    assert bank_by_card("9999991234567890", BINS) is None


@pytest.mark.parametrize("shares", [{"central": 60, "provincial": 20, "prefecture": 10, "county": 10},
                                    {"central": 70, "provincial": 20, "county": 10}, {"provincial": 33, "county": 67}])
def test_an_amount_is_split_by_shares_to_the_fen(shares: dict[str, int]) -> None:
    rng = random.Random(7)
    for _ in range(2000):
        amount = rng.randrange(1, 10**9)
        parts = split(amount, shares)
        assert sum(parts.values()) == amount and set(parts) <= set(shares)
        for level, fen in parts.items():  # each level within one fen of its exact share
            assert abs(fen - amount * shares[level] / 100) < 1
    assert split(101, {"central": 50, "county": 50}) == {"central": 51, "county": 50}  # the odd fen: central


def test_orders_draw_each_level_in_proportion_and_returns_go_back_the_same_way() -> None:
    shares = {"central": 60, "provincial": 20, "prefecture": 10, "county": 10}
    room = {"central": 600, "provincial": 200, "prefecture": 100, "county": 100}
    assert allocate(1000, room, shares) == {"central": 600, "provincial": 200, "prefecture": 100, "county": 100}
    assert allocate(1001, room, shares) is None  # the central part (601) does not fit: held, nothing drawn
    assert allocate(900, room | {"county": 0}, None) == {"central": 600, "provincial": 200, "prefecture": 100}
    back = give_back(333, {"central": 600, "provincial": 200, "prefecture": 100, "county": 100}, proportional=True)
    assert sum(back.values()) == 333 and back == split(333, shares)
    with pytest.raises(ValueError):
        give_back(2000, {"central": 600}, proportional=True)


def _program(**over: object) -> Program:
    return Program(10550, None, None, False, **over)  # type: ignore[arg-type]


def test_household_state_register_vs_id_and_land_area_are_rules() -> None:
    it = item(quantity=Decimal(20), amount_fen=211000)
    person = {"name": it.name, "gender": gender_of(it.id_number), "birth_date": birth_date(it.id_number).isoformat()}
    refs = References(household={it.id_number: person | {"status": "迁出"}}, has_household=True,
                      land={it.id_number: {"cropland": Decimal("12.5"), "grassland": Decimal(0)}}, has_land=True)
    found = check_item(it, _program(area_basis="cropland"), refs, START)
    assert [(f.code, f.hard) for f in found] == [("HOUSEHOLD_MOVED", False), ("LAND_AREA_EXCEEDED", True)]
    assert found[1].as_dict()["reason"] == "申报面积超过确权登记面积：申报20亩，承包地确权面积12.5亩"
    # the program weighs the rules: moved away is refused here, the land rule turned off
    strict = check_item(it, _program(area_basis="cropland", rules={"HOUSEHOLD_MOVED": "hard",
                                                                   "LAND_AREA_EXCEEDED": "off"}), refs, START)
    assert [(f.code, f.hard) for f in strict] == [("HOUSEHOLD_MOVED", True)]
    refs.household[it.id_number] |= {"status": "注销", "gender": "女" if person["gender"] == "男" else "男"}
    assert {f.code for f in check_item(it, _program(), refs, START)} == {"HOUSEHOLD_CANCELLED", "REGISTRY_ID_MISMATCH"}
    assert "户籍登记出生日期为1900-01-01" in (registry_id_problem(it.id_number, None, "1900-01-01") or "")
    assert registry_id_problem(it.id_number, person["gender"], person["birth_date"]) is None


def test_rule_settings_are_checked_and_the_fixed_rules_stay_hard() -> None:
    assert rules_problem({"HOUSEHOLD_MOVED": "hard", "DUPLICATE_IN_PERIOD": "flag"}) is None
    assert "unknown rule" in (rules_problem({"NO_SUCH_RULE": "hard"}) or "")
    assert "always apply as hard" in (rules_problem({"INVALID_ID": "off"}) or "")
    assert weigh([Finding("VILLAGE_OFFICIAL", "村干部：红岩村 村主任")], {"VILLAGE_OFFICIAL": "off"}) == []


def test_reference_rows_keep_every_column_and_name_what_is_wrong() -> None:
    it = item()
    row, problems = _row("household", {"id_number": it.id_number.lower(), "name": "张三", "gender": "男",
                                       "birth_date": dt.datetime(1950, 1, 2), "township": "河阴镇", "status": "正常"})
    assert problems == [] and row["extra"] == {"gender": "男", "birth_date": "1950-01-02", "township": "河阴镇"}
    _, bad = _row("land", {"id_number": it.id_number, "cropland": "十亩", "grassland": "-1"})
    assert [f for f, _ in bad] == ["cropland", "grassland"]
    death, problems = _row("deaths", {"id_number": it.id_number, "on_date": "2025/11/5"})
    assert problems == [] and death["on_date"] == dt.date(2025, 11, 5)
    assert [f for f, _ in _row("deaths", {"id_number": it.id_number, "on_date": "去年"})[1]] == ["on_date"]


def test_a_card_list_row_reads_bank_names_bins_and_chinese_states() -> None:
    it = item()
    card, problems = _card({"card_number": it.card_number, "id_number": it.id_number, "name": "张三",
                            "bank_code": "农行", "status": "冻结"}, BANKS, BINS)
    assert problems == [] and (card["bank_code"], card["status"]) == ("ABC", "frozen")
    by_bin, _ = _card({"card_number": "6213500000000000008", "id_number": it.id_number, "name": "张三"}, BANKS, BINS)
    assert by_bin["bank_code"] == "QHRCB" and by_bin["status"] == "active"
    _, problems = _card({"card_number": "123", "id_number": it.id_number, "name": "张三", "bank_code": "某银行",
                         "status": "作废"}, BANKS, BINS)
    assert [c for c, _ in problems] == ["社保卡号", "开户银行", "状态"]
