"""Automatic checks of a declared chunk: rules, duplicates, shared cards; then wait for people to decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ARRAY, String, any_, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.review import tables
from services.review.domain import Finding, Program, References, check_item
from shared.events.envelope import Envelope
from shared.events.payloads import BatchSubmitted, CardsRegistered, Item, ProgramPublished
from shared.messaging.consumer import RetryLater
from shared.service import Runtime

KINDS = ("household", "deaths", "public_employees", "village_officials")
R = tables.ref_rows


async def on_program_published(rt: Runtime, session: AsyncSession, env: Envelope[ProgramPublished]) -> None:
    p = env.payload
    await session.execute(pg_insert(tables.programs).values(
        code=p.program_code, version=p.version, effective_from=p.effective_from, standard_fen=p.standard_fen,
        cap_quantity=p.cap_quantity, min_age=p.min_age, means_tested=p.means_tested).on_conflict_do_nothing())


async def on_cards_registered(rt: Runtime, session: AsyncSession, env: Envelope[CardsRegistered]) -> None:
    rows = [c.model_dump(exclude={"bank_code"}) for c in env.payload.cards]
    if rows:
        stmt = pg_insert(tables.card_refs)
        await session.execute(stmt.on_conflict_do_update(index_elements=["card_number"], set_={
            "id_number": stmt.excluded.id_number, "name": stmt.excluded.name, "status": stmt.excluded.status}), rows)


async def latest_imports(session: AsyncSession) -> dict[str, int]:
    ri = tables.ref_imports
    return dict((await session.execute(select(ri.c.kind, func.max(ri.c.import_id)).group_by(ri.c.kind))).all())


def _array(name: str, values: list[str]) -> Any:
    return any_(bindparam(name, values, type_=ARRAY(String)))


async def references(session: AsyncSession, items: tuple[Item, ...], latest: dict[str, int]) -> References:
    refs = References(has_household="household" in latest)
    by_import = {v: k for k, v in latest.items()}
    if by_import:
        rows = (await session.execute(select(R).where(R.c.import_id.in_(list(by_import)),
                                                      R.c.id_number == _array("ids", [i.id_number for i in items]))
                                      )).mappings().all()
        for r in rows:
            kind = by_import[r["import_id"]]
            if kind == "household":
                refs.household[r["id_number"]] = dict(r)
            elif kind == "deaths" and r["on_date"] is not None:
                refs.deaths[r["id_number"]] = r["on_date"]
            elif kind == "public_employees":
                refs.employees[r["id_number"]] = r["status"] or "?"
            elif kind == "village_officials":
                refs.officials[r["id_number"]] = f"{r['village'] or ''} {r['status'] or ''}".strip()
    cards = (await session.execute(select(tables.card_refs).where(
        tables.card_refs.c.card_number == _array("cards", [i.card_number for i in items])))).mappings().all()
    refs.cards = {c["card_number"]: dict(c) for c in cards}
    return refs


async def program_for(session: AsyncSession, code: str, period_start: dt.date) -> Program:
    pv = tables.programs
    row = (await session.execute(select(pv).where(pv.c.code == code, pv.c.effective_from <= period_start)
                                 .order_by(pv.c.effective_from.desc()).limit(1))).mappings().first()
    if row is None:
        raise RetryLater(f"no version of program {code} for {period_start:%Y-%m} yet")
    return Program(row["standard_fen"], row["cap_quantity"], row["min_age"], row["means_tested"])


async def on_batch_submitted(rt: Runtime, session: AsyncSession, env: Envelope[BatchSubmitted]) -> None:
    """Run every rule on one chunk; keep the findings; when the batch is complete, hand it to the township."""
    c = env.payload
    start = dt.date(int(c.period[:4]), int(c.period[5:7]), 1)
    program = await program_for(session, c.program_code, start)
    latest = await latest_imports(session)
    refs = await references(session, c.items, latest)
    findings = {i.item_id: check_item(i, program, refs, start) for i in c.items}
    await _cross_item_rules(session, c, findings)
    await session.execute(insert(tables.items), [{
        "item_id": i.item_id, "batch_id": c.batch_id, "body": i.model_dump(mode="json"),
        "findings": [f.as_dict() for f in findings[i.item_id]], "status": _status(findings[i.item_id]),
    } for i in c.items])
    stmt = pg_insert(tables.batches).values(
        batch_id=c.batch_id, program_code=c.program_code, department_code=c.department_code, period=c.period,
        township_code=c.township_code, chunk_count=c.chunk_count, chunks_received=1)
    got = (await session.execute(stmt.on_conflict_do_update(
        index_elements=["batch_id"], set_={"chunks_received": tables.batches.c.chunks_received + 1}
    ).returning(tables.batches.c.chunks_received))).scalar_one()
    if got == c.chunk_count:
        await session.execute(update(tables.batches).where(tables.batches.c.batch_id == c.batch_id).values(
            status="township_review", ref_versions=latest))


def _status(found: list[Finding]) -> str:
    if any(f.hard for f in found):
        return "rejected"
    return "flagged" if found else "passed"


async def _cross_item_rules(session: AsyncSession, c: BatchSubmitted, findings: dict[str, list[Finding]]) -> None:
    """Same person twice in a program and period (across villages and batches); one card for several people."""
    open_items = [i for i in c.items if not any(f.hard for f in findings[i.item_id])]
    if not open_items:
        return
    claimed = set((await session.execute(pg_insert(tables.claims).on_conflict_do_nothing()
                                         .returning(tables.claims.c.item_id), [
        {"program_code": c.program_code, "period": c.period, "id_number": i.id_number, "item_id": i.item_id}
        for i in open_items])).scalars())
    for i in open_items:
        if i.item_id not in claimed:
            findings[i.item_id].append(Finding("DUPLICATE_IN_PERIOD", f"{c.program_code} {c.period} claimed already"))
    cc = tables.card_claims
    await session.execute(pg_insert(cc).on_conflict_do_nothing(), [
        {"period": c.period, "card_number": i.card_number, "id_number": i.id_number} for i in open_items])
    holders = dict((await session.execute(select(cc.c.card_number, cc.c.id_number).where(
        cc.c.period == c.period, cc.c.card_number == _array("cards", [i.card_number for i in open_items])))).all())
    for i in open_items:
        if holders.get(i.card_number, i.id_number) != i.id_number:
            findings[i.item_id].append(Finding("CARD_SHARED", "this card already receives for another person"))
