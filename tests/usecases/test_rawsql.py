"""Rows read straight from asyncpg (``shared.rawsql.fetch``) belong to the session's transaction: they see
what it wrote, what they write is rolled back with it, and a lost connection is a database outage."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from shared import db
from shared.rawsql import fetch, positional
from shared.web import _data_exception
from tests.usecases.conftest import fresh_database


def test_named_parameters_become_positional_once_each_and_casts_are_left_alone() -> None:
    sql, names = positional("SELECT CAST(:a AS int), :b::text, :a + 1, '10:30' WHERE x = ANY(:ids)")
    assert sql == "SELECT CAST($1 AS int), $2::text, $1 + 1, '10:30' WHERE x = ANY($3)"
    assert names == ("a", "b", "ids")


async def test_a_raw_read_sees_the_sessions_writes_and_its_own_writes_roll_back_with_it(admin_url: str) -> None:
    database = db.Database(fresh_database(admin_url, "catalog"), pool_size=1)
    try:
        async with database.transaction() as s:
            await s.execute(text("CREATE TABLE t (k text PRIMARY KEY, n int, doc jsonb)"))
        with pytest.raises(RuntimeError):
            async with database.transaction() as s:
                # first statement of the transaction: the raw read must begin it, or it would commit alone
                [got] = await fetch(s, "INSERT INTO t VALUES (:k, :n, CAST(:doc AS jsonb)) RETURNING k, n, doc",
                                    {"k": "raw", "n": 1, "doc": '{"a": [1, 2]}'})
                assert dict(got) == {"k": "raw", "n": 1, "doc": {"a": [1, 2]}}  # JSONB as Python, as SQLAlchemy
                await s.execute(text("INSERT INTO t VALUES ('orm', 2, NULL)"))
                rows = await fetch(s, "SELECT k FROM t WHERE k = ANY(:ks) ORDER BY k", {"ks": ["orm", "raw"]})
                assert [r["k"] for r in rows] == ["orm", "raw"]
                raise RuntimeError("the use case failed after both writes")
        async with database.transaction() as s:
            assert (await s.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0
            assert await fetch(s, "SELECT k FROM t") == []
    finally:
        await database.dispose()


async def test_a_lost_connection_is_raised_as_a_database_outage(admin_url: str) -> None:
    url = fresh_database(admin_url, "catalog")
    database, other = db.Database(url, pool_size=1), db.Database(url, pool_size=1)
    try:
        with pytest.raises(OperationalError):
            async with database.transaction() as s:
                pid = (await fetch(s, "SELECT pg_backend_pid() AS p"))[0]["p"]
                async with other.transaction() as o:
                    await o.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
                await fetch(s, "SELECT 1")
        async with database.transaction() as s:  # the pool hands out a working connection again
            assert (await fetch(s, "SELECT 1 AS one"))[0]["one"] == 1
    finally:
        await database.dispose()
        await other.dispose()


async def test_a_statements_own_error_is_raised_as_sqlalchemys_and_the_connection_is_kept(admin_url: str) -> None:
    database = db.Database(fresh_database(admin_url, "catalog"), pool_size=1)
    try:
        with pytest.raises(DBAPIError) as raised:
            async with database.transaction() as s:
                pid = (await fetch(s, "SELECT pg_backend_pid() AS p"))[0]["p"]
                await fetch(s, "SELECT 1 / :zero", {"zero": 0})
        assert isinstance(raised.value.orig, asyncpg.DivisionByZeroError)
        assert raised.value.orig.sqlstate == "22012" and not raised.value.connection_invalidated
        assert _data_exception(raised.value)  # what a route answers with 422, not 500
        async with database.transaction() as s:  # rolled back, and the same connection serves again
            assert (await fetch(s, "SELECT pg_backend_pid() AS p"))[0]["p"] == pid
    finally:
        await database.dispose()
