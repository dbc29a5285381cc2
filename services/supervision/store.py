"""Supervision's SQL: the ledger (台账) of items by stage, orders, rosters, complaints and alerts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.supervision import tables

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


async def upsert_items(session: AsyncSession, rows: list[dict[str, Any]], stage: tuple[str, ...],
                       newer_attempt: bool = False) -> None:
    """Insert item rows or fill in the stage columns (and identity columns still empty)."""
    if not rows:
        return
    stmt = insert(L)
    fill = {c: stmt.excluded[c] for c in stage}
    for c in ("id_number", "card_number", "village"):
        if c in rows[0]:
            fill[c] = stmt.excluded[c]
    # a first attempt's failure arriving after the re-issue's credit must not overwrite it
    where = (func.coalesce(L.c.outcome_attempt, 0) <= stmt.excluded.outcome_attempt) if newer_attempt else None
    await session.execute(stmt.on_conflict_do_update(index_elements=["item_id"], set_=fill, where=where), rows)


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


async def problems(session: AsyncSession, department: str | None, township: str | None,
                   campaign_id: str | None = None, status: str | None = None,
                   limit: int = 1000) -> list[dict[str, Any]]:
    rows = await session.execute(text(
        "SELECT * FROM problems WHERE (CAST(:dept AS text) IS NULL OR department_code = :dept) "
        "AND (CAST(:town AS text) IS NULL OR township_code = :town) "
        "AND (CAST(:campaign AS text) IS NULL OR campaign_id = :campaign) "
        "AND (CAST(:status AS text) IS NULL OR status = :status) ORDER BY raised_at DESC LIMIT :n"),
        {"dept": department, "town": township, "campaign": campaign_id, "status": status, "n": limit})
    return [dict(r) for r in rows.mappings()]


# ---- the campaign: campaigns, self-checks, the spot-check draw, problems and their steps ----

C, SC, SPOT, P, STEPS = (tables.campaigns, tables.self_checks, tables.spot_checks, tables.problems,
                         tables.problem_steps)


async def add_campaign(session: AsyncSession, values: dict[str, Any]) -> bool:
    got = await session.execute(insert(C).values(**values).on_conflict_do_nothing().returning(C.c.campaign_id))
    return got.first() is not None


async def campaign(session: AsyncSession, campaign_id: str) -> dict[str, Any] | None:
    row = (await session.execute(C.select().where(C.c.campaign_id == campaign_id))).mappings().first()
    return dict(row) if row else None


async def campaigns(session: AsyncSession) -> list[dict[str, Any]]:
    return [dict(r) for r in (await session.execute(C.select().order_by(C.c.created_at.desc()))).mappings()]


def _scope_sql(kind: str) -> str:
    """Ledger rows of one unit within a campaign's funding years and programs."""
    column = {"department": "department_code", "township": "township_code"}[kind]
    return (f"{column} = :unit AND left(period, 4) = ANY(CAST(:years AS text[])) "
            "AND (CAST(:programs AS text[]) IS NULL OR program_code = ANY(CAST(:programs AS text[])))")


async def known_findings(session: AsyncSession, kind: str, unit: str, years: list[str],
                         programs: list[str] | None) -> dict[str, int]:
    """What the system already knows of a unit in the campaign's scope (pre-filled into its self-check)."""
    params = {"unit": unit, "years": years, "programs": programs}
    if kind == "bank":
        returned = (await session.execute(text(
            "SELECT count(*) FROM orders WHERE order_id LIKE '%-' || :unit AND returned_fen > 0"), params)).scalar()
        return {"returned_orders": int(returned or 0)}
    scope = _scope_sql(kind)
    row = (await session.execute(text(
        "SELECT count(*) FILTER (WHERE review = 'rejected') AS rejected, "
        "count(*) FILTER (WHERE outcome IN ('failed', 'refused')) AS returned, "
        f"count(*) FILTER (WHERE withdrawn) AS withdrawn FROM ledger WHERE {scope}"), params)).mappings().one()
    column = {"department": "department_code", "township": "township_code"}[kind]
    upheld = (await session.execute(text(
        f"SELECT count(*) FROM complaints WHERE {column} = :unit AND outcome = 'upheld' "
        "AND (CAST(:programs AS text[]) IS NULL OR program_code = ANY(CAST(:programs AS text[])))"),
        params)).scalar()
    alerts = (await session.execute(text(
        f"SELECT count(*) FROM alerts WHERE subject IN (SELECT DISTINCT batch_id FROM ledger WHERE {scope})"),
        params)).scalar()
    ineligible = (await session.execute(text(
        f"SELECT count(*) FROM problems WHERE source = 'cross_check' AND {column} = :unit "
        "AND (CAST(:programs AS text[]) IS NULL OR program_code = ANY(CAST(:programs AS text[])))"),
        params)).scalar()
    return {"rejected_items": int(row["rejected"]), "returned_items": int(row["returned"]),
            "withdrawn_items": int(row["withdrawn"]), "upheld_complaints": int(upheld or 0),
            "alerts": int(alerts or 0), "paid_ineligible": int(ineligible or 0)}


async def save_self_check(session: AsyncSession, values: dict[str, Any]) -> None:
    stmt = insert(SC).values(**values)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=["campaign_id", "unit_kind", "unit_code"],
        set_={c: stmt.excluded[c] for c in values if c not in ("campaign_id", "unit_kind", "unit_code")}))


async def self_checks(session: AsyncSession, campaign_id: str) -> list[dict[str, Any]]:
    rows = await session.execute(SC.select().where(SC.c.campaign_id == campaign_id)
                                 .order_by(SC.c.unit_kind, SC.c.unit_code))
    return [dict(r) for r in rows.mappings()]


async def departments_in(session: AsyncSession, years: list[str], programs: list[str] | None) -> list[str]:
    """The departments whose programs were paid in the campaign's scope."""
    rows = await session.execute(text(
        "SELECT DISTINCT department_code FROM ledger WHERE left(period, 4) = ANY(CAST(:years AS text[])) "
        "AND (CAST(:programs AS text[]) IS NULL OR program_code = ANY(CAST(:programs AS text[]))) ORDER BY 1"),
        {"years": years, "programs": programs})
    return [r[0] for r in rows]


async def save_spot_check(session: AsyncSession, values: dict[str, Any]) -> bool:
    got = await session.execute(insert(SPOT).values(**values).on_conflict_do_nothing()
                                .returning(SPOT.c.campaign_id))
    return got.first() is not None


async def spot_check(session: AsyncSession, campaign_id: str, lock: bool = False) -> dict[str, Any] | None:
    q = SPOT.select().where(SPOT.c.campaign_id == campaign_id)
    row = (await session.execute(q.with_for_update() if lock else q)).mappings().first()
    return dict(row) if row else None


async def confirm_spot_check(session: AsyncSession, campaign_id: str, who: str) -> None:
    await session.execute(SPOT.update().where(SPOT.c.campaign_id == campaign_id).values(confirmed_by=who))


async def paid_items_of(session: AsyncSession, department: str, years: list[str],
                        programs: list[str] | None) -> dict[str, list[str]]:
    """Item ids credited in the scope, per program of the department (what an item sample is drawn from)."""
    rows = await session.execute(text(
        f"SELECT program_code, item_id FROM ledger WHERE {_scope_sql('department')} AND outcome = 'credited'"),
        {"unit": department, "years": years, "programs": programs})
    out: dict[str, list[str]] = {}
    for program, item in rows:
        out.setdefault(program, []).append(item)
    return out


async def add_problem(session: AsyncSession, values: dict[str, Any]) -> bool:
    got = await session.execute(insert(P).values(**values).on_conflict_do_nothing().returning(P.c.problem_id))
    return got.first() is not None


async def problem(session: AsyncSession, problem_id: str, lock: bool = False) -> dict[str, Any] | None:
    q = P.select().where(P.c.problem_id == problem_id)
    row = (await session.execute(q.with_for_update() if lock else q)).mappings().first()
    return dict(row) if row else None


async def update_problem(session: AsyncSession, problem_id: str, values: dict[str, Any]) -> None:
    await session.execute(P.update().where(P.c.problem_id == problem_id).values(**values))


async def add_problem_step(session: AsyncSession, problem_id: str, status: str, actor: str, role: str,
                           note: str | None) -> None:
    seq = (await session.execute(select(func.coalesce(func.max(STEPS.c.seq), 0)).where(
        STEPS.c.problem_id == problem_id))).scalar_one()
    await session.execute(insert(STEPS).values(problem_id=problem_id, seq=seq + 1, status=status, actor=actor,
                                               role=role, note=note))


async def problem_steps(session: AsyncSession, problem_id: str) -> list[dict[str, Any]]:
    rows = await session.execute(STEPS.select().where(STEPS.c.problem_id == problem_id).order_by(STEPS.c.seq))
    return [dict(r) for r in rows.mappings()]


async def overdue_problems(session: AsyncSession, today: Any, limit: int = 100) -> list[dict[str, Any]]:
    """Problems past their rectification deadline, not yet alerted (locked, SKIP LOCKED)."""
    rows = await session.execute(text(
        "SELECT * FROM problems WHERE due_on < :today AND status IN ('open', 'rectifying') "
        "AND NOT overdue_alerted ORDER BY due_on LIMIT :n FOR UPDATE SKIP LOCKED"), {"today": today, "n": limit})
    return [dict(r) for r in rows.mappings()]


async def problem_counts(session: AsyncSession, campaign_id: str) -> list[dict[str, Any]]:
    rows = await session.execute(text(
        "SELECT department_code, source, status, count(*) AS n, coalesce(sum(amount_fen), 0) AS fen "
        "FROM problems WHERE campaign_id = :c GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"), {"c": campaign_id})
    return [dict(r) | {"fen": int(r["fen"])} for r in rows.mappings()]


R, RP, SU = tables.recoveries, tables.recovery_payments, tables.suspensions


async def credited_row(session: AsyncSession, item_id: str) -> dict[str, Any] | None:
    row = (await session.execute(text("SELECT * FROM ledger WHERE item_id = :i AND outcome = 'credited'"),
                                 {"i": item_id})).mappings().first()
    return dict(row) if row else None


async def add_recovery(session: AsyncSession, values: dict[str, Any]) -> bool:
    got = await session.execute(insert(R).values(**values).on_conflict_do_nothing().returning(R.c.recovery_id))
    return got.first() is not None


async def recovery(session: AsyncSession, recovery_id: str, lock: bool = False) -> dict[str, Any] | None:
    q = R.select().where(R.c.recovery_id == recovery_id)
    row = (await session.execute(q.with_for_update() if lock else q)).mappings().first()
    return dict(row) if row else None


async def recoveries(session: AsyncSession, department: str | None, township: str | None) -> list[dict[str, Any]]:
    q = R.select().order_by(R.c.created_at.desc())
    if department:
        q = q.where(R.c.department_code == department)
    if township:
        q = q.where(R.c.township_code == township)
    return [dict(r) for r in (await session.execute(q)).mappings()]


async def add_recovery_payment(session: AsyncSession, recovery_id: str, values: dict[str, Any]) -> int:
    """Record a payment back; returns its sequence number."""
    seq = (await session.execute(select(func.coalesce(func.max(RP.c.seq), 0)).where(
        RP.c.recovery_id == recovery_id))).scalar_one() + 1
    await session.execute(insert(RP).values(recovery_id=recovery_id, seq=seq, **values))
    return int(seq)


async def recovery_payments(session: AsyncSession, recovery_id: str) -> list[dict[str, Any]]:
    rows = await session.execute(RP.select().where(RP.c.recovery_id == recovery_id).order_by(RP.c.seq))
    return [dict(r) for r in rows.mappings()]


async def recovered(session: AsyncSession, recovery_id: str, item_id: str, amount: int, done: bool) -> None:
    await session.execute(R.update().where(R.c.recovery_id == recovery_id).values(
        recovered_fen=R.c.recovered_fen + amount, status="recovered" if done else "open"))
    await session.execute(text("UPDATE ledger SET recovered_fen = recovered_fen + :a WHERE item_id = :i"),
                          {"a": amount, "i": item_id})


async def add_suspension(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(SU).values(**values))


async def suspension(session: AsyncSession, suspension_id: str, lock: bool = False) -> dict[str, Any] | None:
    q = SU.select().where(SU.c.suspension_id == suspension_id)
    row = (await session.execute(q.with_for_update() if lock else q)).mappings().first()
    return dict(row) if row else None


async def lift_suspension(session: AsyncSession, suspension_id: str, by: str) -> None:
    await session.execute(SU.update().where(SU.c.suspension_id == suspension_id).values(active=False, lifted_by=by))


async def suspensions(session: AsyncSession) -> list[dict[str, Any]]:
    return [dict(r) for r in (await session.execute(SU.select().order_by(SU.c.at.desc()))).mappings()]


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
