"""回头看: approved rosters of a year checked again against today's reference data (a death recorded late,
a new entry on the fiscal payroll); what no longer holds goes to supervision, which follows it to recovery.
Suspensions (暂停发放) from supervision are kept here: a suspended person's new items are rejected."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from services.review import store, tables
from services.review.domain import RECHECK_RULES, BatchStatus, ItemStatus, check_item
from services.review.settings import Settings
from shared.access import Viewer
from shared.audit import record
from shared.errors import Invalid
from shared.events.envelope import Envelope
from shared.events.oversight import EligibilityRechecked, HistoryImported, PersonSuspended
from shared.events.payloads import Item, RejectedItem
from shared.inputs import MAX_FEN, BankCode, CardNumber, Code, DivisionCode, IdNumber, Name
from shared.messaging.chunks import item_chunks
from shared.messaging.context import HandlerContext
from shared.periods import period_start

Ctx = HandlerContext[Settings]


class RecheckIn(BaseModel):
    year: int = Field(ge=2000, le=2100, description="the funding year whose approved rosters are checked again")


async def recheck(ctx: Ctx, who: Viewer, body: RecheckIn) -> dict[str, Any]:
    """Check every approved item of the year again with today's reference data; report what fails."""
    found_by: Counter[str] = Counter()
    used: dict[str, dict[str, int]] = {}  # county -> the reference versions its batches were checked against
    checked = 0
    for b in await store.approved_batches(ctx.session, str(body.year)):
        items = await store.approved_items(ctx.session, b["batch_id"])
        start = period_start(b["period"])
        program = await store.program_for(ctx.session, b["program_code"], start, nearest=True)
        if program is None or not items:
            continue
        refs = await store.references(ctx.session, [i.id_number for i in items], [i.card_number for i in items],
                                      used.setdefault(b["township_code"][:6], await store.latest_imports(
                                          ctx.session, b["township_code"][:6])))
        found = []
        for i in items:
            wrong = [f for f in check_item(i, program, refs, start) if f.code in RECHECK_RULES]
            if wrong:
                found.append(RejectedItem(item=i, reason_code=wrong[0].code, reason=wrong[0].as_dict()["reason"]))
                found_by[wrong[0].code] += 1
        checked += len(items)
        if found:
            ctx.correlate(b["batch_id"])
            await ctx.emit(EligibilityRechecked(
                batch_id=b["batch_id"], program_code=b["program_code"], department_code=b["department_code"],
                period=b["period"], township_code=b["township_code"], chunk_index=0, chunk_count=1,
                checked_count=len(items), found=tuple(found)))
    return {"year": body.year, "checked_items": checked, "found": dict(found_by), "reference_versions": used}


async def on_person_suspended(ctx: Ctx, env: Envelope[PersonSuspended]) -> None:
    p = env.payload
    await store.keep_suspension(ctx.session, {"suspension_id": p.suspension_id, "id_number": p.id_number,
                                              "program_code": p.program_code, "reason": p.reason,
                                              "active": p.active})


class HistoryItem(BaseModel):
    name: Name
    id_number: IdNumber
    card_number: CardNumber
    bank_code: BankCode
    village: Name
    quantity: Decimal = Field(default=Decimal(1), gt=0, le=1_000_000)
    amount_fen: int = Field(gt=0, le=MAX_FEN, description="what was paid, in fen")


class HistoryIn(BaseModel):
    program_code: Code
    department_code: Code
    township_code: DivisionCode
    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="the month paid, e.g. 2025-06")
    items: list[HistoryItem] = Field(min_length=1, max_length=200_000)


async def import_history(ctx: Ctx, who: Viewer, body: HistoryIn) -> dict[str, Any]:
    """Payments of an earlier year made outside the system, kept as an approved batch (so 回头看 checks them)
    and told to supervision (its ledger counts them as paid)."""
    if body.period >= dt.date.today().strftime("%Y-%m"):
        raise Invalid("history is for earlier periods; this period is declared through the system")
    batch_id = "H" + uuid.uuid4().hex[:15].upper()
    ctx.correlate(batch_id)
    items = [Item(item_id=f"{batch_id}-{n:06d}", **i.model_dump()) for n, i in enumerate(body.items, 1)]
    head = {"batch_id": batch_id, "program_code": body.program_code, "department_code": body.department_code,
            "period": body.period, "township_code": body.township_code}
    await store.add_history_batch(ctx.session, head | {
        "chunk_count": 1, "chunks_received": 1, "status": BatchStatus.APPROVED, "declared_by": who.sub,
        "department_by": who.sub, "department_reason": "历史发放数据导入"})
    await store.add_items(ctx.session, items, batch_id, [[] for _ in items], [ItemStatus.APPROVED] * len(items),
                          who.sub, "历史发放数据")
    await record(ctx.session, tables.audit, who, "history.import", batch_id,
                 detail={"program": body.program_code, "period": body.period, "items": len(items)})
    await ctx.emit(*item_chunks(HistoryImported, items, ctx.settings.chunk_size, **head))
    return {"batch_id": batch_id, "items": len(items), "amount_fen": sum(i.amount_fen for i in items)}
