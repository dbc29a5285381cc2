import datetime as dt
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.iso7064 import mod_11_2

from shared.ids import (
    card_problem,
    id_check_char,
    id_problem,
    luhn_check_digit,
    luhn_valid,
    make_card_number,
    make_id_number,
)


def test_known_resident_id_check_character() -> None:
    # the GB 11643-1999 worked example
    assert id_check_char("11010519491231002") == "X"
    assert id_problem("11010519491231002X") is None


@pytest.mark.parametrize(("value", "fragment"), [
    ("11010519491231002", "应为18位"),
    ("1101051949123100XX", "前17位应为数字"),
    ("110105194913310021", "出生日期"),
    ("110105194912310021", "校验码"),
])
def test_invalid_resident_ids_say_why(value: str, fragment: str) -> None:
    problem = id_problem(value)
    assert problem is not None and fragment in problem


def test_luhn() -> None:
    assert luhn_check_digit("7992739871") == "3"
    assert card_problem("6228480000000000001")  # wrong check digit
    assert card_problem("62284812345") and "16至19位" in card_problem("62284812345")  # type: ignore[operator]
    assert "只能包含数字" in (card_problem("6228-4800-0000-0000") or "")


def test_generated_people_are_valid() -> None:
    rng = random.Random(1)
    for _ in range(500):
        assert id_problem(make_id_number(rng)) is None
        assert card_problem(make_card_number(rng)) is None


def test_only_ascii_digits_make_an_id_or_card_and_spreadsheet_forms_are_read_as_typed() -> None:
    from shared.ids import card_problem, id_problem, normalize_number

    good = "632523195001011234"
    good = good[:17] + id_check_char(good[:17])
    assert id_problem(good) is None
    assert id_problem(good[:5] + "²" + good[6:]) is not None  # '²'.isdigit() is True, and it is no digit
    full_width = good.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert id_problem(full_width) is not None and normalize_number(full_width) == good
    assert normalize_number(good[:17] + "x") == good[:17] + "X"
    assert card_problem("６２２８４８０００００００００００１") is not None


def test_amounts_that_would_overflow_are_refused_not_crashed() -> None:
    import pytest

    from shared.money import MoneyError, yuan_to_fen

    for bad in ("9E+999999", "1e30", "1" * 40, "NaN", "-Infinity"):
        with pytest.raises(MoneyError):
            yuan_to_fen(bad)
    assert yuan_to_fen("1,234.50") == 123450


def _with_check(first17: str) -> str:
    return first17 + id_check_char(first17)


def test_a_region_code_that_does_not_exist_and_a_birth_date_after_today_are_refused() -> None:
    for region in ("000000", "999999", "632599"):
        problem = id_problem(_with_check(f"{region}19800101001"))
        assert problem is not None and "地区码" in problem, region
    assert "晚于今天" in (id_problem(_with_check("63252320990101001")) or "")
    assert id_problem(_with_check("63252319800101001")) is None  # 贵德县


def test_the_check_agrees_with_python_stdnum_on_random_numbers() -> None:
    from stdnum.cn import ric
    from stdnum.exceptions import ValidationError
    rng = random.Random(20261126)
    disagree = []
    for _ in range(5000):
        region = rng.choice(["632523", "110105", "000000", "999999", f"{rng.randrange(10**6):06d}"])
        day = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(365 * 90))
        number = _with_check(f"{region}{day:%Y%m%d}{rng.randrange(1000):03d}")
        if rng.random() < 0.2:  # a mistyped check character
            number = number[:17] + ("0" if number[17] != "0" else "1")
        try:
            ric.validate(number)
            theirs = True
        except (ValidationError, KeyError):  # KeyError: a code that names a province but no county
            theirs = False
        if (id_problem(number) is None) != theirs:
            disagree.append(number)
    assert not disagree, disagree[:5]


@given(st.text(alphabet="0123456789", min_size=1, max_size=25))
def test_the_fast_luhn_agrees_with_stdnum(digits: str) -> None:
    assert luhn_valid(digits) == luhn.is_valid(digits)
    body = digits[:-1] or "0"
    assert luhn_valid(body + luhn_check_digit(body))


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_the_id_check_character_agrees_with_stdnum(first17: str) -> None:
    assert id_check_char(first17) == mod_11_2.calc_check_digit(first17)  # ISO 7064 MOD 11-2


@pytest.mark.parametrize("bad", ["1101051949123100", "110105194912310021", "11010519491231002X"[:16] + "ab"])
def test_the_id_check_character_needs_seventeen_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="17 digits"):
        id_check_char(bad)
