"""The supervision dashboard (监督检查看板): figures and charts for the finance bureau and the audit bureau,
server-rendered in Chinese (SVG bars, no script, no CDN)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from services.supervision.usecases import dashboard
from shared.access import Viewer, allow
from shared.auth import Role
from shared.portal import Portal
from shared.web import RuntimeDep

router = APIRouter(tags=["supervision"])
portal = Portal(Path(__file__).parent)


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard_page(request: Request, rt: RuntimeDep, campaign_id: str | None = Query(None, max_length=60),
                         who: Viewer = Depends(allow(Role.FINANCE, Role.AUDITOR, Role.FINANCIAL_OFFICE))
                         ) -> HTMLResponse:
    """监督检查看板: people, cards and money by program, township and bank; complaints; the campaign's
    self-checks and problems (the newest campaign unless one is named)."""
    data: dict[str, Any] = await rt.run(dashboard.dashboard, who, campaign_id)
    now = dt.datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    return portal.render(request, "dashboard.html", now=now, **data)

