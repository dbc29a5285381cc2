"""Banking's SQL: contracts, the card registry and its changes, orders, instructions and payments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.banking import tables
from services.banking.domain import CardStatus, Outcome
from shared import bulk
from shared.db import among, insert_new
from shared.packing import array_params
from shared.rawsql import fetch, rows_among

C, CC, ORD, PAY, INS = tables.cards, tables.card_changes, tables.orders, tables.payments, tables.instructions


# the bank register

async def banks(session: AsyncSession) -> list[dict[str, Any]]:
    rows = await session.execute(select(tables.banks).order_by(tables.banks.c.code))
    return [dict(r) for r in rows.mappings()]


async def put_bank(session: AsyncSession, values: dict[str, Any]) -> None:
    stmt = pg_insert(tables.banks).values(values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["code"], set_=values))


# contracts

async def put_contract(session: AsyncSession, values: dict[str, Any]) -> None:
    stmt = pg_insert(tables.contracts).values(**values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["bank_code"], set_=values))


async def contract_periods(session: AsyncSession) -> dict[str, tuple[dt.date, dt.date]]:
    return {r.bank_code: (r.valid_from, r.valid_to) for r in (await session.execute(select(tables.contracts)))}


# cards

async def active_cards_of(session: AsyncSession, id_numbers: list[str]) -> dict[str, str]:
    """id_number -> the person's active card number."""
    rows = await session.execute(select(C.c.id_number, C.c.card_number).where(
        among(C.c.id_number, id_numbers), C.c.status == CardStatus.ACTIVE))
    return {r.id_number: r.card_number for r in rows}


async def add_cards(session: AsyncSession, cards: list[dict[str, Any]]) -> int:
    """Insert new cards (known ones are left alone); returns how many were new."""
    return await insert_new(session, C, cards)


async def card(session: AsyncSession, card_number: str) -> dict[str, Any] | None:
    row = (await session.execute(select(C).where(C.c.card_number == card_number))).mappings().first()
    return dict(row) if row else None


async def cards_by_number(session: AsyncSession, numbers: list[str]) -> dict[str, dict[str, Any]]:
    return {r["card_number"]: dict(r) for r in await rows_among(session, C, "card_number", numbers)}


async def active_cards_by_person(session: AsyncSession, id_numbers: list[str]) -> dict[str, dict[str, Any]]:
    rows = (await session.execute(select(C).where(among(C.c.id_number, id_numbers),
                                                  C.c.status == CardStatus.ACTIVE))).mappings()
    return {r["id_number"]: dict(r) for r in rows}


async def cards_of(session: AsyncSession, id_number: str) -> list[dict[str, Any]]:
    return [dict(c) for c in (await session.execute(select(C).where(C.c.id_number == id_number))).mappings()]


async def people_with_several_cards(session: AsyncSession) -> list[Any]:
    return list((await session.execute(
        select(C.c.id_number, func.array_agg(C.c.card_number), func.array_agg(C.c.bank_code),
               func.array_agg(C.c.status)).group_by(C.c.id_number).having(func.count() > 1))).all())


async def holder_of(session: AsyncSession, card_number: str) -> str | None:
    return (await session.execute(select(C.c.id_number).where(C.c.card_number == card_number))).scalar()


async def add_change_request(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(CC).values(**values))


async def change_request(session: AsyncSession, request_id: str) -> dict[str, Any] | None:
    row = (await session.execute(select(CC).where(CC.c.request_id == request_id).with_for_update())
           ).mappings().first()
    return dict(row) if row else None


async def decide_change_request(session: AsyncSession, request_id: str, status: str, who: str,
                                reason: str | None) -> None:
    await session.execute(update(CC).where(CC.c.request_id == request_id).values(
        status=status, decided_by=who, decided_at=func.now(), decision_reason=reason))


async def switch_active_card(session: AsyncSession, id_number: str, new_card: str, bank_code: str) -> None:
    """The person's active card is replaced by ``new_card`` (registered now if it was not)."""
    await session.execute(update(C).where(C.c.id_number == id_number, C.c.status == CardStatus.ACTIVE)
                          .values(status=CardStatus.REPLACED, changed_at=func.now()))
    name = (await session.execute(select(C.c.name).where(C.c.id_number == id_number).limit(1))).scalar()
    stmt = pg_insert(C).values(card_number=new_card, id_number=id_number, name=name or "", bank_code=bank_code,
                               status=CardStatus.ACTIVE, changed_at=func.now())
    await session.execute(stmt.on_conflict_do_update(index_elements=["card_number"], set_={
        "status": CardStatus.ACTIVE, "changed_at": func.now(), "bank_code": bank_code}))


# orders, instructions, payments

async def accept_order(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Record the order at its first chunk; True if this is the first time."""
    got = await session.execute(pg_insert(ORD).values(**values).on_conflict_do_nothing().returning(ORD.c.order_id))
    return got.scalar() is not None


async def order(session: AsyncSession, order_id: str) -> dict[str, Any] | None:
    row = (await session.execute(select(ORD).where(ORD.c.order_id == order_id))).mappings().first()
    return dict(row) if row else None


async def add_to_order(session: AsyncSession, order_id: str, credited: list[int], failed: list[int]) -> dict[str, Any]:
    return dict((await session.execute(update(ORD).where(ORD.c.order_id == order_id).values(
        credited_count=ORD.c.credited_count + len(credited), credited_fen=ORD.c.credited_fen + sum(credited),
        failed_count=ORD.c.failed_count + len(failed), failed_fen=ORD.c.failed_fen + sum(failed),
    ).returning(*ORD.c))).mappings().one())


async def add_instruction(session: AsyncSession, instruction_id: str, order_id: str, bank: str, lines: int) -> None:
    await session.execute(insert(INS).values(instruction_id=instruction_id, order_id=order_id, bank_code=bank,
                                             pending=lines))


async def add_payments(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    await bulk.insert_rows(session, PAY, rows)


async def credited_items(session: AsyncSession, item_ids: list[str]) -> set[str]:
    return set((await session.execute(select(PAY.c.item_id).where(
        among(PAY.c.item_id, item_ids), PAY.c.outcome == Outcome.CREDITED))).scalars())


# A pending payment is settled once. In the same statement a credit is kept in credited_payments (its key
# refuses a second credit of the item: the transaction fails, nothing is paid twice) and each instruction's
# count of payments still at the bank goes down. The update changes no indexed column and payments leaves
# half of each page free (fillfactor 50): heap-only (HOT), no index entry added.
# Each answered payment is found by its key, one look-up per answer (the LATERAL subquery, kept whole by
# OFFSET 0, so nothing else can be looked up in it), checked outside it (still at the bank, of this order, of
# this amount) and updated at that address (ctid; a row another transaction settled meanwhile has moved on and
# is left alone). Written as one join, the planner was free to start from the payments instead, and did: with
# statistics taken when nearly every payment was settled and before the order was inserted, it expected one
# pending row, read the order's ~19,000 rows by its index and compared each with all 2,000 answers (28.5 s for
# one bank answer in a 1M payroll, caught by auto_explain; payment crawled for ~100 s in half the runs). At a
# county's size a scan of all payments could be planned the same way. tests/usecases/test_settlement_plan.py.
_APPLY = """
WITH found AS (
  SELECT p.row_at, v.outcome, v.reason
  FROM unnest({ids}, {attempts}, {outcomes}, {reasons}, {amounts}) AS v(item_id, attempt, outcome, reason, amount)
  CROSS JOIN LATERAL (SELECT payments.ctid AS row_at, payments.order_id, payments.amount_fen, payments.outcome
                      FROM payments WHERE payments.item_id = v.item_id AND payments.attempt = v.attempt
                      OFFSET 0) AS p
  WHERE p.outcome IS NULL AND p.order_id = :order AND p.amount_fen = v.amount
), settled AS (
  UPDATE payments SET outcome = found.outcome, reason_code = found.reason
  FROM found WHERE payments.ctid = found.row_at AND payments.outcome IS NULL
  RETURNING payments.item_id, payments.attempt, payments.outcome, payments.reason_code, payments.amount_fen,
            payments.instruction_id
), credited AS (
  INSERT INTO credited_payments (item_id, attempt) SELECT item_id, attempt FROM settled WHERE outcome = 'credited'
), answered AS (
  UPDATE instructions SET pending = instructions.pending - a.n, answered_at = now()
  FROM (SELECT instruction_id, count(*) AS n FROM settled GROUP BY instruction_id) AS a
  WHERE instructions.instruction_id = a.instruction_id
)
SELECT item_id, attempt, outcome, reason_code, amount_fen FROM settled
"""


async def apply_feedback(session: AsyncSession, order_id: str, results: list[Any]) -> list[Any]:
    """Settle each pending payment the bank answered for, once; returns the payments settled now."""
    sql, bind = array_params(
        {"ids": "text", "attempts": "int", "outcomes": "text", "reasons": "text", "amounts": "bigint"},
        {"ids": [r.item_id for r in results], "attempts": [r.attempt for r in results],
         "outcomes": [r.outcome for r in results], "reasons": [r.reason_code for r in results],
         "amounts": [r.amount_fen for r in results]})
    return await fetch(session, _APPLY.format(**sql), bind | {"order": order_id})


async def payments_of(session: AsyncSession, order_id: str, item_ids: list[str]) -> list[Any]:
    return list(await session.execute(select(PAY).where(PAY.c.order_id == order_id, among(PAY.c.item_id, item_ids))))


# An instruction is asked for again when it has gone unanswered for ``after`` seconds, twice as long after each
# send (120 s, 240 s, 480 s ... with the default), and only while its bank has answered nothing else for ``after``
# seconds: a bank still answering is working through its queue, and asking it again would only lengthen that
# queue (at a million people a backlog of a few minutes had banking re-send 369 of 688 instructions, and the
# bank answer each again). Past ten times ``after`` it is asked whatever its bank is doing.
_STALE = text("""
SELECT i.instruction_id, i.order_id, i.bank_code FROM instructions i
WHERE i.pending > 0 AND i.sends < :max_sends
  AND i.last_sent_at < now() - make_interval(secs => :after * power(2, least(i.sends - 1, 5)))
  AND (i.last_sent_at < now() - make_interval(secs => :after * 10)
       OR NOT EXISTS (SELECT 1 FROM instructions j WHERE j.bank_code = i.bank_code
                      AND j.answered_at > now() - make_interval(secs => :after)))
ORDER BY i.last_sent_at LIMIT 50 FOR UPDATE OF i SKIP LOCKED
""")


async def unanswered_instructions(session: AsyncSession, after_seconds: float, max_sends: int = 50) -> list[Any]:
    """Instructions with payments still at the bank, due to be asked again (see _STALE), locked (SKIP LOCKED)."""
    return list((await session.execute(_STALE, {"after": after_seconds, "max_sends": max_sends})).all())


async def pending_payments(session: AsyncSession, instruction_id: str) -> list[Any]:
    return list((await session.execute(select(PAY).where(PAY.c.instruction_id == instruction_id,
                                                         PAY.c.outcome.is_(None)).order_by(PAY.c.item_id))
                 ).mappings().all())


async def count_send(session: AsyncSession, instruction_id: str) -> None:
    await session.execute(update(INS).where(INS.c.instruction_id == instruction_id)
                          .values(sends=INS.c.sends + 1, last_sent_at=dt.datetime.now(dt.UTC)))


async def held_payments(session: AsyncSession, bank: str) -> list[Any]:
    return list((await session.execute(select(PAY).where(PAY.c.outcome == Outcome.HELD, PAY.c.bank_code == bank)
                                       .order_by(PAY.c.order_id, PAY.c.item_id).with_for_update())).mappings().all())


async def send_held(session: AsyncSession, order_id: str, bank: str, instruction_id: str) -> None:
    await session.execute(update(PAY).where(PAY.c.order_id == order_id, PAY.c.outcome == Outcome.HELD,
                                            PAY.c.bank_code == bank)
                          .values(outcome=None, reason_code=None, instruction_id=instruction_id))


async def held_by_order(session: AsyncSession) -> list[Any]:
    return list((await session.execute(
        select(PAY.c.bank_code, PAY.c.order_id, func.count(), func.sum(PAY.c.amount_fen))
        .where(PAY.c.outcome == Outcome.HELD).group_by(PAY.c.bank_code, PAY.c.order_id))).all())


async def outcomes_of(session: AsyncSession, order_id: str) -> list[Any]:
    return list((await session.execute(
        select(PAY.c.outcome, PAY.c.reason_code, func.count(), func.sum(PAY.c.amount_fen))
        .where(PAY.c.order_id == order_id).group_by(PAY.c.outcome, PAY.c.reason_code))).all())


async def cards_summary(session: AsyncSession, bank: str | None) -> list[dict[str, Any]]:
    rows = await session.execute(text("""
        SELECT c.bank_code, count(*) AS registered,
               count(*) FILTER (WHERE c.status = 'active') AS active,
               count(*) FILTER (WHERE c.status = 'inactive') AS inactive,
               count(*) FILTER (WHERE c.status = 'frozen') AS frozen,
               count(*) FILTER (WHERE c.status = 'closed') AS closed,
               count(DISTINCT c.id_number) FILTER (WHERE m.id_number IS NOT NULL) AS people_with_several_cards,
               (SELECT count(*) FROM card_changes x WHERE x.bank_code = c.bank_code) AS changes_asked,
               (SELECT count(*) FROM card_changes x WHERE x.bank_code = c.bank_code AND x.status = 'approved')
                   AS changes_approved,
               (SELECT count(*) FROM card_changes x WHERE x.bank_code = c.bank_code AND x.status = 'pending')
                   AS changes_pending
        FROM cards c LEFT JOIN (SELECT id_number FROM cards GROUP BY id_number HAVING count(*) > 1) m
             ON m.id_number = c.id_number
        WHERE CAST(:bank AS text) IS NULL OR c.bank_code = :bank
        GROUP BY c.bank_code ORDER BY c.bank_code"""), {"bank": bank})
    return [dict(r) for r in rows.mappings()]
