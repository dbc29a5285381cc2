"""File a complaint or report (举报) by hotline or public form; the receipt number is the case id."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

from services.complaint import store, tables
from services.complaint.settings import Settings
from shared.audit import record
from shared.auth import Principal
from shared.events.payloads import ComplaintFiled
from shared.idempotency import once
from shared.inputs import Code, DivisionCode, Name
from shared.messaging.context import HandlerContext

Ctx = HandlerContext[Settings]
Channel = Literal["hotline", "public_form"]


class ComplaintIn(BaseModel):
    category: Literal["fake_claim", "not_received", "wrong_amount", "card_withheld", "other"] = Field(
        description="虚假冒领 / 未收到 / 金额不符 / 代管卡折 / 其他")
    content: str = Field(min_length=5, max_length=5000)
    program_code: Code | None = None
    township_code: DivisionCode | None = None
    contact: Name | None = None


async def file_complaint(ctx: Ctx, body: ComplaintIn, channel: Channel, who: Principal | None,
                         key: str | None) -> tuple[int, Any]:
    """Record a complaint and tell supervision; with an Idempotency-Key, sending it twice files it once."""
    async def effect() -> dict[str, str]:
        cid = "C" + uuid.uuid4().hex[:15].upper()
        ctx.correlate(cid)
        await store.add_complaint(ctx.session, {"complaint_id": cid, "channel": channel, **body.model_dump()})
        if who is not None:
            await record(ctx.session, tables.audit, who, "complaint.intake", cid)
        await ctx.emit(ComplaintFiled(
            complaint_id=cid, channel=channel, category=body.category, program_code=body.program_code,
            township_code=body.township_code, summary=body.content[:200]))
        return {"complaint_id": cid, "status": "filed", "message": "已受理，请保存受理编号以便查询"}

    # a key is the caller's own: hotline staff's keys never collide with each other's or the public's
    scope = f"{channel}:{who.sub}" if who is not None else channel
    return await once(ctx.session, tables.idempotency, f"{scope}:{key}" if key else None, body.model_dump(), effect)
