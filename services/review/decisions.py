"""Two-level review (审核): the township reviewer decides, then a department approver (another person) approves.

Only when the department approves is the batch published as approved and rejected items; the
approved roster is then frozen: later reference data or card changes do not touch it (a change
is a new, supplementary declaration with its own review).
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.review import tables
from shared.audit import record
from shared.auth import Principal, Role
from shared.events import topics
from shared.events.payloads import AlertRaised, Item, ItemsReviewed, RejectedItem
from shared.masking import mask_id
from shared.service import Runtime
from shared.web import chunks

B, IT = tables.batches, tables.items
CHUNK = 1000


async def _batch(session: AsyncSession, batch_id: str, status: str) -> dict[str, Any]:
    b = (await session.execute(select(B).where(B.c.batch_id == batch_id).with_for_update())).mappings().first()
    if b is None:
        raise HTTPException(404, f"no batch {batch_id} in review")
    if b["status"] != status:
        raise HTTPException(409, f"batch {batch_id} is {b['status']}, not {status}")
    return dict(b)


async def township_review(rt: Runtime, session: AsyncSession, who: Principal, batch_id: str,
                          decisions: dict[str, tuple[bool, str | None]]) -> dict[str, Any]:
    """Decide every flagged item (approving one needs a written reason); clean items pass unless rejected."""
    b = await _batch(session, batch_id, "township_review")
    if who.role == Role.TOWNSHIP and who.township != b["township_code"]:
        raise HTTPException(403, "a township reviews only its own batches")
    rows = (await session.execute(select(IT.c.item_id, IT.c.status, IT.c.findings, IT.c.body)
                                  .where(IT.c.batch_id == batch_id))).all()
    flagged = {r.item_id: r for r in rows if r.status == "flagged"}
    missing = sorted(set(flagged) - set(decisions))
    if missing:
        raise HTTPException(422, f"{len(missing)} flagged item(s) need a decision, e.g. {missing[:5]}")
    known = {r.item_id: r for r in rows}
    alerts = []
    for item_id, (approve, reason) in decisions.items():
        r = known.get(item_id)
        if r is None or r.status == "rejected":
            raise HTTPException(422, f"item {item_id} is not open for a decision in this batch")
        if not reason and (not approve or item_id in flagged):
            raise HTTPException(422, f"item {item_id}: a rejection or an override of a flag needs a written reason")
        if approve and item_id in flagged:
            alerts.append(AlertRaised(
                alert_id=f"override:{item_id}", kind="FLAG_OVERRIDDEN", subject=mask_id(r.body["id_number"]),
                detail=f"{who.sub} approved {item_id} despite {[f['code'] for f in r.findings]}: {reason}"))
    for item_id, (approve, reason) in decisions.items():
        await session.execute(update(IT).where(IT.c.item_id == item_id).values(
            status="approved" if approve else "rejected", decided_by=who.sub, decision_reason=reason))
    await session.execute(update(IT).where(IT.c.batch_id == batch_id, IT.c.status == "passed")
                          .values(status="approved", decided_by=who.sub))
    await release_claims(session, [i for i, (ok, _) in decisions.items() if not ok])
    await session.execute(update(B).where(B.c.batch_id == batch_id).values(
        status="department_review", township_by=who.sub, township_at=func.now()))
    if alerts:
        await rt.emit(session, topics.ALERT_RAISED, batch_id, alerts, batch_id)
    await record(session, tables.audit, who, "review.township", batch_id,
                 detail={"decisions": len(decisions), "overrides": len(alerts)})
    return {"batch_id": batch_id, "status": "department_review", "overrides": len(alerts)}


async def department_approval(rt: Runtime, session: AsyncSession, who: Principal, batch_id: str, approve: bool,
                              reason: str | None) -> dict[str, Any]:
    """The department approves (or returns) the batch; never the same person as the township reviewer."""
    b = await _batch(session, batch_id, "department_review")
    if who.role == Role.DEPARTMENT and who.department != b["department_code"]:
        raise HTTPException(403, "a department approves only its own programs")
    if who.sub == b["township_by"]:
        raise HTTPException(403, "the township reviewer may not also approve (maker-checker)")
    if not approve and not reason:
        raise HTTPException(422, "returning a batch needs a written reason")
    if not approve:
        returned = (await session.execute(update(IT).where(IT.c.batch_id == batch_id, IT.c.status == "approved")
                                          .values(status="rejected", decided_by=who.sub,
                                                  decision_reason=f"部门退回: {reason}").returning(IT.c.item_id)
                                          )).scalars().all()
        await release_claims(session, list(returned))
    status = "approved" if approve else "returned"
    await session.execute(update(B).where(B.c.batch_id == batch_id).values(
        status=status, department_by=who.sub, department_at=func.now(), department_reason=reason))
    await record(session, tables.audit, who, f"review.department.{status}", batch_id, reason)
    await _publish(rt, session, b)
    return {"batch_id": batch_id, "status": status}


async def release_claims(session: AsyncSession, item_ids: list[str]) -> None:
    """A row people rejected may come back corrected in a later batch: its claims no longer count."""
    if not item_ids:
        return
    bodies = (await session.execute(select(IT.c.body).where(IT.c.item_id.in_(item_ids)))).scalars().all()
    await session.execute(delete(tables.claims).where(tables.claims.c.item_id.in_(item_ids)))
    for body in bodies:
        await session.execute(delete(tables.card_claims).where(
            tables.card_claims.c.card_number == body["card_number"],
            tables.card_claims.c.id_number == body["id_number"]))


async def _publish(rt: Runtime, session: AsyncSession, b: dict[str, Any]) -> None:
    rows = (await session.execute(select(IT).where(IT.c.batch_id == b["batch_id"]).order_by(IT.c.item_id))
            ).mappings().all()
    decided: list[Item | RejectedItem] = []
    for r in rows:
        item = Item.model_validate(r["body"])
        if r["status"] == "approved":
            decided.append(item)
        else:
            first = r["findings"][0] if r["findings"] else None
            code = first["code"] if first and r["decided_by"] is None else "REVIEW_REJECTED"
            why = first["reason"] if first and r["decided_by"] is None else (r["decision_reason"] or "")
            decided.append(RejectedItem(item=item, reason_code=code, reason=why))
    parts = chunks(decided, CHUNK)
    events = []
    for n, part in enumerate(parts):
        ok = [x for x in part if isinstance(x, Item)]
        bad = [x for x in part if isinstance(x, RejectedItem)]
        events.append(ItemsReviewed(
            batch_id=b["batch_id"], program_code=b["program_code"], department_code=b["department_code"],
            period=b["period"], township_code=b["township_code"], chunk_index=n, chunk_count=len(parts),
            approved=tuple(ok), rejected=tuple(bad), approved_count=len(ok),
            approved_fen=sum(i.amount_fen for i in ok), rejected_count=len(bad),
            rejected_fen=sum(r.item.amount_fen for r in bad)))
    await rt.emit(session, topics.ITEMS_REVIEWED, b["batch_id"], events, b["batch_id"])
