"""Treasury's SQL: quotas (reserved under row locks), cleared items, orders and their items."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.treasury import tables
from services.treasury.domain import ORDER_FLOW, OrderStatus, allocate, give_back
from shared import bulk
from shared.db import among
from shared.events.payloads import Item
from shared.messaging.chunks import RawChunk
from shared.packing import array_params
from shared.rawsql import fetch

Q, OQ, ORD, OI, CLEARED = tables.quotas, tables.order_quota, tables.orders, tables.order_items, tables.cleared_items
INTAKE = tables.intake


async def set_quota(session: AsyncSession, values: dict[str, Any]) -> dict[str, Any]:
    stmt = pg_insert(Q).values(**values)
    return dict((await session.execute(stmt.on_conflict_do_update(
        index_elements=["program_code", "year", "level"], set_={"total_fen": values["total_fen"]}
    ).returning(*Q.c))).mappings().one())


async def keep_program(session: AsyncSession, code: str, department: str, shares: dict[str, int]) -> None:
    """The program's department and funding shares (of its newest version)."""
    values = {"code": code, "department_code": department, "funding_shares": shares}
    stmt = pg_insert(tables.programs).values(values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["code"], set_=values))


async def shares(session: AsyncSession, code: str) -> dict[str, int]:
    got = (await session.execute(select(tables.programs.c.funding_shares).where(tables.programs.c.code == code))
           ).scalar()
    return dict(got or {})


async def quotas(session: AsyncSession, narrowed: dict[str, str]) -> list[dict[str, Any]]:
    """Quotas with their program's department, narrowed to a department's own."""
    pr = tables.programs
    q = select(Q, pr.c.department_code).select_from(Q.outerjoin(pr, pr.c.code == Q.c.program_code))
    q = q.where(*[pr.c[k] == v for k, v in narrowed.items()]).order_by(Q.c.program_code, Q.c.year, Q.c.level)
    return [dict(r) for r in (await session.execute(q)).mappings().all()]


async def reserve_quota(session: AsyncSession, order_id: str, program: str, year: int, amount: int,
                        by_shares: bool = False) -> bool:
    """Reserve the order's amount across levels (by the program's funding shares, or central first);
    concurrent orders wait on the row locks, never overspend."""
    rows = (await session.execute(
        select(Q.c.level, Q.c.total_fen - Q.c.reserved_fen).where(Q.c.program_code == program, Q.c.year == year)
        .order_by(Q.c.level).with_for_update())).all()  # a fixed lock order: no deadlocks between orders
    taken = allocate(amount, {r[0]: r[1] for r in rows}, await shares(session, program) if by_shares else None)
    if taken is None:
        return False
    for level, fen in taken.items():
        await session.execute(text(
            "UPDATE quotas SET reserved_fen = reserved_fen + :f WHERE program_code = :p AND year = :y AND level = :l"),
            {"f": fen, "p": program, "y": year, "l": level})
    if taken:
        await session.execute(insert(OQ), [{"order_id": order_id, "level": lv, "reserved_fen": f}
                                           for lv, f in taken.items()])
    return True


async def release_quota(session: AsyncSession, order_id: str, program: str, year: int, amount: int,
                        by_shares: bool = False) -> None:
    """Give a returned amount back to the levels the order drew it from (in proportion, when drawn by shares)."""
    reserved = {r[0]: r[1] for r in (await session.execute(
        select(OQ.c.level, OQ.c.reserved_fen).where(OQ.c.order_id == order_id).with_for_update()))}
    for level, fen in give_back(amount, reserved, by_shares).items():
        await session.execute(text(
            "UPDATE order_quota SET reserved_fen = reserved_fen - :f WHERE order_id = :o AND level = :l"),
            {"f": fen, "o": order_id, "l": level})
        await session.execute(text(
            "UPDATE quotas SET reserved_fen = reserved_fen - :f WHERE program_code = :p AND year = :y AND level = :l"),
            {"f": fen, "p": program, "y": year, "l": level})


async def keep_cleared(session: AsyncSession, batch_id: str, items: tuple[Item, ...]) -> None:
    await bulk.insert_columns(session, CLEARED, bulk.item_columns(items, batch_id=batch_id))


async def _cleared(session: AsyncSession, where: Any) -> list[Item]:
    q = select(CLEARED).where(where).order_by(CLEARED.c.item_id)
    return bulk.stored_items((await session.execute(q)).mappings().all())


async def cleared_by_bank(session: AsyncSession, batch_id: str) -> list[tuple[str, int, int]]:
    """A batch's cleared items per agency bank: (bank, items, fen), by bank code."""
    rows = await session.execute(text(
        "SELECT bank_code, count(*) AS n, sum(amount_fen) AS fen FROM cleared_items WHERE batch_id = :b "
        "GROUP BY bank_code ORDER BY bank_code"), {"b": batch_id})
    return [(r.bank_code, int(r.n), int(r.fen)) for r in rows]


async def order_cleared(session: AsyncSession, order_id: str, batch_id: str, bank: str) -> None:
    """The first attempt of an order: the batch's cleared items of that bank."""
    await session.execute(text(
        "INSERT INTO order_items (item_id, amount_fen, order_id, attempt) "
        "SELECT item_id, amount_fen, :o, 1 FROM cleared_items WHERE batch_id = :b AND bank_code = :bank"),
        {"o": order_id, "b": batch_id, "bank": bank})


async def cleared_chunks(session: AsyncSession, batch_id: str, bank: str, size: int) -> list[RawChunk]:
    """The batch's cleared items of one bank in chunks of JSON, as the order sends them."""
    return await bulk.item_chunks_json(session, CLEARED, "batch_id = :b AND bank_code = :bank",
                                       {"b": batch_id, "bank": bank}, size)


async def cleared_items(session: AsyncSession, item_ids: list[str]) -> list[Item]:
    return await _cleared(session, among(CLEARED.c.item_id, item_ids))


async def intake(session: AsyncSession, batch_id: str) -> dict[str, Any]:
    return dict((await session.execute(select(INTAKE).where(INTAKE.c.batch_id == batch_id))).mappings().one())


async def add_order(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(ORD).values(**values))


async def add_order_items(session: AsyncSession, order_id: str, attempt: int, items: list[Item]) -> None:
    await bulk.insert_columns(session, OI, bulk.columns(items, ("item_id", "amount_fen"), order_id=order_id,
                                                        attempt=attempt))


async def order(session: AsyncSession, order_id: str, lock: bool = False) -> dict[str, Any] | None:
    q = select(ORD).where(ORD.c.order_id == order_id)
    row = (await session.execute(q.with_for_update() if lock else q)).mappings().first()
    return dict(row) if row else None


async def orders(session: AsyncSession, batch_id: str | None, narrowed: dict[str, str]) -> list[dict[str, Any]]:
    """Orders with their batch's department and township, narrowed to a scope."""
    q = select(ORD, INTAKE.c.department_code, INTAKE.c.township_code).select_from(
        ORD.join(INTAKE, INTAKE.c.batch_id == ORD.c.batch_id)).order_by(ORD.c.order_id)
    q = q.where(*[INTAKE.c[k] == v for k, v in narrowed.items()])
    if batch_id:
        q = q.where(ORD.c.batch_id == batch_id)
    out = [dict(r) for r in (await session.execute(q)).mappings().all()]
    drawn: dict[str, dict[str, int]] = {}
    for r in await session.execute(select(OQ).where(OQ.c.order_id.in_([o["order_id"] for o in out]))):
        drawn.setdefault(r.order_id, {})[r.level] = r.reserved_fen
    return [o | {"drawn_fen": drawn.get(o["order_id"], {})} for o in out]


async def returned_not_reissued(session: AsyncSession, order_id: str) -> list[str]:
    return list((await session.execute(select(OI.c.item_id).where(
        OI.c.order_id == order_id, OI.c.outcome == "returned", OI.c.reissued_at.is_(None)))).scalars())


async def mark_reissued(session: AsyncSession, order_id: str, item_ids: list[str]) -> None:
    await session.execute(update(OI).where(OI.c.order_id == order_id, among(OI.c.item_id, item_ids))
                          .values(reissued_at=func.now()))


# An order item is settled once; a credit is also kept in credited_items, whose key refuses a second credit
# of the item (the transaction fails, nothing is paid twice). The update changes no indexed column and
# order_items leaves half of each page free (fillfactor 50): heap-only (HOT), no index entry added.
# Each item is found by its key in a LATERAL look-up kept whole (OFFSET 0), checked outside it and updated at
# that address: why in banking's store (the same statement there once read a whole order for each answer).
_APPLY = """
WITH found AS (
  SELECT o.row_at, v.outcome, v.reason
  FROM unnest({ids}, {outcomes}, {reasons}) AS v(item_id, outcome, reason)
  CROSS JOIN LATERAL (SELECT order_items.ctid AS row_at, order_items.outcome FROM order_items
                      WHERE order_items.order_id = CAST(:order AS text) AND order_items.item_id = v.item_id
                      OFFSET 0) AS o
  WHERE o.outcome IS NULL
), settled AS (
  UPDATE order_items SET outcome = CASE WHEN found.outcome = 'credited' THEN 'credited' ELSE 'returned' END,
                         reason_code = found.reason
  FROM found WHERE order_items.ctid = found.row_at AND order_items.outcome IS NULL
  RETURNING order_items.item_id, order_items.outcome, order_items.amount_fen
), credited AS (
  INSERT INTO credited_items (item_id, order_id)
  SELECT item_id, CAST(:order AS text) FROM settled WHERE outcome = 'credited'
)
SELECT outcome, amount_fen FROM settled
"""


async def apply_results(session: AsyncSession, order_id: str, ids: list[str], outcomes: list[str],
                        reasons: list[str | None]) -> list[Any]:
    """Each item of the order settled once: (outcome, amount_fen) of those settled now."""
    sql, bind = array_params({"ids": "text", "outcomes": "text", "reasons": "text"},
                             {"ids": ids, "outcomes": outcomes, "reasons": reasons})
    return await fetch(session, _APPLY.format(**sql), bind | {"order": order_id})


async def add_results(session: AsyncSession, order_id: str, credited: list[int],
                      returned: list[int]) -> dict[str, Any] | None:
    row = (await session.execute(update(ORD).where(ORD.c.order_id == order_id).values(
        settled_count=ORD.c.settled_count + len(credited) + len(returned),
        credited_count=ORD.c.credited_count + len(credited), credited_fen=ORD.c.credited_fen + sum(credited),
        returned_count=ORD.c.returned_count + len(returned), returned_fen=ORD.c.returned_fen + sum(returned),
    ).returning(*ORD.c))).mappings().first()
    return dict(row) if row else None


async def move_order(session: AsyncSession, order_id: str, target: OrderStatus) -> bool:
    """Move an order to ``target`` if its state allows (ORDER_FLOW); False if it did not move."""
    got = await session.execute(update(ORD).where(ORD.c.order_id == order_id,
                                                  ORD.c.status.in_(ORDER_FLOW.sources(target)))
                                .values(status=target).returning(ORD.c.order_id))
    return got.scalar() is not None


async def credited_order(session: AsyncSession, item_id: str) -> str | None:
    """The order whose attempt credited the item (at most one: credited_items)."""
    return (await session.execute(select(tables.credited_items.c.order_id).where(
        tables.credited_items.c.item_id == item_id))).scalar_one_or_none()


async def add_recovery(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Record a payment back once (a redelivered event changes nothing)."""
    got = await session.execute(pg_insert(tables.recoveries).values(**values).on_conflict_do_nothing()
                                .returning(tables.recoveries.c.recovery_id))
    if got.first() is None:
        return False
    await session.execute(update(ORD).where(ORD.c.order_id == values["order_id"]).values(
        recovered_fen=ORD.c.recovered_fen + values["amount_fen"]))
    return True
