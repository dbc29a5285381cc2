"""Uploaded text files: officials' CSVs come as UTF-8 (with or without BOM) or GBK."""

from __future__ import annotations

from shared.errors import Invalid


class UploadError(Invalid):
    """A file that cannot be read as a whole (not a row error): said with what to do about it."""

    def __init__(self, message: str) -> None:
        super().__init__(message, {"message": message, "errors": []})


def decode_text(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UploadError("file is neither UTF-8 nor GBK text; save it as CSV (UTF-8) or XLSX")
