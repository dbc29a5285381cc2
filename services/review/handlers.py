"""Review a declared chunk: validity rules, then one claim per person/program/period, then decide."""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.review import tables
from services.review.domain import DUPLICATE_IN_PERIOD, Finding, validity
from shared.events import topics
from shared.events.envelope import Envelope
from shared.events.payloads import BatchSubmitted, Item, ItemsReviewed, RejectedItem
from shared.service import Runtime


async def on_batch_submitted(rt: Runtime, session: AsyncSession, env: Envelope[BatchSubmitted]) -> None:
    """Apply the rules to one chunk and publish every item as approved or rejected."""
    chunk = env.payload
    rejected: list[RejectedItem] = []
    candidates: list[Item] = []
    for item in chunk.items:
        finding = validity(item)
        if finding:
            rejected.append(RejectedItem(item=item, reason_code=finding.code, reason=finding.reason))
        else:
            candidates.append(item)
    claimed: set[str] = set()
    if candidates:
        stmt = pg_insert(tables.claims).on_conflict_do_nothing().returning(tables.claims.c.item_id)
        claimed = set((await session.execute(stmt, [
            {"program_code": chunk.program_code, "period": chunk.period, "id_number": i.id_number,
             "item_id": i.item_id} for i in candidates])).scalars())
    approved = [i for i in candidates if i.item_id in claimed]
    for item in candidates:
        if item.item_id not in claimed:
            f = Finding(DUPLICATE_IN_PERIOD, f"{chunk.program_code} {chunk.period} already claimed")
            rejected.append(RejectedItem(item=item, reason_code=f.code, reason=f.reason))
    await session.execute(insert(tables.decisions), [
        {"item_id": i.item_id, "batch_id": chunk.batch_id, "decision": "approved"} for i in approved
    ] + [
        {"item_id": r.item.item_id, "batch_id": chunk.batch_id, "decision": "rejected",
         "reason_code": r.reason_code, "reason": r.reason} for r in rejected
    ])
    event = ItemsReviewed(
        batch_id=chunk.batch_id, program_code=chunk.program_code, department_code=chunk.department_code,
        period=chunk.period, township_code=chunk.township_code, chunk_index=chunk.chunk_index,
        chunk_count=chunk.chunk_count, approved=tuple(approved), rejected=tuple(rejected),
        approved_count=len(approved), approved_fen=sum(i.amount_fen for i in approved),
        rejected_count=len(rejected), rejected_fen=sum(r.item.amount_fen for r in rejected))
    await rt.emit(session, topics.ITEMS_REVIEWED, chunk.batch_id, [event], chunk.batch_id, str(env.event_id))
