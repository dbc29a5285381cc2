from decimal import Decimal

import pytest

from shared.masking import mask_card, mask_id, mask_name
from shared.money import MoneyError, amount_for, fen_to_yuan, yuan_to_fen


def test_yuan_fen_round_trip() -> None:
    assert yuan_to_fen("1234.5") == 123450
    assert yuan_to_fen("1,234.56") == 123456
    assert fen_to_yuan(123456) == "1,234.56"
    assert fen_to_yuan(-5) == "-0.05"


@pytest.mark.parametrize("bad", ["1.234", "abc", "NaN", "inf"])
def test_bad_amounts_refused(bad: str) -> None:
    with pytest.raises(MoneyError):
        yuan_to_fen(bad)


def test_amount_for_rounds_half_up_to_the_fen() -> None:
    assert amount_for(10550, Decimal("12.5")) == 131875
    assert amount_for(750, Decimal("0.01")) == 8  # 7.5 fen rounds up


def test_masks() -> None:
    assert mask_id("63252319491231002X") == "6325**********002X"
    assert mask_card("6228480000000000018") == "***************0018"
    assert mask_name("张三明") == "张*明"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳小明") == "欧**明"
