"""Units, frequencies and funding levels of programs (the departments are a register: the departments table)."""

from __future__ import annotations

UNITS: dict[str, str] = {"person": "人", "mu": "亩", "head": "头(只)", "household": "户"}
FREQUENCIES: dict[str, str] = {"monthly": "按月", "quarterly": "按季", "yearly": "按年", "once": "一次性"}
LEVELS: dict[str, str] = {"central": "中央", "provincial": "省级", "prefecture": "州级", "county": "县级"}


def shares_problem(shares: dict[str, int]) -> str | None:
    """Funding shares are whole percents of the four levels adding up to 100."""
    unknown = set(shares) - set(LEVELS)
    if unknown:
        return f"unknown funding level(s) {sorted(unknown)}; use {list(LEVELS)}"
    if any(v < 0 for v in shares.values()) or sum(shares.values()) != 100:
        return f"funding shares must be non-negative percents adding up to 100, got {sum(shares.values())}"
    return None
