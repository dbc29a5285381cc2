"""Review's SQL: program versions, reference data, the card registry copy, claims, batches and items."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.review import tables
from services.review.domain import BatchStatus, ItemStatus, Program, References
from shared import bulk
from shared.db import SLICE, among
from shared.events.payloads import Item
from shared.packing import array_params, repeated
from shared.rawsql import fetch, rows_among

KINDS = ("household", "deaths", "public_employees", "village_officials", "land")
R, B, IT = tables.ref_rows, tables.batches, tables.items


async def keep_program_version(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(pg_insert(tables.programs).values(values).on_conflict_do_nothing())


async def program_for(session: AsyncSession, code: str, period_start: dt.date,
                      nearest: bool = False) -> Program | None:
    """The version in force at ``period_start``; with ``nearest``, the earliest one if none was yet (history
    imported for a year before the program was recorded in the catalog)."""
    pv = tables.programs
    row = (await session.execute(select(pv).where(pv.c.code == code, pv.c.effective_from <= period_start)
                                 .order_by(pv.c.effective_from.desc()).limit(1))).mappings().first()
    if row is None and nearest:
        row = (await session.execute(select(pv).where(pv.c.code == code).order_by(pv.c.effective_from).limit(1))
               ).mappings().first()
    if row is None:
        return None
    # exclusion goes both ways: the programs this one names, and those naming this one
    naming = (await session.execute(text("SELECT DISTINCT code FROM program_versions WHERE excludes ? :c"),
                                    {"c": code})).scalars().all()
    excludes = tuple(sorted(set(row["excludes"]) | set(naming)))
    return Program(row["standard_fen"], row["cap_quantity"], row["min_age"], row["means_tested"], row["rules"],
                   excludes, row["area_basis"])


async def keep_cards(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """The card registry as banking last told it (one row per card, the newest holder and status): one
    statement a chunk (it was one execution per card: 100,000 cards took review ~10 s, now ~5). A card twice
    in one chunk is kept as its last row says, as one statement per row left it."""
    last = {r["card_number"]: r for r in rows}
    if last:
        await bulk.insert_rows(session, tables.card_refs, list(last.values()), conflict=("card_number",),
                               update=("id_number", "name", "status"))


async def card_count(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(tables.card_refs))).scalar_one())


async def add_reference(session: AsyncSession, kind: str, county: str, rows: list[dict[str, Any]], who: str,
                        source: str) -> int:
    """A new version (import) of one kind of a county's reference data; returns its version number."""
    import_id = int((await session.execute(insert(tables.ref_imports).values(
        kind=kind, county=county, row_count=len(rows), imported_by=who, source=source
    ).returning(tables.ref_imports.c.import_id))).scalar_one())
    for start in range(0, len(rows), SLICE):  # a slice at a time: a million rows are never copied whole
        part = rows[start:start + SLICE]
        await bulk.insert_columns(session, R, {
            "import_id": [import_id] * len(part), "id_number": [r["id_number"] for r in part],
            **{c: [r.get(c) for r in part] for c in ("name", "village", "status", "on_date")},
            "extra": [json.dumps(r["extra"], ensure_ascii=False) if r.get("extra") else None for r in part]})
    return import_id


async def reference_imports(session: AsyncSession) -> list[dict[str, Any]]:
    ri = tables.ref_imports
    rows = (await session.execute(select(ri).order_by(ri.c.import_id.desc()))).mappings().all()
    return [dict(r) for r in rows if r["kind"] in KINDS]


async def latest_imports(session: AsyncSession, county: str) -> dict[str, int]:
    """The newest version of each kind of a county's reference data (what a check uses, recorded with the
    batch); a batch's county is the first six digits of its township's division code."""
    ri = tables.ref_imports
    return dict((await session.execute(select(ri.c.kind, func.max(ri.c.import_id)).where(ri.c.county == county)
                                       .group_by(ri.c.kind))).all())


async def references(session: AsyncSession, id_numbers: list[str], card_numbers: list[str],
                     latest: dict[str, int]) -> References:
    """The reference data about these people and cards, narrowed to them."""
    refs = References(has_household="household" in latest, has_land="land" in latest)
    by_import = {v: k for k, v in latest.items()}
    if by_import:
        rows = await _ref_rows(session, list(by_import), id_numbers)
        officials = {}
        for r in rows:
            kind, extra = by_import[r["import_id"]], r["extra"] or {}
            if kind == "household":
                refs.household[r["id_number"]] = dict(r) | extra
            elif kind == "deaths" and r["on_date"] is not None:
                refs.deaths[r["id_number"]] = r["on_date"]
            elif kind == "public_employees":
                refs.employees[r["id_number"]] = r["status"] or "?"
            elif kind == "village_officials":
                officials[r["id_number"]] = dict(r) | extra
            elif kind == "land":
                refs.land[r["id_number"]] = {k: Decimal(str(extra.get(k) or 0)) for k in ("cropland", "grassland")}
        refs.officials = await _officials(session, officials, latest.get("village_officials"))
    refs.cards = {c["card_number"]: c for c in await rows_among(session, tables.card_refs, "card_number",
                                                                 card_numbers)}  # records, read by key
    return refs


async def _ref_rows(session: AsyncSession, imports: list[int], id_numbers: list[str]) -> list[Any]:
    """The rows of these imports about these people (read without SQLAlchemy's rows: thousands a chunk)."""
    sql, bind = array_params({"ids": "text"}, {"ids": id_numbers})
    return await fetch(session, "SELECT import_id, id_number, name, village, status, on_date, extra FROM ref_rows "
                                f"WHERE import_id = ANY(:imports) AND id_number = ANY({sql['ids']})",
                       bind | {"imports": imports})


async def _officials(session: AsyncSession, found: dict[str, dict[str, Any]],
                     import_id: int | None) -> dict[str, str]:
    """Who each person on the officials list is: an official (village and post), or whose relative."""
    related = {r.get("related_id") for r in found.values() if r.get("related_id")}
    heads: dict[str, dict[str, Any]] = {}
    if related and import_id is not None:
        rows = await _ref_rows(session, [import_id], sorted(str(x) for x in related))
        heads = {r["id_number"]: dict(r) | (r["extra"] or {}) for r in rows}
    out = {}
    for id_number, r in found.items():
        place = " ".join(x for x in (r.get("village"), r.get("post")) if x)
        head = heads.get(str(r.get("related_id") or ""))
        if r.get("role") == "亲属" or r.get("related_id"):
            who = (f"{head.get('village') or ''} {head.get('post') or '村干部'} {head.get('name') or ''}".strip()
                   if head else f"村干部（身份号码尾号{str(r.get('related_id') or '')[-4:]}）")
            relation = f"（{r['status']}）" if r.get("status") else ""
            out[id_number] = f"村干部亲属：{who}的亲属{relation}"
        else:
            out[id_number] = f"村干部：{place or r.get('status') or '村干部'}"
    return out


async def claim(session: AsyncSession, program: str, period: str, claims: list[tuple[str, str]]) -> set[str]:
    """Claim (id_number, item_id) pairs for a program and period; returns the item ids that got their claim
    (the first of the same person twice in one chunk)."""
    if not claims:
        return set()
    got = await bulk.insert_columns(session, tables.claims, {
        "program_code": [program] * len(claims), "period": [period] * len(claims),
        "id_number": [i for i, _ in claims], "item_id": [item for _, item in claims]},
        conflict=("program_code", "period", "id_number"), returning="item_id")
    return set(got)


_TAKE_TURNS = """
INSERT INTO turns (period, id_number) SELECT CAST(:period AS text), v.id FROM unnest({ids}) AS v(id)
ON CONFLICT (period, id_number) DO UPDATE SET id_number = EXCLUDED.id_number
"""  # an update that changes nothing: it is there to lock the person's row until the transaction ends


async def take_turns(session: AsyncSession, period: str, id_numbers: list[str]) -> None:
    """Lock each person's row for the period until this transaction ends (tables.turns), in order of id number
    (two chunks taking the same people wait for each other, never deadlock)."""
    ids = sorted(set(id_numbers))
    if ids:
        sql, bind = array_params({"ids": "text"}, {"ids": ids})
        await fetch(session, _TAKE_TURNS.format(**sql), bind | {"period": period})


async def card_holders(session: AsyncSession, period: str, pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Claim each (card, person) for the period (the first of a card twice in one chunk); return the first
    person claiming each card. The claims taken now come back from the insert itself; only the cards
    someone already held (few) are read again."""
    if not pairs:
        return {}
    cc = tables.card_claims
    cards = [card for card, _ in pairs]
    taken = await bulk.insert_columns(session, cc, {"period": [period] * len(pairs), "card_number": cards,
                                                    "id_number": [person for _, person in pairs]},
                                      conflict=("period", "card_number"), returning="card_number, id_number")
    holders = {r["card_number"]: r["id_number"] for r in taken}
    held = sorted({card for card in cards if card not in holders})
    if held:
        rows = await session.execute(select(cc.c.card_number, cc.c.id_number).where(
            cc.c.period == period, among(cc.c.card_number, held)))
        holders |= {r.card_number: r.id_number for r in rows}
    return holders


async def release_claims(session: AsyncSession, program: str, period: str, item_ids: list[str]) -> None:
    """A row people rejected may come back corrected in a later batch: its claims no longer count. Both
    deletes go by the claims' keys (program, period, person; period, card): no scan of every claim."""
    if not item_ids:
        return
    bodies = (await session.execute(select(IT.c.item_id, IT.c.body).where(among(IT.c.item_id, item_ids)))).all()
    sql, bind = array_params({"ids": "text", "items": "text"}, {
        "ids": [b.body["id_number"] for b in bodies], "items": [b.item_id for b in bodies]})
    await session.execute(text(
        f"DELETE FROM claims c USING unnest({sql['ids']}, {sql['items']}) AS v(id, item) "
        "WHERE c.program_code = :program AND c.period = :period AND c.id_number = v.id AND c.item_id = v.item"),
        bind | {"program": program, "period": period})
    sql, bind = array_params({"cards": "text", "ids": "text"}, {
        "cards": [b.body["card_number"] for b in bodies], "ids": [b.body["id_number"] for b in bodies]})
    await session.execute(text(
        f"DELETE FROM card_claims c USING unnest({sql['cards']}, {sql['ids']}) AS v(card, id) "
        "WHERE c.period = :period AND c.card_number = v.card AND c.id_number = v.id"), bind | {"period": period})


async def add_items(session: AsyncSession, items: list[Item], batch_id: str, findings: list[list[dict[str, Any]]],
                    statuses: list[str], decided_by: str | None = None, reason: str | None = None) -> None:
    """Keep checked items: the body and findings go in as JSON text (no per-row encoding by the driver layer;
    most items have no finding, and ``json.dumps([])`` cost as much as the item's own body)."""
    await bulk.insert_columns(session, IT, bulk.columns(
        items, ("item_id",), batch_id=batch_id, body=[i.model_dump_json() for i in items],
        findings=[json.dumps(f, ensure_ascii=False) if f else "[]" for f in findings], status=statuses,
        decided_by=decided_by, decision_reason=reason))


async def mark_checked(session: AsyncSession, batch_id: str, ref_versions: dict[str, int]) -> None:
    """Every chunk checked: the batch waits for the township, with the reference versions it was checked against."""
    await session.execute(update(B).where(B.c.batch_id == batch_id).values(
        status=BatchStatus.TOWNSHIP_REVIEW, ref_versions=ref_versions))




async def batch(session: AsyncSession, batch_id: str, lock: bool = False) -> dict[str, Any] | None:
    """A batch in review; ``lock``: held until the deciding transaction ends (no two decisions at once)."""
    q = select(B).where(B.c.batch_id == batch_id)
    row = (await session.execute(q.with_for_update() if lock else q)).mappings().first()
    return dict(row) if row else None


async def item_statuses(session: AsyncSession, batch_id: str) -> dict[str, str]:
    """item id -> status of every item of the batch (no bodies: a batch has tens of thousands)."""
    rows = await fetch(session, "SELECT item_id, status FROM items WHERE batch_id = :b", {"b": batch_id})
    return {r[0]: r[1] for r in rows}


async def items_decided(session: AsyncSession, item_ids: list[str]) -> dict[str, Any]:
    """item id -> (item_id, id_number, findings) of the items a person decides."""
    rows = await session.execute(select(IT.c.item_id, IT.c.body["id_number"].astext.label("id_number"),
                                        IT.c.findings).where(among(IT.c.item_id, item_ids)))
    return {r.item_id: r for r in rows}


# The batch is a column of the decisions (packing.repeated), joined per item: compared with a constant, a batch
# inserted after the statistics were taken looked like one row, and the planner could start from the batch's
# items by its index and compare each with every decision (tests/usecases/test_settlement_plan.py).
_DECIDE = """
UPDATE items SET status = v.status, decided_by = :who, decision_reason = v.reason
FROM unnest({ids}, {statuses}, {reasons}, {batches}) AS v(item_id, status, reason, batch_id)
WHERE items.item_id = v.item_id AND items.batch_id = v.batch_id
"""


async def decide_items(session: AsyncSession, batch_id: str, who: str,
                       decisions: dict[str, tuple[bool, str | None]]) -> None:
    """Apply each person's decision (one statement for all of them: a township decides thousands at a million
    people); every item that passed the rules is approved by the same person."""
    if decisions:
        ids = list(decisions)
        sql, bind = array_params({"ids": "text", "statuses": "text", "reasons": "text"}, {
            "ids": ids, "reasons": [decisions[i][1] for i in ids],
            "statuses": [(ItemStatus.APPROVED if decisions[i][0] else ItemStatus.REJECTED).value for i in ids]})
        await session.execute(text(_DECIDE.format(**sql, batches=repeated("batch", "text", sql["ids"]))),
                              bind | {"who": who, "batch": batch_id})
    await session.execute(update(IT).where(IT.c.batch_id == batch_id, IT.c.status == ItemStatus.PASSED)
                          .values(status=ItemStatus.APPROVED, decided_by=who))


async def reject_approved(session: AsyncSession, batch_id: str, who: str, reason: str) -> list[str]:
    rows = await session.execute(update(IT).where(IT.c.batch_id == batch_id, IT.c.status == ItemStatus.APPROVED)
                                 .values(status=ItemStatus.REJECTED, decided_by=who, decision_reason=reason)
                                 .returning(IT.c.item_id))
    return list(rows.scalars())


async def set_batch(session: AsyncSession, batch_id: str, **values: Any) -> None:
    await session.execute(update(B).where(B.c.batch_id == batch_id).values(**values, ))


async def decided_items(session: AsyncSession, batch_id: str) -> list[Any]:
    """The batch's items in order: their decision (status, the first finding, who decided and why), amount,
    and the declared item itself as its stored JSON text (asyncpg's records: ``r["status"]``)."""
    return list(await fetch(session, (
        "SELECT item_id, status, decided_by, decision_reason, findings -> 0 ->> 'code' AS first_code, "
        "findings -> 0 ->> 'reason' AS first_reason, CAST(body ->> 'amount_fen' AS bigint) AS amount_fen, "
        "CAST(body AS text) AS body FROM items WHERE batch_id = :b ORDER BY item_id"), {"b": batch_id}))


async def queue(session: AsyncSession, narrowed: dict[str, str], status: str | None) -> list[dict[str, Any]]:
    """Batches with their counts of flagged and rule-rejected items, narrowed to a scope and a state."""
    q = select(B, func.count().filter(IT.c.status == ItemStatus.FLAGGED).label("flagged"),
               func.count().filter(IT.c.status == ItemStatus.REJECTED).label("rejected_by_rules"),
               func.count().label("items")).join(IT, IT.c.batch_id == B.c.batch_id).group_by(B.c.batch_id)
    q = q.where(*[B.c[k] == v for k, v in narrowed.items()])
    if status is not None:
        q = q.where(B.c.status == status)
    return [dict(r) for r in (await session.execute(q.order_by(B.c.batch_id))).mappings().all()]


async def batch_items(session: AsyncSession, batch_id: str, status: str | None, limit: int,
                      offset: int) -> list[dict[str, Any]]:
    q = select(IT).where(IT.c.batch_id == batch_id).order_by(IT.c.item_id).limit(limit).offset(offset)
    if status:
        q = q.where(IT.c.status == status)
    return [dict(r) for r in (await session.execute(q)).mappings().all()]


async def counts_by_reason(session: AsyncSession, batch_id: str) -> list[dict[str, Any]]:
    rows = (await session.execute(text(
        "SELECT status, findings -> 0 ->> 'code', count(*) FROM items WHERE batch_id = :b GROUP BY 1, 2"),
        {"b": batch_id})).all()
    return [{"status": r[0], "reason_code": r[1], "count": r[2]} for r in rows]


async def keep_suspension(session: AsyncSession, values: dict[str, Any]) -> None:
    stmt = pg_insert(tables.suspensions).values(**values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["suspension_id"],
                                                     set_={"active": stmt.excluded.active}))


async def suspended(session: AsyncSession, program: str, id_numbers: list[str]) -> dict[str, str]:
    """Active suspensions of these people in this program (id number -> reason)."""
    su = tables.suspensions
    rows = await session.execute(select(su.c.id_number, su.c.reason).where(
        su.c.active, su.c.program_code == program, among(su.c.id_number, id_numbers)))
    return {r.id_number: r.reason for r in rows}


async def approved_batches(session: AsyncSession, year: str) -> list[dict[str, Any]]:
    rows = await session.execute(select(B).where(B.c.status == BatchStatus.APPROVED, func.left(B.c.period, 4) == year)
                                 .order_by(B.c.batch_id))
    return [dict(r) for r in rows.mappings()]


async def approved_items(session: AsyncSession, batch_id: str) -> list[Item]:
    rows = await session.execute(select(IT.c.body).where(IT.c.batch_id == batch_id, IT.c.status == ItemStatus.APPROVED)
                                 .order_by(IT.c.item_id))
    return [Item(**body) for body in rows.scalars()]


async def add_history_batch(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(B).values(**values))


async def first_claims(session: AsyncSession, programs: list[str], period: str,
                       id_numbers: list[str]) -> dict[str, str]:
    """Who holds the claim of each person for these programs and period (id number -> item id)."""
    cl = tables.claims
    rows = await session.execute(select(cl.c.id_number, cl.c.item_id).where(
        cl.c.program_code.in_(programs), cl.c.period == period, among(cl.c.id_number, id_numbers)))
    return {r.id_number: r.item_id for r in rows}


async def item_places(session: AsyncSession, item_ids: list[str]) -> dict[str, tuple[str, str, str, str]]:
    """(batch, township, village, program) of items already in review."""
    rows = await session.execute(select(IT.c.item_id, IT.c.batch_id, B.c.township_code, IT.c.body["village"].astext,
                                        B.c.program_code).join(B, B.c.batch_id == IT.c.batch_id)
                                 .where(among(IT.c.item_id, item_ids)))
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}


async def flag_open_items(session: AsyncSession, found: dict[str, list[dict[str, Any]]]) -> None:
    """Add findings to items no person has decided yet (their batch still before the township's decision):
    they wait for a reviewer too. An item already decided keeps its decision; the later claim carries the flag."""
    for item_id, more in found.items():
        await session.execute(text(
            "UPDATE items SET findings = findings || CAST(:more AS jsonb), status = 'flagged' "
            "WHERE item_id = :i AND status IN ('passed', 'flagged') AND batch_id IN "
            "(SELECT batch_id FROM batches WHERE status IN ('checking', 'township_review'))"),
            {"i": item_id, "more": json.dumps(more, ensure_ascii=False)})


async def claim_holder(session: AsyncSession, program: str, period: str, id_number: str, item_id: str) -> str:
    """Take the person's claim for the item if nobody holds it; returns the item that holds it now."""
    cl = tables.claims
    await session.execute(pg_insert(cl).values(program_code=program, period=period, id_number=id_number,
                                               item_id=item_id).on_conflict_do_nothing())
    return str((await session.execute(select(cl.c.item_id).where(
        cl.c.program_code == program, cl.c.period == period, cl.c.id_number == id_number))).scalar_one())


async def keep_township(session: AsyncSession, code: str, name: str) -> None:
    stmt = pg_insert(tables.townships).values(code=code, name=name)
    await session.execute(stmt.on_conflict_do_update(index_elements=["code"], set_={"name": name}))


async def township_names(session: AsyncSession) -> dict[str, str]:
    return {r.code: r.name for r in await session.execute(select(tables.townships))}
