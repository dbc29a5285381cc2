"""Test data: unique, valid-looking people (valid ID check characters, Luhn-valid cards)."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from decimal import Decimal

from shared.events.payloads import Item
from shared.ids import make_card_number, make_id_number

_rng = random.Random(20261126)
_seq = itertools.count(1)


def person() -> tuple[str, str]:
    """(id_number, card_number), unique within the test run."""
    n = next(_seq)
    return make_id_number(_rng, "632523", seq=n), make_card_number(_rng)


def item(amount_fen: int = 10000, **overrides: object) -> Item:
    id_number, card = person()
    values: dict[str, object] = {
        "item_id": f"T{next(_seq):08d}", "name": "张三", "id_number": id_number, "card_number": card,
        "bank_code": "ABC", "village": "王屯村", "quantity": Decimal(1), "amount_fen": amount_fen,
    }
    return Item(**(values | overrides))  # type: ignore[arg-type]


def abc_contract() -> dict[str, object]:
    """A contract with 中国农业银行 (ABC) valid for any test date, as banking's ``put_contract`` takes it."""
    return {"bank_code": "ABC", "bank_name": "中国农业银行", "valid_from": dt.date(2020, 1, 1),
            "valid_to": dt.date(2099, 12, 31)}
