"""The audit bureau's view of a service's audit log: read it by who, what and when; verify its chain."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import Table

from shared import audit
from shared.access import Viewer, allow
from shared.auth import Role
from shared.inputs import Code, Name
from shared.messaging.context import HandlerContext
from shared.web import RuntimeDep

AUDITORS = allow(Role.AUDITOR)  # 县审计局: reads every service's log, changes nothing


def audit_router(table: Table) -> APIRouter:
    router = APIRouter(tags=["audit"])

    async def read(ctx: HandlerContext[Any], actor: str | None, action: str | None, since: dt.datetime | None,
                   until: dt.datetime | None, limit: int) -> list[dict[str, Any]]:
        return await audit.read(ctx.session, table, actor, action, since, until, limit)

    async def check(ctx: HandlerContext[Any]) -> dict[str, Any]:
        got = await audit.verify(ctx.session, table)
        return {"intact": got.ok, "records": got.records, "before_the_chain": got.legacy,
                "broken_at": got.broken_at}

    @router.get("/audit")
    async def audit_log(rt: RuntimeDep, actor: Name | None = None,
                        action: Code | None = Query(None, description="an action or its prefix, e.g. review."),
                        since: dt.datetime | None = None, until: dt.datetime | None = None,
                        limit: int = Query(200, ge=1, le=5000),
                        who: Viewer = Depends(AUDITORS)) -> list[dict[str, Any]]:
        """Who did what, when and why (newest first), filtered by person, action and time."""
        return await rt.run(read, actor, action, since, until, limit)

    @router.get("/audit/verify")
    async def audit_verify(rt: RuntimeDep, who: Viewer = Depends(AUDITORS)) -> dict[str, Any]:
        """Recompute the audit chain: intact, or the first record that was altered or removed."""
        return await rt.run(check)

    return router
