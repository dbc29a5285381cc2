"""Two programs that exclude each other, the same people declared in both, and their chunks checked at the same
moment (two instances of review, as a scaled-out county or province runs): every claim is still flagged.
Each chunk claims its program and looks for the other's claims; before turns, both looked before either had
committed, and neither was flagged (seen in the e2e county month with a second instance of review)."""

from __future__ import annotations

import asyncio
import datetime as dt

from services.review.usecases import checks, decisions
from shared.auth import Role
from shared.events.payloads import BatchSubmitted, ProgramPublished
from shared.messaging.chunks import item_chunks
from tests.factories import item
from tests.usecases.conftest import ServiceUnderTest, service_fixture, uid, who

review_svc = service_fixture("review")
HEAD = {"department_code": "MZ", "period": "2026-11", "township_code": "632523200"}
FINANCE = who(Role.FINANCE, "finance-1")
PEOPLE = 300


async def test_claims_in_exclusive_programs_checked_at_once_are_both_flagged(review_svc: ServiceUnderTest) -> None:
    dibao, tekun = uid("P"), uid("P")
    for code, name, excludes in ((dibao, "城乡低保", ()), (tekun, "特困供养", (dibao,))):
        await review_svc.deliver(checks.on_program_published, ProgramPublished(
            program_code=code, version=1, name=name, department_code="MZ", standard_fen=10000, unit="person",
            effective_from=dt.date(2026, 1, 1), excludes=excludes))
    people = [item() for _ in range(PEOPLE)]
    batches = {dibao: uid(), tekun: uid()}
    chunks = [chunk for program, batch in batches.items()
              for chunk in item_chunks(BatchSubmitted, [item(id_number=p.id_number, card_number=p.card_number)
                                                        for p in people], PEOPLE, batch_id=batch,
                                       program_code=program, declared_by="clerk-1", **HEAD)]
    assert len(chunks) == 2
    await asyncio.gather(*(review_svc.deliver(checks.on_batch_submitted, c, f"at-once-{n}")
                           for n, c in enumerate(chunks)))
    for batch in batches.values():
        rows = await review_svc.run(decisions.batch_items, FINANCE, batch, None, PEOPLE, 0)
        assert len(rows) == PEOPLE
        unflagged = [r["item_id"] for r in rows if "EXCLUSIVE_PROGRAM" not in {f["code"] for f in r["findings"]}]
        assert not unflagged, f"{len(unflagged)} of {PEOPLE} claims in {batch} not flagged"
