"""Open a case: by hotline (naming a person, which holds their unpaid items), by the public form, or from an
objection during publicity. Every case is routed to the program's department and the township, gets a
deadline, and a receipt number with a short code for the public lookup."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from services.complaint import store, tables
from services.complaint.domain import Stage, add_working_days
from services.complaint.settings import Settings
from shared.audit import record
from shared.auth import Principal
from shared.events.envelope import Envelope
from shared.events.oversight import ComplaintFiled, ObjectionFiled, TownshipRegistered
from shared.events.payloads import ProgramPublished
from shared.idempotency import once
from shared.inputs import Code, DivisionCode, IdNumber, Name
from shared.messaging.context import HandlerContext
from shared.receipts import code_hash, new_receipt

Ctx = HandlerContext[Settings]
Channel = Literal["hotline", "public_form"]


class ComplaintIn(BaseModel):
    category: Literal["fake_claim", "not_received", "wrong_amount", "card_withheld", "other"] = Field(
        description="虚报冒领 / 未收到 / 金额不符 / 代管卡折 / 其他")
    content: str = Field(min_length=5, max_length=5000)
    program_code: Code | None = None
    township_code: DivisionCode | None = None
    contact: Name | None = None


class HotlineIn(ComplaintIn):
    """A hotline call may name the person concerned (and the item): their unpaid items in the program are
    held until the case is resolved."""

    id_number: IdNumber | None = Field(default=None, description="公民身份号码 of the person concerned")
    item_id: Code | None = Field(default=None, description="the roster entry concerned, if known")

    @model_validator(mode="after")
    def _hold_needs_program(self) -> HotlineIn:
        if self.id_number and not (self.program_code or self.item_id):
            raise ValueError("naming a person needs the program_code (or the item_id) their items are held in")
        return self


def deadlines(settings: Settings, stage: Stage, filed: dt.datetime) -> dict[str, Any]:
    return {"stage_due_at": add_working_days(dt.datetime.now(dt.UTC), settings.stage_working_days[stage]),
            "resolve_due_at": add_working_days(filed, settings.resolve_working_days)}


async def open_case(ctx: Ctx, values: dict[str, Any], actor: str, role: str) -> bool:
    """Store a new case with its route and deadlines, note who received it, tell supervision (and disclosure,
    which holds what a hotline case names). False if the case exists already."""
    now = dt.datetime.now(dt.UTC)
    if not values.get("department_code"):
        values["department_code"] = await store.department_of(ctx.session, values.get("program_code"))
    values |= deadlines(ctx.settings, Stage.RECEIVED, now) | {"status": Stage.RECEIVED, "filed_at": now}
    if not await store.add_complaint(ctx.session, values):
        return False
    await store.add_step(ctx.session, values["complaint_id"], Stage.RECEIVED, actor, role, None)
    await ctx.emit(ComplaintFiled(
        complaint_id=values["complaint_id"], channel=values["channel"], category=values["category"],
        program_code=values.get("program_code"), township_code=values.get("township_code"),
        summary=values["content"][:200], department_code=values["department_code"],
        id_number=values.get("id_number"), item_id=values.get("item_id"), holds=values.get("holds", False)))
    return True


async def file_complaint(ctx: Ctx, body: ComplaintIn, channel: Channel, who: Principal | None,
                         key: str | None) -> tuple[int, Any]:
    """Record a complaint and open its case; with an Idempotency-Key, sending it twice files it once."""
    async def effect() -> dict[str, str]:
        cid, code = new_receipt()
        ctx.correlate(cid)
        values = {"complaint_id": cid, "channel": channel, "code_hash": code_hash(cid, code), **body.model_dump()}
        values["holds"] = bool(values.get("id_number"))
        await open_case(ctx, values, who.sub if who else "public", who.role.value if who else "public")
        if who is not None:
            await record(ctx.session, tables.audit, who, "complaint.intake", cid)
        return {"complaint_id": cid, "code": code, "status": Stage.RECEIVED.value,
                "message": "已受理，请保存受理编号和查询码以便查询办理进度"}

    # a key is the caller's own: hotline staff's keys never collide with each other's or the public's
    scope = f"{channel}:{who.sub}" if who is not None else channel
    return await once(ctx.session, tables.idempotency, f"{scope}:{key}" if key else None, body.model_dump(), effect)


async def on_objection_filed(ctx: Ctx, env: Envelope[ObjectionFiled]) -> None:
    """An objection during publicity is a case like any other (disclosure has held the entry already)."""
    o = env.payload
    await open_case(ctx, {
        "complaint_id": o.complaint_id, "channel": "objection", "category": o.category, "content": o.content,
        "contact": o.contact, "program_code": o.program_code, "township_code": o.township_code,
        "department_code": o.department_code, "village": o.village, "batch_id": o.batch_id, "item_id": o.item_id,
        "code_hash": o.code_hash}, "public", "public")


async def on_program_published(ctx: Ctx, env: Envelope[ProgramPublished]) -> None:
    p = env.payload
    await store.keep_program(ctx.session, p.program_code, p.name, p.department_code)


async def on_township_registered(ctx: Ctx, env: Envelope[TownshipRegistered]) -> None:
    await store.keep_township(ctx.session, env.payload.township_code, env.payload.name)
