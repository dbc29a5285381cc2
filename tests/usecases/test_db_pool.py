"""A pooled connection left idle is checked before use: one whose server process went away (a database
restart) is replaced before anyone gets it; a connection in steady use is not pinged."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from shared import db
from tests.usecases.conftest import fresh_database


async def _backend(database: db.Database) -> int:
    async with database.transaction() as s:
        return int((await s.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_an_idle_connection_whose_server_went_away_is_replaced(admin_url: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.3)
    url = fresh_database(admin_url, "catalog")
    pooled, other = db.Database(url, pool_size=1), db.Database(url, pool_size=1)
    try:
        first = await _backend(pooled)
        assert await _backend(pooled) == first, "a connection in steady use is kept"
        async with other.transaction() as s:
            await s.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first})
        await asyncio.sleep(0.5)
        assert await _backend(pooled) != first, "the dead connection was handed out"
    finally:
        await pooled.dispose()
        await other.dispose()


async def test_bulk_statements_are_planned_with_their_values(admin_url: str) -> None:
    """A generic plan cannot know how many values a packed array holds (it guessed 10 for 1,000)."""
    database = db.Database(fresh_database(admin_url, "catalog"), pool_size=1)
    try:
        async with database.transaction() as s:
            plan = "\n".join((await s.execute(text(
                "EXPLAIN SELECT * FROM unnest(CAST(string_to_array(:v, chr(31)) AS text[]))"),
                {"v": "\x1f".join(map(str, range(1000)))})).scalars())
            assert (await s.execute(text("SHOW plan_cache_mode"))).scalar() == "force_custom_plan"
        assert "rows=1000" in plan, plan
    finally:
        await database.dispose()
