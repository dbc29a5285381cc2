"""Review and disclosure use cases on their own databases: checks, two-level review, publicity, paid roster."""

from __future__ import annotations

import datetime as dt

import pytest

from services.disclosure.usecases import public as disclosure_public
from services.disclosure.usecases import windows as disclosure
from services.review.usecases import checks, decisions
from shared.auth import Role
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.events import topics
from shared.events.payloads import (
    BatchSubmitted,
    CardEntry,
    CardsRegistered,
    Item,
    ItemsReviewed,
    PaymentResult,
    PaymentSettled,
    ProgramPublished,
)
from shared.messaging.chunks import item_chunks
from tests.factories import item
from tests.usecases.conftest import ServiceUnderTest, service_fixture, uid, who

review_svc = service_fixture("review", chunk_size=2)
disclosure_svc = service_fixture("disclosure", publicity_seconds=0)
TOWN, DEPT = "632523200", "MZ"
HEAD = {"department_code": DEPT, "period": "2026-11", "township_code": TOWN}


async def _declare(svc: ServiceUnderTest, program: str, items: list[Item], size: int = 2,
                   declared_by: str = "clerk-1") -> str:
    batch = uid()
    for chunk in item_chunks(BatchSubmitted, items, size, batch_id=batch, program_code=program,
                             declared_by=declared_by, **HEAD):
        await svc.deliver(checks.on_batch_submitted, chunk, batch)
    return batch


async def _program(svc: ServiceUnderTest) -> str:
    code = uid("P")
    await svc.deliver(checks.on_program_published, ProgramPublished(
        program_code=code, version=1, name="高龄补贴", department_code=DEPT, standard_fen=10000, unit="person",
        effective_from=dt.date(2026, 1, 1)))
    return code


async def test_a_batch_waits_for_its_last_chunk_then_flags_a_person_declared_twice(
        review_svc: ServiceUnderTest) -> None:
    code = await _program(review_svc)
    first = item()
    twice = item(id_number=first.id_number, card_number=first.card_number, village="周屯村")
    batch = await _declare(review_svc, code, [first, item(), twice])
    assert await review_svc.scalar("SELECT status FROM batches WHERE batch_id = :b", b=batch) == "township_review"
    seen = await review_svc.run(decisions.batch, who(Role.TOWNSHIP, "reviewer-1", township=TOWN), batch)
    assert (seen["status"], seen["chunks_received"], seen["chunk_count"]) == ("township_review", 2, 2)
    with pytest.raises(NotFound):  # another township's reviewer does not learn that it exists
        await review_svc.run(decisions.batch, who(Role.TOWNSHIP, "reviewer-2", township="999999"), batch)
    found = await review_svc.run(decisions.batch_items, who(Role.FINANCE), batch, None, 100, 0)
    codes = {i["item_id"]: [f["code"] for f in i["findings"]] for i in found}
    # a flag on both claims, each naming the other, so a person decides which one is right
    assert codes[twice.item_id] == ["DUPLICATE_IN_PERIOD"] and codes[first.item_id] == ["DUPLICATE_IN_PERIOD"]
    assert {i["status"] for i in found if i["item_id"] in (first.item_id, twice.item_id)} == {"flagged"}
    [said] = next(i["findings"] for i in found if i["item_id"] == twice.item_id)
    assert said["reason"] == (f"同一人同一项目同一期重复申报：2026-11期另有一条申报：{TOWN}王屯村，"
                              f"批次 {batch} 条目 {first.item_id}，项目 {code}") and not said["hard"]
    assert await review_svc.published() == []  # nothing leaves review before people decide
    reviewer = who(Role.TOWNSHIP, "reviewer-1", township=TOWN)
    both = {first.item_id: (True, "核实"), twice.item_id: (True, "核实")}
    with pytest.raises(Invalid, match=f"只能核准其中一条，请先退回 {first.item_id}"):
        await review_svc.run(decisions.township_review, reviewer, batch, both)
    # the reviewer keeps the second (the first was typed in the wrong village) and the claim moves to it
    await review_svc.run(decisions.township_review, reviewer, batch,
                         {first.item_id: (False, "村填错，以周屯村为准"), twice.item_id: (True, "核实为周屯村")})
    assert await review_svc.scalar("SELECT item_id FROM claims WHERE id_number = :i", i=first.id_number) == \
        twice.item_id


async def test_the_card_registry_copy_keeps_each_cards_newest_holder_and_checks_against_it(
        review_svc: ServiceUnderTest) -> None:
    code = await _program(review_svc)
    mine, moved, frozen = item(), item(), item()

    def entry(it: Item, **more: str) -> CardEntry:
        return CardEntry(**({"card_number": it.card_number, "id_number": it.id_number, "name": it.name,
                             "bank_code": "ABC", "status": "active"} | more))

    # one chunk names a card twice (registered, then handed to someone else): its last row stands
    await review_svc.deliver(checks.on_cards_registered, CardsRegistered(cards=(
        entry(mine), entry(moved), entry(moved, id_number=mine.id_number, name="李四"), entry(frozen))))
    await review_svc.deliver(checks.on_cards_registered, CardsRegistered(cards=(entry(frozen, status="frozen"),)))
    assert await review_svc.scalar("SELECT count(*) FROM card_refs WHERE card_number IN (:a, :b, :c)",
                                   a=mine.card_number, b=moved.card_number, c=frozen.card_number) == 3
    assert await review_svc.scalar("SELECT name FROM card_refs WHERE card_number = :c", c=moved.card_number) == "李四"
    assert await review_svc.scalar("SELECT status FROM card_refs WHERE card_number = :c",
                                   c=frozen.card_number) == "frozen"
    batch = await _declare(review_svc, code, [mine, moved])
    found = await review_svc.run(decisions.batch_items, who(Role.FINANCE), batch, None, 100, 0)
    codes = {i["item_id"]: [f["code"] for f in i["findings"]] for i in found}
    assert codes == {mine.item_id: [], moved.item_id: ["CARD_HOLDER_MISMATCH"]}


async def test_one_card_claimed_by_several_people_in_a_period_is_flagged_on_every_later_claim(
        review_svc: ServiceUnderTest) -> None:
    code, other = await _program(review_svc), await _program(review_svc)
    holder = item()
    same_chunk = item(card_number=holder.card_number)   # another person, same card, same chunk
    later = item(card_number=holder.card_number)        # and in the next chunk
    batch = await _declare(review_svc, code, [holder, same_chunk, later, item()])
    # the holder's own card in another program of the period is the holder's again: no finding
    own = item(id_number=holder.id_number, card_number=holder.card_number)
    again = await _declare(review_svc, other, [own])
    found = await review_svc.run(decisions.batch_items, who(Role.FINANCE), batch, None, 100, 0)
    found += await review_svc.run(decisions.batch_items, who(Role.FINANCE), again, None, 100, 0)
    codes = {i["item_id"]: [f["code"] for f in i["findings"]] for i in found}
    assert codes[same_chunk.item_id] == ["CARD_SHARED"] and codes[later.item_id] == ["CARD_SHARED"]
    assert codes[holder.item_id] == [] and codes[own.item_id] == []
    assert await review_svc.scalar("SELECT id_number FROM card_claims WHERE card_number = :c",
                                   c=holder.card_number) == holder.id_number


async def test_two_people_decide_and_the_decided_batch_is_published_with_totals(review_svc: ServiceUnderTest) -> None:
    code = await _program(review_svc)
    items = [item(), item(), item(5000)]
    batch = await _declare(review_svc, code, items)
    await review_svc.published()
    with pytest.raises(Forbidden, match=r"clerk-1 declared batch \w+ and may not also decide on it \(maker-checker\)"):
        await review_svc.run(decisions.township_review, who(Role.TOWNSHIP, "clerk-1", township=TOWN), batch, {})
    with pytest.raises(NotFound, match=f"batch {batch} in review not found"):
        await review_svc.run(decisions.township_review, who(Role.TOWNSHIP, "other-town", township="632523100"),
                             batch, {})
    reviewer = who(Role.TOWNSHIP, "reviewer-1", township=TOWN)
    with pytest.raises(Invalid, match="needs a written reason"):
        await review_svc.run(decisions.township_review, reviewer, batch, {items[0].item_id: (False, None)})
    await review_svc.run(decisions.township_review, reviewer, batch, {items[0].item_id: (False, "已迁出")})
    # a rejected row may come back corrected: its person's and card's claims for the period are released
    assert await review_svc.scalar("SELECT count(*) FROM claims WHERE item_id = :i", i=items[0].item_id) == 0
    assert await review_svc.scalar("SELECT count(*) FROM card_claims WHERE card_number = :c",
                                   c=items[0].card_number) == 0
    assert await review_svc.scalar("SELECT count(*) FROM claims WHERE item_id = :i", i=items[1].item_id) == 1
    with pytest.raises(Conflict, match="cannot become department_review"):
        await review_svc.run(decisions.township_review, reviewer, batch, {})
    with pytest.raises(Forbidden, match="reviewer-1 has already decided"):
        await review_svc.run(decisions.department_approval, who(Role.DEPARTMENT, "reviewer-1", department=DEPT),
                             batch, True, None)
    with pytest.raises(Forbidden, match="clerk-1 declared"):
        await review_svc.run(decisions.department_approval, who(Role.DEPARTMENT, "clerk-1", department=DEPT),
                             batch, True, None)
    with pytest.raises(NotFound):  # another department's batch: not even its existence is shown
        await review_svc.run(decisions.department_approval, who(Role.DEPARTMENT, department="CL"), batch, True, None)
    alerts = await review_svc.published()
    assert alerts == []
    await review_svc.run(decisions.department_approval, who(Role.DEPARTMENT, "approver-1", department=DEPT),
                         batch, True, None)
    out = await review_svc.published()
    assert {(p.payload["reviewed_by"], p.payload["approved_by"]) for p in out} == {("reviewer-1", "approver-1")}
    assert [(p.topic, p.key) for p in out] == [(topics.ITEMS_REVIEWED, batch)] * 2
    approved = [i["item_id"] for p in out for i in p.payload["approved"]]
    rejected = [(r["item"]["item_id"], r["reason"]) for p in out for r in p.payload["rejected"]]
    assert sorted(approved) == sorted([items[1].item_id, items[2].item_id])
    assert rejected == [(items[0].item_id, "已迁出")]
    assert sum(p.payload["approved_fen"] for p in out) == 15000
    # approved items go out as review stored them: each chunk still parses whole, totals checked
    assert [ItemsReviewed.model_validate(p.payload).approved_count for p in out] == [1, 1]


def _reviewed(batch: str, program: str, approved: list[Item], n: int = 0, count: int = 1) -> ItemsReviewed:
    return ItemsReviewed(batch_id=batch, program_code=program, chunk_index=n, chunk_count=count,
                         approved=tuple(approved), rejected=(), approved_count=len(approved),
                         approved_fen=sum(i.amount_fen for i in approved), rejected_count=0, rejected_fen=0, **HEAD)


async def test_publicity_clears_the_roster_and_the_paid_roster_matches_what_was_paid(
        disclosure_svc: ServiceUnderTest) -> None:
    batch, lines = uid(), [item(), item(), item(2500)]
    await disclosure_svc.deliver(disclosure.on_items_reviewed, _reviewed(batch, "P1", lines[:2], 0, 2))
    assert await disclosure_svc.published() == []
    await disclosure_svc.deliver(disclosure.on_items_reviewed, _reviewed(batch, "P1", lines[2:], 1, 2))
    [cleared] = await disclosure_svc.published()
    assert cleared.topic == topics.ITEMS_CLEARED and cleared.payload["batch_amount_fen"] == 22500
    results = [PaymentResult(item_id=i.item_id, outcome="credited" if n else "failed", amount_fen=i.amount_fen,
                             reason_code=None if n else "FROZEN") for n, i in enumerate(lines)]
    await disclosure_svc.deliver(disclosure.on_payment_settled, PaymentSettled(
        settlement_id="S1", order_id=f"{batch}-ABC", batch_id=batch, program_code="P1", bank_code="ABC",
        results=tuple(results), credited_count=2, credited_fen=12500, failed_count=1, failed_fen=10000, **HEAD))
    [roster] = await disclosure_svc.published()
    assert roster.topic == topics.ROSTER_PUBLISHED
    assert (roster.payload["paid_count"], roster.payload["paid_fen"], roster.payload["unpaid_fen"],
            roster.payload["consistent"]) == (2, 12500, 10000, True)
    head, shown = await disclosure_svc.run(disclosure_public.roster, batch, 10, 0)
    assert head["状态"] == "已发放" and [x["状态"] for x in shown].count("已发放") == 2
    assert all(lines[0].id_number not in str(x) for x in shown)
    # a re-issue credits the unpaid line (unpaid -> paid): published again, every line paid, once
    reissued = PaymentSettled(
        settlement_id="S2", order_id=f"{batch}-ABC-R", batch_id=batch, program_code="P1", bank_code="ABC",
        results=(PaymentResult(item_id=lines[0].item_id, attempt=2, outcome="credited", amount_fen=10000),),
        credited_count=1, credited_fen=10000, failed_count=0, failed_fen=0, **HEAD)
    await disclosure_svc.deliver(disclosure.on_payment_settled, reissued)
    await disclosure_svc.deliver(disclosure.on_payment_settled, reissued)  # redelivered: changes nothing
    [again] = await disclosure_svc.published()
    assert (again.payload["paid_count"], again.payload["paid_fen"], again.payload["unpaid_fen"],
            again.payload["consistent"]) == (3, 22500, 0, True)
