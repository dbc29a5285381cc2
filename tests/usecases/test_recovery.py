"""Stop and recover money, service by service on their own databases: review checks approved rosters again
(回头看) and rejects a suspended person's new items; supervision turns a paid item that no longer holds into
a problem with a recovery order, nets what comes back in the ledger; disclosure holds a suspended person."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from services.disclosure.usecases import objections, public, windows
from services.review.usecases import checks, decisions, recheck, references
from services.supervision import casework
from services.supervision.usecases import ledger, recovery
from shared.auth import Role
from shared.errors import Conflict, Invalid
from shared.events import topics
from shared.events.oversight import EligibilityRechecked, PersonSuspended
from shared.events.payloads import (
    BatchSubmitted,
    Item,
    ItemsReviewed,
    PaymentResult,
    PaymentSettled,
    ProgramPublished,
    RejectedItem,
)
from shared.messaging.chunks import item_chunks
from tests.factories import item
from tests.usecases.conftest import ServiceUnderTest, service_fixture, uid, who

review_svc = service_fixture("review")
supervision_svc = service_fixture("supervision")
disclosure_svc = service_fixture("disclosure", publicity_seconds=3600)
TOWN, DEPT = "632523200", "MZ"
HEAD = {"department_code": DEPT, "period": "2026-11", "township_code": TOWN}
FINANCE = who(Role.FINANCE, "finance-1")


async def _approved_batch(svc: ServiceUnderTest, program: str, lines: list[Item]) -> str:
    batch = uid()
    for chunk in item_chunks(BatchSubmitted, lines, 1000, batch_id=batch, program_code=program,
                             declared_by="clerk-1", **HEAD):
        await svc.deliver(checks.on_batch_submitted, chunk, batch)
    await svc.run(decisions.township_review, who(Role.TOWNSHIP, "reviewer-1", township=TOWN), batch, {})
    await svc.run(decisions.department_approval, who(Role.DEPARTMENT, "approver-1", department=DEPT), batch, True,
                  None)
    await svc.published()
    return batch


async def test_a_death_recorded_after_approval_is_found_and_a_suspended_person_is_rejected(
        review_svc: ServiceUnderTest) -> None:
    program = uid("P")
    await review_svc.deliver(checks.on_program_published, ProgramPublished(
        program_code=program, version=1, name="高龄补贴", department_code=DEPT, standard_fen=10000, unit="person",
        effective_from=dt.date(2026, 1, 1)))
    alive, died = item(), item()
    batch = await _approved_batch(review_svc, program, [alive, died])
    await review_svc.run(references.import_reference, FINANCE, "deaths",
                         [{"id_number": died.id_number, "on_date": dt.date(2026, 10, 2)}], "test")
    found = await review_svc.run(recheck.recheck, FINANCE, recheck.RecheckIn(year=2026))
    assert found["found"] == {"DECEASED": 1} and found["checked_items"] >= 2
    [event] = await review_svc.published()
    assert (event.topic, event.key) == (topics.ELIGIBILITY_RECHECKED, batch)
    assert [f["item"]["item_id"] for f in event.payload["found"]] == [died.item_id]

    await review_svc.deliver(recheck.on_person_suspended, PersonSuspended(
        suspension_id="S1", id_number=alive.id_number, program_code=program, reason="举报核查期间暂停", active=True))
    next_batch = uid()
    for chunk in item_chunks(BatchSubmitted, [item(id_number=alive.id_number, card_number=alive.card_number)], 1000,
                             batch_id=next_batch, program_code=program, **(HEAD | {"period": "2026-12"})):
        await review_svc.deliver(checks.on_batch_submitted, chunk, next_batch)
    [row] = await review_svc.run(decisions.batch_items, FINANCE, next_batch, None, 10, 0)
    assert row["status"] == "rejected" and [f["code"] for f in row["findings"]] == ["SUSPENDED"]


async def test_a_paid_item_found_ineligible_is_recovered_and_nets_out(supervision_svc: ServiceUnderTest) -> None:
    batch, paid, unpaid = uid(), item(30000), item(10000)
    head = {"batch_id": batch, "program_code": "GLBT-2026", **HEAD}
    for chunk in item_chunks(BatchSubmitted, [paid, unpaid], 1000, **head):
        await supervision_svc.deliver(ledger.on_batch_submitted, chunk)
    await supervision_svc.deliver(ledger.on_payment_settled, PaymentSettled(
        settlement_id=uid("S"), order_id=f"{batch}-ABC", bank_code="ABC", results=(
            PaymentResult(item_id=paid.item_id, outcome="credited", amount_fen=30000),), credited_count=1,
        credited_fen=30000, failed_count=0, failed_fen=0, **head))
    await supervision_svc.deliver(recovery.on_eligibility_rechecked, EligibilityRechecked(
        chunk_index=0, chunk_count=1, checked_count=2, found=tuple(
            RejectedItem(item=i, reason_code="DECEASED", reason="受益人已死亡: died 2026-10-02")
            for i in (paid, unpaid)), **head))
    problems = await supervision_svc.run(_problems)
    assert [p["item_id"] for p in problems] == [paid.item_id]  # the unpaid one has nothing to recover
    problem = problems[0]
    assert (problem["source"], problem["amount_fen"]) == ("cross_check", 30000)
    order = await supervision_svc.run(recovery.open_recovery, FINANCE, problem["problem_id"],
                                      recovery.RecoveryIn(due_on=dt.date(2026, 12, 31)))
    assert order["amount_fen"] == 30000 and order["id_number"].count("*") == 10
    with pytest.raises(Conflict):
        await supervision_svc.run(recovery.open_recovery, FINANCE, problem["problem_id"],
                                  recovery.RecoveryIn(due_on=dt.date(2026, 12, 31)))
    rid = order["recovery_id"]
    await supervision_svc.run(recovery.record_payment, FINANCE, rid,
                              recovery.RecoveryPaymentIn(amount_fen=10000, means="deducted"))
    with pytest.raises(Invalid):  # never more than is still owed
        await supervision_svc.run(recovery.record_payment, FINANCE, rid,
                                  recovery.RecoveryPaymentIn(amount_fen=20001, means="cash"))
    done = await supervision_svc.run(recovery.record_payment, FINANCE, rid,
                                     recovery.RecoveryPaymentIn(amount_fen=20000, means="returned_to_treasury"))
    assert (done["status"], done["recovered_fen"], [p["means_label"] for p in done["payments"]]) == (
        "recovered", 30000, ["从后续补贴中扣回", "缴回国库"])
    sent = [p for p in await supervision_svc.published() if p.topic == topics.MONEY_RECOVERED]
    assert [(p.payload["seq"], p.payload["amount_fen"]) for p in sent] == [(1, 10000), (2, 20000)]
    books = await supervision_svc.run(ledger.ledger, FINANCE, "batch", batch)
    [row] = books["rows"]
    assert (row["credited"]["fen"], row["recovered"]["fen"], row["net"]["fen"]) == (30000, 30000, 0)


async def _problems(ctx: ledger.Ctx) -> list[dict[str, Any]]:
    return [p for p in await casework.problems(ctx.session, None, None) if p["source"] == "cross_check"]


async def test_a_suspension_holds_lines_under_publicity_until_lifted(disclosure_svc: ServiceUnderTest) -> None:
    person, other = item(), item()
    batch = uid()
    await disclosure_svc.deliver(windows.on_items_reviewed, ItemsReviewed(
        batch_id=batch, program_code="GLBT-2026", chunk_index=0, chunk_count=1, approved=(person, other),
        rejected=(), approved_count=2, approved_fen=20000, rejected_count=0, rejected_fen=0, **HEAD))
    await disclosure_svc.deliver(objections.on_person_suspended, PersonSuspended(
        suspension_id="S2", id_number=person.id_number, program_code="GLBT-2026", reason="核查", active=True))
    head, _ = await disclosure_svc.run(public.roster, batch, 10, 0)
    assert head["暂缓人数"] == 1
    await disclosure_svc.deliver(objections.on_person_suspended, PersonSuspended(
        suspension_id="S2", id_number=person.id_number, program_code="GLBT-2026", reason="核查", active=False))
    head, _ = await disclosure_svc.run(public.roster, batch, 10, 0)
    assert head["暂缓人数"] == 0
