"""Disclosure's SQL: publicity windows, their roster lines, holds, and the names public pages show."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncSession

from services.disclosure import tables
from services.disclosure.domain import PUBLIC_WINDOWS, LineStatus, WindowStatus
from shared import bulk
from shared.db import among
from shared.events.payloads import Item
from shared.messaging.chunks import RawChunk
from shared.packing import array_params
from shared.rawsql import fetch

W, ROSTER, HOLDS, PERSON_HOLDS = tables.windows, tables.roster, tables.holds, tables.person_holds
PROGRAMS, TOWNSHIPS, SUPPLEMENTS = tables.programs, tables.townships, tables.supplements


async def add_lines(session: AsyncSession, batch_id: str, items: tuple[Item, ...]) -> None:
    if items:
        await bulk.insert_columns(session, ROSTER, bulk.item_columns(items, batch_id=batch_id))


async def open_window(session: AsyncSession, batch_id: str, seconds: int) -> None:
    now = dt.datetime.now(dt.UTC)
    await session.execute(update(W).where(W.c.batch_id == batch_id).values(
        status=WindowStatus.OPEN, opens_at=now, closes_at=now + dt.timedelta(seconds=seconds)))


async def window(session: AsyncSession, batch_id: str, lock: bool = False) -> dict[str, Any] | None:
    q = select(W).where(W.c.batch_id == batch_id)
    row = (await session.execute(q.with_for_update() if lock else q)).mappings().first()
    return dict(row) if row else None


async def lines(session: AsyncSession, batch_id: str, limit: int | None = None, offset: int = 0,
                village: str | None = None, status: str | None = None) -> list[Any]:
    q = select(ROSTER).where(ROSTER.c.batch_id == batch_id).order_by(ROSTER.c.item_id).offset(offset)
    if village:
        q = q.where(ROSTER.c.village == village)
    if status:
        q = q.where(ROSTER.c.status == status)
    return list((await session.execute(q if limit is None else q.limit(limit))).mappings().all())


async def approved_chunks(session: AsyncSession, batch_id: str, size: int) -> list[RawChunk]:
    """The batch's approved lines as items in chunks of JSON, as they go out cleared for payment."""
    return await bulk.item_chunks_json(session, ROSTER, "batch_id = :b AND status = :s",
                                       {"b": batch_id, "s": LineStatus.APPROVED.value}, size)


async def count_lines(session: AsyncSession, batch_id: str, village: str | None = None) -> int:
    q = select(func.count()).select_from(ROSTER).where(ROSTER.c.batch_id == batch_id)
    if village:
        q = q.where(ROSTER.c.village == village)
    return int((await session.execute(q)).scalar_one())


async def line(session: AsyncSession, batch_id: str, item_id: str, lock: bool = True) -> dict[str, Any] | None:
    q = select(ROSTER).where(ROSTER.c.batch_id == batch_id, ROSTER.c.item_id == item_id)
    row = (await session.execute(q.with_for_update() if lock else q)).mappings().first()
    return dict(row) if row else None


async def villages(session: AsyncSession, batch_id: str) -> list[str]:
    return list((await session.execute(select(ROSTER.c.village).where(ROSTER.c.batch_id == batch_id)
                                       .distinct().order_by(ROSTER.c.village))).scalars())


async def set_status(session: AsyncSession, batch_id: str, status: WindowStatus) -> None:
    await session.execute(update(W).where(W.c.batch_id == batch_id).values(status=status))


async def due_windows(session: AsyncSession, limit: int = 20) -> list[str]:
    """Open windows whose publicity period has ended, locked (SKIP LOCKED: safe with several instances)."""
    return list((await session.execute(text(
        "SELECT batch_id FROM windows WHERE status = :open AND closes_at <= now() "
        "ORDER BY closes_at LIMIT :n FOR UPDATE SKIP LOCKED"), {"open": WindowStatus.OPEN, "n": limit})).scalars())


# approved -> paid | unpaid; unpaid -> paid when a re-issue is credited; paid is final (domain.LINE_FLOW).
# Two statements, each knowing the state it moves lines from (RETURNING shows only the new row): the second
# runs only for credited lines the first did not move, i.e. re-issues (none in a first payment). A line's
# update changes no indexed column and the roster leaves half of each page free (fillfactor 50), so it is
# heap-only (HOT): no index entry is added.
_SETTLE = """
UPDATE roster SET status = CASE WHEN v.outcome = 'credited' THEN 'paid' ELSE 'unpaid' END,
                  reason_code = v.reason, settled_at = now()
FROM unnest({ids}, {outcomes}, {reasons}) AS v(item_id, outcome, reason)
WHERE roster.item_id = v.item_id AND roster.status = :source
RETURNING roster.item_id, roster.status, roster.amount_fen
"""


@dataclass
class Settled:
    """Lines settled by one bank answer: those that were approved, and unpaid lines a re-issue credited."""

    approved: list[Any]
    repaid: list[Any]


async def apply_results(session: AsyncSession, ids: list[str], outcomes: list[str],
                        reasons: list[str | None]) -> Settled:
    """Mark lines paid or unpaid; returns (item_id, status, amount_fen) of each line that changed, by the
    state it left."""
    approved = await _settle(session, LineStatus.APPROVED, ids, outcomes, reasons)
    moved = {r["item_id"] for r in approved}
    left = [n for n, (i, o) in enumerate(zip(ids, outcomes, strict=True)) if o == "credited" and i not in moved]
    repaid = await _settle(session, LineStatus.UNPAID, [ids[n] for n in left], [outcomes[n] for n in left],
                           [reasons[n] for n in left]) if left else []
    return Settled(approved, repaid)


async def _settle(session: AsyncSession, source: LineStatus, ids: list[str], outcomes: list[str],
                  reasons: list[str | None]) -> list[Any]:
    sql, bind = array_params({"ids": "text", "outcomes": "text", "reasons": "text"},
                             {"ids": ids, "outcomes": outcomes, "reasons": reasons})
    return await fetch(session, _SETTLE.format(**sql), bind | {"source": str(source)})


async def add_to_window(session: AsyncSession, batch_id: str, **deltas: int) -> dict[str, Any] | None:
    """Add to the window's counters; returns the window as it is now."""
    row = (await session.execute(update(W).where(W.c.batch_id == batch_id).values(
        {k: W.c[k] + v for k, v in deltas.items()}).returning(*W.c))).mappings().first()
    return dict(row) if row else None


async def move_lines(session: AsyncSession, item_ids: Sequence[str], source: LineStatus,
                     target: LineStatus) -> list[dict[str, Any]]:
    """Move lines from ``source`` to ``target``; returns the lines moved (a line in another state stays)."""
    if not item_ids:
        return []
    rows = (await session.execute(update(ROSTER).where(among(ROSTER.c.item_id, item_ids), ROSTER.c.status == source)
                                  .values(status=target).returning(*ROSTER.c))).mappings().all()
    return [dict(r) for r in rows]


async def add_holds(session: AsyncSession, complaint_id: str, item_ids: Sequence[str]) -> None:
    if item_ids:
        await session.execute(upsert(HOLDS).on_conflict_do_nothing(),
                              [{"complaint_id": complaint_id, "item_id": i} for i in item_ids])


async def drop_holds(session: AsyncSession, complaint_id: str) -> list[str]:
    """Forget what ``complaint_id`` held; returns the items it held."""
    await session.execute(delete(PERSON_HOLDS).where(PERSON_HOLDS.c.complaint_id == complaint_id))
    return list((await session.execute(delete(HOLDS).where(HOLDS.c.complaint_id == complaint_id)
                                       .returning(HOLDS.c.item_id))).scalars())


async def still_held(session: AsyncSession, item_ids: Sequence[str]) -> set[str]:
    if not item_ids:
        return set()
    return set((await session.execute(select(HOLDS.c.item_id).where(among(HOLDS.c.item_id, item_ids)))).scalars())


async def add_person_hold(session: AsyncSession, complaint_id: str, id_number: str, program_code: str) -> None:
    await session.execute(upsert(PERSON_HOLDS).values(complaint_id=complaint_id, id_number=id_number,
                                                      program_code=program_code).on_conflict_do_nothing())


async def person_holds(session: AsyncSession, program_code: str, id_numbers: Sequence[str]) -> list[Any]:
    """Open hotline cases naming any of these people in this program."""
    if not id_numbers:
        return []
    return list((await session.execute(select(PERSON_HOLDS).where(
        PERSON_HOLDS.c.program_code == program_code, among(PERSON_HOLDS.c.id_number, id_numbers)))).mappings())


async def unpaid_lines_of(session: AsyncSession, id_number: str, program_code: str | None,
                          item_id: str | None) -> list[str]:
    """Lines of a person not yet cleared for payment (windows collecting or open), approved or held."""
    q = (select(ROSTER.c.item_id).join(W, W.c.batch_id == ROSTER.c.batch_id)
         .where(ROSTER.c.id_number == id_number, ROSTER.c.status.in_([LineStatus.APPROVED, LineStatus.HELD]),
                W.c.status.in_([WindowStatus.COLLECTING, WindowStatus.OPEN])))
    if program_code:
        q = q.where(W.c.program_code == program_code)
    if item_id:
        q = q.where(ROSTER.c.item_id == item_id)
    return list((await session.execute(q)).scalars())


async def add_supplement(session: AsyncSession, supplement_id: str, batch_id: str) -> None:
    await session.execute(insert(SUPPLEMENTS).values(supplement_id=supplement_id, batch_id=batch_id))


async def window_of(session: AsyncSession, batch_id: str) -> str:
    """The window a settled batch belongs to: itself, or the window a supplement was cut from."""
    found = (await session.execute(select(SUPPLEMENTS.c.batch_id).where(SUPPLEMENTS.c.supplement_id == batch_id))
             ).scalar_one_or_none()
    return found or batch_id


async def keep_program(session: AsyncSession, values: dict[str, Any]) -> None:
    """Keep the newest version of a program (an older version arriving late changes nothing)."""
    stmt = upsert(PROGRAMS).values(**values)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=["program_code"], set_={c: stmt.excluded[c] for c in values if c != "program_code"},
        where=PROGRAMS.c.version <= stmt.excluded.version))


async def keep_bank(session: AsyncSession, code: str, name: str) -> None:
    stmt = upsert(tables.banks).values(bank_code=code, name=name)
    await session.execute(stmt.on_conflict_do_update(index_elements=["bank_code"], set_={"name": name}))


async def bank_names(session: AsyncSession) -> dict[str, str]:
    return {r.bank_code: r.name for r in await session.execute(select(tables.banks))}


async def keep_township(session: AsyncSession, code: str, name: str, villages: Sequence[str]) -> None:
    stmt = upsert(TOWNSHIPS).values(township_code=code, name=name, villages=list(villages))
    await session.execute(stmt.on_conflict_do_update(index_elements=["township_code"],
                                                     set_={"name": name, "villages": list(villages)}))


async def programs(session: AsyncSession) -> list[dict[str, Any]]:
    return [dict(r) for r in (await session.execute(select(PROGRAMS).order_by(PROGRAMS.c.program_code))).mappings()]


async def program(session: AsyncSession, code: str) -> dict[str, Any] | None:
    row = (await session.execute(select(PROGRAMS).where(PROGRAMS.c.program_code == code))).mappings().first()
    return dict(row) if row else None


async def townships(session: AsyncSession) -> dict[str, str]:
    return {r.township_code: r.name for r in await session.execute(select(TOWNSHIPS))}


async def windows(session: AsyncSession, filters: dict[str, str | None], public: bool = False,
                  limit: int | None = None, offset: int = 0) -> list[Any]:
    q = select(W).order_by(W.c.opens_at.desc().nulls_last(), W.c.batch_id) if public else select(W).order_by(
        W.c.batch_id)
    for col, val in filters.items():
        if val:
            q = q.where(W.c[col] == val)
    if public:
        q = q.where(W.c.status.in_(PUBLIC_WINDOWS))
    q = q.offset(offset)
    return list((await session.execute(q if limit is None else q.limit(limit))).mappings().all())


async def count_windows(session: AsyncSession, filters: dict[str, str | None]) -> int:
    q = select(func.count()).select_from(W).where(W.c.status.in_(PUBLIC_WINDOWS))
    for col, val in filters.items():
        if val:
            q = q.where(W.c[col] == val)
    return int((await session.execute(q)).scalar_one())


_PUBLIC_LINE = """
SELECT r.*, w.program_code, w.period, w.township_code, w.status AS window_status, w.closes_at
FROM roster r JOIN windows w ON w.batch_id = r.batch_id
WHERE w.status = ANY(CAST(:public AS text[])) AND {where}
ORDER BY w.period DESC, w.program_code, r.item_id LIMIT :limit OFFSET :offset
"""


async def person_lines(session: AsyncSession, id_number: str, name: str, limit: int = 200) -> list[Any]:
    """A person's own lines on public rosters (ID number and name must both match)."""
    sql = _PUBLIC_LINE.format(where="r.id_number = :id AND r.name = :name")
    return list((await session.execute(text(sql), {"public": list(PUBLIC_WINDOWS), "id": id_number, "name": name,
                                                   "limit": limit, "offset": 0})).mappings())


async def village_lines(session: AsyncSession, township_code: str, village: str, period: str | None,
                        limit: int, offset: int) -> list[Any]:
    sql = _PUBLIC_LINE.format(where="w.township_code = :town AND r.village = :village "
                                    "AND (CAST(:period AS text) IS NULL OR w.period = :period)")
    return list((await session.execute(text(sql), {"public": list(PUBLIC_WINDOWS), "town": township_code,
                                                   "village": village, "period": period,
                                                   "limit": limit, "offset": offset})).mappings())


async def village_totals(session: AsyncSession, township_code: str, village: str, period: str | None) -> Any:
    return (await session.execute(text(
        "SELECT count(*) AS lines, CAST(coalesce(sum(r.amount_fen) FILTER (WHERE r.status = 'paid'), 0) AS bigint) "
        "AS paid_fen, "
        "count(*) FILTER (WHERE r.status = 'paid') AS paid FROM roster r JOIN windows w ON w.batch_id = r.batch_id "
        "WHERE w.status = ANY(CAST(:public AS text[])) AND w.township_code = :town AND r.village = :village "
        "AND (CAST(:period AS text) IS NULL OR w.period = :period)"),
        {"public": list(PUBLIC_WINDOWS), "town": township_code, "village": village, "period": period})).one()


async def township_villages(session: AsyncSession) -> dict[str, list[str]]:
    """The villages of each township as declaration registered them (for the village query's choices)."""
    return {r.township_code: sorted(r.villages) for r in await session.execute(select(TOWNSHIPS))}
