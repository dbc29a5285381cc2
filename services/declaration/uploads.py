"""Reading uploaded CSV (UTF-8 or GBK) and XLSX files with the officials' column headers, defensively."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook

from services.declaration.domain import HEADERS, MAX_ROWS, READ_HEADERS, REQUIRED, formula_like
from shared.sheets import MAX_BYTES, read_table

__all__ = ["MAX_BYTES", "errors_csv", "read_upload", "template_csv", "template_xlsx"]


def read_upload(filename: str, content: bytes) -> list[dict[str, Any]]:
    """A declaration file as rows of fields, by the template's headers."""
    return read_table(filename, content, READ_HEADERS, REQUIRED, MAX_ROWS)


def _inert(value: str) -> str:
    """A refused formula goes back as text a spreadsheet shows and never runs."""
    return "'" + value if formula_like(value) else value


def template_csv() -> str:
    return ",".join(HEADERS) + "\n"


def template_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "申报名单"
    sheet.append(list(HEADERS))
    for n, width in enumerate((10, 22, 24, 10, 12, 14, 16, 8, 12), start=1):
        sheet.column_dimensions[chr(64 + n)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def errors_csv(errors: list[dict[str, Any]]) -> str:
    """The rejected rows with what is wrong, to correct and upload again (only these rows)."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([*HEADERS, "原行号", "错误说明"])
    by_row: dict[int, dict[str, Any]] = {}
    for e in errors:
        entry = by_row.setdefault(e["row"], {"values": e.get("values", {}), "messages": []})
        entry["messages"].append(f"{e['column']}: {e['message']}")
    for row, entry in sorted(by_row.items()):
        values = entry["values"]
        w.writerow([_inert(values.get(f) or "") for f in HEADERS.values()] + [row, "；".join(entry["messages"])])
    return out.getvalue()
