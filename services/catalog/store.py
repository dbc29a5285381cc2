"""Catalog's SQL: programs and their versions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.catalog import tables

P, V = tables.programs, tables.versions


async def program(session: AsyncSession, code: str, lock: bool = False) -> dict[str, Any] | None:
    q = select(P).where(P.c.code == code)
    row = (await session.execute(q.with_for_update() if lock else q)).mappings().first()
    return dict(row) if row else None


async def version(session: AsyncSession, code: str, number: int) -> dict[str, Any]:
    return dict((await session.execute(select(V).where(V.c.code == code, V.c.version == number))).mappings().one())


async def versions(session: AsyncSession, code: str) -> list[dict[str, Any]]:
    rows = (await session.execute(select(V).where(V.c.code == code).order_by(V.c.version))).mappings().all()
    return [dict(v) for v in rows]


async def newest_version(session: AsyncSession, code: str) -> tuple[int, dt.date]:
    """(number, effective_from) of the program's newest version."""
    row = (await session.execute(select(func.max(V.c.version), func.max(V.c.effective_from))
                                 .where(V.c.code == code))).one()
    return int(row[0]), row[1]


async def add_program(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(P).values(**values))


async def add_version(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(V).values(**values))


async def retire(session: AsyncSession, code: str, retired_from: dt.date) -> bool:
    got = (await session.execute(update(P).where(P.c.code == code).values(retired_from=retired_from)
                                 .returning(P.c.code))).scalar()
    return got is not None


async def versions_in_force_by(session: AsyncSession, day: dt.date) -> list[dict[str, Any]]:
    """Every (program, version) effective by ``day``, newest version of each program first."""
    rows = (await session.execute(select(P, V).join(V, V.c.code == P.c.code).where(V.c.effective_from <= day)
                                  .order_by(P.c.code, V.c.version.desc()))).mappings().all()
    return [dict(r) for r in rows]


D = tables.departments


async def departments(session: AsyncSession) -> list[dict[str, Any]]:
    return [dict(r) for r in (await session.execute(select(D).order_by(D.c.code))).mappings()]


async def put_department(session: AsyncSession, values: dict[str, Any]) -> None:
    stmt = pg_insert(D).values(values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["code"], set_=values))


async def program_codes(session: AsyncSession, prefix: str) -> list[str]:
    return list((await session.execute(select(P.c.code).where(P.c.code.startswith(prefix)))).scalars())
