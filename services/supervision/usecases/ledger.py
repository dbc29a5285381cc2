"""Every topic updates the ledger (upserts make the order of arrival across topics irrelevant); reads by scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from services.supervision import store
from services.supervision.settings import Settings
from shared import bulk
from shared.access import Viewer
from shared.events.envelope import DeadLettered, Envelope
from shared.events.oversight import (
    CaseResolved,
    ComplaintFiled,
    HistoryImported,
    ItemsWithdrawn,
    QuotaSet,
    TownshipRegistered,
)
from shared.events.payloads import (
    AlertRaised,
    PaymentCompleted,
    PaymentSettled,
    ProgramPublished,
    RosterPublished,
)
from shared.events.slim import BatchSubmittedSeen, ItemsClearedRefs, ItemsReviewedRefs, PaymentOrderedRefs
from shared.messaging.context import HandlerContext

Ctx = HandlerContext[Settings]
LABELS = {"declared": "申报", "approved": "审核通过", "rejected": "审核退回", "withdrawn": "公示异议撤销",
          "cleared": "公示无异议",
          "ordered": "国库拨付", "credited": "银行入卡", "failed": "发放失败", "recovered": "追缴收回"}


def _head(p: Any) -> dict[str, Any]:
    if isinstance(p, PaymentSettled):
        return {"batch_id": p.batch_id, "program_code": p.program_code, "department_code": p.department_code,
                "township_code": p.township_code, "period": p.period}
    return dict(p.head())


REF = ("item_id", "amount_fen")  # what every stage of an item carries to the ledger
SEEN = (*REF, "id_number", "card_number", "village")  # and who, which card, which village: at declaration


async def on_batch_submitted(ctx: Ctx, env: Envelope[BatchSubmittedSeen]) -> None:
    p, h = env.payload, _head(env.payload)
    now = dt.datetime.now(dt.UTC)
    await store.upsert_items(ctx.session, bulk.columns(p.items, SEEN, **h, declared=True, declared_at=now),
                             ("declared", "declared_at"))
    await store.count_progress(ctx.session, h, {"declared": (p.item_count, p.amount_fen)})


async def on_items_reviewed(ctx: Ctx, env: Envelope[ItemsReviewedRefs]) -> None:
    p, h = env.payload, _head(env.payload)
    approved = bulk.columns(p.approved, REF, **h, review="approved", reject_code=None)
    rejected = bulk.columns([r.item for r in p.rejected], REF, **h, review="rejected",
                            reject_code=[r.reason_code for r in p.rejected])
    await store.upsert_items(ctx.session, {k: approved[k] + rejected[k] for k in approved}, ("review", "reject_code"))
    await store.count_progress(ctx.session, h, {"approved": (p.approved_count, p.approved_fen),
                                                "rejected": (p.rejected_count, p.rejected_fen)})


async def on_items_cleared(ctx: Ctx, env: Envelope[ItemsClearedRefs]) -> None:
    p, h = env.payload, _head(env.payload)
    await store.upsert_items(ctx.session, bulk.columns(p.items, REF, **h, cleared=True), ("cleared",))
    await store.count_progress(ctx.session, h, {"cleared": (p.item_count, p.amount_fen)})


async def on_payment_ordered(ctx: Ctx, env: Envelope[PaymentOrderedRefs]) -> None:
    p, h = env.payload, _head(env.payload)
    await store.upsert_items(ctx.session, bulk.columns(p.items, REF, **h, ordered=True), ("ordered",))
    await store.count_progress(ctx.session, h, {"ordered": (p.item_count, p.amount_fen)})


async def on_payment_settled(ctx: Ctx, env: Envelope[PaymentSettled]) -> None:
    p, h = env.payload, _head(env.payload)
    r = p.results
    await store.upsert_items(ctx.session, bulk.columns(
        r, REF, **h, outcome=[x.outcome for x in r], outcome_code=[x.reason_code for x in r],
        outcome_attempt=[x.attempt for x in r], settled_at=dt.datetime.now(dt.UTC)),
        ("outcome", "outcome_code", "outcome_attempt", "settled_at"), newer_attempt=True)
    # a re-issue's result counts again here (progress counts results as they come; the ledger keeps the last)
    await store.count_progress(ctx.session, h, {"credited": (p.credited_count, p.credited_fen),
                                                "failed": (p.failed_count, p.failed_fen)})


async def on_payment_completed(ctx: Ctx, env: Envelope[PaymentCompleted]) -> None:
    p = env.payload
    await store.keep(ctx.session, "orders", {"order_id": p.order_id, "batch_id": p.batch_id, "status": p.status,
                                             "credited_fen": p.credited_fen, "returned_fen": p.returned_fen})


async def on_roster_published(ctx: Ctx, env: Envelope[RosterPublished]) -> None:
    p = env.payload
    await store.keep_roster(ctx.session, {"batch_id": p.batch_id, "paid_count": p.paid_count,
                                          "paid_fen": p.paid_fen, "consistent": p.consistent})
    if not p.consistent:
        await _alert(ctx, f"roster:{p.batch_id}", "roster_mismatch", p.batch_id,
                     "公开与发放不一致: published roster does not match what was paid")


async def on_complaint_filed(ctx: Ctx, env: Envelope[ComplaintFiled]) -> None:
    p = env.payload
    await store.keep(ctx.session, "complaints", {"complaint_id": p.complaint_id, "category": p.category,
                                                 "program_code": p.program_code, "township_code": p.township_code,
                                                 "channel": p.channel, "department_code": p.department_code})


async def on_items_withdrawn(ctx: Ctx, env: Envelope[ItemsWithdrawn]) -> None:
    """Items taken off a roster because an objection was upheld: approved, never cleared or paid."""
    p = env.payload
    head = {"batch_id": p.batch_id, "program_code": p.program_code, "department_code": p.department_code,
            "township_code": p.township_code, "period": p.period}
    await store.upsert_items(ctx.session, bulk.columns(p.items, SEEN, **head, withdrawn=True), ("withdrawn",))
    await store.count_progress(ctx.session, head, {"withdrawn": (len(p.items), sum(i.amount_fen for i in p.items))})


async def on_case_resolved(ctx: Ctx, env: Envelope[CaseResolved]) -> None:
    """An upheld complaint about money already paid is a problem to rectify and recover (问题清单)."""
    p = env.payload
    await store.set_complaint_outcome(ctx.session, p.complaint_id, p.outcome)
    if p.outcome != "upheld":
        return
    for row in await store.credited_items(ctx.session, p.item_id, p.id_number, p.program_code):
        await store.keep(ctx.session, "problems", {
            "problem_id": f"complaint:{p.complaint_id}:{row['item_id']}", "source": "complaint",
            "title": "举报查实，补贴已发放", "owner": row["department_code"], "people": 1,
            "due_on": dt.date.today() + dt.timedelta(days=ctx.settings.rectify_days),
            "complaint_id": p.complaint_id, "item_id": row["item_id"], "batch_id": row["batch_id"],
            "program_code": row["program_code"], "department_code": row["department_code"],
            "township_code": row["township_code"], "id_number": row["id_number"], "amount_fen": row["amount_fen"],
            "detail": f"举报查实，款项已发放，需整改并追回: {p.finding[:500]}"})



async def on_dead_lettered(ctx: Ctx, env: Envelope[DeadLettered]) -> None:
    p = env.payload
    await _alert(ctx, f"dlq:{env.event_id}", "dead_letter", f"{p.original_topic}@{p.consumer_group}",
                 p.reason[:1000])


async def on_alert_raised(ctx: Ctx, env: Envelope[AlertRaised]) -> None:
    p = env.payload
    await _alert(ctx, p.alert_id, p.kind, p.subject, p.detail)


async def _alert(ctx: Ctx, alert_id: str, kind: str, subject: str, detail: str) -> None:
    await store.keep(ctx.session, "alerts", {"alert_id": alert_id, "kind": kind, "subject": subject,
                                             "detail": detail})


async def ledger(ctx: Ctx, who: Viewer, by: str, batch_id: str | None = None) -> dict[str, Any]:
    """人、卡、钱 per group and stage: distinct people, distinct cards, items and fen (within the scope)."""
    narrowed = who.narrowed()
    rows = await store.ledger(ctx.session, by, narrowed.get("department_code"), narrowed.get("township_code"),
                              batch_id)
    for r in rows:  # 人、卡、钱 paid, recovered and net (what stays paid after 清退、追缴)
        r["net"] = {"fen": r["credited"]["fen"] - r["recovered"]["fen"]}
    return {"by": by, "stages": LABELS, "rows": rows}


async def progress(ctx: Ctx, who: Viewer) -> dict[str, Any]:
    """Items and fen per stage so far (within the scope), from running totals kept as chunks arrive: as cheap at
    a million items as at a thousand. Counts arrivals: a re-issued item's second result counts again."""
    narrowed = who.narrowed()
    body = await store.progress(ctx.session, narrowed.get("department_code"), narrowed.get("township_code"))
    return {"labels": {s: LABELS[s] for s in store.PROGRESS_STAGES}, **body}


async def batch_status(ctx: Ctx, who: Viewer, batch_id: str) -> dict[str, Any]:
    """One batch: its ledger by stage, its orders and whether its paid roster matched."""
    who.check(await store.batch_scope(ctx.session, batch_id), f"batch {batch_id}")
    body = await ledger(ctx, who, "batch", batch_id)
    return {"batch_id": batch_id, "stages": body["rows"][0] if body["rows"] else None,
            "roster": await store.roster(ctx.session, batch_id), "orders": await store.orders(ctx.session, batch_id)}


async def alerts(ctx: Ctx, who: Viewer) -> list[dict[str, Any]]:
    """Dead-lettered messages and mismatches that need a person's attention."""
    return await store.alerts(ctx.session)


async def figures(ctx: Ctx, who: Viewer) -> dict[str, Any]:
    """People paid, return rate, days from declaration to the card, recovered, complaints, payments per bank."""
    narrowed = who.narrowed()
    return await store.figures(ctx.session, narrowed.get("department_code"), narrowed.get("township_code"))


async def on_program_published(ctx: Ctx, env: Envelope[ProgramPublished]) -> None:
    p = env.payload
    await store.keep_name(ctx.session, "programs", "program_code", {
        "program_code": p.program_code, "name": p.name, "department_code": p.department_code})


async def on_township_registered(ctx: Ctx, env: Envelope[TownshipRegistered]) -> None:
    await store.keep_name(ctx.session, "townships", "township_code", {
        "township_code": env.payload.township_code, "name": env.payload.name})


async def on_quota_set(ctx: Ctx, env: Envelope[QuotaSet]) -> None:
    q = env.payload
    await store.keep_quota(ctx.session, {"program_code": q.program_code, "year": q.year, "level": q.level,
                                         "total_fen": q.total_fen})


async def on_history_imported(ctx: Ctx, env: Envelope[HistoryImported]) -> None:
    """Payments made before the system, counted as declared, approved and credited (no timeliness: no dates)."""
    h = _head(env.payload)
    await store.upsert_items(ctx.session, bulk.columns(env.payload.items, SEEN, **h, declared=True, review="approved",
                                                       cleared=True, ordered=True, outcome="credited",
                                                       outcome_attempt=1),
                             ("declared", "review", "cleared", "ordered", "outcome", "outcome_attempt"))
