"""Use cases of declaration: keep the program list, accept a batch and publish it in chunks."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.declaration import tables
from services.declaration.domain import MAX_ROWS, GoodRow, RowError, check_row
from shared.auth import Principal
from shared.events import topics
from shared.events.envelope import Envelope
from shared.events.payloads import BatchSubmitted, Item, ProgramPublished
from shared.service import Runtime
from shared.web import chunks

CHUNK = 1000


async def on_program_published(rt: Runtime, session: AsyncSession, env: Envelope[ProgramPublished]) -> None:
    """Keep a local copy of the catalog's programs (newest version wins)."""
    p = env.payload
    values = {"code": p.program_code, "version": p.version, "name": p.name, "department_code": p.department_code,
              "standard_fen": p.standard_fen, "unit": p.unit, "year": p.year}
    stmt = pg_insert(tables.programs).values(values)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=["code"], set_=values, where=tables.programs.c.version < stmt.excluded.version))


class DeclarationRefused(ValueError):
    def __init__(self, message: str, errors: list[RowError] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


@dataclass
class Accepted:
    batch_id: str
    item_count: int
    amount_fen: int
    chunk_count: int
    errors: list[RowError] = field(default_factory=list)
    duplicate_upload: bool = False


async def submit_batch(rt: Runtime, who: Principal, program_code: str, period: str,
                       rows: list[dict[str, Any]]) -> Accepted:
    """Validate every row, keep the good ones, publish them in chunks with control totals."""
    if not who.township:
        raise DeclarationRefused("this token has no township scope; only a township may declare")
    if len(rows) > MAX_ROWS:
        raise DeclarationRefused(f"{len(rows)} rows; at most {MAX_ROWS} per upload, split the file")
    digest = hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()
    async with rt.db.transaction() as session:
        program = (await session.execute(
            select(tables.programs).where(tables.programs.c.code == program_code))).mappings().first()
        if program is None:
            raise DeclarationRefused(f"program {program_code!r} is not in the catalog (or not yet published)")
        same = (await session.execute(select(tables.batches).where(
            tables.batches.c.township_code == who.township, tables.batches.c.program_code == program_code,
            tables.batches.c.period == period, tables.batches.c.content_digest == digest))).mappings().first()
        if same is not None:
            return Accepted(same["batch_id"], same["item_count"], same["amount_fen"], same["chunk_count"],
                            duplicate_upload=True)
        good, errors = _check_rows(rows, program["standard_fen"])
        if not good:
            raise DeclarationRefused("no row is valid; nothing was saved", errors)
        batch_id = "B" + uuid.uuid4().hex[:15].upper()
        items = [Item(item_id=f"{batch_id}-{g.row:06d}", name=g.name, id_number=g.id_number,
                      card_number=g.card_number, bank_code=g.bank_code, village=g.village,
                      quantity=g.quantity, amount_fen=g.amount_fen) for g in good]
        parts = chunks(items, CHUNK)
        total_fen = sum(i.amount_fen for i in items)
        await session.execute(insert(tables.batches).values(
            batch_id=batch_id, program_code=program_code, period=period, township_code=who.township,
            content_digest=digest, item_count=len(items), amount_fen=total_fen, rejected_rows=len(
                {e.row for e in errors}), chunk_count=len(parts), status="submitted", submitted_by=who.sub))
        await session.execute(insert(tables.items), [
            {**i.model_dump(), "batch_id": batch_id, "row_no": g.row} for i, g in zip(items, good, strict=True)])
        events = [BatchSubmitted(
            batch_id=batch_id, program_code=program_code, department_code=program["department_code"],
            period=period, township_code=who.township, chunk_index=n, chunk_count=len(parts),
            batch_item_count=len(items), batch_amount_fen=total_fen, items=tuple(part),
            item_count=len(part), amount_fen=sum(i.amount_fen for i in part)) for n, part in enumerate(parts)]
        await rt.emit(session, topics.BATCH_SUBMITTED, batch_id, events, correlation_id=batch_id)
    rt.nudge()
    return Accepted(batch_id, len(items), total_fen, len(parts), errors)


def _check_rows(rows: list[dict[str, Any]], standard_fen: int) -> tuple[list[GoodRow], list[RowError]]:
    good: list[GoodRow] = []
    errors: list[RowError] = []
    for n, raw in enumerate(rows, start=1):
        result = check_row(n, raw, standard_fen)
        if isinstance(result, GoodRow):
            good.append(result)
        else:
            errors.extend(result)
    return good, errors
