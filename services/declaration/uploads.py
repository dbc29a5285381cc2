"""Reading uploaded CSV files with the officials' column headers (UTF-8 or GBK)."""

from __future__ import annotations

import csv
import io
from typing import Any

from services.declaration.domain import HEADERS

MAX_BYTES = 50 * 1024 * 1024


class UploadError(ValueError):
    pass


def decode(content: bytes) -> str:
    if len(content) > MAX_BYTES:
        raise UploadError(f"file is {len(content) // 1024 // 1024} MB; the limit is {MAX_BYTES // 1024 // 1024} MB")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UploadError("file is neither UTF-8 nor GBK text; save it as CSV (UTF-8)")


def read_csv(content: bytes) -> list[dict[str, Any]]:
    """Rows as dicts keyed by field name; unknown columns are ignored, missing required ones refused."""
    reader = csv.DictReader(io.StringIO(decode(content)))
    headers = [h.strip() for h in (reader.fieldnames or [])]
    missing = [h for h, f in HEADERS.items() if f != "quantity" and h not in headers]
    if missing:
        raise UploadError(f"missing column(s) {missing}; the header row must contain {list(HEADERS)}")
    rows = []
    for raw in reader:
        rows.append({HEADERS[k.strip()]: v for k, v in raw.items() if k and k.strip() in HEADERS})
    if not rows:
        raise UploadError("the file has a header row but no data rows")
    return rows


def template() -> str:
    return ",".join(HEADERS) + "\n"
