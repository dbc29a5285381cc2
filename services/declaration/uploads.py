"""Reading uploaded CSV (UTF-8 or GBK) and XLSX files with the officials' column headers, defensively."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from openpyxl import Workbook, load_workbook

from services.declaration.domain import HEADERS, MAX_ROWS, REQUIRED, formula_like
from shared.files import UploadError, decode_text

MAX_BYTES = 50 * 1024 * 1024
MAX_COLUMNS = 50
MAX_CELLS = 5_000_000

def _rows_from(table: list[list[Any]]) -> list[dict[str, Any]]:
    """The first non-empty row is the header; unknown columns are ignored, missing required ones refused."""
    body = [r for r in table if any(c not in (None, "") for c in r)]
    if not body:
        raise UploadError("the file is empty")
    headers = [str(h).strip() if h is not None else "" for h in body[0]]
    missing = [h for h, f in HEADERS.items() if f in REQUIRED and h not in headers]
    if missing:
        raise UploadError(f"missing column(s) {missing}; the header row must contain {list(HEADERS)} "
                          "(download the template)")
    if len(body) - 1 > MAX_ROWS:
        raise UploadError(f"{len(body) - 1} rows; at most {MAX_ROWS} per upload, split the file")
    index = {HEADERS[h]: n for n, h in enumerate(headers) if h in HEADERS}
    rows = [{f: (r[n] if n < len(r) else None) for f, n in index.items()} for r in body[1:]]
    if not rows:
        raise UploadError("the file has a header row but no data rows")
    return rows


def read_csv(content: bytes) -> list[dict[str, Any]]:
    _limit(content)
    try:
        return _rows_from(list(csv.reader(io.StringIO(decode_text(content)))))
    except csv.Error as exc:  # e.g. a field over 128 KiB, a NUL byte
        raise UploadError(f"not a readable CSV file ({exc}); save it again as CSV or XLSX") from exc


def read_xlsx(content: bytes) -> list[dict[str, Any]]:
    """Values as typed; a formula arrives as its text (=...) and is refused per row, never evaluated."""
    _limit(content)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UploadError(f"not a readable XLSX workbook ({type(exc).__name__}); save it again as .xlsx") from exc
    try:
        sheet = book.worksheets[0]
        # the extent the file declares can be anything (A1:XFD1048576 in 2 KB): read only the cells it holds
        sheet.reset_dimensions()  # type: ignore[union-attr]
        table: list[list[Any]] = []
        cells = 0
        for values in sheet.iter_rows(values_only=True):
            row = list(values)
            while row and row[-1] in (None, ""):
                row.pop()
            if len(row) > MAX_COLUMNS:
                raise UploadError(f"row {len(table) + 1} has {len(row)} columns; the template has {len(HEADERS)}")
            cells += len(values)
            if len(table) > MAX_ROWS + 1 or cells > MAX_CELLS:
                raise UploadError(f"more than {MAX_ROWS} rows or {MAX_CELLS:,} cells; split the file")
            table.append([_cell(v) for v in row])
    finally:
        book.close()
    return _rows_from(table)


def read_upload(filename: str, content: bytes) -> list[dict[str, Any]]:
    if filename.lower().endswith(".xlsx") or content[:2] == b"PK":
        return read_xlsx(content)
    return read_csv(content)


def _cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 12.0 typed into a cell is 12
    return value


def _inert(value: str) -> str:
    """A refused formula goes back as text a spreadsheet shows and never runs."""
    return "'" + value if formula_like(value) else value


def _limit(content: bytes) -> None:
    if not content:
        raise UploadError("the file is empty")
    if len(content) > MAX_BYTES:
        raise UploadError(f"file is {len(content) // 1024 // 1024} MB; the limit is {MAX_BYTES // 1024 // 1024} MB")


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
