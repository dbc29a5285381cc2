"""Complaint and supervision use cases on their own databases."""

from __future__ import annotations

from services.complaint.usecases import intake as complaint
from services.supervision.usecases import ledger as supervision
from shared.auth import Role
from shared.events import topics
from shared.events.payloads import BatchSubmitted, PaymentResult, PaymentSettled
from shared.messaging.chunks import item_chunks
from tests.factories import item
from tests.usecases.conftest import ServiceUnderTest, service_fixture, uid, who

complaint_svc = service_fixture("complaint")
supervision_svc = service_fixture("supervision")
HEAD = {"department_code": "MZ", "period": "2026-11"}


async def test_a_complaint_sent_twice_with_one_key_is_filed_once(complaint_svc: ServiceUnderTest) -> None:
    body = complaint.ComplaintIn(category="card_withheld", content="村干部代管我的社保卡", township_code="632523100")
    key = uid("K")
    first = await complaint_svc.run(complaint.file_complaint, body, "public_form", None, key)
    again = await complaint_svc.run(complaint.file_complaint, body, "public_form", None, key)
    assert first == again and first[0] == 201
    [filed] = await complaint_svc.published()
    assert (filed.topic, filed.key) == (topics.COMPLAINT_FILED, first[1]["complaint_id"])
    assert filed.envelope["correlation_id"] == first[1]["complaint_id"]


async def test_the_ledger_counts_people_cards_and_money_by_stage_within_scope(
        supervision_svc: ServiceUnderTest) -> None:
    town, other = uid("T")[:9], uid("T")[:9]
    items = [item(10000), item(20000)]
    for township in (town, other):
        batch = uid()
        for chunk in item_chunks(BatchSubmitted, items if township == town else [item()], 1000, batch_id=batch,
                                 program_code="P1", township_code=township, **HEAD):
            await supervision_svc.deliver(supervision.on_batch_submitted, chunk)
        if township == town:
            await supervision_svc.deliver(supervision.on_payment_settled, PaymentSettled(
                settlement_id="S", order_id=f"{batch}-ABC", batch_id=batch, program_code="P1", bank_code="ABC",
                township_code=town, results=(PaymentResult(item_id=items[0].item_id, outcome="credited",
                                                           amount_fen=10000),),
                credited_count=1, credited_fen=10000, failed_count=0, failed_fen=0, **HEAD))
    seen = await supervision_svc.run(supervision.ledger, who(Role.TOWNSHIP, township=town), "township")
    [row] = seen["rows"]
    assert row["group"] == town
    assert row["declared"] == {"people": 2, "cards": 2, "items": 2, "fen": 30000}
    assert row["credited"] == {"people": 1, "cards": 1, "items": 1, "fen": 10000}
