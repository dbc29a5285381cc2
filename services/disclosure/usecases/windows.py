"""Publicity windows on the money path: open when review is complete, close when the period ends (held
lines stay back), release or withdraw held lines when their case is decided, publish the paid roster."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from services.disclosure import store
from services.disclosure.domain import WINDOW_FLOW, LineStatus, WindowStatus
from services.disclosure.settings import Settings
from shared import bulk
from shared.events.envelope import Envelope
from shared.events.oversight import ItemsWithdrawn
from shared.events.payloads import Item, ItemsCleared, ItemsReviewed, PaymentSettled, RosterPublished
from shared.messaging.chunks import arrive, item_chunks, raw_item_chunks
from shared.messaging.context import HandlerContext, Runtime

log = logging.getLogger(__name__)
Ctx = HandlerContext[Settings]
DAY = 24 * 3600


async def on_items_reviewed(ctx: Ctx, env: Envelope[ItemsReviewed]) -> None:
    """Add approved items to the batch's roster (held if an open case names the person); open the window
    once every chunk has arrived."""
    c = env.payload
    await store.add_lines(ctx.session, c.batch_id, c.approved)
    complete = await arrive(ctx.session, store.W, c.head() | {"chunk_count": c.chunk_count},
                            add={"approved_count": c.approved_count, "approved_fen": c.approved_fen})
    for hold in await store.person_holds(ctx.session, c.program_code, [i.id_number for i in c.approved]):
        await hold_lines(ctx, hold["complaint_id"], [i.item_id for i in c.approved if i.id_number == hold["id_number"]])
    if not complete:
        return
    program = await store.program(ctx.session, c.program_code)
    days = program["publicity_days"] if program else None
    seconds = days * DAY if days else ctx.settings.publicity_seconds
    await store.open_window(ctx.session, c.batch_id, seconds)
    if seconds <= 0:
        await close_window(ctx, c.batch_id)


async def hold_lines(ctx: Ctx, complaint_id: str, item_ids: list[str]) -> int:
    """Hold lines for a case (approved -> held) and count them on their windows; returns how many moved."""
    await store.add_holds(ctx.session, complaint_id, item_ids)
    moved = await store.move_lines(ctx.session, item_ids, LineStatus.APPROVED, LineStatus.HELD)
    for batch_id, rows in _by_batch(moved).items():
        await store.add_to_window(ctx.session, batch_id, held_count=len(rows), held_fen=fen_of(rows))
    return len(moved)


def fen_of(rows: Iterable[dict[str, Any]]) -> int:
    return sum(r["amount_fen"] for r in rows)


def _by_batch(rows: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        out[r["batch_id"]].append(r)
    return out


async def close_window(ctx: Ctx, batch_id: str) -> None:
    """End the publicity period: every approved line is cleared for payment; held lines wait for their case."""
    ctx.correlate(batch_id)
    w = await store.window(ctx.session, batch_id, lock=True)
    assert w is not None
    WINDOW_FLOW.check(w["status"], WindowStatus.CLOSED, f"publicity window {batch_id}")
    chunks = await store.approved_chunks(ctx.session, batch_id, ctx.settings.chunk_size)
    await store.set_status(ctx.session, batch_id, WindowStatus.CLOSED)
    if not chunks:
        await publish_roster(ctx, w | {"status": WindowStatus.CLOSED})
        return
    await ctx.emit(*raw_item_chunks(ItemsCleared, chunks, batch_id=batch_id, program_code=w["program_code"],
                                    department_code=w["department_code"], period=w["period"],
                                    township_code=w["township_code"]))


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


async def release(ctx: Ctx, complaint_id: str, upheld: bool) -> dict[str, int]:
    """A case is decided: its held lines are withdrawn (upheld) or released (not upheld, unless another
    case still holds them). A line released after its window closed goes on in a supplement."""
    held = await store.drop_holds(ctx.session, complaint_id)
    if upheld:
        moved = await store.move_lines(ctx.session, held, LineStatus.HELD, LineStatus.WITHDRAWN)
    else:
        others = await store.still_held(ctx.session, held)
        moved = await store.move_lines(ctx.session, [i for i in held if i not in others], LineStatus.HELD,
                                       LineStatus.APPROVED)
    for batch_id, rows in _by_batch(moved).items():
        count, amount = len(rows), fen_of(rows)
        deltas = {"held_count": -count, "held_fen": -amount}
        if upheld:
            deltas |= {"withdrawn_count": count, "withdrawn_fen": amount}
        w = await store.add_to_window(ctx.session, batch_id, **deltas)
        assert w is not None
        head = {k: w[k] for k in ("program_code", "department_code", "period", "township_code")}
        items = bulk.stored_items(rows)
        if upheld:
            await ctx.emit(ItemsWithdrawn(batch_id=batch_id, complaint_id=complaint_id, items=tuple(items),
                                          item_count=count, amount_fen=amount, **head))
        elif w["status"] in (WindowStatus.CLOSED, WindowStatus.PUBLISHED):
            await _supplement(ctx, w, items)
        await settle_window(ctx, w, changed=True)
    return {"lines": len(moved)}


async def _supplement(ctx: Ctx, w: dict[str, Any], items: list[Item]) -> None:
    """Clear lines released after their window closed as a batch of their own (BATCH-R1, BATCH-R2, ...)."""
    w2 = await store.add_to_window(ctx.session, w["batch_id"], supplements=1)
    assert w2 is not None
    supplement_id = f"{w['batch_id']}-R{w2['supplements']}"
    await store.add_supplement(ctx.session, supplement_id, w["batch_id"])
    await ctx.emit(*item_chunks(ItemsCleared, items, ctx.settings.chunk_size, batch_id=supplement_id,
                                program_code=w["program_code"], department_code=w["department_code"],
                                period=w["period"], township_code=w["township_code"]))


async def on_payment_settled(ctx: Ctx, env: Envelope[PaymentSettled]) -> None:
    """Mark roster items paid or unpaid; when all are settled, publish the paid roster with a consistency check."""
    s = env.payload
    applied = await store.apply_results(ctx.session, [r.item_id for r in s.results], [r.outcome for r in s.results],
                                        [r.reason_code for r in s.results])
    paid = [a["amount_fen"] for a in applied.approved if a["status"] == LineStatus.PAID]
    unpaid = [a["amount_fen"] for a in applied.approved if a["status"] == LineStatus.UNPAID]
    repaid = [a["amount_fen"] for a in applied.repaid]  # re-issued and now credited: paid, no longer unpaid
    paid += repaid
    w = await store.add_to_window(
        ctx.session, await store.window_of(ctx.session, s.batch_id), paid_count=len(paid), paid_fen=sum(paid),
        unpaid_count=len(unpaid) - len(repaid), unpaid_fen=sum(unpaid) - sum(repaid),
        reported_credited_count=s.credited_count, reported_credited_fen=s.credited_fen)
    if w is None:
        raise LookupError(f"settlement for unknown batch {s.batch_id}")
    await settle_window(ctx, w, changed=bool(paid))


def cleared(w: dict[str, Any]) -> tuple[int, int]:
    """Lines that went (or go) to payment: approved less those held or withdrawn."""
    return (w["approved_count"] - w["held_count"] - w["withdrawn_count"],
            w["approved_fen"] - w["held_fen"] - w["withdrawn_fen"])


async def settle_window(ctx: Ctx, w: dict[str, Any], changed: bool) -> None:
    """Publish the paid roster once every cleared line is settled; publish again when it changes later
    (a re-issue credited, a released line paid in a supplement, a line withdrawn)."""
    complete = w["paid_count"] + w["unpaid_count"] >= cleared(w)[0]
    if complete and (w["status"] == WindowStatus.CLOSED or (w["status"] == WindowStatus.PUBLISHED and changed)):
        await publish_roster(ctx, w)


async def publish_roster(ctx: Ctx, w: dict[str, Any]) -> None:
    consistent = (w["paid_count"], w["paid_fen"]) == (w["reported_credited_count"], w["reported_credited_fen"])
    if not consistent:
        log.error("published roster of %s does not match what was paid", w["batch_id"])
    WINDOW_FLOW.check(w["status"], WindowStatus.PUBLISHED, f"publicity window {w['batch_id']}")
    await store.set_status(ctx.session, w["batch_id"], WindowStatus.PUBLISHED)
    count, amount = cleared(w)
    await ctx.emit(RosterPublished(
        batch_id=w["batch_id"], program_code=w["program_code"], period=w["period"],
        township_code=w["township_code"], cleared_count=count, cleared_fen=amount,
        paid_count=w["paid_count"], paid_fen=w["paid_fen"], unpaid_count=w["unpaid_count"],
        unpaid_fen=w["unpaid_fen"], consistent=consistent))

