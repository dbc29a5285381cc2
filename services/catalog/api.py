"""Programs: the finance bureau creates and publishes them; the public reads the list."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from services.catalog import tables
from services.catalog.domain import DEPARTMENTS, UNITS
from shared.audit import record
from shared.auth import CurrentPrincipal, Role, require
from shared.events import topics
from shared.events.payloads import ProgramPublished
from shared.money import fen_to_yuan
from shared.web import RuntimeDep

router = APIRouter(tags=["catalog"])


class ProgramIn(BaseModel):
    code: str = Field(pattern=r"^[A-Z0-9_-]{2,40}$", examples=["GDDLBH-2026"])
    name: str = Field(min_length=2, max_length=200, examples=["耕地地力保护补贴"])
    department_code: str
    standard_fen: int = Field(gt=0, description="standard in fen per unit")
    unit: str = "person"
    year: int = Field(ge=2000, le=2100)


@router.get("/departments")
async def departments() -> dict[str, str]:
    """The twelve fund departments (资金主管单位)."""
    return DEPARTMENTS


@router.post("/programs", status_code=201)
async def create_program(body: ProgramIn, who: CurrentPrincipal, rt: RuntimeDep) -> dict[str, object]:
    """Create and publish a program (finance bureau)."""
    require(who, Role.FINANCE)
    if body.department_code not in DEPARTMENTS:
        raise HTTPException(422, f"department_code {body.department_code!r} is not one of {sorted(DEPARTMENTS)}")
    if body.unit not in UNITS:
        raise HTTPException(422, f"unit {body.unit!r} is not one of {sorted(UNITS)}")
    async with rt.db.transaction() as session:
        row = (await session.execute(
            insert(tables.programs).values(**body.model_dump(), version=1, created_by=who.sub)
            .on_conflict_do_nothing(index_elements=["code"]).returning(tables.programs.c.code)
        )).scalar()
        if row is None:
            raise HTTPException(409, f"program {body.code} already exists")
        await record(session, tables.audit, who, "program.create", body.code, detail=body.model_dump())
        event = ProgramPublished(program_code=body.code, version=1, name=body.name,
                                 department_code=body.department_code, standard_fen=body.standard_fen,
                                 unit=body.unit, year=body.year)
        await rt.emit(session, topics.PROGRAM_PUBLISHED, body.code, [event], correlation_id=body.code)
    rt.nudge()
    return {"code": body.code, "version": 1, "status": "published"}


@router.get("/public/programs")
async def public_programs(rt: RuntimeDep) -> list[dict[str, object]]:
    """The public catalog (补贴政策项目清单) the county must publish."""
    async with rt.db.transaction() as session:
        rows = (await session.execute(select(tables.programs).order_by(tables.programs.c.code))).mappings().all()
    return [
        {"项目编码": r["code"], "项目名称": r["name"], "主管部门": DEPARTMENTS.get(r["department_code"]),
         "补贴标准(元)": fen_to_yuan(r["standard_fen"]), "单位": UNITS.get(r["unit"]), "年度": r["year"],
         "版本": r["version"]}
        for r in rows
    ]
