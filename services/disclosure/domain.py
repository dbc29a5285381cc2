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
    APPROVED = "approved"    # on the roster, not yet paid (in publicity, or cleared for payment)
    HELD = "held"            # 暂缓: an objection or complaint about it is open; not cleared until resolved
    WITHDRAWN = "withdrawn"  # 撤销: the objection or complaint was upheld; removed from the roster, never paid
    PAID = "paid"
    UNPAID = "unpaid"        # returned (退回); paid later if a re-issue is credited


LINE_FLOW = Flow("roster line", {
    LineStatus.APPROVED: frozenset({LineStatus.HELD, LineStatus.PAID, LineStatus.UNPAID}),
    LineStatus.HELD: frozenset({LineStatus.APPROVED, LineStatus.WITHDRAWN}),
    LineStatus.UNPAID: frozenset({LineStatus.PAID}),
})

STATUS_LABELS = {LineStatus.APPROVED: "公示中", LineStatus.HELD: "暂缓发放(异议核查中)",
                 LineStatus.WITHDRAWN: "已撤销(异议属实)", LineStatus.PAID: "已发放",
                 LineStatus.UNPAID: "未发放(退回)"}
CLEARED_LABEL = "待发放"  # an approved line once its window has closed
WINDOW_LABELS = {WindowStatus.COLLECTING: "审核中", WindowStatus.OPEN: "公示中", WindowStatus.CLOSED: "发放中",
                 WindowStatus.PUBLISHED: "已发放"}
# a window the public may see (a roster still being reviewed is not published)
PUBLIC_WINDOWS = (WindowStatus.OPEN, WindowStatus.CLOSED, WindowStatus.PUBLISHED)
# why the bank returned an item, as the person reads it
RETURN_REASONS = {"CARD_NOT_REGISTERED": "社保卡未登记", "CARD_NOT_ACTIVE": "社保卡未启用",
                  "NOT_ACTIVATED": "社保卡未激活",
                  "FROZEN": "账户冻结", "CLOSED": "账户已销户", "ACCOUNT_NOT_FOUND": "账户不存在",
                  "NAME_MISMATCH": "户名不符", "NOT_OWN_CARD": "非本人社保卡", "NO_ACTIVE_CARD": "无有效社保卡",
                  "MULTIPLE_CARDS": "一人多卡待核实", "CARD_CHANGED_BEFORE_PAYMENT": "发放前换卡待核实",
                  "NO_VALID_CONTRACT": "代发银行协议无效", "TIMEOUT": "银行处理超时", "ALREADY_PAID": "已发放过",
                  "DUPLICATE_PAYMENT": "重复发放"}


def line_label(status: str, window_status: str) -> str:
    if status == LineStatus.APPROVED and window_status in (WindowStatus.CLOSED, WindowStatus.PUBLISHED):
        return CLEARED_LABEL
    return STATUS_LABELS[LineStatus(status)]
