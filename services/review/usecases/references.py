"""Reference data (户籍, 死亡, 财政供养人员, 村干部及亲属, 土地确权): versioned imports with who, when and from
where. Every column of the file is kept: what the checks read (name, village, state, date) in columns of its
own, the rest (性别, 出生日期, 乡镇, 身份, 职务, 关联村干部身份号码, areas) with the row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from services.review import store, tables
from services.review.domain import registry_id_problem
from services.review.usecases import Ctx
from shared.audit import record
from shared.auth import Principal
from shared.errors import Invalid
from shared.ids import id_problem, normalize_number
from shared.inputs import Refused

MAX_ERRORS_SHOWN = 200
MAX_ROWS = 2_000_000
BASE = ("id_number", "name", "village", "status", "on_date")
# the file's headers per kind -> fields (several headers may name one field)
COLUMNS: dict[str, dict[str, str]] = {
    "household": {"公民身份号码": "id_number", "身份证号码": "id_number", "姓名": "name", "性别": "gender",
                  "出生日期": "birth_date", "乡镇": "township", "村": "village", "状态": "status",
                  "户籍状态": "status"},
    "deaths": {"公民身份号码": "id_number", "身份证号码": "id_number", "姓名": "name", "死亡日期": "on_date"},
    "public_employees": {"公民身份号码": "id_number", "身份证号码": "id_number", "姓名": "name", "单位": "status",
                         "工作单位": "status", "职务": "post"},
    "village_officials": {"公民身份号码": "id_number", "身份证号码": "id_number", "姓名": "name", "村": "village",
                          "身份": "role", "职务": "post", "关系": "status", "与村干部关系": "status",
                          "关联村干部身份号码": "related_id"},
    "land": {"公民身份号码": "id_number", "身份证号码": "id_number", "姓名": "name", "乡镇": "township",
             "村": "village", "承包地确权面积": "cropland", "草原承包面积": "grassland"},
}
LABELS = {kind: {f: h for h, f in reversed(cols.items())} for kind, cols in COLUMNS.items()}
AREAS = ("cropland", "grassland")


async def import_reference(ctx: Ctx, who: Principal, kind: str, rows: Iterable[dict[str, Any] | Refused],
                           source: str, county: str | None = None) -> dict[str, Any]:
    """A new version of one kind of reference data. A row with an invalid ID, date or area (or refused by the
    route's row model) is listed with its row and column and left out; a row whose 性别/出生日期 contradict its
    ID is kept and listed as a warning."""
    errors: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    good: dict[str, dict[str, Any]] = {}
    for n, raw in enumerate(rows, start=1):
        row, problems = ({}, list(raw.problems)) if isinstance(raw, Refused) else _row(kind, raw)
        errors += [{"row": n, "column": LABELS[kind].get(f, f), "field": f, "message": m} for f, m in problems]
        if problems:
            continue
        extra = row.get("extra") or {}
        if kind == "household" and (p := registry_id_problem(row["id_number"], extra.get("gender"),
                                                              extra.get("birth_date"))):
            warnings.append({"row": n, "column": "性别/出生日期", "message": p})
        good[row["id_number"]] = row
    if errors and not good:  # a new version replaces the last: an import of nothing but bad rows is refused
        raise Invalid("没有可导入的行 (no row could be imported); nothing was changed", detail={
            "message": "没有可导入的行 (no row could be imported); nothing was changed",
            "errors": errors[:MAX_ERRORS_SHOWN]})
    county = county or ctx.settings.county
    version = await store.add_reference(ctx.session, kind, county, list(good.values()), who.sub, source)
    await record(ctx.session, tables.audit, who, f"reference.import.{kind}", str(version),
                 detail={"rows": len(good), "source": source, "refused": len({e["row"] for e in errors})})
    return {"kind": kind, "county": county, "version": version, "rows": len(good),
            "rejected_rows": len({e["row"] for e in errors}), "errors": errors[:MAX_ERRORS_SHOWN],
            "warnings": warnings[:MAX_ERRORS_SHOWN]}


def _row(kind: str, raw: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """One row as stored: the base columns, the rest as ``extra``; and what is wrong with it."""
    problems: list[tuple[str, str]] = []
    values = {k: v for k, v in raw.items() if v not in (None, "")}
    id_number = normalize_number(str(values.get("id_number", "")))  # 11010519491231002x as typed
    if problem := id_problem(id_number):
        problems.append(("id_number", problem))
    row: dict[str, Any] = {k: _text(values.get(k)) for k in ("name", "village", "status")}
    row["id_number"] = id_number
    row["on_date"], bad = _date(values.get("on_date"))
    if bad:
        problems.append(("on_date", f"日期“{values.get('on_date')}”应写作 2026-01-31"))
    extra: dict[str, Any] = {}
    for k, v in values.items():
        if k in BASE:
            continue
        if k in AREAS:
            try:
                area = Decimal(str(v).strip())
                if not area.is_finite() or area < 0 or area > 10**7:
                    raise InvalidOperation
                extra[k] = str(area)
            except ArithmeticError:
                problems.append((k, f"面积“{v}”应为不小于0的亩数"))
        elif k == "birth_date":
            day, bad = _date(v)
            extra[k] = day.isoformat() if day else None
            if bad:
                problems.append((k, f"出生日期“{v}”应写作 1950-01-31"))
        elif k == "related_id":
            extra[k] = normalize_number(str(v))
        else:
            extra[k] = _text(v)
    row["extra"] = extra or None
    return row, problems


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value).strip()[:100] or None


def _date(value: Any) -> tuple[dt.date | None, bool]:
    """A date as spreadsheets hold it (a date cell, 2026-01-31, 2026/1/31, 20260131); (None, True) if unreadable."""
    if value in (None, ""):
        return None, False
    if isinstance(value, dt.datetime):
        return value.date(), False
    if isinstance(value, dt.date):
        return value, False
    text = str(value).strip().replace("/", "-").replace(".", "-")
    try:
        if text.isdigit() and len(text) == 8:
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:])), False
        year, month, day = (int(x) for x in text[:10].split("-"))
        return dt.date(year, month, day), False
    except ValueError:
        return None, True


async def reference_versions(ctx: Ctx, who: Principal) -> list[dict[str, Any]]:
    """Every import: kind, version, rows, who and when; and the size of the card registry copy."""
    return await store.reference_imports(ctx.session) + [{
        "kind": "cards", "row_count": await store.card_count(ctx.session), "source": "banking.cards.registered.v1"}]
