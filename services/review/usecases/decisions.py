"""Two-level review (审核): the township reviewer decides, then a department approver (another person) approves.

Only when the department approves is the batch published as approved and rejected items; the
approved roster is then frozen: later reference data or card changes do not touch it (a change
is a new, supplementary declaration with its own review).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func

from services.review import store, tables
from services.review.domain import BATCH_FLOW, BatchStatus, ItemStatus
from services.review.usecases import Ctx
from shared.access import Viewer
from shared.audit import record
from shared.auth import Role
from shared.errors import Forbidden, Invalid
from shared.events.payloads import AlertRaised, Item, ItemsReviewed, RejectedItem
from shared.masking import mask_id
from shared.messaging.chunks import build


async def _batch(ctx: Ctx, who: Viewer, batch_id: str, target: BatchStatus) -> dict[str, Any]:
    """The batch, locked, if the person may see it and it may move to ``target``; never decided twice
    by one person, never by the person who declared it (maker-checker)."""
    b = dict(who.check(await store.batch(ctx.session, batch_id, lock=True), f"batch {batch_id} in review"))
    BATCH_FLOW.check(b["status"], target, f"batch {batch_id}")
    if who.sub == b["declared_by"]:
        raise Forbidden(f"{who.sub} declared batch {batch_id} and may not also decide on it (maker-checker)")
    if who.sub in (b["township_by"], b["department_by"]):
        raise Forbidden(f"{who.sub} has already decided on batch {batch_id}; another person must (maker-checker)")
    ctx.correlate(batch_id)
    return b


async def township_review(ctx: Ctx, who: Viewer, batch_id: str,
                          decisions: dict[str, tuple[bool, str | None]]) -> dict[str, Any]:
    """Decide every flagged item (approving one needs a written reason); clean items pass unless rejected."""
    b = await _batch(ctx, who, batch_id, BatchStatus.DEPARTMENT_REVIEW)
    status = await store.item_statuses(ctx.session, batch_id)
    flagged = {i for i, s in status.items() if s == ItemStatus.FLAGGED}
    missing = sorted(flagged - set(decisions))
    if missing:
        raise Invalid(f"{len(missing)} flagged item(s) need a decision, e.g. {missing[:5]}")
    for item_id in decisions:
        if status.get(item_id, ItemStatus.REJECTED) == ItemStatus.REJECTED:
            raise Invalid(f"item {item_id} is not open for a decision in this batch")
    known = await store.items_decided(ctx.session, list(decisions))
    alerts = []
    for item_id, (approve, reason) in decisions.items():
        r = known[item_id]
        if not reason and (not approve or item_id in flagged):
            raise Invalid(f"item {item_id}: a rejection or an override of a flag needs a written reason")
        if approve and item_id in flagged:
            alerts.append(AlertRaised(
                alert_id=f"override:{item_id}", kind="FLAG_OVERRIDDEN", subject=mask_id(r.id_number),
                detail=f"{who.sub} approved {item_id} despite {[f['code'] for f in r.findings]}: {reason}"))
    await store.release_claims(ctx.session, b["program_code"], b["period"],
                               [i for i, (ok, _) in decisions.items() if not ok])
    for item_id, (approve, _) in decisions.items():
        await _stands(ctx, b, known[item_id], approve)
    await store.decide_items(ctx.session, batch_id, who.sub, decisions)
    await store.set_batch(ctx.session, batch_id, status=BatchStatus.DEPARTMENT_REVIEW, township_by=who.sub,
                          township_at=func.now())
    await ctx.emit(*alerts)
    await record(ctx.session, tables.audit, who, "review.township", batch_id,
                 detail={"decisions": len(decisions), "overrides": len(alerts)})
    return {"batch_id": batch_id, "status": BatchStatus.DEPARTMENT_REVIEW.value, "overrides": len(alerts)}


async def _stands(ctx: Ctx, b: dict[str, Any], r: Any, approve: bool) -> None:
    """Approving a claim flagged as a duplicate: it must be the one claim of the person left (the other one
    rejected first, by its own reviewer), so one person is never paid twice for a program and period."""
    if not approve or not any(f["code"] == "DUPLICATE_IN_PERIOD" for f in r.findings):
        return
    holder = await store.claim_holder(ctx.session, b["program_code"], b["period"], r.id_number, r.item_id)
    if holder != r.item_id:
        raise Invalid(f"条目 {r.item_id} 与条目 {holder} 是同一人同一项目同一期的申报：只能核准其中一条，"
                      f"请先退回 {holder}（或退回本条）")


async def department_approval(ctx: Ctx, who: Viewer, batch_id: str, approve: bool,
                              reason: str | None) -> dict[str, Any]:
    """The department approves (or returns) the batch; never the same person as the township reviewer."""
    status = BatchStatus.APPROVED if approve else BatchStatus.RETURNED
    b = await _batch(ctx, who, batch_id, status)
    if not approve and not reason:
        raise Invalid("returning a batch needs a written reason")
    if not approve:
        returned = await store.reject_approved(ctx.session, batch_id, who.sub, f"部门退回: {reason}")
        await store.release_claims(ctx.session, b["program_code"], b["period"], returned)
    await store.set_batch(ctx.session, batch_id, status=status, department_by=who.sub, department_at=func.now(),
                          department_reason=reason)
    await record(ctx.session, tables.audit, who, f"review.department.{status.value}", batch_id, reason)
    await _publish(ctx, b | {"department_by": who.sub})
    return {"batch_id": batch_id, "status": status.value}


async def _publish(ctx: Ctx, b: dict[str, Any]) -> None:
    """Every item of the batch as approved or rejected (with the first reason), in chunks with totals. Approved
    items go on as they were stored (checked when they came in): no model is built for them."""
    rows = await store.decided_items(ctx.session, b["batch_id"])
    head = {k: b[k] for k in ("batch_id", "program_code", "department_code", "period", "township_code")}

    def make(n: int, count: int, part: list[Any]) -> ItemsReviewed:
        ok = [r for r in part if r["status"] == ItemStatus.APPROVED]
        bad = [_rejected(r) for r in part if r["status"] != ItemStatus.APPROVED]
        return ItemsReviewed.with_raw(
            {"approved": "[" + ",".join(r["body"] for r in ok) + "]"}, **head, chunk_index=n, chunk_count=count,
            reviewed_by=b["township_by"], approved_by=b["department_by"], rejected=tuple(bad),
            approved_count=len(ok), approved_fen=sum(r["amount_fen"] for r in ok),
            rejected_count=len(bad), rejected_fen=sum(x.item.amount_fen for x in bad))

    await ctx.emit(*build(rows, ctx.settings.chunk_size, make))


def _rejected(r: Any) -> RejectedItem:
    item = Item.model_validate_json(r["body"])
    if r["first_code"] is not None and r["decided_by"] is None:  # rejected by a rule
        return RejectedItem(item=item, reason_code=r["first_code"], reason=r["first_reason"])
    return RejectedItem(item=item, reason_code="REVIEW_REJECTED", reason=r["decision_reason"] or "")


async def queue(ctx: Ctx, who: Viewer) -> list[dict[str, Any]]:
    """Batches waiting for this person: a township's to review, a department's to approve; all for others."""
    waiting = {Role.TOWNSHIP: BatchStatus.TOWNSHIP_REVIEW, Role.DEPARTMENT: BatchStatus.DEPARTMENT_REVIEW}
    return await store.queue(ctx.session, who.narrowed(), waiting.get(who.role))


async def batch_items(ctx: Ctx, who: Viewer, batch_id: str, status: str | None, limit: int,
                      offset: int) -> list[dict[str, Any]]:
    """Items of a batch with their findings (codes and plain reasons); filter by status, e.g. flagged."""
    who.check(await store.batch(ctx.session, batch_id), f"batch {batch_id}")
    return await store.batch_items(ctx.session, batch_id, status, limit, offset)


async def batch(ctx: Ctx, who: Viewer, batch_id: str) -> dict[str, Any]:
    """Where a batch stands: its status, chunks checked of all, who reviewed and approved it and when. One row
    read: cheap enough to look at every second (the counts by finding are ``batch_decisions``)."""
    b = who.check(await store.batch(ctx.session, batch_id), f"batch {batch_id}")
    return {k: v for k, v in b.items() if k != "ref_versions"}


async def batch_decisions(ctx: Ctx, who: Viewer, batch_id: str) -> dict[str, Any]:
    """Counts of items by status and first finding."""
    b = who.check(await store.batch(ctx.session, batch_id), f"batch {batch_id}")
    return {"batch_id": batch_id, "status": b["status"], "by_reason": await store.counts_by_reason(ctx.session,
                                                                                                   batch_id)}
