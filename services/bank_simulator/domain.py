"""How a simulated bank answers one credit line."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from shared.events.payloads import PayeeLine

STATUS_FAILURE = {"inactive": "NOT_ACTIVATED", "frozen": "FROZEN", "closed": "CLOSED"}
RANDOM_FAILURES = ("NOT_ACTIVATED", "FROZEN", "CLOSED", "NAME_MISMATCH", "TIMEOUT")


def _draw(seed: str, item_id: str) -> float:
    """A repeatable pseudo-random number in [0, 1) for this item (same answer on a retry)."""
    digest = hashlib.blake2b(f"{seed}:{item_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def answer(line: PayeeLine, bank_code: str, account: Mapping[str, Any] | None, failure_rate: float,
           seed: str) -> str | None:
    """None if the card is credited, else the failure reason code."""
    if account is None or account["bank_code"] != bank_code:
        return "ACCOUNT_NOT_FOUND"
    if account["status"] in STATUS_FAILURE:
        return STATUS_FAILURE[account["status"]]
    if account["name"] != line.name:
        return "NAME_MISMATCH"
    draw = _draw(seed, f"{line.item_id}:{line.attempt}")
    if draw < failure_rate:
        return RANDOM_FAILURES[int(draw / failure_rate * len(RANDOM_FAILURES)) % len(RANDOM_FAILURES)]
    return None


def notice(line: PayeeLine, bank_code: str) -> str:
    """The SMS a beneficiary gets: last four digits only."""
    yuan, fen = divmod(line.amount_fen, 100)
    return f"【{bank_code}】您尾号{line.card_number[-4:]}的社保卡收到惠民惠农补贴{yuan}.{fen:02d}元。"
