"""Uploaded text files: officials' CSVs come as UTF-8 (with or without BOM) or GBK."""

from __future__ import annotations


class UploadError(ValueError):
    pass


def decode_text(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UploadError("file is neither UTF-8 nor GBK text; save it as CSV (UTF-8) or XLSX")
