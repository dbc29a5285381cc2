"""异议: anyone may object to a named entry of a roster under publicity. The objection opens a complaint case
(the complaint service keeps it) and holds the entry until the case is decided; a hotline case naming a
person holds that person's unpaid lines in the program the same way."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from services.disclosure import store
from services.disclosure.domain import LineStatus, WindowStatus
from services.disclosure.settings import Settings
from services.disclosure.usecases.windows import hold_lines, release
from shared.errors import Conflict, NotFound
from shared.events.envelope import Envelope
from shared.events.oversight import CaseResolved, ComplaintFiled, ObjectionFiled, PersonSuspended
from shared.inputs import Name
from shared.messaging.context import HandlerContext
from shared.receipts import code_hash, new_receipt

Ctx = HandlerContext[Settings]
CATEGORIES = {"not_eligible": "不符合补贴条件", "fake_claim": "虚报冒领", "wrong_amount": "金额不符",
              "wrong_person": "身份信息有误", "other": "其他"}


class ObjectionIn(BaseModel):
    category: Literal["not_eligible", "fake_claim", "wrong_amount", "wrong_person", "other"] = Field(
        description="不符合补贴条件 / 虚报冒领 / 金额不符 / 身份信息有误 / 其他")
    content: str = Field(min_length=5, max_length=2000, description="异议理由")
    contact: Name | None = Field(default=None, description="联系方式 (optional; kept out of every public page)")


async def file_objection(ctx: Ctx, batch_id: str, item_id: str, body: ObjectionIn) -> dict[str, Any]:
    """Object to one entry while its roster is under publicity: the entry is held and a case is opened."""
    w = await store.window(ctx.session, batch_id, lock=True)
    if w is None or w["status"] not in (WindowStatus.OPEN, WindowStatus.CLOSED, WindowStatus.PUBLISHED):
        raise NotFound(f"no roster {batch_id} under publicity")
    if w["status"] != WindowStatus.OPEN or w["closes_at"] <= dt.datetime.now(dt.UTC):
        raise Conflict("公示期已结束，不能再对该名单提出异议；如有问题请通过举报渠道反映 "
                       "(the publicity period of this roster has ended)")
    line = await store.line(ctx.session, batch_id, item_id)
    if line is None or line["status"] not in (LineStatus.APPROVED, LineStatus.HELD):
        raise NotFound(f"no entry {item_id} on roster {batch_id}")
    complaint_id, code = new_receipt()
    ctx.correlate(complaint_id)
    await hold_lines(ctx, complaint_id, [item_id])
    await ctx.emit(ObjectionFiled(
        complaint_id=complaint_id, code_hash=code_hash(complaint_id, code), batch_id=batch_id, item_id=item_id,
        program_code=w["program_code"], department_code=w["department_code"], township_code=w["township_code"],
        village=line["village"], period=w["period"], category=body.category, content=body.content,
        contact=body.contact))
    return {"complaint_id": complaint_id, "code": code, "status": "received",
            "message": "异议已受理，该条目暂缓发放，待核查后处理。请保存受理编号和查询码以便查询办理进度。"}


async def on_complaint_filed(ctx: Ctx, env: Envelope[ComplaintFiled]) -> None:
    """A hotline case naming a person holds their lines in the program not yet cleared, and those to come."""
    c = env.payload
    if not (c.holds and c.id_number):
        return
    item_ids = await store.unpaid_lines_of(ctx.session, c.id_number, c.program_code, c.item_id)
    await hold_lines(ctx, c.complaint_id, item_ids)
    if c.program_code and not c.item_id:
        await store.add_person_hold(ctx.session, c.complaint_id, c.id_number, c.program_code)


async def on_case_resolved(ctx: Ctx, env: Envelope[CaseResolved]) -> None:
    """Release (not upheld) or withdraw (upheld) whatever the case held."""
    await release(ctx, env.payload.complaint_id, env.payload.outcome == "upheld")


async def on_person_suspended(ctx: Ctx, env: Envelope[PersonSuspended]) -> None:
    """暂停发放 holds the person's lines in the program not yet cleared (and those to come) until lifted."""
    p = env.payload
    if p.active:
        await hold_lines(ctx, p.suspension_id, await store.unpaid_lines_of(ctx.session, p.id_number,
                                                                            p.program_code, None))
        await store.add_person_hold(ctx.session, p.suspension_id, p.id_number, p.program_code)
    else:
        await release(ctx, p.suspension_id, upheld=False)
