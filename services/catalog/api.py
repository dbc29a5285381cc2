"""Programs: the finance bureau creates, versions and retires them; the public reads the list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Path

from services.catalog import usecases
from services.catalog.usecases import DepartmentIn, ProgramIn, RetireIn, VersionIn
from shared.access import Viewer, allow
from shared.auth import Role
from shared.inputs import Name
from shared.web import RuntimeDep

router = APIRouter(tags=["catalog"])
FINANCE = allow(Role.FINANCE)


@router.get("/departments")
async def departments(rt: RuntimeDep, name: Name | None = None) -> list[dict[str, Any]]:
    """The fund departments (资金主管单位) with their other names; ``name`` finds by a part of any name."""
    return await rt.run(usecases.list_departments, name)


@router.put("/departments/{code}")
async def put_department(body: DepartmentIn, code: str = Path(pattern=r"^[A-Z0-9_-]{2,40}$"), *, rt: RuntimeDep,
                         who: Viewer = Depends(FINANCE)) -> dict[str, Any]:
    """Add a department or rename it (the old name stays one of its other names)."""
    return await rt.run(usecases.put_department, who, code, body)


@router.post("/departments/{code}/retire")
async def retire_department(code: str, body: RetireIn, rt: RuntimeDep,
                            who: Viewer = Depends(FINANCE)) -> dict[str, Any]:
    """A department merged or closed: no new program may name it from the date."""
    return await rt.run(usecases.retire_department, who, code, body)


@router.post("/programs", status_code=201)
async def create_program(body: ProgramIn, rt: RuntimeDep, who: Viewer = Depends(FINANCE)) -> dict[str, Any]:
    """Create and publish a program with its first version (finance bureau)."""
    return await rt.run(usecases.create_program, who, body)


@router.post("/programs/{code}/versions", status_code=201)
async def add_version(code: str, body: VersionIn, rt: RuntimeDep, who: Viewer = Depends(FINANCE)) -> dict[str, Any]:
    """Change a program from a date on: a new version; earlier periods keep the version they had."""
    return await rt.run(usecases.add_version, who, code, body)


@router.post("/programs/{code}/retire")
async def retire(code: str, body: RetireIn, rt: RuntimeDep, who: Viewer = Depends(FINANCE)) -> dict[str, Any]:
    """Retire a program from a date; declarations for later periods are refused."""
    return await rt.run(usecases.retire, who, code, body)


@router.get("/programs/{code}")
async def program_history(code: str, rt: RuntimeDep) -> dict[str, Any]:
    """A program and every version it has had (public: nothing personal here)."""
    return await rt.run(usecases.program_history, code)


@router.get("/public/programs")
async def public_programs(rt: RuntimeDep, on: dt.date | None = None) -> list[dict[str, Any]]:
    """The public catalog (补贴政策项目清单): programs in force on a date (today by default)."""
    return await rt.run(usecases.public_programs, on or dt.date.today())
