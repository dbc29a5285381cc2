"""State flows: the allowed moves of orders, windows, review batches and card changes, in one place each."""

import pytest

from services.banking.domain import CHANGE_FLOW, ChangeStatus
from services.disclosure.domain import LINE_FLOW, WINDOW_FLOW, LineStatus, WindowStatus
from services.review.domain import BATCH_FLOW, BatchStatus
from services.treasury.domain import ORDER_FLOW, OrderStatus, settled_status
from shared.errors import Conflict


def test_an_order_is_sent_then_settled_and_a_held_or_settled_order_never_moves() -> None:
    assert ORDER_FLOW.allows(OrderStatus.ORDERED, OrderStatus.SENT)
    assert ORDER_FLOW.sources(OrderStatus.COMPLETED) == ["ordered", "sent"]
    assert ORDER_FLOW.sources(OrderStatus.SENT) == ["ordered"]
    for final in (OrderStatus.HELD, OrderStatus.COMPLETED, OrderStatus.RETURNED):
        assert not any(ORDER_FLOW.allows(final, t) for t in OrderStatus)
    assert settled_status(3, 0) is OrderStatus.COMPLETED
    assert settled_status(0, 3) is OrderStatus.RETURNED
    assert settled_status(2, 1) is OrderStatus.PARTLY_RETURNED


def test_review_moves_one_level_at_a_time_and_names_the_batch_when_it_refuses() -> None:
    BATCH_FLOW.check("township_review", BatchStatus.DEPARTMENT_REVIEW, "batch B1")
    with pytest.raises(Conflict, match="batch B1 is checking; it cannot become department_review"):
        BATCH_FLOW.check("checking", BatchStatus.DEPARTMENT_REVIEW, "batch B1")
    with pytest.raises(Conflict):
        BATCH_FLOW.check(BatchStatus.APPROVED, BatchStatus.RETURNED, "batch B1")


def test_windows_lines_and_card_changes() -> None:
    assert WINDOW_FLOW.sources(WindowStatus.CLOSED) == ["open"]
    assert WINDOW_FLOW.allows(WindowStatus.PUBLISHED, WindowStatus.PUBLISHED)  # a re-issue updates the roster
    assert LINE_FLOW.allows(LineStatus.UNPAID, LineStatus.PAID) and not LINE_FLOW.allows(LineStatus.PAID,
                                                                                         LineStatus.UNPAID)
    with pytest.raises(Conflict, match="request CC1 is approved; it cannot become rejected"):
        CHANGE_FLOW.check(ChangeStatus.APPROVED, ChangeStatus.REJECTED, "request CC1")
