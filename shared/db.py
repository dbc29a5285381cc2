"""Async engine and sessions; the constraint naming convention every service's tables use."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Column,
    MetaData,
    String,
    Table,
    any_,
    bindparam,
    event,
    func,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from shared.packing import packed

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def counter(name: str) -> Column[int]:
    """A running total (items or fen) that starts at zero."""
    return Column(name, BigInteger, nullable=False, server_default="0")


def among(column: Any, values: Sequence[str]) -> Any:
    """``column = ANY(:array)``: one parameter however many values (asyncpg allows at most 32,767); the values
    packed into one text where they allow (``shared.packing``)."""
    name = f"{column.name}_among"
    text_ = packed(values)
    if text_ is None:
        return column == any_(bindparam(name, list(values), type_=ARRAY(String)))
    return column == any_(func.string_to_array(bindparam(name, text_, type_=String), _US, _RS))


_US: Any = literal_column("chr(31)")
_RS: Any = literal_column("chr(30)")


SLICE = 5000  # rows per bulk statement: few round trips, no statement with too many parameters


async def insert_new(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    """Insert rows in slices, leaving rows whose key exists alone; returns how many were new."""
    key = next(iter(table.primary_key.columns))
    new = 0
    for start in range(0, len(rows), SLICE):
        got = await session.execute(insert(table).on_conflict_do_nothing().returning(key), rows[start:start + SLICE])
        new += len(got.all())
    return new


def new_metadata() -> MetaData:
    """A MetaData with the naming convention, so a unique violation can be recognised by name."""
    return MetaData(naming_convention=NAMING)


IDLE_PING_SECONDS = 5.0


def _ping_when_idle(engine: AsyncEngine, idle: float) -> None:
    """Ping a pooled connection before use only if it sat unused for ``idle`` seconds (a database restarted
    meanwhile leaves it dead); a dead one is replaced before anyone gets it. A connection in steady use is
    not pinged: ``pool_pre_ping`` cost a round trip per transaction (4% of the services' CPU in a payroll).
    If the database goes away while connections are busy, their next statement fails as a disconnect, the
    pool drops every older connection, and consumers and the relay retry (``shared.messaging``)."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _checkin(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < idle:
            return
        try:
            dbapi_connection.ping()
        except Exception as exc:
            raise DisconnectionError(f"connection idle {time.monotonic() - since:.0f} s is gone") from exc


class Database:
    """One engine per process; ``transaction()`` is the unit of work (commits or rolls back)."""

    def __init__(self, url: str, pool_size: int = 20) -> None:
        # hide_parameters: a failed statement's values (ID and card numbers) never enter an exception's text,
        # so neither logs nor dead-letter reasons can carry them. Every connection opened is kept (no overflow):
        # under a burst, overflow connections were opened and closed per request, which made a server that was
        # behind slower still (a crowd's first seconds: p99 1.5 s); now a request waits for a connection.
        # force_custom_plan: every statement is planned with its values. Bulk statements take arrays (packed
        # text, see shared.packing) whose size a generic plan cannot know: after five runs PostgreSQL chose a
        # generic plan estimating 10 rows, and a 1,000-row keyed update became a nested loop over the unnest
        # for every row (0.5-0.8 s each at a million people; a batch's item list scanned the whole table).
        self.engine: AsyncEngine = create_async_engine(
            url, pool_size=pool_size, max_overflow=0, hide_parameters=True,
            connect_args={"server_settings": {"plan_cache_mode": "force_custom_plan"}})
        _ping_when_idle(self.engine, IDLE_PING_SECONDS)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session, session.begin():
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
