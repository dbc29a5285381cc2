"""Declaration use cases: keep the catalog's versions, accept an upload and publish its batch in chunks."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from services.declaration import store, tables
from services.declaration.domain import MAX_ROWS, Context, GoodRow, RowError, check_row
from services.declaration.settings import Settings
from services.declaration.uploads import errors_csv
from shared.access import Viewer
from shared.audit import record
from shared.auth import Principal, Role
from shared.errors import Invalid, NotFound
from shared.events.envelope import Envelope
from shared.events.oversight import TownshipRegistered
from shared.events.payloads import BatchSubmitted, Item, ItemsReviewed, ProgramPublished
from shared.messaging.chunks import item_chunks
from shared.messaging.context import HandlerContext
from shared.periods import period_start

Ctx = HandlerContext[Settings]
MAX_ERRORS_SHOWN = 200


class DeclarationRefused(Invalid):
    """Nothing was declared: the reason, and the row errors if rows were the problem."""

    def __init__(self, message: str, errors: list[RowError] | None = None, upload_id: str | None = None) -> None:
        self.errors = errors or []
        self.upload_id = upload_id
        super().__init__(message, {"message": message, "upload_id": upload_id,
                                   "errors": [e.as_dict() for e in self.errors[:MAX_ERRORS_SHOWN]]})


@dataclass
class Accepted:
    upload_id: str
    batch_id: str | None  # None: no row was valid, nothing declared (the errors file says why)
    item_count: int
    amount_fen: int
    chunk_count: int
    rejected_rows: int
    errors: list[RowError] = field(default_factory=list)
    duplicate_upload: bool = False


async def on_program_published(ctx: Ctx, env: Envelope[ProgramPublished]) -> None:
    """Keep every version of the catalog's programs; a period is checked against the version in force."""
    p = env.payload
    await store.keep_program(
        ctx.session,
        {"code": p.program_code, "name": p.name, "department_code": p.department_code, "retired_from": p.retired_from},
        {"code": p.program_code, "version": p.version, "effective_from": p.effective_from,
         "standard_fen": p.standard_fen, "unit": p.unit})


async def on_items_reviewed(ctx: Ctx, env: Envelope[ItemsReviewed]) -> None:
    """Record review's decisions; rejected items go back to the declarer with their reasons."""
    c = env.payload
    rows = [{"item_id": i.item_id, "batch_id": c.batch_id, "decision": "approved", "reason_code": None,
             "reason": None} for i in c.approved]
    rows += [{"item_id": r.item.item_id, "batch_id": c.batch_id, "decision": "rejected",
              "reason_code": r.reason_code, "reason": r.reason[:500]} for r in c.rejected]
    await store.keep_review_results(ctx.session, c.batch_id, rows)


async def _context(ctx: Ctx, who: Principal, program_code: str, period: str,
                   township: str | None) -> tuple[Context, int, str]:
    """The program version in force for the period, and the township the batch is for (by scope)."""
    program = await store.program(ctx.session, program_code)
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
    first_day = period_start(period)
    if program["retired_from"] is not None and program["retired_from"] <= first_day:
        raise DeclarationRefused(f"program {program_code} was retired from {program['retired_from']}")
    version = await store.version_in_force(ctx.session, program_code, first_day)
    if version is None:
        raise DeclarationRefused(f"program {program_code} has no version in force for {period}")
    towns, villages = await store.township(ctx.session, township)
    if not villages:
        raise DeclarationRefused(f"township {township} has no villages registered; ask the finance bureau")
    context = Context(program_code, program["name"], version["standard_fen"], township, towns, villages)
    return context, version["version"], program["department_code"]


async def submit_batch(ctx: Ctx, who: Principal, program_code: str, period: str, rows: list[dict[str, Any]],
                       township: str | None = None, filename: str | None = None) -> Accepted:
    """Validate every row, keep the good ones, publish them in chunks with control totals."""
    if who.role not in (Role.TOWNSHIP, Role.DEPARTMENT):
        raise DeclarationRefused("only a township or a fund department may declare")
    if len(rows) > MAX_ROWS:
        raise DeclarationRefused(f"{len(rows)} rows; at most {MAX_ROWS} per upload, split the file")
    digest = hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()
    checked, version, department = await _context(ctx, who, program_code, period, township)
    town = checked.township_code
    same = await store.same_upload(ctx.session, town, program_code, period, digest)
    if same is not None and same["batch_id"] is not None:
        batch = await store.batch(ctx.session, same["batch_id"])
        assert batch is not None
        return Accepted(same["upload_id"], same["batch_id"], batch["item_count"], batch["amount_fen"],
                        batch["chunk_count"], same["rejected_rows"], duplicate_upload=True)
    good, errors = _check_rows(rows, checked)
    upload_id = "U" + uuid.uuid4().hex[:15].upper()
    batch_id = "B" + uuid.uuid4().hex[:15].upper() if good else None
    bad_rows = {e.row for e in errors}
    await store.add_upload(ctx.session, {
        "upload_id": upload_id, "batch_id": batch_id, "program_code": program_code, "period": period,
        "township_code": town, "filename": filename, "content_digest": digest, "row_count": len(rows),
        "accepted_rows": len(good), "rejected_rows": len(bad_rows), "uploaded_by": who.sub,
        "errors": [e.as_dict() | {"values": _printable(rows[e.row - 1])} for e in errors]})
    if batch_id is None:
        return Accepted(upload_id, None, 0, 0, 0, len(bad_rows), errors)
    ctx.correlate(batch_id)
    items = [Item(item_id=f"{batch_id}-{g.row:06d}", name=g.name, id_number=g.id_number,
                  card_number=g.card_number, bank_code=g.bank_code, village=g.village,
                  quantity=g.quantity, amount_fen=g.amount_fen) for g in good]
    events = item_chunks(BatchSubmitted, items, ctx.settings.chunk_size, batch_id=batch_id,
                         program_code=program_code, department_code=department, period=period, township_code=town,
                         declared_by=who.sub)
    total_fen = events[0].batch_amount_fen
    await store.add_batch(ctx.session, {
        "batch_id": batch_id, "upload_id": upload_id, "program_code": program_code, "program_version": version,
        "period": period, "township_code": town, "item_count": len(items), "amount_fen": total_fen,
        "chunk_count": len(events), "submitted_by": who.sub},
        [{**i.model_dump(), "batch_id": batch_id, "row_no": g.row} for i, g in zip(items, good, strict=True)])
    await ctx.emit(*events)
    return Accepted(upload_id, batch_id, len(items), total_fen, len(events), len(bad_rows), errors)


def _printable(raw: dict[str, Any]) -> dict[str, str]:
    return {k: "" if v is None else str(v)[:100] for k, v in raw.items()}


def _check_rows(rows: list[dict[str, Any]], checked: Context) -> tuple[list[GoodRow], list[RowError]]:
    good: list[GoodRow] = []
    errors: list[RowError] = []
    for n, raw in enumerate(rows, start=1):
        result = check_row(n, raw, checked)
        if isinstance(result, GoodRow):
            good.append(result)
        else:
            errors.extend(result)
    return good, errors


async def upload_errors(ctx: Ctx, who: Viewer, upload_id: str) -> str:
    """The rejected rows of an upload as CSV, for the declarer to correct (within the viewer's scope)."""
    up = who.check(await store.upload(ctx.session, upload_id), f"upload {upload_id}")
    return errors_csv(up["errors"])


async def get_batch(ctx: Ctx, who: Viewer, batch_id: str) -> dict[str, Any]:
    return dict(who.check(await store.batch(ctx.session, batch_id), f"batch {batch_id}"))


async def known_versions(ctx: Ctx, code: str) -> list[dict[str, Any]]:
    """The program versions declaration has received from the catalog (and checks periods against)."""
    return await store.versions(ctx.session, code)


async def returned_items(ctx: Ctx, who: Viewer, batch_id: str) -> list[dict[str, Any]]:
    """Items review rejected (退回), with row number and reason, for the declarer to correct."""
    await get_batch(ctx, who, batch_id)  # the same scope check
    return await store.returned_items(ctx.session, batch_id)


async def put_township(ctx: Ctx, who: Principal, code: str, name: str, villages: list[str]) -> dict[str, Any]:
    """Register or rename a township and add villages (the scope a township may declare for); villages
    already registered are kept — a village is removed only by name (``remove_village``)."""
    added = await store.put_township(ctx.session, code, name, sorted(set(villages)))
    await record(ctx.session, tables.audit, who, "township.put", code, detail={"name": name, "added": added})
    return await _registered(ctx, code, name, added=added)


async def remove_village(ctx: Ctx, who: Principal, code: str, village: str) -> dict[str, Any]:
    """Take a village off a township (merged, renamed): declarations for it are refused from now on."""
    towns, _ = await store.township(ctx.session, code)
    if not towns:
        raise NotFound(f"no township {code}")
    if not await store.remove_village(ctx.session, code, village):
        raise NotFound(f"township {code} has no village {village!r}")
    await record(ctx.session, tables.audit, who, "township.village.remove", code, detail={"village": village})
    return await _registered(ctx, code, next(iter(towns)), removed=[village])


async def _registered(ctx: Ctx, code: str, name: str, **change: list[str]) -> dict[str, Any]:
    """Tell the other services the township's names as they are now."""
    _, villages = await store.township(ctx.session, code)
    ctx.correlate(code)
    await ctx.emit(TownshipRegistered(township_code=code, name=name, villages=tuple(sorted(villages))))
    return {"code": code, "name": name, "villages": sorted(villages), **change}


async def list_townships(ctx: Ctx, name: str | None) -> list[dict[str, Any]]:
    """Townships and their villages by name and code (search by a part of a name)."""
    return await store.townships(ctx.session, name)
