"""Catalog use cases: create, version and retire programs (publishing each version); the public list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from services.catalog import store, tables
from services.catalog.domain import DEPARTMENTS, FREQUENCIES, LEVELS, UNITS, shares_problem
from services.catalog.settings import Settings
from shared.audit import record
from shared.auth import Principal
from shared.errors import Conflict, Invalid, NotFound
from shared.events.payloads import ProgramPublished
from shared.inputs import Code, Text2000
from shared.messaging.context import HandlerContext
from shared.money import fen_to_yuan

Ctx = HandlerContext[Settings]


class VersionIn(BaseModel):
    effective_from: dt.date
    standard_fen: int = Field(gt=0, le=10**9, description="补贴标准 in fen per unit (at most 10 million yuan)")
    unit: Literal["person", "mu", "head", "household"] = "person"
    cap_quantity: Decimal | None = Field(default=None, gt=0, le=1_000_000, decimal_places=2,
                                         description="most units one person may claim")
    min_age: int | None = Field(default=None, ge=0, le=120, description="eligibility: minimum age")
    means_tested: bool = Field(default=False, description="public employees may not receive it")
    funding_shares: dict[Code, int] = Field(default_factory=lambda: {"county": 100}, max_length=4)
    note: Text2000 | None = None


class ProgramIn(VersionIn):
    code: str = Field(pattern=r"^[A-Z0-9_-]{2,40}$", examples=["GDDLBH-2026"])
    name: str = Field(min_length=2, max_length=200, examples=["耕地地力保护补贴"])
    department_code: Code
    legal_basis: Text2000 = Field(min_length=2, description="政策依据")
    target_group: Text2000 = Field(min_length=2, description="补贴对象")
    frequency: Literal["monthly", "quarterly", "yearly", "once"] = "monthly"
    how_to_apply: Text2000 | None = Field(default=None, description="申请方式: where and how people apply")
    publicity_days: int | None = Field(default=None, ge=1, le=30,
                                       description="公示期 in days before payment (default: the county's, 5 days)")


class RetireIn(BaseModel):
    retired_from: dt.date
    reason: Text2000 = Field(min_length=4)


def _check_shares(body: VersionIn) -> None:
    if problem := shares_problem(body.funding_shares):
        raise Invalid(problem)


async def _publish(ctx: Ctx, code: str, number: int) -> None:
    ctx.correlate(code)
    p = await store.program(ctx.session, code)
    assert p is not None
    v = await store.version(ctx.session, code, number)
    await ctx.emit(ProgramPublished(
        program_code=code, version=number, name=p["name"], department_code=p["department_code"],
        standard_fen=v["standard_fen"], unit=v["unit"], effective_from=v["effective_from"],
        retired_from=p["retired_from"], cap_quantity=v["cap_quantity"], min_age=v["min_age"],
        means_tested=v["means_tested"], department_name=DEPARTMENTS.get(p["department_code"]),
        legal_basis=p["legal_basis"], target_group=p["target_group"], frequency=FREQUENCIES[p["frequency"]],
        how_to_apply=p["how_to_apply"], publicity_days=p["publicity_days"]))


async def _add_version(ctx: Ctx, who: Principal, code: str, number: int, body: VersionIn) -> None:
    await store.add_version(ctx.session, {"code": code, "version": number, "created_by": who.sub,
                                          **body.model_dump(include=set(VersionIn.model_fields))})


async def create_program(ctx: Ctx, who: Principal, body: ProgramIn) -> dict[str, Any]:
    """Create and publish a program with its first version (finance bureau)."""
    if body.department_code not in DEPARTMENTS:
        raise Invalid(f"department_code {body.department_code!r} is not one of {sorted(DEPARTMENTS)}")
    _check_shares(body)
    if await store.program(ctx.session, body.code) is not None:
        raise Conflict(f"program {body.code} already exists; add a version instead")
    await store.add_program(ctx.session, {
        "code": body.code, "name": body.name, "department_code": body.department_code,
        "legal_basis": body.legal_basis, "target_group": body.target_group, "frequency": body.frequency,
        "how_to_apply": body.how_to_apply, "publicity_days": body.publicity_days, "created_by": who.sub})
    await _add_version(ctx, who, body.code, 1, body)
    await record(ctx.session, tables.audit, who, "program.create", body.code, detail=body.model_dump(mode="json"))
    await _publish(ctx, body.code, 1)
    return {"code": body.code, "version": 1, "status": "published"}


async def add_version(ctx: Ctx, who: Principal, code: str, body: VersionIn) -> dict[str, Any]:
    """Change a program from a date on: a new version; earlier periods keep the version they had."""
    _check_shares(body)
    if await store.program(ctx.session, code, lock=True) is None:
        raise NotFound(f"no program {code}")
    newest, since = await store.newest_version(ctx.session, code)
    if body.effective_from <= since:
        raise Invalid(f"effective_from must be after {since} (the newest version's date)")
    await _add_version(ctx, who, code, newest + 1, body)
    await record(ctx.session, tables.audit, who, "program.version", code, body.note,
                 detail=body.model_dump(mode="json"))
    await _publish(ctx, code, newest + 1)
    return {"code": code, "version": newest + 1, "effective_from": body.effective_from.isoformat()}


async def retire(ctx: Ctx, who: Principal, code: str, body: RetireIn) -> dict[str, Any]:
    """Retire a program from a date; declarations for later periods are refused."""
    if not await store.retire(ctx.session, code, body.retired_from):
        raise NotFound(f"no program {code}")
    newest, _ = await store.newest_version(ctx.session, code)
    await record(ctx.session, tables.audit, who, "program.retire", code, body.reason)
    await _publish(ctx, code, newest)
    return {"code": code, "retired_from": body.retired_from.isoformat()}


async def program_history(ctx: Ctx, code: str) -> dict[str, Any]:
    """A program and every version it has had (public: nothing personal here)."""
    p = await store.program(ctx.session, code)
    if p is None:
        raise NotFound(f"no program {code}")
    versions = [{k: v for k, v in version.items() if k != "created_by"} for version in await store.versions(
        ctx.session, code)]
    return {**{k: v for k, v in p.items() if k != "created_by"}, "versions": versions}


async def public_programs(ctx: Ctx, day: dt.date) -> list[dict[str, Any]]:
    """The public catalog (补贴政策项目清单): the version of each program in force on ``day``."""
    seen: set[str] = set()
    out = []
    for r in await store.versions_in_force_by(ctx.session, day):
        if r["code"] in seen or (r["retired_from"] is not None and r["retired_from"] <= day):
            continue
        seen.add(r["code"])
        shares = "、".join(f"{LEVELS[k]}{v}%" for k, v in r["funding_shares"].items())
        out.append({"项目编码": r["code"], "项目名称": r["name"], "主管部门": DEPARTMENTS.get(r["department_code"]),
                    "政策依据": r["legal_basis"], "补贴对象": r["target_group"],
                    "补贴标准(元)": fen_to_yuan(r["standard_fen"]), "单位": UNITS[r["unit"]],
                    "发放频次": FREQUENCIES[r["frequency"]], "资金来源": shares,
                    "申请方式": r["how_to_apply"], "版本": r["version"],
                    "执行日期": r["effective_from"].isoformat()})
    return out
