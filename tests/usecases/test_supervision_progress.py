"""Supervision's ledger read slim and its running totals: what the progress view shows is what the exact
ledger says, a scope sees its own, the slim readings keep the control totals."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from services.supervision.usecases import ledger
from shared.auth import Role
from shared.events.envelope import Envelope, Event, wrap
from shared.events.payloads import BatchSubmitted, ItemsCleared, PaymentOrdered, PaymentResult, PaymentSettled
from shared.events.slim import BatchSubmittedSeen, ItemsClearedRefs, PaymentOrderedRefs
from shared.messaging.chunks import item_chunks
from tests.factories import item
from tests.usecases.conftest import ServiceUnderTest, service_fixture, uid, who

supervision_svc = service_fixture("supervision")
FINANCE = who(Role.FINANCE, "finance-1")
TOWN = "632523201"


def _slim(model: type[Event], event: Event) -> Any:
    """What the consumer hands the handler: the full event's bytes read by the slim model."""
    raw = wrap(event, producer="t", correlation_id="c").model_dump_json()
    return Envelope[model].model_validate_json(raw).payload  # type: ignore[valid-type]


async def test_progress_kept_from_chunk_totals_matches_the_exact_ledger(supervision_svc: ServiceUnderTest) -> None:
    batch, lines = uid(), [item(10000 + n) for n in range(5)]
    head: dict[str, Any] = {"batch_id": batch, "program_code": "PROG-P", "department_code": "MZ",
                            "period": "2026-11", "township_code": TOWN}
    declared = item_chunks(BatchSubmitted, lines, 2, **head)
    for chunk in declared:
        await supervision_svc.deliver(ledger.on_batch_submitted, _slim(BatchSubmittedSeen, chunk))
    for cleared in item_chunks(ItemsCleared, lines, 1000, **head):
        await supervision_svc.deliver(ledger.on_items_cleared, _slim(ItemsClearedRefs, cleared))
    order = PaymentOrdered(**head, order_id=f"{batch}-ABC", bank_code="ABC", order_item_count=5,
                           order_amount_fen=sum(i.amount_fen for i in lines), items=tuple(lines), item_count=5,
                           amount_fen=sum(i.amount_fen for i in lines), chunk_index=0, chunk_count=1)
    await supervision_svc.deliver(ledger.on_payment_ordered, _slim(PaymentOrderedRefs, order))
    results = [PaymentResult(item_id=i.item_id, outcome="credited" if n else "failed", amount_fen=i.amount_fen)
               for n, i in enumerate(lines)]
    await supervision_svc.deliver(ledger.on_payment_settled, PaymentSettled(
        settlement_id=uid("S"), order_id=f"{batch}-ABC", bank_code="ABC", results=tuple(results),
        credited_count=4, credited_fen=sum(i.amount_fen for i in lines[1:]), failed_count=1,
        failed_fen=lines[0].amount_fen, **head))

    got = await supervision_svc.run(ledger.progress, FINANCE)
    exact = (await supervision_svc.run(ledger.ledger, FINANCE, "batch", batch))["rows"][0]
    for stage in ("declared", "cleared", "ordered", "credited", "failed"):
        assert got["stages"][stage] == {"items": exact[stage]["items"], "fen": exact[stage]["fen"]}, stage
    assert got["stages"]["declared"] == {"items": 5, "fen": sum(i.amount_fen for i in lines)}
    assert got["stages"]["credited"]["items"] == 4 and got["stages"]["failed"]["items"] == 1
    assert exact["declared"]["people"] == 5 and exact["declared"]["cards"] == 5  # identity came with the slim read
    assert got["labels"]["credited"] == "银行入卡"

    # a township sees only its own; another township's totals are not in its view
    other = await supervision_svc.run(ledger.progress, who(Role.TOWNSHIP, township="632523999"))
    assert other["stages"]["declared"]["items"] == 0


def test_a_slim_reading_still_refuses_a_chunk_whose_items_do_not_add_up() -> None:
    chunk = item_chunks(BatchSubmitted, [item(500), item(700)], 1000, batch_id="B1", program_code="P",
                        department_code="MZ", period="2026-11", township_code=TOWN)[0]
    body = json.loads(wrap(chunk, producer="t", correlation_id="c").model_dump_json())
    body["payload"]["items"][0]["amount_fen"] = 501  # one fen more than the header says
    with pytest.raises(ValidationError, match="control totals"):
        Envelope[BatchSubmittedSeen].model_validate_json(json.dumps(body))
    with pytest.raises(ValidationError, match="control totals"):
        Envelope[BatchSubmitted].model_validate_json(json.dumps(body))


async def test_a_value_too_long_for_its_column_is_refused_not_cut_short(supervision_svc: ServiceUnderTest) -> None:
    """Bulk writes cast to the column's type without its length: the database refuses, as a row insert would
    (the consumer then retries and dead-letters the chunk with the reason)."""
    chunk = item_chunks(BatchSubmitted, [item(100)], 1000, batch_id="B" * 71, program_code="P", department_code="MZ",
                        period="2026-11", township_code=TOWN)[0]
    with pytest.raises(DBAPIError, match="too long"):
        await supervision_svc.deliver(ledger.on_batch_submitted, _slim(BatchSubmittedSeen, chunk))
    assert await supervision_svc.scalar("SELECT count(*) FROM ledger WHERE batch_id LIKE 'BBBB%'") == 0
