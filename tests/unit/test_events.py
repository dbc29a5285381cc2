import uuid

import pytest
from pydantic import ValidationError

from shared.events.envelope import Envelope, wrap
from shared.events.payloads import BatchSubmitted, PaymentCompleted, ProgramPublished
from tests.factories import item


def _chunk(**over: object) -> BatchSubmitted:
    items = (item(100), item(250))
    values: dict[str, object] = dict(
        batch_id="B1", program_code="P", department_code="MZ", period="2026-11", township_code="632523100",
        chunk_index=0, chunk_count=1, batch_item_count=2, batch_amount_fen=350, items=items, item_count=2,
        amount_fen=350)
    return BatchSubmitted(**(values | over))  # type: ignore[arg-type]


def test_envelope_round_trip_parses_into_the_typed_payload() -> None:
    env = wrap(_chunk(), producer="declaration", correlation_id="B1")
    back = Envelope[BatchSubmitted].model_validate_json(env.model_dump_json())
    assert back == env
    assert back.payload.items[1].amount_fen == 250
    assert back.event_type == "declaration.batch.submitted" and back.schema_version == 1


def test_control_totals_are_enforced_by_the_model() -> None:
    with pytest.raises(ValidationError, match="control totals"):
        _chunk(amount_fen=351)
    with pytest.raises(ValidationError, match="control totals"):
        _chunk(item_count=3)


def test_chunk_index_must_be_in_range() -> None:
    with pytest.raises(ValidationError, match="chunk_index"):
        _chunk(chunk_index=1)


def test_events_are_frozen_and_forbid_unknown_fields() -> None:
    p = ProgramPublished(program_code="X", version=1, name="n", department_code="MZ", standard_fen=1, unit="person",
                         effective_from="2026-01-01")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        p.name = "other"  # type: ignore[misc]
    raw = wrap(p, producer="t", correlation_id="c").model_dump(mode="json")
    raw["payload"]["surprise"] = 1
    with pytest.raises(ValidationError):
        Envelope[ProgramPublished].model_validate(raw)


def test_completed_order_must_add_up() -> None:
    with pytest.raises(ValidationError, match="credited \\+ returned"):
        PaymentCompleted(order_id="o", batch_id="b", program_code="p", period="2026-11", bank_code="ABC",
                         status="completed", ordered_count=2, ordered_fen=200, credited_count=1, credited_fen=100,
                         returned_count=0, returned_fen=0)


def test_event_id_can_be_given_for_deterministic_ids() -> None:
    eid = uuid.uuid4()
    assert wrap(_chunk(), producer="x", correlation_id="c", event_id=eid).event_id == eid
