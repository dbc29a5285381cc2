"""Many rows read straight from asyncpg, inside the session's own transaction.

SQLAlchemy turns every row it returns into a ``Row`` (and a mapping for ``.mappings()``): at a chunk of
2,000 items a look-up returns thousands of rows, and in review's profile of a payroll ``Result.all``,
``MappingResult.all`` and their keys were ~10% of the service's CPU. ``fetch`` runs a hand-written
statement (``:name`` parameters, as with ``text()``) on the session's connection and returns asyncpg's
records (``r["column"]``, ``dict(r)``), decoded by the same codecs (JSON and JSONB as Python objects).
It takes part in the session's transaction (begun if nothing ran in it yet), so it sees what the session
wrote and is rolled back with it. Errors come as SQLAlchemy's would: a lost connection as ``OperationalError``,
which consumers retry without limit like any other database outage; a statement's own error (a constraint, a
value too long) as ``DBAPIError`` with asyncpg's error as ``orig`` (its ``sqlstate`` says what it was), so a route
answers a refused value with 422 and a consumer counts a failure, as for any other statement.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg
from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.packing import array_params

_NAME = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")  # :name, not the second colon of a ::cast
_LOST = (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, asyncpg.CannotConnectNowError,
         asyncpg.AdminShutdownError, ConnectionError)


@functools.lru_cache(maxsize=512)
def positional(sql: str) -> tuple[str, tuple[str, ...]]:
    """The statement with ``$1, $2...`` for its ``:name`` parameters, and the names in that order."""
    names: list[str] = []

    def number(m: re.Match[str]) -> str:
        if m.group(1) not in names:
            names.append(m.group(1))
        return f"${names.index(m.group(1)) + 1}"

    return _NAME.sub(number, sql), tuple(names)


async def fetch(session: AsyncSession, sql: str, params: Mapping[str, Any] | None = None) -> list[asyncpg.Record]:
    """The rows of ``sql`` with ``params``, run in the session's transaction."""
    query, names = positional(sql)
    connection = await session.connection()
    pooled = await connection.get_raw_connection()
    adapted: Any = pooled.dbapi_connection  # SQLAlchemy's adapter of the asyncpg connection
    driver: asyncpg.Connection = pooled.driver_connection
    try:
        if adapted._transaction is None:  # the adapter begins its transaction on first use
            await adapted._start_transaction()
        return await driver.fetch(query, *((params or {})[n] for n in names))
    except Exception as exc:
        if not isinstance(exc, _LOST) and not driver.is_closed():  # the statement's own error: the connection is fine
            raise DBAPIError(query, None, exc) from exc
        await connection.invalidate(exc)
        raise OperationalError(query, None, exc) from exc


async def rows_among(session: AsyncSession, table: Table, column: str, values: Sequence[str],
                     columns: Sequence[str] | None = None) -> list[asyncpg.Record]:
    """The rows of ``table`` whose ``column`` is one of ``values`` (packed into one parameter where they allow):
    ``columns`` of them, every column by default."""
    sql, bind = array_params({"values": "text"}, {"values": values})
    return await fetch(session, f"SELECT {', '.join(columns or table.c.keys())} FROM {table.name} "
                                f"WHERE {column} = ANY({sql['values']})", bind)
