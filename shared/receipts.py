"""Receipt numbers for cases (受理编号) and the short code a filer keeps to look a case up (查询码).

Whoever opens a case (complaint, or disclosure for an objection) makes both; only a hash of the code
is kept and travels, so the code is shown once and cannot be read back."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid


def new_receipt() -> tuple[str, str]:
    """(receipt number, six-digit code)."""
    return "C" + uuid.uuid4().hex[:15].upper(), f"{secrets.randbelow(10**6):06d}"


def code_hash(receipt: str, code: str) -> str:
    return hashlib.sha256(f"{receipt}:{code}".encode()).hexdigest()


def code_matches(receipt: str, code: str, stored: str | None) -> bool:
    return stored is not None and hmac.compare_digest(code_hash(receipt, code), stored)
