"""Supervision's SQL for the campaign and its casework: campaigns, self-checks, the spot-check draw, problems
and their steps, recovery orders and suspensions (the ledger's SQL is in ``store``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.supervision import tables

C, SC, SPOT, P, STEPS = (tables.campaigns, tables.self_checks, tables.spot_checks, tables.problems,
                         tables.problem_steps)
R, RP, SU = tables.recoveries, tables.recovery_payments, tables.suspensions


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


async def count_problems(session: AsyncSession, status: str) -> int:
    return int((await session.execute(select(func.count()).select_from(P).where(P.c.status == status))).scalar_one())
