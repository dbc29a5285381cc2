"""Declaration's SQL: programs known from the catalog, townships, uploads, batches, items, review results."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.declaration import tables
from services.declaration.domain import BatchStatus
from shared import bulk
from shared.registers import Lookup

PV, UP, B, IT = tables.program_versions, tables.uploads, tables.batches, tables.items


async def keep_program(session: AsyncSession, program: dict[str, Any], version: dict[str, Any]) -> None:
    """The program's current name, department and retirement; each version once."""
    stmt = pg_insert(tables.programs).values(program)
    await session.execute(stmt.on_conflict_do_update(index_elements=["code"], set_=program))
    await session.execute(pg_insert(PV).values(version).on_conflict_do_nothing())


async def program(session: AsyncSession, code: str) -> dict[str, Any] | None:
    row = (await session.execute(select(tables.programs).where(tables.programs.c.code == code))).mappings().first()
    return dict(row) if row else None


async def version_in_force(session: AsyncSession, code: str, day: dt.date) -> dict[str, Any] | None:
    row = (await session.execute(select(PV).where(PV.c.code == code, PV.c.effective_from <= day)
                                 .order_by(PV.c.effective_from.desc()).limit(1))).mappings().first()
    return dict(row) if row else None


async def versions(session: AsyncSession, code: str) -> list[dict[str, Any]]:
    rows = (await session.execute(select(PV).where(PV.c.code == code).order_by(PV.c.version))).mappings().all()
    return [dict(r) for r in rows]


async def township(session: AsyncSession, code: str) -> tuple[frozenset[str], frozenset[str]]:
    """(names of the township, names of its villages)."""
    names = (await session.execute(select(tables.townships.c.name).where(tables.townships.c.code == code))
             ).scalars().all()
    villages = (await session.execute(select(tables.villages.c.name).where(
        tables.villages.c.township_code == code))).scalars().all()
    return frozenset(names), frozenset(villages)


async def put_township(session: AsyncSession, code: str, name: str, villages: list[str]) -> list[str]:
    """Register or rename a township and add villages; villages already registered stay. Returns those added."""
    stmt = pg_insert(tables.townships).values(code=code, name=name)
    await session.execute(stmt.on_conflict_do_update(index_elements=["code"], set_={"name": name}))
    if not villages:
        return []
    added = await session.execute(pg_insert(tables.villages).values(
        [{"township_code": code, "name": v} for v in villages]).on_conflict_do_nothing()
        .returning(tables.villages.c.name))
    return sorted(added.scalars())


async def remove_village(session: AsyncSession, code: str, village: str) -> bool:
    got = await session.execute(delete(tables.villages).where(
        tables.villages.c.township_code == code, tables.villages.c.name == village).returning(tables.villages.c.name))
    return got.first() is not None


async def townships(session: AsyncSession, name: str | None) -> list[dict[str, Any]]:
    """Townships with their villages, optionally those whose name (or a village's) contains ``name``."""
    rows = (await session.execute(select(tables.townships).order_by(tables.townships.c.code))).mappings().all()
    villages: dict[str, list[str]] = {}
    for v in await session.execute(select(tables.villages).order_by(tables.villages.c.name)):
        villages.setdefault(v.township_code, []).append(v.name)
    out = [{"code": r["code"], "name": r["name"], "villages": villages.get(r["code"], [])} for r in rows]
    if name:
        out = [t for t in out if name in t["name"] or any(name in v for v in t["villages"])]
    return out


async def same_upload(session: AsyncSession, digest: str) -> dict[str, Any] | None:
    """An earlier upload of the same content, period and scope (the digest covers them)."""
    row = (await session.execute(select(UP).where(UP.c.content_digest == digest))).mappings().first()
    return dict(row) if row else None


async def upload_batches(session: AsyncSession, upload_id: str) -> list[dict[str, Any]]:
    rows = await session.execute(select(B).where(B.c.upload_id == upload_id).order_by(B.c.batch_id))
    return [dict(r) for r in rows.mappings()]


async def township_lookup(session: AsyncSession) -> Lookup:
    """Townships by code or name (乡镇 in a file is usually a name)."""
    return Lookup((r.code, r.name, ()) for r in await session.execute(select(tables.townships)))


async def program_lookup(session: AsyncSession) -> Lookup:
    """Programs by code or name (补贴项目 in a file is usually a name)."""
    pr = tables.programs
    return Lookup((r.code, r.name, ()) for r in await session.execute(select(pr.c.code, pr.c.name)))


async def bank_lookup(session: AsyncSession) -> tuple[Lookup, dict[str, str]]:
    """Banks in service by code, name and other names; and card BIN prefix -> bank code."""
    rows = (await session.execute(select(tables.banks).where(~tables.banks.c.retired))).mappings().all()
    bins = {prefix: r["code"] for r in rows for prefix in r["bins"]}
    return Lookup((r["code"], r["name"], r["aliases"]) for r in rows), bins


async def banks(session: AsyncSession) -> list[dict[str, Any]]:
    return [dict(r) for r in (await session.execute(select(tables.banks).order_by(tables.banks.c.code))).mappings()]


async def keep_bank(session: AsyncSession, values: dict[str, Any]) -> None:
    stmt = pg_insert(tables.banks).values(values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["code"], set_=values))


def _with_department(table: Any) -> Any:
    """Rows of ``table`` with the department their program belongs to (what a department's scope is)."""
    pr = tables.programs
    return select(table, pr.c.department_code).select_from(
        table.outerjoin(pr, pr.c.code == table.c.program_code))


async def upload(session: AsyncSession, upload_id: str) -> dict[str, Any] | None:
    row = (await session.execute(select(UP).where(UP.c.upload_id == upload_id))).mappings().first()
    return dict(row) if row else None


async def add_upload(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(UP).values(**values))


async def batch(session: AsyncSession, batch_id: str) -> dict[str, Any] | None:
    row = (await session.execute(_with_department(B).where(B.c.batch_id == batch_id))).mappings().first()
    return dict(row) if row else None


async def add_batch(session: AsyncSession, values: dict[str, Any], items: dict[str, list[Any]]) -> None:
    """The batch and its items (one list per column)."""
    await session.execute(insert(B).values(**values, status=BatchStatus.SUBMITTED))
    await bulk.insert_columns(session, IT, items)


async def keep_review_results(session: AsyncSession, batch_id: str, columns: dict[str, list[Any]]) -> None:
    """Review's decision on each item (one list per column), once: a redelivered chunk changes nothing."""
    n = len(columns["item_id"])
    if n:
        await bulk.insert_columns(session, tables.item_reviews, columns | {"batch_id": [batch_id] * n},
                                  conflict=("item_id",))
    await session.execute(update(B).where(B.c.batch_id == batch_id).values(status=BatchStatus.REVIEWED))


async def returned_items(session: AsyncSession, batch_id: str) -> list[dict[str, Any]]:
    r = tables.item_reviews
    rows = (await session.execute(select(IT.c.row_no, IT.c.name, IT.c.village, r.c.reason_code, r.c.reason)
            .join(IT, IT.c.item_id == r.c.item_id).where(r.c.batch_id == batch_id, r.c.decision == "rejected")
            .order_by(IT.c.row_no))).mappings().all()
    return [dict(x) for x in rows]
