"""Payment periods such as 2026-11 (a month of a funding year)."""

from __future__ import annotations

import datetime as dt


def period_start(period: str) -> dt.date:
    """The first day of a period such as 2026-11."""
    return dt.date(int(period[:4]), int(period[5:7]), 1)


def period_year(period: str) -> int:
    """The funding year a period's quota (指标) is drawn from."""
    return int(period[:4])
