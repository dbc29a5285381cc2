"""Treasury rules: how an order's amount is drawn from the funding levels' quotas (指标)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from shared.states import Flow

LEVELS = ("central", "provincial", "prefecture", "county")  # 中央 / 省 / 州 / 县
LEVEL_NAMES = {"central": "中央", "provincial": "省级", "prefecture": "州级", "county": "县级"}


def allocate(amount: int, available: dict[str, int]) -> dict[str, int] | None:
    """Draw ``amount`` from the levels in order (central first); None if together they cannot cover it."""
    if amount <= 0:
        return {}
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


def give_back(amount: int, reserved: dict[str, int]) -> dict[str, int]:
    """Return ``amount`` to the levels it came from, the last-drawn level (county) first."""
    back: dict[str, int] = {}
    rest = amount
    for level in reversed(LEVELS):
        take = min(rest, reserved.get(level, 0))
        if take:
            back[level] = take
            rest -= take
    if rest:
        raise ValueError(f"cannot give back {amount} fen: only {sum(reserved.values())} fen was reserved")
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
