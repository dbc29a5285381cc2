"""File a complaint or report (举报) by hotline or public form; the receipt number is the case id."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import insert

from services.complaint import tables
from shared.audit import record
from shared.auth import CurrentPrincipal, Principal, Role, require
from shared.events import topics
from shared.events.payloads import ComplaintFiled
from shared.idempotency import remember, replay
from shared.web import RuntimeDep

router = APIRouter(tags=["complaint"])


class ComplaintIn(BaseModel):
    category: Literal["fake_claim", "not_received", "wrong_amount", "card_withheld", "other"] = Field(
        description="虚假冒领 / 未收到 / 金额不符 / 代管卡折 / 其他")
    content: str = Field(min_length=5, max_length=5000)
    program_code: str | None = None
    township_code: str | None = None
    contact: str | None = Field(default=None, max_length=100)


async def _file(rt: RuntimeDep, body: ComplaintIn, channel: Literal["hotline", "public_form"],
                who: Principal | None, key: str | None) -> JSONResponse:
    cid = "C" + uuid.uuid4().hex[:15].upper()
    answer = {"complaint_id": cid, "status": "filed", "message": "已受理，请保存受理编号以便查询"}
    async with rt.db.transaction() as session:
        if key:
            earlier = await replay(session, tables.idempotency, f"{channel}:{key}", body.model_dump())
            if earlier is not None:
                return JSONResponse(earlier[1], status_code=earlier[0])
            await remember(session, tables.idempotency, f"{channel}:{key}", 201, answer)
        await session.execute(insert(tables.complaints).values(complaint_id=cid, channel=channel,
                                                               **body.model_dump()))
        if who is not None:
            await record(session, tables.audit, who, "complaint.intake", cid)
        await rt.emit(session, topics.COMPLAINT_FILED, cid, [ComplaintFiled(
            complaint_id=cid, channel=channel, category=body.category, program_code=body.program_code,
            township_code=body.township_code, summary=body.content[:200])], cid)
    rt.nudge()
    return JSONResponse(answer, status_code=201)


@router.post("/complaints", status_code=201)
async def hotline_intake(body: ComplaintIn, who: CurrentPrincipal, rt: RuntimeDep,
                         idempotency_key: str | None = Header(default=None)) -> JSONResponse:
    """Hotline staff record a complaint (12345 / 监督举报电话). Send an Idempotency-Key to retry safely."""
    require(who, Role.HOTLINE, Role.FINANCE)
    return await _file(rt, body, "hotline", who, idempotency_key)


@router.post("/public/complaints", status_code=201)
async def public_form(body: ComplaintIn, rt: RuntimeDep,
                      idempotency_key: str | None = Header(default=None)) -> JSONResponse:
    """Anyone may file a complaint or report through the public form (Idempotency-Key: retry safely)."""
    return await _file(rt, body, "public_form", None, idempotency_key)
