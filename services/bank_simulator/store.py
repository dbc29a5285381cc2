"""The simulated banks' SQL: accounts, credits (one per item and attempt) and SMS notices."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.bank_simulator import tables
from shared import bulk
from shared.db import among, insert_new
from shared.packing import array_params
from shared.rawsql import rows_among

A, CR = tables.accounts, tables.credits


async def open_accounts(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Open accounts (a known card number is left alone); returns how many were opened."""
    return await insert_new(session, A, rows)


async def accounts_in(session: AsyncSession, status: str, limit: int, narrowed: dict[str, str]) -> list[dict[str, Any]]:
    q = select(A).where(A.c.status == status, *[A.c[k] == v for k, v in narrowed.items()])
    rows = (await session.execute(q.order_by(A.c.card_number).limit(limit))).mappings().all()
    return [dict(r) for r in rows]


async def set_account_status(session: AsyncSession, card_number: str, status: str) -> bool:
    got = await session.execute(update(A).where(A.c.card_number == card_number).values(status=status)
                                .returning(A.c.card_number))
    return got.scalar() is not None


async def answers(session: AsyncSession, item_ids: list[str]) -> list[Any]:
    """Every answer already given for these items, whatever the attempt: the same lines asked again and the
    items credited before are both read from it (one look-up of the ids, not one per question)."""
    if not item_ids:
        return []
    return list(await session.execute(select(CR.c.item_id, CR.c.attempt, CR.c.outcome, CR.c.reason_code,
                                             CR.c.amount_fen).where(among(CR.c.item_id, item_ids))))


async def accounts(session: AsyncSession, card_numbers: list[str]) -> dict[str, dict[str, Any]]:
    return {r["card_number"]: dict(r) for r in await rows_among(session, A, "card_number", card_numbers)}


async def apply_credits(session: AsyncSession, rows: list[dict[str, Any]], notices: list[dict[str, Any]]) -> None:
    """Record the answers, add credits to balances and keep each beneficiary's SMS notice."""
    await bulk.insert_rows(session, CR, rows)
    paid = [r for r in rows if r["outcome"] == "credited"]
    if not paid:
        return
    sql, bind = array_params({"cards": "text", "amounts": "bigint"},
                             {"cards": [r["card_number"] for r in paid], "amounts": [r["amount_fen"] for r in paid]})
    await session.execute(text(
        "UPDATE accounts SET balance_fen = balance_fen + v.amount FROM "
        f"(SELECT card, sum(amount) AS amount FROM unnest({sql['cards']}, {sql['amounts']})"
        " AS u(card, amount) GROUP BY card) v WHERE accounts.card_number = v.card"), bind)
    await bulk.insert_rows(session, tables.notices, notices)


async def integrity(session: AsyncSession) -> dict[str, int]:
    row = (await session.execute(text(
        "SELECT (SELECT count(*) FROM (SELECT item_id FROM credits WHERE outcome = 'credited' GROUP BY item_id "
        "HAVING count(*) > 1) d) AS duplicated_items, "
        "(SELECT coalesce(sum(amount_fen), 0) FROM credits WHERE outcome = 'credited') AS credited_fen, "
        "(SELECT coalesce(sum(balance_fen), 0) FROM accounts) AS balance_fen, "
        "(SELECT count(*) FROM notices) AS notices, "
        "(SELECT count(*) FROM credits WHERE outcome = 'credited') AS credited_items"))).mappings().one()
    return {k: int(v) for k, v in row.items()}


async def totals(session: AsyncSession, period: str | None, program: str | None,
                 batch: str | None) -> list[dict[str, Any]]:
    q = (select(A.c.bank_code, CR.c.outcome, func.count(), func.sum(CR.c.amount_fen))
         .select_from(CR.outerjoin(A, A.c.card_number == CR.c.card_number)).group_by(A.c.bank_code, CR.c.outcome))
    if period:
        q = q.where(CR.c.period == period)
    if program:
        q = q.where(CR.c.program_code == program)
    if batch:  # an item's id begins with its batch's
        q = q.where(CR.c.item_id.startswith(batch + "-", autoescape=True))
    rows = (await session.execute(q)).all()
    return [{"bank_code": r[0], "outcome": r[1], "count": r[2], "fen": int(r[3] or 0)} for r in rows]


async def fault(session: AsyncSession, name: str, default: float) -> float:
    """A fault mode's value as last set for every instance, or this instance's own setting if never set."""
    got = (await session.execute(select(tables.faults.c.value).where(tables.faults.c.name == name))).scalar()
    return default if got is None else float(got)


async def set_fault(session: AsyncSession, name: str, value: float, by: str) -> None:
    stmt = insert(tables.faults).values(name=name, value=value, set_by=by)
    await session.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={
        "value": stmt.excluded.value, "set_by": stmt.excluded.set_by, "set_at": func.now()}))
