"""The public portal's pages (server-rendered, Chinese): home, catalog, rosters by township and village,
objections, the personal and village queries, open data. Thin: each page calls one use case."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from services.disclosure.api import BatchId, ItemId, PersonQuery
from services.disclosure.usecases import objections, public
from services.disclosure.usecases.objections import CATEGORIES, ObjectionIn
from shared import ratelimit
from shared.errors import DomainError
from shared.portal import Portal
from shared.web import RuntimeDep

router = APIRouter(tags=["portal"])


portal = Portal(Path(__file__).parent)
PAGE = 50
Page = Query(1, ge=1, le=100_000)
# a form's "全部" sends an empty value: every filter of a page accepts it as "no filter"
PeriodQ = Query(None, pattern=r"^(\d{4}-\d{2})?$")
TownQ = Query(None, pattern=r"^[0-9]{0,12}$")
ProgramQ = Query(None, pattern=r"^[A-Za-z0-9_-]{0,40}$")
VillageQ = Query(None, max_length=100)


_PUBLIC_DATA = ("/rosters", "/public/", "/open-data", "/village", "/catalog", "/query")


def cacheable(path: str) -> bool:
    """The GETs of public data a crowd repeats (pages, JSON, exports), kept by the service's page cache until
    its database notifies a change; not the objection form (it belongs to one line being objected to)."""
    return path == "/" or (path.startswith(_PUBLIC_DATA) and "/objection/" not in path)


def paging(total: int, page: int, **query: Any) -> dict[str, Any]:
    return {"total": total, "page": page, "pages": max(1, math.ceil(total / PAGE)),
            "query": urlencode({k: v for k, v in query.items() if v})}


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, rt: RuntimeDep) -> HTMLResponse:
    """首页: the program catalog and the latest rosters."""
    return portal.render(request, "home.html", programs=await rt.run(public.catalog),
                         rosters=await rt.run(public.list_rosters, None, None, None, 10, 0))


@router.get("/catalog", response_class=HTMLResponse)
async def catalog(request: Request, rt: RuntimeDep) -> HTMLResponse:
    """补贴政策清单: program, legal basis, standard, target group, department, how to apply."""
    return portal.render(request, "catalog.html", programs=await rt.run(public.catalog))


@router.get("/rosters", response_class=HTMLResponse)
async def rosters(request: Request, rt: RuntimeDep, township: str | None = TownQ, program: str | None = ProgramQ,
                  period: str | None = PeriodQ, page: int = Page) -> HTMLResponse:
    """公示名单 by township, program and period, newest first."""
    township, program = township or None, program or None
    total = await rt.run(public.count_rosters, program, period or None, township)
    rows = await rt.run(public.list_rosters, program, period or None, township, PAGE, (page - 1) * PAGE)
    return portal.render(request, "rosters.html", rosters=rows, choices=await rt.run(public.choices),
                         township=township, program=program, period=period,
                         **paging(total, page, township=township, program=program, period=period))


@router.get("/rosters/{batch_id}", response_class=HTMLResponse)
async def roster(request: Request, batch_id: BatchId, rt: RuntimeDep, village: str | None = VillageQ,
                 page: int = Page) -> HTMLResponse:
    """One roster (a township's, or one village's part), with an objection link per line while open. A paid
    roster does not change unless its window does: it is served with an ETag of its version and page (a
    browser asking again with it gets 304). The whole answer is kept by the page cache at the edge."""
    try:
        version = await rt.run(public.roster_version, batch_id)
        key = (batch_id, village or "", page, version)
        etag = f'"{hashlib.sha256(repr(key).encode()).hexdigest()[:32]}"'
        if version is not None and request.headers.get("if-none-match") == etag:
            return HTMLResponse(status_code=304, headers={"ETag": etag})
        head, lines = await rt.run(public.roster, batch_id, PAGE, (page - 1) * PAGE, village or None)
    except DomainError as exc:
        return portal.problem(request, exc)
    answer = portal.render(request, "roster.html", head=head, lines=lines, village=village,
                           **paging(head["行数"], page, village=village))
    if version is not None:
        answer.headers.update({"ETag": etag, "Cache-Control": "no-cache"})  # ask again, get 304
    return answer


@router.get("/public/rosters/{batch_id}/page", response_class=HTMLResponse, include_in_schema=False)
async def roster_board(request: Request, batch_id: BatchId, rt: RuntimeDep, page: int = Page) -> HTMLResponse:
    """The old address of a roster page (printed on village boards): the same page."""
    return await roster(request, batch_id, rt, None, page)


async def _objection_form(request: Request, rt: RuntimeDep, batch_id: str, item_id: str,
                          error: str | None = None, status: int = 200) -> HTMLResponse:
    head, line = await rt.run(public.entry, batch_id, item_id)
    if line is None or not head["open"]:
        return portal.render(request, "problem.html", status=404 if line is None else 409,
                             message="该名单不在公示期内或没有这一条目，不能提出异议。")
    return portal.render(request, "objection.html", status=status, head=head, line=line, categories=CATEGORIES,
                         error=error)


@router.get("/rosters/{batch_id}/objection/{item_id}", response_class=HTMLResponse)
async def objection_form(request: Request, batch_id: BatchId, item_id: ItemId, rt: RuntimeDep) -> HTMLResponse:
    """The objection form for one entry."""
    try:
        return await _objection_form(request, rt, batch_id, item_id)
    except DomainError as exc:
        return portal.problem(request, exc)


@router.post("/rosters/{batch_id}/objection/{item_id}", response_class=HTMLResponse)
async def objection_submit(request: Request, batch_id: BatchId, item_id: ItemId, rt: RuntimeDep,
                           category: str = Form(max_length=40), content: str = Form(max_length=5000),
                           contact: str = Form("", max_length=200)) -> HTMLResponse:
    """File the objection; the page shows the receipt number and the code to look it up."""
    try:
        body = ObjectionIn(category=category, content=content, contact=contact or None)  # type: ignore[arg-type]
    except ValidationError:
        return await _objection_form(request, rt, batch_id, item_id, "请选择异议类型，并填写至少 5 个字的理由。", 422)
    try:
        ratelimit.check(request, "objections")
        answer = await rt.run(objections.file_objection, batch_id, item_id, body)
    except DomainError as exc:
        return portal.problem(request, exc)
    return portal.render(request, "objection_done.html", status=201, answer=answer, batch_id=batch_id)


@router.get("/query", response_class=HTMLResponse)
async def query_form(request: Request) -> HTMLResponse:
    """个人查询: the form (the ID number is sent by POST, never in an address)."""
    return portal.render(request, "query.html", asked=False)


@router.post("/query", response_class=HTMLResponse)
async def query(request: Request, rt: RuntimeDep, id_number: str = Form(max_length=40),
                name: str = Form(max_length=100)) -> HTMLResponse:
    """A person's own payments; the same page whether or not the person exists."""
    try:
        asked = PersonQuery(id_number=id_number.strip(), name=name.strip())
    except ValidationError:
        return portal.render(request, "query.html", status=422, asked=False, error="请填写公民身份号码(18位)和姓名。")
    try:
        ratelimit.check(request, "query")
    except DomainError as exc:
        return portal.render(request, "query.html", status=exc.status, asked=False, error=str(exc))
    lines = await rt.run(public.person_query, asked.id_number, asked.name)
    return portal.render(request, "query.html", asked=True, lines=lines)


@router.get("/village", response_class=HTMLResponse)
async def village(request: Request, rt: RuntimeDep, township: str | None = TownQ, village: str | None = VillageQ,
                  period: str | None = PeriodQ, page: int = Page) -> HTMLResponse:
    """村级查询: a village's lines on every public roster."""
    result = None
    extra: dict[str, Any] = {}
    if township and village:
        result = await rt.run(public.village_query, township, village, period or None, PAGE, (page - 1) * PAGE)
        extra = paging(result["行数"], page, township=township, village=village, period=period)
    return portal.render(request, "village.html", choices=await rt.run(public.choices), township=township,
                         village=village, period=period, result=result, **extra)


@router.get("/open-data", response_class=HTMLResponse)
async def open_data(request: Request, rt: RuntimeDep, page: int = Page) -> HTMLResponse:
    """开放数据: every public roster as CSV and XLSX, and the data dictionary."""
    total = await rt.run(public.count_rosters, None, None, None)
    rows = await rt.run(public.list_rosters, None, None, None, PAGE, (page - 1) * PAGE)
    return portal.render(request, "open_data.html", rosters=rows, dictionary=public.DICTIONARY,
                         **paging(total, page))
