"""Reserving and giving back quota in the caller's transaction, with row locks (no overspend)."""

from __future__ import annotations

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.treasury import tables
from services.treasury.domain import allocate, give_back

Q = tables.quotas


async def reserve(session: AsyncSession, order_id: str, program: str, year: int, amount: int) -> bool:
    """Reserve the order's amount across levels; concurrent orders wait on the row locks, never overspend."""
    rows = (await session.execute(
        select(Q.c.level, Q.c.total_fen - Q.c.reserved_fen).where(Q.c.program_code == program, Q.c.year == year)
        .order_by(Q.c.level).with_for_update())).all()  # a fixed lock order: no deadlocks between orders
    taken = allocate(amount, {r[0]: r[1] for r in rows})
    if taken is None:
        return False
    for level, fen in taken.items():
        await session.execute(text(
            "UPDATE quotas SET reserved_fen = reserved_fen + :f WHERE program_code = :p AND year = :y AND level = :l"),
            {"f": fen, "p": program, "y": year, "l": level})
    if taken:
        await session.execute(insert(tables.order_quota), [
            {"order_id": order_id, "level": lv, "reserved_fen": f} for lv, f in taken.items()])
    return True


async def release(session: AsyncSession, order_id: str, program: str, year: int, amount: int) -> None:
    """Give a returned amount back to the levels the order drew it from."""
    oq = tables.order_quota
    reserved = {r[0]: r[1] for r in (await session.execute(
        select(oq.c.level, oq.c.reserved_fen).where(oq.c.order_id == order_id).with_for_update()))}
    for level, fen in give_back(amount, reserved).items():
        await session.execute(text(
            "UPDATE order_quota SET reserved_fen = reserved_fen - :f WHERE order_id = :o AND level = :l"),
            {"f": fen, "o": order_id, "l": level})
        await session.execute(text(
            "UPDATE quotas SET reserved_fen = reserved_fen - :f WHERE program_code = :p AND year = :y AND level = :l"),
            {"f": fen, "p": program, "y": year, "l": level})

