import random

import pytest

from shared.ids import card_problem, id_check_char, id_problem, luhn_check_digit, make_card_number, make_id_number


def test_known_resident_id_check_character() -> None:
    # the GB 11643-1999 worked example
    assert id_check_char("11010519491231002") == "X"
    assert id_problem("11010519491231002X") is None


@pytest.mark.parametrize(("value", "fragment"), [
    ("11010519491231002", "18 characters"),
    ("1101051949123100XX", "digits"),
    ("110105194913310021", "birth date"),
    ("110105194912310021", "check character"),
])
def test_invalid_resident_ids_say_why(value: str, fragment: str) -> None:
    problem = id_problem(value)
    assert problem is not None and fragment in problem


def test_luhn() -> None:
    assert luhn_check_digit("7992739871") == "3"
    assert card_problem("6228480000000000001")  # wrong check digit
    assert card_problem("62284812345") and "16 to 19" in card_problem("62284812345")  # type: ignore[operator]
    assert "digits only" in (card_problem("6228-4800-0000-0000") or "")


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
