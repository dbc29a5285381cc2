"""Concurrent payment orders can never overspend a quota (指标): real PostgreSQL, treasury's own schema."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from services.treasury import tables
from services.treasury.store import release_quota as release
from services.treasury.store import reserve_quota as reserve
from shared import migrations
from shared.db import Database


@pytest.fixture(scope="module")
def treasury_url(infra: tuple[dict[str, str], str]) -> str:
    admin = infra[1]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "treasury_quota_test" WITH (FORCE)')
        conn.execute('CREATE DATABASE "treasury_quota_test"')
    url = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + "/treasury_quota_test"
    migrations.upgrade("treasury", url, tables.metadata)
    return url


async def test_parallel_orders_never_overspend(treasury_url: str) -> None:
    db = Database(treasury_url, pool_size=25)
    async with db.transaction() as s:
        await s.execute(tables.quotas.insert(), [
            {"program_code": "P", "year": 2026, "level": "central", "total_fen": 5000},
            {"program_code": "P", "year": 2026, "level": "county", "total_fen": 2500}])

    async def order(n: int) -> bool:
        async with db.transaction() as s:
            ok = await reserve(s, f"O{n}", "P", 2026, 1000)
            await asyncio.sleep(0.01)  # hold the locks a little: the others must wait, not overspend
            return ok

    results = await asyncio.gather(*[order(n) for n in range(20)])
    assert results.count(True) == 7
    async with db.transaction() as s:
        levels = dict((await s.execute(tables.quotas.select().with_only_columns(
            tables.quotas.c.level, tables.quotas.c.reserved_fen))).all())
        per_order = (await s.execute(tables.order_quota.select())).all()
    assert levels == {"central": 5000, "county": 2000}
    assert sum(r.reserved_fen for r in per_order) == 7000
    # a returned item gives its quota back to the level it came from (county first)
    winner = next(f"O{n}" for n, ok in enumerate(results) if ok)
    async with db.transaction() as s:
        await release(s, winner, "P", 2026, 1000)
    async with db.transaction() as s:
        assert await reserve(s, "O-late", "P", 2026, 1500)
        assert not await reserve(s, "O-too-late", "P", 2026, 1)
    await db.dispose()
