"""The county's fund departments (资金主管单位), units, frequencies and funding levels."""

from __future__ import annotations

DEPARTMENTS: dict[str, str] = {
    "NMKJ": "农牧和科技局",
    "MZ": "民政局",
    "RS": "人社局",
    "CL": "残联",
    "XCZX": "乡村振兴局",
    "ZJ": "住建局",
    "ZRZY": "自然资源局",
    "WJ": "卫健局",
    "STHJ": "生态环境局",
    "YJGL": "应急管理局",
    "TYJR": "退役军人事务局",
    "JY": "教育局",
}

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
