"""Treasury rules: how an order's amount is drawn from the funding levels' quotas (指标)."""

from __future__ import annotations

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
