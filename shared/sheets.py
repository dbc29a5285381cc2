"""Officials' spreadsheets: CSV (UTF-8 or GBK) and XLSX with Chinese column headers, read defensively into
rows keyed by field name. Unknown columns are ignored, missing required ones refused; nothing in a cell is
ever evaluated (a formula arrives as its text)."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from openpyxl import load_workbook

from shared.files import UploadError, decode_text

MAX_BYTES = 50 * 1024 * 1024
MAX_COLUMNS = 50
MAX_CELLS = 5_000_000


def rows_from(table: list[list[Any]], headers: dict[str, str], required: tuple[str, ...],
              max_rows: int) -> list[dict[str, Any]]:
    """The first non-empty row is the header (header text -> field, several headers may name one field)."""
    body = [r for r in table if any(c not in (None, "") for c in r)]
    if not body:
        raise UploadError("the file is empty")
    names = [str(h).strip() if h is not None else "" for h in body[0]]
    fields = {headers[h] for h in names if h in headers}
    missing = [next(h for h, f in headers.items() if f == field) for field in required if field not in fields]
    if missing:
        raise UploadError(f"missing column(s) {missing}; the header row must contain "
                          f"{list(dict.fromkeys(headers))} (download the template)")
    if len(body) - 1 > max_rows:
        raise UploadError(f"{len(body) - 1} rows; at most {max_rows} per upload, split the file")
    index = {headers[h]: n for n, h in enumerate(names) if h in headers}
    rows = [{f: (r[n] if n < len(r) else None) for f, n in index.items()} for r in body[1:]]
    if not rows:
        raise UploadError("the file has a header row but no data rows")
    return rows


def read_csv(content: bytes) -> list[list[Any]]:
    _limit(content)
    try:
        return list(csv.reader(io.StringIO(decode_text(content))))
    except csv.Error as exc:  # e.g. a field over 128 KiB, a NUL byte
        raise UploadError(f"not a readable CSV file ({exc}); save it again as CSV or XLSX") from exc


def read_xlsx(content: bytes, max_rows: int) -> list[list[Any]]:
    """The first sheet's cells as typed; a formula arrives as its text (=...), never evaluated."""
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
                raise UploadError(f"row {len(table) + 1} has {len(row)} columns; at most {MAX_COLUMNS}")
            cells += len(values)
            if len(table) > max_rows + 1 or cells > MAX_CELLS:
                raise UploadError(f"more than {max_rows} rows or {MAX_CELLS:,} cells; split the file")
            table.append([_cell(v) for v in row])
    finally:
        book.close()
    return table


def read_table(filename: str, content: bytes, headers: dict[str, str], required: tuple[str, ...],
               max_rows: int) -> list[dict[str, Any]]:
    """An uploaded CSV or XLSX as rows of fields (by the file's name, or the ZIP signature of XLSX)."""
    if filename.lower().endswith(".xlsx") or content[:2] == b"PK":
        table = read_xlsx(content, max_rows)
    else:
        table = read_csv(content)
    return rows_from(table, headers, required, max_rows)


def _cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 12.0 typed into a cell is 12
    return value


def _limit(content: bytes) -> None:
    if not content:
        raise UploadError("the file is empty")
    if len(content) > MAX_BYTES:
        raise UploadError(f"file is {len(content) // 1024 // 1024} MB; the limit is {MAX_BYTES // 1024 // 1024} MB")
