"""Programs: the finance bureau creates, versions and retires them; the public reads the list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.catalog import tables
from services.catalog.domain import DEPARTMENTS, FREQUENCIES, LEVELS, UNITS, shares_problem
from shared.audit import record
from shared.auth import CurrentPrincipal, Principal, Role, require
from shared.events import topics
from shared.events.payloads import ProgramPublished
from shared.money import fen_to_yuan
from shared.service import Runtime
from shared.web import RuntimeDep

router = APIRouter(tags=["catalog"])
P, V = tables.programs, tables.versions


class VersionIn(BaseModel):
    effective_from: dt.date
    standard_fen: int = Field(gt=0, description="补贴标准 in fen per unit")
    unit: Literal["person", "mu", "head", "household"] = "person"
    cap_quantity: Decimal | None = Field(default=None, gt=0, description="most units one person may claim")
    min_age: int | None = Field(default=None, ge=0, le=120, description="eligibility: minimum age")
    means_tested: bool = Field(default=False, description="public employees may not receive it")
    funding_shares: dict[str, int] = Field(default_factory=lambda: {"county": 100})
    note: str | None = None


class ProgramIn(VersionIn):
    code: str = Field(pattern=r"^[A-Z0-9_-]{2,40}$", examples=["GDDLBH-2026"])
    name: str = Field(min_length=2, max_length=200, examples=["耕地地力保护补贴"])
    department_code: str
    legal_basis: str = Field(min_length=2, description="政策依据")
    target_group: str = Field(min_length=2, description="补贴对象")
    frequency: Literal["monthly", "quarterly", "yearly", "once"] = "monthly"


class RetireIn(BaseModel):
    retired_from: dt.date
    reason: str = Field(min_length=4)


def _check(body: VersionIn) -> None:
    if problem := shares_problem(body.funding_shares):
        raise HTTPException(422, problem)


async def _publish(rt: Runtime, session: AsyncSession, code: str, version: int) -> None:
    p = (await session.execute(select(P).where(P.c.code == code))).mappings().one()
    v = (await session.execute(select(V).where(V.c.code == code, V.c.version == version))).mappings().one()
    event = ProgramPublished(
        program_code=code, version=version, name=p["name"], department_code=p["department_code"],
        standard_fen=v["standard_fen"], unit=v["unit"], effective_from=v["effective_from"],
        retired_from=p["retired_from"], cap_quantity=v["cap_quantity"], min_age=v["min_age"],
        means_tested=v["means_tested"])
    await rt.emit(session, topics.PROGRAM_PUBLISHED, code, [event], correlation_id=code)


async def _add_version(session: AsyncSession, who: Principal, code: str, version: int, body: VersionIn) -> None:
    await session.execute(insert(V).values(code=code, version=version, created_by=who.sub, **body.model_dump(
        include=set(VersionIn.model_fields))))


@router.get("/departments")
async def departments() -> dict[str, str]:
    """The twelve fund departments (资金主管单位)."""
    return DEPARTMENTS


@router.post("/programs", status_code=201)
async def create_program(body: ProgramIn, who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, Any]:
    """Create and publish a program with its first version (finance bureau)."""
    require(who, Role.FINANCE)
    if body.department_code not in DEPARTMENTS:
        raise HTTPException(422, f"department_code {body.department_code!r} is not one of {sorted(DEPARTMENTS)}")
    _check(body)
    async with rt.db.transaction() as session:
        if (await session.execute(select(P.c.code).where(P.c.code == body.code))).scalar():
            raise HTTPException(409, f"program {body.code} already exists; add a version instead")
        await session.execute(insert(P).values(
            code=body.code, name=body.name, department_code=body.department_code, legal_basis=body.legal_basis,
            target_group=body.target_group, frequency=body.frequency, created_by=who.sub))
        await _add_version(session, who, body.code, 1, body)
        await record(session, tables.audit, who, "program.create", body.code, detail=body.model_dump(mode="json"))
        await _publish(rt, session, body.code, 1)
    rt.nudge()
    return {"code": body.code, "version": 1, "status": "published"}


@router.post("/programs/{code}/versions", status_code=201)
async def add_version(code: str, body: VersionIn, who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, Any]:
    """Change a program from a date on: a new version; earlier periods keep the version they had."""
    require(who, Role.FINANCE)
    _check(body)
    async with rt.db.transaction() as session:
        p = (await session.execute(select(P).where(P.c.code == code).with_for_update())).mappings().first()
        if p is None:
            raise HTTPException(404, f"no program {code}")
        last = (await session.execute(select(func.max(V.c.version), func.max(V.c.effective_from))
                                      .where(V.c.code == code))).one()
        if body.effective_from <= last[1]:
            raise HTTPException(422, f"effective_from must be after {last[1]} (the newest version's date)")
        await _add_version(session, who, code, last[0] + 1, body)
        await record(session, tables.audit, who, "program.version", code, body.note,
                     detail=body.model_dump(mode="json"))
        await _publish(rt, session, code, last[0] + 1)
    rt.nudge()
    return {"code": code, "version": last[0] + 1, "effective_from": body.effective_from.isoformat()}


@router.post("/programs/{code}/retire")
async def retire(code: str, body: RetireIn, who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, Any]:
    """Retire a program from a date; declarations for later periods are refused."""
    require(who, Role.FINANCE)
    async with rt.db.transaction() as session:
        got = (await session.execute(update(P).where(P.c.code == code).values(retired_from=body.retired_from)
                                     .returning(P.c.code))).scalar()
        if got is None:
            raise HTTPException(404, f"no program {code}")
        version = (await session.execute(select(func.max(V.c.version)).where(V.c.code == code))).scalar_one()
        await record(session, tables.audit, who, "program.retire", code, body.reason)
        await _publish(rt, session, code, version)
    rt.nudge()
    return {"code": code, "retired_from": body.retired_from.isoformat()}


@router.get("/programs/{code}")
async def program_history(code: str, rt: RuntimeDep) -> dict[str, Any]:
    """A program and every version it has had (public: nothing personal here)."""
    async with rt.db.transaction() as session:
        p = (await session.execute(select(P).where(P.c.code == code))).mappings().first()
        if p is None:
            raise HTTPException(404, f"no program {code}")
        vs = (await session.execute(select(V).where(V.c.code == code).order_by(V.c.version))).mappings().all()
    return {**{k: v for k, v in p.items() if k != "created_by"}, "versions": [dict(v) for v in vs]}


@router.get("/public/programs")
async def public_programs(rt: RuntimeDep, on: dt.date | None = None) -> list[dict[str, Any]]:
    """The public catalog (补贴政策项目清单): programs in force on a date (today by default)."""
    day = on or dt.date.today()
    async with rt.db.transaction() as session:
        rows = (await session.execute(
            select(P, V).join(V, V.c.code == P.c.code).where(V.c.effective_from <= day)
            .order_by(P.c.code, V.c.version.desc()))).mappings().all()
    seen: set[str] = set()
    out = []
    for r in rows:
        if r["code"] in seen or (r["retired_from"] is not None and r["retired_from"] <= day):
            continue
        seen.add(r["code"])
        shares = "、".join(f"{LEVELS[k]}{v}%" for k, v in r["funding_shares"].items())
        out.append({"项目编码": r["code"], "项目名称": r["name"], "主管部门": DEPARTMENTS.get(r["department_code"]),
                    "政策依据": r["legal_basis"], "补贴对象": r["target_group"],
                    "补贴标准(元)": fen_to_yuan(r["standard_fen"]), "单位": UNITS[r["unit"]],
                    "发放频次": FREQUENCIES[r["frequency"]], "资金来源": shares, "版本": r["version"],
                    "执行日期": r["effective_from"].isoformat()})
    return out
