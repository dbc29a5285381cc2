"""Declaration use cases: keep the catalog's versions, accept an upload and publish its batch in chunks."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from services.declaration import store, tables
from services.declaration.domain import MAX_ROWS, Context, GoodRow, RowError, check_row
from services.declaration.settings import Settings
from services.declaration.uploads import errors_csv
from shared import bulk
from shared.access import Viewer
from shared.audit import record
from shared.auth import Principal, Role
from shared.errors import Invalid, NotFound
from shared.events.envelope import Envelope
from shared.events.oversight import BankRegistered, TownshipRegistered
from shared.events.payloads import BatchSubmitted, Item, ProgramPublished
from shared.events.slim import ItemsReviewedReasons
from shared.messaging.chunks import item_chunks
from shared.messaging.context import HandlerContext
from shared.periods import period_start
from shared.registers import Lookup

Ctx = HandlerContext[Settings]
MAX_ERRORS_SHOWN = 200
DIVISION = re.compile(r"[0-9]{6,12}")


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
    batch_id: str | None  # the batch, when the rows made one; None: none, or several (see ``batches``)
    item_count: int
    amount_fen: int
    chunk_count: int
    rejected_rows: int
    errors: list[RowError] = field(default_factory=list)
    duplicate_upload: bool = False
    batches: list[dict[str, Any]] = field(default_factory=list)  # one per township and program


async def on_program_published(ctx: Ctx, env: Envelope[ProgramPublished]) -> None:
    """Keep every version of the catalog's programs; a period is checked against the version in force."""
    p = env.payload
    await store.keep_program(
        ctx.session,
        {"code": p.program_code, "name": p.name, "department_code": p.department_code, "retired_from": p.retired_from},
        {"code": p.program_code, "version": p.version, "effective_from": p.effective_from,
         "standard_fen": p.standard_fen, "unit": p.unit})


async def on_items_reviewed(ctx: Ctx, env: Envelope[ItemsReviewedReasons]) -> None:
    """Record review's decisions: rejected items go back to the declarer with their reasons; an item of a
    reviewed batch without a row here was approved (a row per approved item was written and never read)."""
    c = env.payload
    rejected = c.rejected
    await store.keep_review_results(ctx.session, c.batch_id, {
        "item_id": [r.item.item_id for r in rejected], "decision": ["rejected"] * len(rejected),
        "reason_code": [r.reason_code for r in rejected], "reason": [r.reason[:500] for r in rejected]})


async def _context(ctx: Ctx, who: Principal, program_code: str, period: str, township: str,
                   banks: tuple[Lookup, dict[str, str]]) -> tuple[Context, int, str]:
    """The program version in force for the period, and the township the batch is for (within scope)."""
    program = await _program(ctx, who, program_code)
    if who.role == Role.TOWNSHIP and township != who.township:
        raise DeclarationRefused("a township declares only for itself")
    first_day = period_start(period)
    if program["retired_from"] is not None and program["retired_from"] <= first_day:
        raise DeclarationRefused(f"program {program_code} was retired from {program['retired_from']}")
    version = await store.version_in_force(ctx.session, program_code, first_day)
    if version is None:
        raise DeclarationRefused(f"program {program_code} has no version in force for {period}")
    towns, villages = await store.township(ctx.session, township)
    if not villages:
        raise DeclarationRefused(f"township {township} has no villages registered; ask the finance bureau")
    context = Context(program_code, program["name"], version["standard_fen"], township, towns, villages, *banks)
    return context, version["version"], program["department_code"]


async def _program(ctx: Ctx, who: Principal, program_code: str) -> dict[str, Any]:
    """A program of the catalog the declarer may declare for (a department: only its own)."""
    program = await store.program(ctx.session, program_code)
    if program is None:
        raise DeclarationRefused(f"program {program_code!r} is not in the catalog (or not yet published)")
    if who.role == Role.DEPARTMENT and program["department_code"] != who.department:
        raise DeclarationRefused(f"program {program_code} belongs to department {program['department_code']}; "
                                 "a department declares only for its own programs")
    return program


Rows = list[tuple[int, dict[str, Any]]]  # (row number in the file, the row's cells)


async def submit_batch(ctx: Ctx, who: Principal, program_code: str | None, period: str, rows: list[dict[str, Any]],
                       township: str | None = None, filename: str | None = None) -> Accepted:
    """Validate every row, keep the good ones and publish them in chunks with control totals: one batch per
    township and program. A program or township given with the request holds for every row; without it,
    each row's 补贴项目 / 乡镇 (name or code) says where it belongs, within the declarer's scope."""
    if who.role not in (Role.TOWNSHIP, Role.DEPARTMENT):
        raise DeclarationRefused("only a township or a fund department may declare")
    if len(rows) > MAX_ROWS:
        raise DeclarationRefused(f"{len(rows)} rows; at most {MAX_ROWS} per upload, split the file")
    if who.role == Role.TOWNSHIP:
        if township and township != who.township:
            raise DeclarationRefused("a township declares only for itself")
        township = who.township
    if program_code is not None:  # named by the request: it must be one the declarer may declare for
        await _program(ctx, who, program_code)
    scope = [period, program_code, township, who.role.value, who.township, who.department]
    digest = hashlib.sha256(json.dumps([scope, rows], sort_keys=True, default=str).encode()).hexdigest()
    same = await store.same_upload(ctx.session, digest)
    if same is not None and same["batch_id"] is not None:
        return await _again(ctx, same)
    groups, errors = await _split(ctx, who, rows, program_code, township)
    upload_id = "U" + uuid.uuid4().hex[:15].upper()
    made: list[dict[str, Any]] = []
    banks = await store.bank_lookup(ctx.session)
    for (town, program), part in sorted(groups.items()):
        try:
            checked, version, department = await _context(ctx, who, program, period, town, banks)
        except DeclarationRefused as exc:
            if program_code and township:  # the request named them: the request is refused as a whole
                raise
            errors += [RowError(n, "program", str(exc)) for n, _ in part]
            continue
        good, bad = _check_rows(part, checked)
        errors += bad
        if good:
            made.append(await _publish(ctx, who, upload_id, period, checked, version, department, good))
    bad_rows = {e.row for e in errors}
    errors.sort(key=lambda e: e.row)
    await store.add_upload(ctx.session, {
        "upload_id": upload_id, "batch_id": made[0]["batch_id"] if made else None, "program_code": program_code,
        "period": period, "township_code": township,
        "department_code": who.department if who.role == Role.DEPARTMENT else (
            made[0]["department_code"] if made else None),
        "filename": filename, "content_digest": digest, "row_count": len(rows),
        "accepted_rows": sum(b["accepted_rows"] for b in made), "rejected_rows": len(bad_rows),
        "uploaded_by": who.sub, "errors": [e.as_dict() | {"values": _printable(rows[e.row - 1])} for e in errors]})
    return _accepted(upload_id, made, len(bad_rows), errors)


def _accepted(upload_id: str, made: list[dict[str, Any]], rejected: int, errors: list[RowError],
              again: bool = False) -> Accepted:
    return Accepted(upload_id, made[0]["batch_id"] if len(made) == 1 else None,
                    sum(b["accepted_rows"] for b in made), sum(b["amount_fen"] for b in made),
                    sum(b["chunks"] for b in made), rejected, errors, again, made)


async def _again(ctx: Ctx, same: dict[str, Any]) -> Accepted:
    """The same file again: what it made the first time, nothing new."""
    made = [_made(b) for b in await store.upload_batches(ctx.session, same["upload_id"])]
    return _accepted(same["upload_id"], made, same["rejected_rows"], [], again=True)


def _made(b: dict[str, Any]) -> dict[str, Any]:
    return {"batch_id": b["batch_id"], "township_code": b["township_code"], "program_code": b["program_code"],
            "department_code": b.get("department_code"), "accepted_rows": b["item_count"],
            "amount_fen": b["amount_fen"], "chunks": b["chunk_count"]}


async def _split(ctx: Ctx, who: Principal, rows: list[dict[str, Any]], program_code: str | None,
                 township: str | None) -> tuple[dict[tuple[str, str], Rows], list[RowError]]:
    """Rows grouped by (township, program); a row naming neither, an unknown one or one outside the
    declarer's scope is a row error."""
    towns = await store.township_lookup(ctx.session) if township is None else None
    programs = await store.program_lookup(ctx.session) if program_code is None else None
    groups: dict[tuple[str, str], Rows] = {}
    errors: list[RowError] = []
    for n, raw in enumerate(rows, start=1):
        town, town_error = _pick(n, raw, "township", township, towns, "乡镇")
        program, program_error = _pick(n, raw, "program", program_code, programs, "补贴项目")
        errors += [e for e in (town_error, program_error) if e is not None]
        if town is not None and program is not None:
            groups.setdefault((town, program), []).append((n, raw))
    return groups, errors


def _pick(n: int, raw: dict[str, Any], column: str, given: str | None, lookup: Lookup | None,
          label: str) -> tuple[str | None, RowError | None]:
    """The row's township or program: the request's, else the row's own by name or code."""
    if given is not None or lookup is None:
        return given, None
    text = "" if raw.get(column) is None else str(raw[column]).strip()
    if not text:
        return None, RowError(n, column, f"{label}为空：文件含多个{label}时每行都要填写（名称或代码）")
    code = lookup.code(text)
    return code, None if code else RowError(n, column, lookup.problem(text, label))


async def _publish(ctx: Ctx, who: Principal, upload_id: str, period: str, checked: Context, version: int,
                   department: str, good: list[GoodRow]) -> dict[str, Any]:
    """One batch: its items kept and published in chunks with the batch's control totals."""
    batch_id = "B" + uuid.uuid4().hex[:15].upper()
    ctx.correlate(batch_id)
    items = [Item(item_id=f"{batch_id}-{g.row:06d}", name=g.name, id_number=g.id_number,
                  card_number=g.card_number, bank_code=g.bank_code, village=g.village,
                  quantity=g.quantity, amount_fen=g.amount_fen) for g in good]
    events = item_chunks(BatchSubmitted, items, ctx.settings.chunk_size, batch_id=batch_id,
                         program_code=checked.program_code, department_code=department, period=period,
                         township_code=checked.township_code, declared_by=who.sub)
    values = {"batch_id": batch_id, "upload_id": upload_id, "program_code": checked.program_code,
              "program_version": version, "period": period, "township_code": checked.township_code,
              "item_count": len(items), "amount_fen": events[0].batch_amount_fen, "chunk_count": len(events),
              "submitted_by": who.sub}
    await store.add_batch(ctx.session, values,
                          bulk.item_columns(items, batch_id=batch_id, row_no=[g.row for g in good]))
    await ctx.emit(*events)
    return _made(values | {"department_code": department})


def _printable(raw: dict[str, Any]) -> dict[str, str]:
    return {k: "" if v is None else str(v)[:100] for k, v in raw.items()}


def _check_rows(rows: Rows, checked: Context) -> tuple[list[GoodRow], list[RowError]]:
    good: list[GoodRow] = []
    errors: list[RowError] = []
    for n, raw in rows:
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


async def import_townships(ctx: Ctx, who: Principal, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A division list (乡镇代码, 乡镇, 村 per row) as the county keeps it: each township registered or renamed
    with its villages added (none dropped); a bad row is listed with its row and column."""
    towns: dict[str, tuple[str, set[str]]] = {}
    errors = []
    for n, raw in enumerate(rows, start=1):
        code, name, village = (str(raw.get(k) or "").strip() for k in ("code", "name", "village"))
        problems = [("乡镇代码", f"乡镇代码“{code}”应为6至12位数字")] if not DIVISION.fullmatch(code) else []
        if not 1 <= len(name) <= 50 or (code in towns and towns[code][0] != name):
            problems.append(("乡镇", f"乡镇名称“{name}”为空、过长或与同一代码的其他行不一致"))
        if len(village) > 100:
            problems.append(("村", "村名过长（最多100字）"))
        errors += [{"row": n, "sheet_row": n + 1, "column": col, "message": msg} for col, msg in problems]
        if not problems:
            towns.setdefault(code, (name, set()))[1].update([village] if village else [])
    done = [await put_township(ctx, who, code, name, sorted(villages)) for code, (name, villages) in sorted(
        towns.items())]
    return {"townships": len(done), "villages_added": sum(len(t["added"]) for t in done),
            "rejected_rows": len({e["row"] for e in errors}), "errors": errors[:MAX_ERRORS_SHOWN]}


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


async def on_bank_registered(ctx: Ctx, env: Envelope[BankRegistered]) -> None:
    """Keep banking's bank register: 开户银行 is read by code, name, other names, or the card's BIN."""
    b = env.payload
    await store.keep_bank(ctx.session, {"code": b.bank_code, "name": b.name, "aliases": list(b.aliases),
                                        "bins": list(b.bins), "retired": b.retired})


async def list_banks(ctx: Ctx) -> list[dict[str, Any]]:
    """The banks a file's 开户银行 is read against (banking's register as declaration last heard it)."""
    return await store.banks(ctx.session)
