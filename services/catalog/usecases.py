"""Catalog use cases: create, version and retire programs (publishing each version); the public list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from services.catalog import store, tables
from services.catalog.domain import FREQUENCIES, LEVELS, UNITS, shares_problem
from services.catalog.settings import Settings
from shared.audit import record
from shared.auth import Principal
from shared.errors import Conflict, Invalid, NotFound
from shared.events.payloads import ProgramPublished
from shared.inputs import Code, Name, Text2000
from shared.messaging.context import HandlerContext
from shared.money import fen_to_yuan
from shared.registers import Lookup, matching
from shared.rules import rules_problem

Ctx = HandlerContext[Settings]


class VersionIn(BaseModel):
    effective_from: dt.date
    standard_fen: int = Field(gt=0, le=10**9, description="补贴标准 in fen per unit (at most 10 million yuan)")
    unit: Literal["person", "mu", "head", "household"] = "person"
    cap_quantity: Decimal | None = Field(default=None, gt=0, le=1_000_000, decimal_places=2,
                                         description="most units one person may claim")
    min_age: int | None = Field(default=None, ge=0, le=120, description="eligibility: minimum age")
    means_tested: bool = Field(default=False, description="public employees may not receive it")
    funding_shares: dict[Code, int] = Field(default_factory=lambda: {"county": 100}, max_length=4,
                                            description="资金来源: percent per level, e.g. {central: 60, county: 40}")
    rules: dict[Code, Literal["hard", "flag", "off"]] = Field(
        default_factory=dict, max_length=40, description="比对规则: a rule's weight here (else its default)")
    excludes: list[Code] = Field(default_factory=list, max_length=20,
                                 description="programs a person may not receive in the same period (互斥项目)")
    area_basis: Literal["cropland", "grassland"] | None = Field(
        default=None, description="per-mu programs: claims may not exceed this area of the land register")
    note: Text2000 | None = None


class ProgramIn(VersionIn):
    code: str | None = Field(default=None, pattern=r"^[A-Z0-9_-]{2,40}$", examples=["GDDLBH-2026"],
                             description="empty: one is given (P + year + number)")
    name: str = Field(min_length=2, max_length=200, examples=["耕地地力保护补贴"])
    department_code: Name = Field(description="the department's code or name, e.g. MZ or 县民政局")
    legal_basis: Text2000 | None = Field(default=None, description="政策依据 (may be added with a later version)")
    target_group: Text2000 | None = Field(default=None, description="补贴对象")
    frequency: Literal["monthly", "quarterly", "yearly", "once"] = "monthly"
    how_to_apply: Text2000 | None = Field(default=None, description="申请方式: where and how people apply")
    publicity_days: int | None = Field(default=None, ge=1, le=30,
                                       description="公示期 in days before payment (default: the county's, 5 days)")


class DepartmentIn(BaseModel):
    name: Name = Field(examples=["县残疾人联合会"])
    aliases: list[Name] = Field(default_factory=list, max_length=20, description="other names files use")


class RetireIn(BaseModel):
    retired_from: dt.date
    reason: Text2000 = Field(min_length=4)


async def _check_version(ctx: Ctx, body: VersionIn, code: str | None = None) -> None:
    if problem := shares_problem(body.funding_shares) or rules_problem(body.rules):
        raise Invalid(problem)
    unknown = [c for c in body.excludes if c == code or await store.program(ctx.session, c) is None]
    if unknown:
        raise Invalid(f"excludes: {unknown} are not other programs of the catalog")


async def _publish(ctx: Ctx, code: str, number: int) -> None:
    ctx.correlate(code)
    p = await store.program(ctx.session, code)
    assert p is not None
    v = await store.version(ctx.session, code, number)
    await ctx.emit(ProgramPublished(
        program_code=code, version=number, name=p["name"], department_code=p["department_code"],
        standard_fen=v["standard_fen"], unit=v["unit"], effective_from=v["effective_from"],
        retired_from=p["retired_from"], cap_quantity=v["cap_quantity"], min_age=v["min_age"],
        means_tested=v["means_tested"], department_name=(await _departments(ctx)).names.get(p["department_code"]),
        legal_basis=p["legal_basis"], target_group=p["target_group"], frequency=FREQUENCIES[p["frequency"]],
        how_to_apply=p["how_to_apply"], publicity_days=p["publicity_days"], funding_shares=v["funding_shares"],
        rules=v["rules"], excludes=tuple(v["excludes"]), area_basis=v["area_basis"]))


async def _add_version(ctx: Ctx, who: Principal, code: str, number: int, body: VersionIn) -> None:
    await store.add_version(ctx.session, {"code": code, "version": number, "created_by": who.sub,
                                          **body.model_dump(include=set(VersionIn.model_fields))})


async def create_program(ctx: Ctx, who: Principal, body: ProgramIn) -> dict[str, Any]:
    """Create and publish a program with its first version (finance bureau); the department by code or name,
    a code given when none is."""
    departments = await _departments(ctx, in_service=True)
    department = departments.code(body.department_code)
    if department is None:
        raise Invalid(departments.problem(body.department_code, "主管部门"))
    await _check_version(ctx, body)
    code = body.code or await _new_code(ctx, body.effective_from.year)
    body = body.model_copy(update={"code": code})
    if await store.program(ctx.session, code) is not None:
        raise Conflict(f"program {code} already exists; add a version instead")
    await store.add_program(ctx.session, {
        "code": code, "name": body.name, "department_code": department,
        "legal_basis": body.legal_basis, "target_group": body.target_group, "frequency": body.frequency,
        "how_to_apply": body.how_to_apply, "publicity_days": body.publicity_days, "created_by": who.sub})
    await _add_version(ctx, who, code, 1, body)
    await record(ctx.session, tables.audit, who, "program.create", code, detail=body.model_dump(mode="json"))
    await _publish(ctx, code, 1)
    return {"code": code, "version": 1, "status": "published", "department_code": department}


async def _new_code(ctx: Ctx, year: int) -> str:
    taken = set(await store.program_codes(ctx.session, f"P{year}-"))
    return next(c for n in range(1, 10_000) if (c := f"P{year}-{n:03d}") not in taken)


async def _departments(ctx: Ctx, in_service: bool = False) -> Lookup:
    today = dt.date.today()
    return Lookup((d["code"], d["name"], d["aliases"]) for d in await store.departments(ctx.session)
                  if not in_service or d["retired_from"] is None or d["retired_from"] > today)


async def list_departments(ctx: Ctx, name: str | None) -> list[dict[str, Any]]:
    """The fund departments (资金主管单位); ``name`` finds by a part of any of their names."""
    return matching(await store.departments(ctx.session), name)


async def put_department(ctx: Ctx, who: Principal, code: str, body: DepartmentIn) -> dict[str, Any]:
    """Add a department or rename it (its old name stays one of its other names, so old files still read)."""
    current = {d["code"]: d for d in await store.departments(ctx.session)}
    others = Lookup((c, d["name"], d["aliases"]) for c, d in current.items() if c != code)
    if problem := others.taken((body.name, *body.aliases), "department"):
        raise Invalid(problem)
    old = current.get(code)
    aliases = set(body.aliases) | ({old["name"]} if old and old["name"] != body.name else set())
    values = {"code": code, "name": body.name, "aliases": sorted(aliases),
              "retired_from": old["retired_from"] if old else None}
    await store.put_department(ctx.session, values)
    await record(ctx.session, tables.audit, who, "department.put", code,
                 detail={"name": body.name, "aliases": values["aliases"]})
    return values


async def retire_department(ctx: Ctx, who: Principal, code: str, body: RetireIn) -> dict[str, Any]:
    """A department merged or closed: no new program may name it from the date (its programs keep it)."""
    current = {d["code"]: d for d in await store.departments(ctx.session)}
    if code not in current:
        raise NotFound(f"no department {code}")
    await store.put_department(ctx.session, current[code] | {"retired_from": body.retired_from})
    await record(ctx.session, tables.audit, who, "department.retire", code, body.reason)
    return current[code] | {"retired_from": body.retired_from.isoformat()}


async def add_version(ctx: Ctx, who: Principal, code: str, body: VersionIn) -> dict[str, Any]:
    """Change a program from a date on: a new version; earlier periods keep the version they had."""
    await _check_version(ctx, body, code)
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
    names = (await _departments(ctx)).names
    out = []
    for r in await store.versions_in_force_by(ctx.session, day):
        if r["code"] in seen or (r["retired_from"] is not None and r["retired_from"] <= day):
            continue
        seen.add(r["code"])
        shares = "、".join(f"{LEVELS[k]}{v}%" for k, v in r["funding_shares"].items())
        out.append({"项目编码": r["code"], "项目名称": r["name"], "主管部门": names.get(r["department_code"]),
                    "政策依据": r["legal_basis"], "补贴对象": r["target_group"],
                    "补贴标准(元)": fen_to_yuan(r["standard_fen"]), "单位": UNITS[r["unit"]],
                    "发放频次": FREQUENCIES[r["frequency"]], "资金来源": shares,
                    "申请方式": r["how_to_apply"], "版本": r["version"],
                    "执行日期": r["effective_from"].isoformat()})
    return out
