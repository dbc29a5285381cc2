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
from shared.audit import record
from shared.auth import Principal, Role, require
from shared.errors import Forbidden, Invalid, NotFound
from shared.events.payloads import AlertRaised, Item, ItemsReviewed, RejectedItem
from shared.masking import mask_id
from shared.messaging.chunks import build, fen


async def _batch(ctx: Ctx, batch_id: str, target: BatchStatus) -> dict[str, Any]:
    """The batch, locked, if it may move to ``target``."""
    b = await store.batch_for_decision(ctx.session, batch_id)
    if b is None:
        raise NotFound(f"no batch {batch_id} in review")
    BATCH_FLOW.check(b["status"], target, f"batch {batch_id}")
    ctx.correlate(batch_id)
    return b


async def township_review(ctx: Ctx, who: Principal, batch_id: str,
                          decisions: dict[str, tuple[bool, str | None]]) -> dict[str, Any]:
    """Decide every flagged item (approving one needs a written reason); clean items pass unless rejected."""
    require(who, Role.TOWNSHIP)
    b = await _batch(ctx, batch_id, BatchStatus.DEPARTMENT_REVIEW)
    if who.role == Role.TOWNSHIP and who.township != b["township_code"]:
        raise Forbidden("a township reviews only its own batches")
    rows = await store.open_items(ctx.session, batch_id)
    flagged = {r.item_id: r for r in rows if r.status == ItemStatus.FLAGGED}
    missing = sorted(set(flagged) - set(decisions))
    if missing:
        raise Invalid(f"{len(missing)} flagged item(s) need a decision, e.g. {missing[:5]}")
    known = {r.item_id: r for r in rows}
    alerts = []
    for item_id, (approve, reason) in decisions.items():
        r = known.get(item_id)
        if r is None or r.status == ItemStatus.REJECTED:
            raise Invalid(f"item {item_id} is not open for a decision in this batch")
        if not reason and (not approve or item_id in flagged):
            raise Invalid(f"item {item_id}: a rejection or an override of a flag needs a written reason")
        if approve and item_id in flagged:
            alerts.append(AlertRaised(
                alert_id=f"override:{item_id}", kind="FLAG_OVERRIDDEN", subject=mask_id(r.body["id_number"]),
                detail=f"{who.sub} approved {item_id} despite {[f['code'] for f in r.findings]}: {reason}"))
    await store.decide_items(ctx.session, batch_id, who.sub, decisions)
    await store.release_claims(ctx.session, [i for i, (ok, _) in decisions.items() if not ok])
    await store.set_batch(ctx.session, batch_id, status=BatchStatus.DEPARTMENT_REVIEW, township_by=who.sub,
                          township_at=func.now())
    await ctx.emit(*alerts)
    await record(ctx.session, tables.audit, who, "review.township", batch_id,
                 detail={"decisions": len(decisions), "overrides": len(alerts)})
    return {"batch_id": batch_id, "status": BatchStatus.DEPARTMENT_REVIEW.value, "overrides": len(alerts)}


async def department_approval(ctx: Ctx, who: Principal, batch_id: str, approve: bool,
                              reason: str | None) -> dict[str, Any]:
    """The department approves (or returns) the batch; never the same person as the township reviewer."""
    require(who, Role.DEPARTMENT)
    status = BatchStatus.APPROVED if approve else BatchStatus.RETURNED
    b = await _batch(ctx, batch_id, status)
    if who.role == Role.DEPARTMENT and who.department != b["department_code"]:
        raise Forbidden("a department approves only its own programs")
    if who.sub == b["township_by"]:
        raise Forbidden("the township reviewer may not also approve (maker-checker)")
    if not approve and not reason:
        raise Invalid("returning a batch needs a written reason")
    if not approve:
        returned = await store.reject_approved(ctx.session, batch_id, who.sub, f"部门退回: {reason}")
        await store.release_claims(ctx.session, returned)
    await store.set_batch(ctx.session, batch_id, status=status, department_by=who.sub, department_at=func.now(),
                          department_reason=reason)
    await record(ctx.session, tables.audit, who, f"review.department.{status.value}", batch_id, reason)
    await _publish(ctx, b)
    return {"batch_id": batch_id, "status": status.value}


async def _publish(ctx: Ctx, b: dict[str, Any]) -> None:
    """Every item of the batch as approved or rejected (with the first reason), in chunks with totals."""
    decided: list[Item | RejectedItem] = []
    for r in await store.decided_items(ctx.session, b["batch_id"]):
        item = Item.model_validate(r["body"])
        if r["status"] == ItemStatus.APPROVED:
            decided.append(item)
            continue
        first = r["findings"][0] if r["findings"] else None
        if first is not None and r["decided_by"] is None:  # rejected by a rule
            decided.append(RejectedItem(item=item, reason_code=first["code"], reason=first["reason"]))
        else:
            decided.append(RejectedItem(item=item, reason_code="REVIEW_REJECTED", reason=r["decision_reason"] or ""))

    def make(n: int, count: int, part: list[Item | RejectedItem]) -> ItemsReviewed:
        ok = [x for x in part if isinstance(x, Item)]
        bad = [x for x in part if isinstance(x, RejectedItem)]
        return ItemsReviewed(
            batch_id=b["batch_id"], program_code=b["program_code"], department_code=b["department_code"],
            period=b["period"], township_code=b["township_code"], chunk_index=n, chunk_count=count,
            approved=tuple(ok), rejected=tuple(bad), approved_count=len(ok), approved_fen=fen(ok),
            rejected_count=len(bad), rejected_fen=sum(r.item.amount_fen for r in bad))

    await ctx.emit(*build(decided, ctx.settings.chunk_size, make))


async def queue(ctx: Ctx, who: Principal) -> list[dict[str, Any]]:
    """Batches waiting for this person: a township's to review, a department's to approve."""
    if who.role == Role.TOWNSHIP:
        return await store.queue(ctx.session, township=who.township, department=None)
    if who.role == Role.DEPARTMENT:
        return await store.queue(ctx.session, township=None, department=who.department)
    require(who, Role.FINANCE, Role.AUDITOR)
    return await store.queue(ctx.session, township=None, department=None)


async def batch_items(ctx: Ctx, who: Principal, batch_id: str, status: str | None, limit: int,
                      offset: int) -> list[dict[str, Any]]:
    """Items of a batch with their findings (codes and plain reasons); filter by status, e.g. flagged."""
    require(who, Role.TOWNSHIP, Role.DEPARTMENT, Role.FINANCE, Role.AUDITOR)
    return await store.batch_items(ctx.session, batch_id, status, min(limit, 5000), offset)


async def batch_decisions(ctx: Ctx, who: Principal, batch_id: str) -> dict[str, Any]:
    """Counts of items by status and first finding."""
    require(who, Role.FINANCE, Role.DEPARTMENT, Role.AUDITOR, Role.TOWNSHIP)
    return {"batch_id": batch_id, "status": await store.batch_status(ctx.session, batch_id),
            "by_reason": await store.counts_by_reason(ctx.session, batch_id)}
