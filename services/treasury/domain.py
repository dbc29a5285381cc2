"""Treasury rules: how an order's amount is drawn from the funding levels' quotas (指标)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from shared.states import Flow

LEVELS = ("central", "provincial", "prefecture", "county")  # 中央 / 省 / 州 / 县
LEVEL_NAMES = {"central": "中央", "provincial": "省级", "prefecture": "州级", "county": "县级"}


def split(amount: int, weights: dict[str, int]) -> dict[str, int]:
    """``amount`` fen in proportion to ``weights`` (funding shares, or what each level reserved), to the fen:
    the largest remainders get the odd fen, ties in level order (central first)."""
    total = sum(w for w in weights.values() if w > 0)
    if amount <= 0 or total <= 0:
        return {}
    order = [lv for lv in LEVELS if weights.get(lv, 0) > 0] + sorted(
        lv for lv in weights if lv not in LEVELS and weights[lv] > 0)
    parts = {lv: amount * weights[lv] // total for lv in order}
    rest = amount - sum(parts.values())
    by_remainder = sorted(order, key=lambda lv: (-(amount * weights[lv] % total), order.index(lv)))
    for lv in by_remainder[:rest]:
        parts[lv] += 1
    return {lv: f for lv, f in parts.items() if f}


def allocate(amount: int, available: dict[str, int], shares: dict[str, int] | None = None) -> dict[str, int] | None:
    """Draw ``amount`` from the levels: in proportion to the program's funding shares when given (each level
    must cover its part), else in order, central first; None if the quotas cannot cover it."""
    if amount <= 0:
        return {}
    if shares:
        parts = split(amount, shares)
        return parts if all(available.get(lv, 0) >= f for lv, f in parts.items()) else None
    if sum(max(v, 0) for v in available.values()) < amount:
        return None
    taken: dict[str, int] = {}
    rest = amount
    for level in LEVELS:
        take = min(rest, max(available.get(level, 0), 0))
        if take:
            taken[level] = take
            rest -= take
    return taken


def give_back(amount: int, reserved: dict[str, int], proportional: bool = False) -> dict[str, int]:
    """Return ``amount`` to the levels it came from: in proportion to what each reserved (an order drawn by
    shares), else the last-drawn level (county) first."""
    if amount > sum(reserved.values()):
        raise ValueError(f"cannot give back {amount} fen: only {sum(reserved.values())} fen was reserved")
    if proportional:
        return split(amount, reserved)
    back: dict[str, int] = {}
    rest = amount
    for level in reversed(LEVELS):
        take = min(rest, reserved.get(level, 0))
        if take:
            back[level] = take
            rest -= take
    return back


class OrderStatus(StrEnum):
    HELD = "held"                        # no quota, or the batch's totals do not match: not sent
    ORDERED = "ordered"                  # published to banking
    SENT = "sent"                        # banking has it
    COMPLETED = "completed"              # every item credited
    PARTLY_RETURNED = "partly_returned"  # some items returned (退回)
    RETURNED = "returned"                # every item returned


_SETTLED = frozenset({OrderStatus.COMPLETED, OrderStatus.PARTLY_RETURNED, OrderStatus.RETURNED})
ORDER_FLOW = Flow("payment order", {
    OrderStatus.ORDERED: frozenset({OrderStatus.SENT}) | _SETTLED,
    OrderStatus.SENT: _SETTLED,
})
REISSUABLE = (OrderStatus.PARTLY_RETURNED, OrderStatus.RETURNED)


def settled_status(credited_count: int, returned_count: int) -> OrderStatus:
    """How an order ends once every item is settled."""
    if returned_count == 0:
        return OrderStatus.COMPLETED
    return OrderStatus.RETURNED if credited_count == 0 else OrderStatus.PARTLY_RETURNED


@dataclass(frozen=True)
class BatchHead:
    """Which batch an order pays: carried on every order chunk."""

    batch_id: str
    program_code: str
    department_code: str
    period: str
    township_code: str
