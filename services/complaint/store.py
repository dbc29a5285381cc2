"""Complaint's SQL: cases, their steps, and the names routing needs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncSession

from services.complaint import tables
from services.complaint.domain import Stage

C, STEPS = tables.complaints, tables.steps


async def add_complaint(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Open a case (once: an objection delivered twice opens one case)."""
    got = await session.execute(upsert(C).values(**values).on_conflict_do_nothing().returning(C.c.complaint_id))
    return got.first() is not None


async def case(session: AsyncSession, complaint_id: str, lock: bool = False) -> dict[str, Any] | None:
    q = select(C).where(C.c.complaint_id == complaint_id)
    row = (await session.execute(q.with_for_update() if lock else q)).mappings().first()
    return dict(row) if row else None


async def move(session: AsyncSession, complaint_id: str, values: dict[str, Any]) -> None:
    await session.execute(update(C).where(C.c.complaint_id == complaint_id).values(**values))


async def add_step(session: AsyncSession, complaint_id: str, stage: str, actor: str, role: str,
                   note: str | None) -> None:
    seq = (await session.execute(select(func.coalesce(func.max(STEPS.c.seq), 0)).where(
        STEPS.c.complaint_id == complaint_id))).scalar_one()
    await session.execute(insert(STEPS).values(complaint_id=complaint_id, seq=seq + 1, stage=stage, actor=actor,
                                               role=role, note=note))


async def steps(session: AsyncSession, complaint_id: str) -> list[dict[str, Any]]:
    rows = await session.execute(select(STEPS).where(STEPS.c.complaint_id == complaint_id).order_by(STEPS.c.seq))
    return [dict(r) for r in rows.mappings()]


async def cases(session: AsyncSession, filters: dict[str, str | None], overdue_at: dt.datetime | None,
                limit: int, offset: int) -> list[dict[str, Any]]:
    q = select(C).order_by(C.c.filed_at.desc()).limit(limit).offset(offset)
    for col, val in filters.items():
        if val:
            q = q.where(C.c[col] == val)
    if overdue_at is not None:
        q = q.where(C.c.stage_due_at < overdue_at, C.c.status != Stage.CLOSED)
    return [dict(r) for r in (await session.execute(q)).mappings()]


async def overdue(session: AsyncSession, now: dt.datetime, limit: int = 100) -> list[dict[str, Any]]:
    """Open cases past their stage's deadline not yet alerted for that stage (locked, SKIP LOCKED)."""
    rows = await session.execute(text(
        "SELECT * FROM complaints WHERE status <> 'closed' AND stage_due_at < :now "
        "AND overdue_stage IS DISTINCT FROM status ORDER BY stage_due_at LIMIT :n FOR UPDATE SKIP LOCKED"),
        {"now": now, "n": limit})
    return [dict(r) for r in rows.mappings()]


_FIGURES = """
SELECT {group} AS grp, count(*) AS received,
       count(*) FILTER (WHERE resolved_at IS NOT NULL) AS resolved,
       count(*) FILTER (WHERE resolved_at IS NOT NULL AND resolved_at <= resolve_due_at) AS resolved_in_time,
       count(*) FILTER (WHERE outcome = 'upheld') AS upheld,
       count(*) FILTER (WHERE status <> 'closed' AND stage_due_at < :now) AS overdue,
       count(*) FILTER (WHERE resolved_at IS NULL AND resolve_due_at < :now) AS unresolved_past_deadline
FROM complaints
WHERE (CAST(:dept AS text) IS NULL OR department_code = :dept)
  AND (CAST(:town AS text) IS NULL OR township_code = :town)
GROUP BY 1 ORDER BY 1 NULLS FIRST
"""


async def figures(session: AsyncSession, group: str, now: dt.datetime, department: str | None,
                  township: str | None) -> list[dict[str, Any]]:
    column = {"all": "'all'", "department": "department_code", "township": "township_code",
              "channel": "channel"}[group]
    rows = await session.execute(text(_FIGURES.format(group=column)),
                                 {"now": now, "dept": department, "town": township})
    return [dict(r) for r in rows.mappings()]


async def keep_program(session: AsyncSession, code: str, name: str, department_code: str) -> None:
    stmt = upsert(tables.programs).values(program_code=code, name=name, department_code=department_code)
    await session.execute(stmt.on_conflict_do_update(index_elements=["program_code"],
                                                     set_={"name": name, "department_code": department_code}))


async def keep_township(session: AsyncSession, code: str, name: str) -> None:
    stmt = upsert(tables.townships).values(township_code=code, name=name)
    await session.execute(stmt.on_conflict_do_update(index_elements=["township_code"], set_={"name": name}))


async def department_of(session: AsyncSession, program_code: str | None) -> str | None:
    if not program_code:
        return None
    return (await session.execute(select(tables.programs.c.department_code).where(
        tables.programs.c.program_code == program_code))).scalar_one_or_none()


async def names(session: AsyncSession) -> tuple[dict[str, str], dict[str, str]]:
    """(program code -> name, township code -> name)."""
    progs = {r.program_code: r.name for r in await session.execute(select(tables.programs))}
    towns = {r.township_code: r.name for r in await session.execute(select(tables.townships))}
    return progs, towns
