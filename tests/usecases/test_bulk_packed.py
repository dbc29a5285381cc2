"""Bulk writes with packed columns (one text parameter per column, split by PostgreSQL) keep every value as
it was: NULLs, empty strings, numbers, booleans, times, and strings holding the separators themselves (those
columns travel as arrays instead); a value too long for its column is refused, not cut short."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from services.supervision import tables
from shared import bulk
from shared.packing import array_params, packed
from tests.usecases.conftest import ServiceUnderTest, service_fixture, uid

supervision_svc = service_fixture("supervision")
COLUMNS = ("item_id", "batch_id", "program_code", "department_code", "township_code", "period", "id_number",
           "village", "amount_fen", "declared", "outcome_attempt", "declared_at")


def _rows(batch: str) -> list[dict[str, Any]]:
    at = dt.datetime(2026, 11, 27, 5, 30, 1, 123456, tzinfo=dt.UTC)
    villages = ["一村", "", None, "a\x1fb", "\x1e", "comma, \"quote\" {brace} \\ back"]
    return [{"item_id": f"{batch}-{n}", "batch_id": batch, "program_code": "P", "department_code": "D",
             "township_code": "T", "period": "2026-11", "id_number": None if n % 2 else f"id{n}",
             "village": v, "amount_fen": 10**12 + n, "declared": n % 3 == 0, "outcome_attempt": None if n else 7,
             "declared_at": at} for n, v in enumerate(villages)]


async def _read(svc: ServiceUnderTest, batch: str) -> list[dict[str, Any]]:
    async with svc.db.transaction() as s:
        got = await s.execute(text(f"SELECT {', '.join(COLUMNS)} FROM ledger WHERE batch_id = :b ORDER BY item_id"),
                              {"b": batch})
        return [dict(r) for r in got.mappings()]


def test_packed_refuses_what_it_cannot_carry() -> None:
    assert packed(["a", "", "c"]) == "a\x1f\x1fc"
    assert packed([1, None, True]) == "1\x1f\x1e\x1fTrue"
    assert packed([]) == ""
    assert packed([""]) is None, "one empty string would read back as no value at all"
    assert packed(["a\x1fb"]) is None
    assert packed(["x", "\x1e"]) is None
    assert packed([dt.date(2026, 1, 1)]) is None


@pytest.mark.parametrize("rows_of", [_rows, lambda b: _rows(b)[:1], lambda b: [_rows(b)[1] | {"id_number": ""}]])
async def test_values_come_back_as_they_went(supervision_svc: ServiceUnderTest, rows_of: Any) -> None:
    batch = uid()
    rows = rows_of(batch)
    async with supervision_svc.db.transaction() as s:
        await bulk.insert_rows(s, tables.ledger, rows)
    assert await _read(supervision_svc, batch) == sorted(rows, key=lambda r: r["item_id"])


async def test_the_first_of_a_key_twice_stands_and_a_too_long_value_is_refused(
        supervision_svc: ServiceUnderTest) -> None:
    batch = uid()
    first, again = _rows(batch)[:2]
    again = again | {"item_id": first["item_id"]}
    async with supervision_svc.db.transaction() as s:
        got = await bulk.insert_rows(s, tables.ledger, [first, again], conflict=("item_id",), returning="village")
    assert got == [first["village"]]
    assert await _read(supervision_svc, batch) == [first]
    with pytest.raises(DBAPIError, match="too long"):
        async with supervision_svc.db.transaction() as s:
            await bulk.insert_rows(s, tables.ledger, [first | {"item_id": "x" * 61}])


def _alike(batch: str) -> list[dict[str, Any]]:
    """Rows the same in every column but their key: each such column goes as one parameter (a constant)."""
    return [{"item_id": f"{batch}-{n}", "batch_id": batch, "program_code": "P", "department_code": "",
             "township_code": "T", "period": "2026-11", "id_number": None, "village": "a\x1fb\x1e, {}",
             "amount_fen": 10**12, "declared": True, "outcome_attempt": 1,
             "declared_at": dt.datetime(2026, 11, 27, tzinfo=dt.UTC)} for n in range(3)]


async def test_a_value_alike_on_every_row_goes_once_and_comes_back_as_it_went(
        supervision_svc: ServiceUnderTest) -> None:
    batch = uid()
    rows = _alike(batch)
    assert bulk._constants(bulk.columns_of(rows)) == (  # not declared_at (a time), not item_id (it varies)
        "batch_id", "program_code", "department_code", "township_code", "period", "id_number", "village",
        "amount_fen", "declared", "outcome_attempt")
    assert bulk._constants(bulk.columns_of(rows[:1])) == ()
    assert bulk._constants({"declared": [True, 1], "n": [1, 2]}) == (), "equal, but of two types"
    async with supervision_svc.db.transaction() as s:
        got = await bulk.insert_rows(s, tables.ledger, rows, conflict=("item_id",), returning="item_id, village")
    assert [tuple(r) for r in got] == [(r["item_id"], r["village"]) for r in rows]
    assert await _read(supervision_svc, batch) == rows
    with pytest.raises(DBAPIError, match="too long"):
        async with supervision_svc.db.transaction() as s:
            await bulk.insert_rows(s, tables.ledger, [r | {"township_code": "T" * 13} for r in _alike(uid())])


async def test_hand_written_statements_take_packed_or_array_parameters(supervision_svc: ServiceUnderTest) -> None:
    for ids in (["a", "b", "c"], ["a\x1fb", "c"]):
        sql, bind = array_params({"ids": "text", "n": "bigint"}, {"ids": ids, "n": list(range(len(ids)))})
        assert isinstance(bind["ids"], str) == ("\x1f" not in "".join(ids))
        async with supervision_svc.db.transaction() as s:
            got = (await s.execute(text(f"SELECT i, n FROM unnest({sql['ids']}, {sql['n']}) AS v(i, n)"),
                                   bind)).all()
        assert [tuple(r) for r in got] == list(zip(ids, range(len(ids)), strict=True))
