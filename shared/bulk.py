"""Bulk writes as one statement over arrays: ``INSERT ... SELECT * FROM unnest(:c1, :c2, ...)``.

A chunk of a thousand items is one round trip with one parameter per column (not a parameter per
value), each column packed into one text where its values allow (``shared.packing``), and the statement's
text is built once per shape and cached, so nothing is compiled per row.
Measured on this machine (100,000 ledger rows, ``python -m deploy.bulk_bench``): see the README.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from operator import attrgetter
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.payloads import Item
from shared.messaging.chunks import RawChunk
from shared.packing import array_params
from shared.rawsql import fetch

_PG = postgresql.dialect()


@functools.cache
def _element_of(table: Table, column: str) -> str:
    """The column's type without its length or precision: a cast to ``varchar(40)`` would cut a longer value
    short in silence, where the insert itself refuses it ("value too long"), as a row-by-row insert does."""
    return re.sub(r"\(.*?\)", "", table.c[column].type.compile(dialect=_PG))


@functools.cache
def _sql(table: Table, columns: tuple[str, ...], conflict: tuple[str, ...] | None, update: tuple[str, ...],
         where: str | None, returning: str | None, add: tuple[str, ...], arrays: tuple[str, ...],
         constants: tuple[str, ...] = ()) -> str:
    if constants:  # a value the same on every row is one parameter, not an array of it
        varying = [c for c in columns if c not in constants]
        picks = ", ".join(f"u.{c}" if c not in constants else
                          f"CAST(CAST(:{c} AS text) AS {_element_of(table, c)})" for c in columns)
        rows = f"SELECT {picks} FROM unnest({', '.join(arrays)}) AS u({', '.join(varying)})"
    else:
        rows = f"SELECT * FROM unnest({', '.join(arrays)})"
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) {rows}"
    if conflict is not None:
        sets = [f"{c} = EXCLUDED.{c}" for c in update] + [f"{c} = {table.name}.{c} + EXCLUDED.{c}" for c in add]
        action = f"DO UPDATE SET {', '.join(sets)}" if sets else "DO NOTHING"
        sql += f" ON CONFLICT ({', '.join(conflict)}) {action}"
        if where and sets:
            sql += f" WHERE {where}"
    if returning:
        sql += f" RETURNING {returning}"
    return sql


_ALIKE = (str, int, bool, type(None))


def _constants(params: Mapping[str, Sequence[Any]]) -> tuple[str, ...]:
    """The columns whose value is the same on every row (a chunk's batch, order, period...): each goes as one
    parameter. Measured here (200,000 ledger upserts, five such columns): 1.42-1.74 s of the server's CPU as
    arrays, 1.10-1.40 s as constants; the client packs nothing for them either. Only plain values (text,
    numbers, truth, null) of one type; at least one column stays an array (it gives the number of rows)."""
    n = len(next(iter(params.values()), ()))
    if n < 2:
        return ()
    alike = [c for c, v in params.items()  # first and last compared first: most columns differ there already
             if v[-1] == v[0] and type(v[0]) in _ALIKE and v.count(v[0]) == n and len(set(map(type, v))) == 1]
    return tuple(alike[1:] if len(alike) == len(params) else alike)


def columns_of(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """The rows as one list per column (every row has the first row's keys)."""
    keys = list(rows[0])
    return {k: [r[k] for r in rows] for k in keys}


async def insert_rows(session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]], *,
                      conflict: Sequence[str] | None = None, update: Sequence[str] = (),
                      add: Sequence[str] = (), where: str | None = None, returning: str | None = None) -> list[Any]:
    """Insert ``rows`` (dicts with the same keys) in one statement.

    ``conflict``: the unique columns; with it, ``update`` columns take the new value, ``add`` columns add
    it to the old one, and nothing else changes (``DO NOTHING`` when both are empty); ``where`` limits the
    update (SQL over ``table.col`` and ``EXCLUDED.col``). Returns the ``returning`` column of each row
    written, or an empty list.
    """
    if not rows:
        return []
    params = columns_of(rows)
    return await insert_columns(session, table, params, conflict=conflict, update=update, add=add, where=where,
                                returning=returning)


async def insert_columns(session: AsyncSession, table: Table, params: Mapping[str, Sequence[Any]], *,
                         conflict: Sequence[str] | None = None, update: Sequence[str] = (),
                         add: Sequence[str] = (), where: str | None = None,
                         returning: str | None = None) -> list[Any]:
    """As ``insert_rows``, given one list per column. ``returning`` may name several columns
    (``"a, b"``): each row written comes back as a record then (``r["a"]``)."""
    constants = _constants(params)
    arrays, bind = array_params({c: _element_of(table, c) for c in params if c not in constants}, params)
    bind |= {c: None if params[c][0] is None else str(params[c][0]) for c in constants}
    sql = _sql(table, tuple(params), tuple(conflict) if conflict is not None else None, tuple(update), where,
               returning, tuple(add), tuple(arrays.values()), constants)
    # straight to asyncpg (the statement is already text, its parameters already packed): no SQLAlchemy
    # statement built, compiled and bound per chunk, and rows back as asyncpg's records
    got = await fetch(session, sql, bind)
    if not returning:
        return []
    return got if "," in returning else [r[0] for r in got]


ITEM_FIELDS = tuple(Item.model_fields)


def columns(objects: Sequence[Any], fields: Iterable[str], **more: Any) -> dict[str, list[Any]]:
    """Objects as one list per column, for ``insert_columns``: each of ``fields`` read from every object; each
    of ``more`` the same on every row (``batch_id=...``), or given as a list, one value per row."""
    n = len(objects)
    out = {f: list(map(attrgetter(f), objects)) for f in fields}
    for name, value in more.items():
        if isinstance(value, list) and len(value) != n:
            raise ValueError(f"column {name}: {len(value)} values for {n} rows")
        out[name] = value if isinstance(value, list) else [value] * n
    return out


def item_columns(items: Sequence[Item], **more: Any) -> dict[str, list[Any]]:
    """Items as one list per field, with the columns ``more`` adds (see ``columns``)."""
    return columns(items, ITEM_FIELDS, **more)


def stored_items(rows: Sequence[Any]) -> list[Item]:
    """Items kept by this service as items again (``model_validate`` of a dict: measured here 1.7 us an item,
    ``Item(**row)`` 2.3 us, ``model_construct`` 3.1 us)."""
    return [Item.model_validate({f: r[f] for f in ITEM_FIELDS}) for r in rows]


# an Item as JSON, rendered by PostgreSQL from a row with the Item fields as columns (quantity as text, as the
# Item model writes a Decimal)
_ITEM_JSON = ", ".join(f"'{f}', CAST({f} AS text)" if f == "quantity" else f"'{f}', {f}" for f in ITEM_FIELDS)


async def item_chunks_json(session: AsyncSession, table: Table, where: str, params: Mapping[str, Any],
                           size: int) -> list[RawChunk]:
    """Rows of ``table`` (the Item fields as columns) matching ``where`` as chunks of ``size`` items in item
    order, each a JSON array built by PostgreSQL with its count and fen: items this service validated when
    they came in go on without a model built per item (``shared.messaging.chunks.raw_item_chunks``)."""
    rows = await session.execute(text(
        f"SELECT CAST(json_agg(json_build_object({_ITEM_JSON}) ORDER BY item_id) AS text) AS items, "
        "count(*) AS n, sum(amount_fen) AS fen FROM ("
        f"SELECT *, (row_number() OVER (ORDER BY item_id) - 1) / :chunk_size AS chunk FROM {table.name} "
        f"WHERE {where}) t GROUP BY chunk ORDER BY chunk"), {**params, "chunk_size": size})
    return [RawChunk(r.items, int(r.n), int(r.fen)) for r in rows]
