"""回头看: approved rosters of a year checked again against today's reference data (a death recorded late,
a new entry on the fiscal payroll); what no longer holds goes to supervision, which follows it to recovery.
Suspensions (暂停发放) from supervision are kept here: a suspended person's new items are rejected."""

from __future__ import annotations

from collections import Counter
from typing import Any

from pydantic import BaseModel, Field

from services.review import store
from services.review.domain import RECHECK_RULES, check_item
from services.review.settings import Settings
from shared.access import Viewer
from shared.events.envelope import Envelope
from shared.events.payloads import EligibilityRechecked, PersonSuspended, RejectedItem
from shared.messaging.context import HandlerContext
from shared.periods import period_start

Ctx = HandlerContext[Settings]


class RecheckIn(BaseModel):
    year: int = Field(ge=2000, le=2100, description="the funding year whose approved rosters are checked again")


async def recheck(ctx: Ctx, who: Viewer, body: RecheckIn) -> dict[str, Any]:
    """Check every approved item of the year again with today's reference data; report what fails."""
    latest = await store.latest_imports(ctx.session)
    found_by: Counter[str] = Counter()
    checked = 0
    for b in await store.approved_batches(ctx.session, str(body.year)):
        items = await store.approved_items(ctx.session, b["batch_id"])
        start = period_start(b["period"])
        program = await store.program_for(ctx.session, b["program_code"], start)
        if program is None or not items:
            continue
        refs = await store.references(ctx.session, [i.id_number for i in items], [i.card_number for i in items],
                                      latest)
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
    return {"year": body.year, "checked_items": checked, "found": dict(found_by), "reference_versions": latest}


async def on_person_suspended(ctx: Ctx, env: Envelope[PersonSuspended]) -> None:
    p = env.payload
    await store.keep_suspension(ctx.session, {"suspension_id": p.suspension_id, "id_number": p.id_number,
                                              "program_code": p.program_code, "reason": p.reason,
                                              "active": p.active})
