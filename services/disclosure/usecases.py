"""Publicity windows: open when a batch's review is complete, close (now or later), then the paid roster."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from services.disclosure import store
from services.disclosure.domain import STATUS_LABELS, WINDOW_FLOW, WINDOW_LABELS, LineStatus, WindowStatus
from services.disclosure.settings import Settings
from shared.errors import NotFound
from shared.events.envelope import Envelope
from shared.events.payloads import Item, ItemsCleared, ItemsReviewed, PaymentSettled, RosterPublished
from shared.masking import mask_card, mask_id, mask_name
from shared.messaging.chunks import arrive, item_chunks
from shared.messaging.context import HandlerContext, Runtime
from shared.money import fen_to_yuan

log = logging.getLogger(__name__)
Ctx = HandlerContext[Settings]


async def on_items_reviewed(ctx: Ctx, env: Envelope[ItemsReviewed]) -> None:
    """Add approved items to the batch's roster; open the window once every chunk has arrived."""
    c = env.payload
    await store.add_lines(ctx.session, c.batch_id, c.approved)
    complete = await arrive(ctx.session, store.W, c.head() | {"chunk_count": c.chunk_count},
                            add={"approved_count": c.approved_count, "approved_fen": c.approved_fen})
    if not complete:
        return
    seconds = ctx.settings.publicity_seconds
    await store.open_window(ctx.session, c.batch_id, seconds)
    if seconds <= 0:
        await close_window(ctx, c.batch_id)


async def close_window(ctx: Ctx, batch_id: str) -> None:
    """End the publicity period: every item still on the roster is cleared for payment."""
    ctx.correlate(batch_id)
    w = await store.window(ctx.session, batch_id, lock=True)
    assert w is not None
    WINDOW_FLOW.check(w["status"], WindowStatus.CLOSED, f"publicity window {batch_id}")
    items = [Item(**{k: r[k] for k in Item.model_fields}) for r in await store.lines(ctx.session, batch_id)]
    await store.set_status(ctx.session, batch_id, WindowStatus.CLOSED)
    if not items:
        await _publish_roster(ctx, w)
        return
    await ctx.emit(*item_chunks(ItemsCleared, items, ctx.settings.chunk_size, batch_id=batch_id,
                                program_code=w["program_code"], department_code=w["department_code"],
                                period=w["period"], township_code=w["township_code"]))


async def close_due_windows(rt: Runtime[Settings]) -> None:
    """Background job: close windows whose publicity period has ended (safe with several instances)."""
    while True:
        try:
            async with rt.unit_of_work() as ctx:
                for batch_id in await store.due_windows(ctx.session):
                    await close_window(ctx, batch_id)
        except Exception:
            log.exception("closing publicity windows failed; will retry")
        await asyncio.sleep(1)


async def on_payment_settled(ctx: Ctx, env: Envelope[PaymentSettled]) -> None:
    """Mark roster items paid or unpaid; when all are settled, publish the paid roster with a consistency check."""
    s = env.payload
    applied = await store.apply_results(ctx.session, [r.item_id for r in s.results], [r.outcome for r in s.results],
                                        [r.reason_code for r in s.results])
    paid = [a.amount_fen for a in applied if a.status == LineStatus.PAID]
    unpaid = [a.amount_fen for a in applied if a.status == LineStatus.UNPAID]
    repaid = [a.amount_fen for a in applied if a.before == LineStatus.UNPAID]  # re-issued and now credited
    w = await store.add_to_window(
        ctx.session, s.batch_id, paid_count=len(paid), paid_fen=sum(paid),
        unpaid_count=len(unpaid) - len(repaid), unpaid_fen=sum(unpaid) - sum(repaid),
        reported_credited_count=s.credited_count, reported_credited_fen=s.credited_fen)
    if w is None:
        raise LookupError(f"settlement for unknown batch {s.batch_id}")
    complete = w["paid_count"] + w["unpaid_count"] >= w["approved_count"]
    if complete and (w["status"] == WindowStatus.CLOSED or (w["status"] == WindowStatus.PUBLISHED and repaid)):
        await _publish_roster(ctx, w)  # a re-issue updates the paid roster


async def _publish_roster(ctx: Ctx, w: dict[str, Any]) -> None:
    consistent = (w["paid_count"], w["paid_fen"]) == (w["reported_credited_count"], w["reported_credited_fen"])
    if not consistent:
        log.error("published roster of %s does not match what was paid", w["batch_id"])
    WINDOW_FLOW.check(w["status"], WindowStatus.PUBLISHED, f"publicity window {w['batch_id']}")
    await store.set_status(ctx.session, w["batch_id"], WindowStatus.PUBLISHED)
    await ctx.emit(RosterPublished(
        batch_id=w["batch_id"], program_code=w["program_code"], period=w["period"],
        township_code=w["township_code"], cleared_count=w["approved_count"], cleared_fen=w["approved_fen"],
        paid_count=w["paid_count"], paid_fen=w["paid_fen"], unpaid_count=w["unpaid_count"],
        unpaid_fen=w["unpaid_fen"], consistent=consistent))


def public_line(r: Any) -> dict[str, str]:
    """A roster line as the public sees it: masked name, ID and card."""
    return {"姓名": mask_name(r["name"]), "公民身份号码": mask_id(r["id_number"]),
            "社保卡号": mask_card(r["card_number"]), "村": r["village"], "数量": str(r["quantity"]),
            "金额(元)": fen_to_yuan(r["amount_fen"]), "状态": STATUS_LABELS[r["status"]]}


def public_window(w: Any) -> dict[str, Any]:
    return {"batch_id": w["batch_id"], "补贴项目": w["program_code"], "期间": w["period"],
            "乡镇": w["township_code"], "状态": WINDOW_LABELS[w["status"]], "公示人数": w["approved_count"],
            "公示金额(元)": fen_to_yuan(w["approved_fen"]), "已发放人数": w["paid_count"],
            "已发放金额(元)": fen_to_yuan(w["paid_fen"]),
            "公示截止": w["closes_at"].isoformat() if w["closes_at"] else None}


async def list_rosters(ctx: Ctx, program_code: str | None, period: str | None,
                       township_code: str | None) -> list[dict[str, Any]]:
    """Batches under or after publicity, with totals."""
    rows = await store.windows(ctx.session, {"program_code": program_code, "period": period,
                                             "township_code": township_code})
    return [public_window(w) for w in rows]


async def roster(ctx: Ctx, batch_id: str, limit: int, offset: int) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """One batch's published roster (head and masked lines)."""
    w = await store.window(ctx.session, batch_id)
    if w is None or w["status"] == WindowStatus.COLLECTING:
        raise NotFound(f"no published roster for batch {batch_id}")
    lines = await store.lines(ctx.session, batch_id, min(limit, 5000), offset)
    return public_window(w), [public_line(r) for r in lines]
