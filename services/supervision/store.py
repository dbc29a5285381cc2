"""Supervision's SQL: the ledger (台账) of items by stage, orders, rosters, complaints and alerts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.supervision import tables
from shared import bulk

L = tables.ledger

# a stage of the money path, as a condition on a ledger row
STAGES = {
    "declared": "declared",
    "approved": "review = 'approved'",
    "rejected": "review = 'rejected'",
    "withdrawn": "withdrawn",
    "cleared": "cleared",
    "ordered": "ordered",
    "credited": "outcome = 'credited'",
    "failed": "outcome IN ('failed', 'refused')",
    "recovered": "recovered_fen > 0",
}
GROUPS = {"program": "program_code", "department": "department_code", "township": "township_code",
          "batch": "batch_id", "village": "township_code || ' ' || coalesce(village, '')", "period": "period",
          "year": "left(period, 4)"}


async def upsert_items(session: AsyncSession, columns: dict[str, list[Any]], stage: tuple[str, ...],
                       newer_attempt: bool = False) -> None:
    """Insert item rows (given as one list per column) or fill in the stage columns and the identity columns
    they carry; the other columns of a row already there keep their values."""
    if not columns["item_id"]:
        return
    fill = [*stage, *(c for c in ("id_number", "card_number", "village") if c in columns)]
    # a first attempt's failure arriving after the re-issue's credit must not overwrite it
    where = "coalesce(ledger.outcome_attempt, 0) <= EXCLUDED.outcome_attempt" if newer_attempt else None
    await bulk.insert_columns(session, L, columns, conflict=("item_id",), update=fill, where=where)


async def count_progress(session: AsyncSession, head: dict[str, Any], stages: dict[str, tuple[int, int]]) -> None:
    """Add a chunk's items and fen to its batch's running totals, stage by stage (``stage: (items, fen)``)."""
    now = dt.datetime.now(dt.UTC)
    rows = [{"batch_id": head["batch_id"], "stage": stage, "program_code": head["program_code"],
             "department_code": head["department_code"], "township_code": head["township_code"],
             "items": items, "fen": fen, "updated_at": now} for stage, (items, fen) in stages.items() if items]
    if rows:
        await bulk.insert_rows(session, tables.progress, rows, conflict=("batch_id", "stage"), update=("updated_at",),
                               add=("items", "fen"))


async def progress(session: AsyncSession, department: str | None, township: str | None) -> dict[str, Any]:
    """Items and fen per stage so far, summed over the batches in scope, and when the last chunk came."""
    rows = (await session.execute(text(
        "SELECT stage, sum(items) AS items, sum(fen) AS fen, count(*) AS batches, max(updated_at) AS at "
        "FROM progress WHERE (CAST(:dept AS text) IS NULL OR department_code = :dept) "
        "AND (CAST(:town AS text) IS NULL OR township_code = :town) GROUP BY stage"),
        {"dept": department, "town": township})).mappings().all()
    got = {r["stage"]: r for r in rows}
    return {"stages": {s: {"items": int(got[s]["items"]) if s in got else 0,
                           "fen": int(got[s]["fen"]) if s in got else 0} for s in PROGRESS_STAGES},
            "batches": max((int(r["batches"]) for r in rows), default=0),
            "updated_at": max((r["at"] for r in rows), default=None)}


PROGRESS_STAGES = ("declared", "approved", "rejected", "withdrawn", "cleared", "ordered", "credited", "failed")


async def keep(session: AsyncSession, table: str, values: dict[str, Any]) -> None:
    """Keep a fact once (an order completed, a roster published, a complaint, an alert)."""
    t = tables.metadata.tables[table]
    await session.execute(insert(t).values(**values).on_conflict_do_nothing())


def _ledger_sql(group_col: str) -> str:
    cols = []
    for stage, cond in STAGES.items():
        cols += [f"count(DISTINCT id_number) FILTER (WHERE {cond}) AS {stage}_people",
                 f"count(DISTINCT card_number) FILTER (WHERE {cond}) AS {stage}_cards",
                 f"count(*) FILTER (WHERE {cond}) AS {stage}_items",
                 f"coalesce(sum({'recovered_fen' if stage == 'recovered' else 'amount_fen'}) FILTER (WHERE {cond}), 0)"
                 f" AS {stage}_fen"]
    return (f"SELECT {group_col} AS grp, {', '.join(cols)} FROM ledger "
            "WHERE (CAST(:dept AS text) IS NULL OR department_code = :dept) "
            "AND (CAST(:town AS text) IS NULL OR township_code = :town) "
            "AND (CAST(:batch AS text) IS NULL OR batch_id = :batch) "
            f"GROUP BY {group_col} ORDER BY {group_col}")


async def ledger(session: AsyncSession, by: str, department: str | None, township: str | None,
                 batch_id: str | None) -> list[dict[str, Any]]:
    """人、卡、钱 per group and stage: distinct people, distinct cards, items and fen."""
    rows = (await session.execute(text(_ledger_sql(GROUPS[by])),
                                  {"dept": department, "town": township, "batch": batch_id})).mappings().all()
    return [{"group": r["grp"], **{s: {k: int(r[f"{s}_{k}"]) for k in ("people", "cards", "items", "fen")}
                                   for s in STAGES}} for r in rows]


async def batch_scope(session: AsyncSession, batch_id: str) -> dict[str, Any] | None:
    """The township and department a batch belongs to (what decides who may see it)."""
    row = (await session.execute(text("SELECT township_code, department_code FROM ledger WHERE batch_id = :b LIMIT 1"),
                                 {"b": batch_id})).mappings().first()
    return dict(row) if row else None


async def roster(session: AsyncSession, batch_id: str) -> dict[str, Any] | None:
    row = (await session.execute(text("SELECT * FROM rosters WHERE batch_id = :b"), {"b": batch_id})
           ).mappings().first()
    return dict(row) if row else None


async def orders(session: AsyncSession, batch_id: str) -> list[dict[str, Any]]:
    rows = (await session.execute(text("SELECT * FROM orders WHERE batch_id = :b ORDER BY order_id"),
                                  {"b": batch_id})).mappings().all()
    return [dict(o) for o in rows]


async def alerts(session: AsyncSession, limit: int = 500) -> list[dict[str, Any]]:
    rows = (await session.execute(text("SELECT * FROM alerts ORDER BY raised_at DESC LIMIT :n"), {"n": limit}))
    return [dict(r) for r in rows.mappings()]


async def keep_roster(session: AsyncSession, values: dict[str, Any]) -> None:
    """The newest publication of a batch's paid roster (a re-issue or a released line publishes it again)."""
    stmt = insert(tables.rosters).values(**values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["batch_id"], set_={
        c: stmt.excluded[c] for c in values if c != "batch_id"}))


async def set_complaint_outcome(session: AsyncSession, complaint_id: str, outcome: str) -> None:
    await session.execute(text("UPDATE complaints SET outcome = :o WHERE complaint_id = :c"),
                          {"o": outcome, "c": complaint_id})


async def credited_items(session: AsyncSession, item_id: str | None, id_number: str | None,
                         program_code: str | None) -> list[dict[str, Any]]:
    """Ledger rows credited to the person: the item named, or the person's items in the program."""
    if item_id:
        where, params = "item_id = :item", {"item": item_id}
    elif id_number and program_code:
        where, params = "id_number = :id AND program_code = :prog", {"id": id_number, "prog": program_code}
    else:
        return []
    rows = await session.execute(text(f"SELECT * FROM ledger WHERE {where} AND outcome = 'credited'"), params)
    return [dict(r) for r in rows.mappings()]


_FIGURES = """
SELECT count(DISTINCT id_number) FILTER (WHERE outcome = 'credited') AS people_paid,
       count(*) FILTER (WHERE ordered) AS ordered, count(*) FILTER (WHERE outcome IN ('failed', 'refused')) AS failed,
       count(*) FILTER (WHERE outcome = 'credited') AS credited,
       avg(extract(epoch FROM settled_at - declared_at) / 86400.0)
           FILTER (WHERE outcome = 'credited' AND declared_at IS NOT NULL) AS days_avg,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM settled_at - declared_at) / 86400.0)
           FILTER (WHERE outcome = 'credited' AND declared_at IS NOT NULL) AS days_p90,
       coalesce(sum(recovered_fen), 0) AS recovered_fen
FROM ledger
WHERE (CAST(:dept AS text) IS NULL OR department_code = :dept)
  AND (CAST(:town AS text) IS NULL OR township_code = :town)
"""


async def figures(session: AsyncSession, department: str | None, township: str | None) -> dict[str, Any]:
    row = (await session.execute(text(_FIGURES), {"dept": department, "town": township})).mappings().one()
    complaints = (await session.execute(text(
        "SELECT channel, count(*) AS received, count(*) FILTER (WHERE outcome = 'upheld') AS upheld "
        "FROM complaints WHERE (CAST(:dept AS text) IS NULL OR department_code = :dept) "
        "AND (CAST(:town AS text) IS NULL OR township_code = :town) GROUP BY 1 ORDER BY 1"),
        {"dept": department, "town": township})).mappings().all()
    banks = [] if (department or township) else (await session.execute(text(  # orders carry no scope: whole county
        "SELECT split_part(order_id, '-', array_length(string_to_array(order_id, '-'), 1)) AS bank, "
        "count(*) AS orders, sum(credited_fen) AS credited_fen, sum(returned_fen) AS returned_fen "
        "FROM orders GROUP BY 1 ORDER BY 1"))).mappings().all()
    return {**{k: row[k] for k in ("people_paid", "ordered", "failed", "credited")},
            "quotas": await unspent(session, department) if not township else [],
            "return_rate": round(row["failed"] / row["ordered"], 4) if row["ordered"] else 0.0,
            "days_declared_to_credited": {"avg": round(float(row["days_avg"] or 0), 3),
                                          "p90": round(float(row["days_p90"] or 0), 3)},
            "recovered_fen": int(row["recovered_fen"]),
            "complaints": [dict(c) for c in complaints],
            "banks": [{"bank": b["bank"], "orders": b["orders"], "credited_fen": int(b["credited_fen"] or 0),
                       "returned_fen": int(b["returned_fen"] or 0)} for b in banks]}


async def keep_name(session: AsyncSession, table: str, key: str, values: dict[str, Any]) -> None:
    t = tables.metadata.tables[table]
    stmt = insert(t).values(**values)
    await session.execute(stmt.on_conflict_do_update(index_elements=[key], set_={
        c: stmt.excluded[c] for c in values if c != key}))


async def program_names(session: AsyncSession) -> dict[str, str]:
    return {r.program_code: r.name for r in await session.execute(select(tables.programs))}


async def township_names(session: AsyncSession) -> dict[str, str]:
    return {r.township_code: r.name for r in await session.execute(select(tables.townships))}


async def keep_quota(session: AsyncSession, values: dict[str, Any]) -> None:
    stmt = insert(tables.quotas).values(**values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["program_code", "year", "level"],
                                                     set_={"total_fen": stmt.excluded.total_fen}))


async def unspent(session: AsyncSession, department: str | None) -> list[dict[str, Any]]:
    """Per program and year: quota, paid (credited less recovered) and unspent."""
    rows = await session.execute(text("""
        SELECT q.program_code, q.year, q.quota_fen, coalesce(l.net_fen, 0) AS paid_fen
        FROM (SELECT program_code, year, sum(total_fen) AS quota_fen FROM quotas GROUP BY 1, 2) q
        LEFT JOIN (SELECT program_code, CAST(left(period, 4) AS integer) AS year,
                          sum(amount_fen) FILTER (WHERE outcome = 'credited') - sum(recovered_fen) AS net_fen
                   FROM ledger GROUP BY 1, 2) l ON l.program_code = q.program_code AND l.year = q.year
        WHERE CAST(:dept AS text) IS NULL
           OR q.program_code IN (SELECT program_code FROM programs WHERE department_code = :dept)
        ORDER BY 1, 2"""), {"dept": department})
    return [{"program_code": r["program_code"], "year": r["year"], "quota_fen": int(r["quota_fen"]),
             "paid_fen": int(r["paid_fen"]), "unspent_fen": int(r["quota_fen"]) - int(r["paid_fen"])}
            for r in rows.mappings()]
