"""Complaint cases: their stages, the moves between them, deadlines in working days."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from zoneinfo import ZoneInfo

from shared.states import Flow

LOCAL = ZoneInfo("Asia/Shanghai")


class Stage(StrEnum):
    RECEIVED = "received"            # 已受理
    ASSIGNED = "assigned"            # 已交办
    INVESTIGATING = "investigating"  # 调查核实中
    RESOLVED = "resolved"            # 已办结 (upheld / not upheld)
    CLOSED = "closed"                # 已结案


CASE_FLOW = Flow("complaint case", {
    Stage.RECEIVED: frozenset({Stage.ASSIGNED}),
    Stage.ASSIGNED: frozenset({Stage.INVESTIGATING}),
    Stage.INVESTIGATING: frozenset({Stage.RESOLVED}),
    Stage.RESOLVED: frozenset({Stage.CLOSED}),
})

STAGE_LABELS = {Stage.RECEIVED: "已受理", Stage.ASSIGNED: "已交办", Stage.INVESTIGATING: "调查核实中",
                Stage.RESOLVED: "已办结", Stage.CLOSED: "已结案"}
OUTCOME_LABELS = {"upheld": "反映属实", "not_upheld": "反映不属实"}
CHANNEL_LABELS = {"hotline": "热线电话", "public_form": "网上举报", "objection": "公示异议"}
CATEGORY_LABELS = {"fake_claim": "虚报冒领", "not_received": "未收到补贴", "wrong_amount": "金额不符",
                   "card_withheld": "代管卡折", "not_eligible": "不符合补贴条件", "wrong_person": "身份信息有误",
                   "other": "其他"}


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The end (23:59:59 Beijing time) of the ``days``-th working day after ``start`` (Monday to Friday;
    public holidays are not known to the system and count as working days)."""
    day = start.astimezone(LOCAL).date()
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return dt.datetime.combine(day, dt.time(23, 59, 59), LOCAL).astimezone(dt.UTC)
