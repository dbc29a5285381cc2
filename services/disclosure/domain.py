"""Publicity windows (公示) and roster lines: their states and the moves between them."""

from __future__ import annotations

from enum import StrEnum

from shared.states import Flow


class WindowStatus(StrEnum):
    COLLECTING = "collecting"  # review's chunks still arriving
    OPEN = "open"              # 公示中: the public may look and object
    CLOSED = "closed"          # cleared for payment, waiting for the bank's results
    PUBLISHED = "published"    # 发放公示: the paid roster, checked against what was paid


WINDOW_FLOW = Flow("publicity window", {
    WindowStatus.COLLECTING: frozenset({WindowStatus.OPEN}),
    WindowStatus.OPEN: frozenset({WindowStatus.CLOSED}),
    WindowStatus.CLOSED: frozenset({WindowStatus.PUBLISHED}),
    WindowStatus.PUBLISHED: frozenset({WindowStatus.PUBLISHED}),  # a re-issue updates the paid roster
})


class LineStatus(StrEnum):
    APPROVED = "approved"  # on the roster, not yet paid
    PAID = "paid"
    UNPAID = "unpaid"      # returned (退回); paid later if a re-issue is credited


LINE_FLOW = Flow("roster line", {
    LineStatus.APPROVED: frozenset({LineStatus.PAID, LineStatus.UNPAID}),
    LineStatus.UNPAID: frozenset({LineStatus.PAID}),
})

STATUS_LABELS = {LineStatus.APPROVED: "公示中", LineStatus.PAID: "已发放", LineStatus.UNPAID: "未发放(退回)"}
WINDOW_LABELS = {WindowStatus.COLLECTING: "审核中", WindowStatus.OPEN: "公示中", WindowStatus.CLOSED: "发放中",
                 WindowStatus.PUBLISHED: "已发放公示"}
