"""Use cases of declaration: keep the catalog's versions, accept an upload and publish its batch in chunks."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.declaration import tables
from services.declaration.domain import MAX_ROWS, Context, GoodRow, RowError, check_row
from shared.auth import Principal, Role
from shared.events import topics
from shared.events.envelope import Envelope
from shared.events.payloads import BatchSubmitted, Item, ItemsReviewed, ProgramPublished
from shared.service import Runtime
from shared.web import chunks

CHUNK = 1000
MAX_ERRORS_SHOWN = 200


async def on_program_published(rt: Runtime, session: AsyncSession, env: Envelope[ProgramPublished]) -> None:
    """Keep every version of the catalog's programs; a period is checked against the version in force."""
    p = env.payload
    values = {"code": p.program_code, "name": p.name, "department_code": p.department_code,
              "retired_from": p.retired_from}
    stmt = pg_insert(tables.programs).values(values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["code"], set_=values))
    await session.execute(pg_insert(tables.program_versions).values(
        code=p.program_code, version=p.version, effective_from=p.effective_from, standard_fen=p.standard_fen,
        unit=p.unit).on_conflict_do_nothing())


async def on_items_reviewed(rt: Runtime, session: AsyncSession, env: Envelope[ItemsReviewed]) -> None:
    """Record review's decisions; rejected items go back to the declarer with their reasons."""
    c = env.payload
    rows = [{"item_id": i.item_id, "batch_id": c.batch_id, "decision": "approved", "reason_code": None,
             "reason": None} for i in c.approved]
    rows += [{"item_id": r.item.item_id, "batch_id": c.batch_id, "decision": "rejected",
              "reason_code": r.reason_code, "reason": r.reason[:500]} for r in c.rejected]
    if rows:
        await session.execute(pg_insert(tables.item_reviews).on_conflict_do_nothing(), rows)
    await session.execute(update(tables.batches).where(tables.batches.c.batch_id == c.batch_id)
                          .values(status="reviewed"))


class DeclarationRefused(ValueError):
    def __init__(self, message: str, errors: list[RowError] | None = None, upload_id: str | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []
        self.upload_id = upload_id


@dataclass
class Accepted:
    upload_id: str
    batch_id: str
    item_count: int
    amount_fen: int
    chunk_count: int
    rejected_rows: int
    errors: list[RowError] = field(default_factory=list)
    duplicate_upload: bool = False


async def _context(session: AsyncSession, who: Principal, program_code: str, period: str,
                   township: str | None) -> tuple[Context, int, str]:
    """The program version in force for the period, and the township the batch is for (by scope)."""
    program = (await session.execute(select(tables.programs).where(tables.programs.c.code == program_code))
               ).mappings().first()
    if program is None:
        raise DeclarationRefused(f"program {program_code!r} is not in the catalog (or not yet published)")
    if who.role == Role.TOWNSHIP:
        if township and township != who.township:
            raise DeclarationRefused("a township declares only for itself")
        township = who.township
    elif who.role == Role.DEPARTMENT and program["department_code"] != who.department:
        raise DeclarationRefused(f"program {program_code} belongs to department {program['department_code']}; "
                                 "a department declares only for its own programs")
    if not township:
        raise DeclarationRefused("township_code is required")
    first_day = dt.date(int(period[:4]), int(period[5:7]), 1)
    if program["retired_from"] is not None and program["retired_from"] <= first_day:
        raise DeclarationRefused(f"program {program_code} was retired from {program['retired_from']}")
    pv = tables.program_versions
    version = (await session.execute(select(pv).where(pv.c.code == program_code, pv.c.effective_from <= first_day)
                                     .order_by(pv.c.effective_from.desc()).limit(1))).mappings().first()
    if version is None:
        raise DeclarationRefused(f"program {program_code} has no version in force for {period}")
    towns = (await session.execute(select(tables.townships.c.name).where(tables.townships.c.code == township))
             ).scalars().all()
    villages = (await session.execute(select(tables.villages.c.name).where(
        tables.villages.c.township_code == township))).scalars().all()
    if not villages:
        raise DeclarationRefused(f"township {township} has no villages registered; ask the finance bureau")
    ctx = Context(program_code, program["name"], version["standard_fen"], township, frozenset(towns),
                  frozenset(villages))
    return ctx, version["version"], program["department_code"]


async def submit_batch(rt: Runtime, who: Principal, program_code: str, period: str, rows: list[dict[str, Any]],
                       township: str | None = None, filename: str | None = None) -> Accepted:
    """Validate every row, keep the good ones, publish them in chunks with control totals."""
    if who.role not in (Role.TOWNSHIP, Role.DEPARTMENT):
        raise DeclarationRefused("only a township or a fund department may declare")
    if len(rows) > MAX_ROWS:
        raise DeclarationRefused(f"{len(rows)} rows; at most {MAX_ROWS} per upload, split the file")
    digest = hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()
    async with rt.db.transaction() as session:
        ctx, version, department = await _context(session, who, program_code, period, township)
        same = (await session.execute(select(tables.uploads).where(
            tables.uploads.c.township_code == ctx.township_code, tables.uploads.c.program_code == program_code,
            tables.uploads.c.period == period, tables.uploads.c.content_digest == digest))).mappings().first()
        if same is not None and same["batch_id"] is not None:
            batch = (await session.execute(select(tables.batches).where(
                tables.batches.c.batch_id == same["batch_id"]))).mappings().one()
            return Accepted(same["upload_id"], same["batch_id"], batch["item_count"], batch["amount_fen"],
                            batch["chunk_count"], same["rejected_rows"], duplicate_upload=True)
        good, errors = _check_rows(rows, ctx)
        upload_id = "U" + uuid.uuid4().hex[:15].upper()
        batch_id = "B" + uuid.uuid4().hex[:15].upper() if good else None
        bad_rows = {e.row for e in errors}
        await session.execute(insert(tables.uploads).values(
            upload_id=upload_id, batch_id=batch_id, program_code=program_code, period=period,
            township_code=ctx.township_code, filename=filename, content_digest=digest, row_count=len(rows),
            accepted_rows=len(good), rejected_rows=len(bad_rows), uploaded_by=who.sub,
            errors=[e.as_dict() | {"values": _printable(rows[e.row - 1])} for e in errors]))
        if batch_id is None:
            raise DeclarationRefused("no row is valid; nothing was declared", errors, upload_id)
        items = [Item(item_id=f"{batch_id}-{g.row:06d}", name=g.name, id_number=g.id_number,
                      card_number=g.card_number, bank_code=g.bank_code, village=g.village,
                      quantity=g.quantity, amount_fen=g.amount_fen) for g in good]
        parts = chunks(items, CHUNK)
        total_fen = sum(i.amount_fen for i in items)
        await session.execute(insert(tables.batches).values(
            batch_id=batch_id, upload_id=upload_id, program_code=program_code, program_version=version,
            period=period, township_code=ctx.township_code, item_count=len(items), amount_fen=total_fen,
            chunk_count=len(parts), status="submitted", submitted_by=who.sub))
        await session.execute(insert(tables.items), [
            {**i.model_dump(), "batch_id": batch_id, "row_no": g.row} for i, g in zip(items, good, strict=True)])
        events = [BatchSubmitted(
            batch_id=batch_id, program_code=program_code, department_code=department, period=period,
            township_code=ctx.township_code, chunk_index=n, chunk_count=len(parts), batch_item_count=len(items),
            batch_amount_fen=total_fen, items=tuple(part), item_count=len(part),
            amount_fen=sum(i.amount_fen for i in part)) for n, part in enumerate(parts)]
        await rt.emit(session, topics.BATCH_SUBMITTED, batch_id, events, correlation_id=batch_id)
    rt.nudge()
    return Accepted(upload_id, batch_id, len(items), total_fen, len(parts), len(bad_rows), errors)


def _printable(raw: dict[str, Any]) -> dict[str, str]:
    return {k: "" if v is None else str(v)[:100] for k, v in raw.items()}


def _check_rows(rows: list[dict[str, Any]], ctx: Context) -> tuple[list[GoodRow], list[RowError]]:
    good: list[GoodRow] = []
    errors: list[RowError] = []
    for n, raw in enumerate(rows, start=1):
        result = check_row(n, raw, ctx)
        if isinstance(result, GoodRow):
            good.append(result)
        else:
            errors.extend(result)
    return good, errors
