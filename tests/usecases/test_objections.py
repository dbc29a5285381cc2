"""Publicity with objections on disclosure's own database: an objection holds its entry; the case's outcome
releases it (with the rest, or in a supplement once the window has closed) or withdraws it."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from services.disclosure.usecases import objections, public, windows
from shared.errors import Conflict, NotFound
from shared.events import topics
from shared.events.oversight import CaseResolved, ComplaintFiled
from shared.events.payloads import Item, ItemsReviewed, PaymentResult, PaymentSettled, ProgramPublished
from shared.receipts import code_matches
from tests.factories import item
from tests.usecases.conftest import ServiceUnderTest, service_fixture, uid

disclosure_svc = service_fixture("disclosure", publicity_seconds=3600)
TOWN, DEPT, PROGRAM = "632523200", "MZ", "GLBT-2026"
HEAD = {"department_code": DEPT, "period": "2026-11", "township_code": TOWN}
OBJECTION = objections.ObjectionIn(category="not_eligible", content="此人已于去年迁出本村", contact=None)


def _reviewed(batch: str, approved: list[Item], program: str = PROGRAM) -> ItemsReviewed:
    return ItemsReviewed(batch_id=batch, program_code=program, chunk_index=0, chunk_count=1,
                         approved=tuple(approved), rejected=(), approved_count=len(approved),
                         approved_fen=sum(i.amount_fen for i in approved), rejected_count=0, rejected_fen=0, **HEAD)


def _resolved(complaint_id: str, outcome: str, **extra: str) -> CaseResolved:
    return CaseResolved(complaint_id=complaint_id, outcome=outcome, channel="objection",  # type: ignore[arg-type]
                        category="not_eligible", program_code=PROGRAM, township_code=TOWN, department_code=DEPT,
                        item_id=extra.get("item_id"), id_number=extra.get("id_number"), finding="经入户核实",
                        resolved_by="approver-1")


def _settled(batch: str, lines: list[Item]) -> PaymentSettled:
    results = tuple(PaymentResult(item_id=i.item_id, outcome="credited", amount_fen=i.amount_fen) for i in lines)
    amount = sum(i.amount_fen for i in lines)
    return PaymentSettled(settlement_id=uid("S"), order_id=f"{batch}-ABC", batch_id=batch, program_code=PROGRAM,
                          bank_code="ABC", results=results, credited_count=len(lines), credited_fen=amount,
                          failed_count=0, failed_fen=0, **HEAD)


async def _open_roster(svc: ServiceUnderTest, lines: list[Item]) -> str:
    batch = uid()
    await svc.deliver(windows.on_items_reviewed, _reviewed(batch, lines))
    assert await svc.published() == []  # a real window: nothing is cleared while it is open
    return batch


async def _close(svc: ServiceUnderTest, batch: str) -> None:
    async def close(ctx: windows.Ctx) -> None:
        await windows.close_window(ctx, batch)
    await svc.run(close)


async def test_an_objection_holds_its_entry_and_gives_a_receipt_and_code(disclosure_svc: ServiceUnderTest) -> None:
    lines = [item(10000), item(20000), item(30000)]
    batch = await _open_roster(disclosure_svc, lines)
    answer = await disclosure_svc.run(objections.file_objection, batch, lines[1].item_id, OBJECTION)
    [filed] = await disclosure_svc.published()
    assert filed.topic == topics.OBJECTION_FILED and filed.key == answer["complaint_id"]
    assert code_matches(answer["complaint_id"], answer["code"], filed.payload["code_hash"])
    assert answer["code"] not in str(filed.envelope)  # only its hash travels
    head, shown = await disclosure_svc.run(public.roster, batch, 10, 0)
    assert head["暂缓人数"] == 1 and [x["状态"] for x in shown].count("暂缓发放(异议核查中)") == 1
    # the window closes: the held entry stays back, the other two are cleared
    await _close(disclosure_svc, batch)
    [cleared] = await disclosure_svc.published()
    assert cleared.topic == topics.ITEMS_CLEARED
    assert {i["item_id"] for i in cleared.payload["items"]} == {lines[0].item_id, lines[2].item_id}
    assert cleared.payload["batch_amount_fen"] == 40000
    with pytest.raises(Conflict):  # no objection once publicity has ended
        await disclosure_svc.run(objections.file_objection, batch, lines[0].item_id, OBJECTION)


async def test_an_unknown_entry_or_roster_is_not_found(disclosure_svc: ServiceUnderTest) -> None:
    batch = await _open_roster(disclosure_svc, [item()])
    with pytest.raises(NotFound):
        await disclosure_svc.run(objections.file_objection, batch, "T-nope", OBJECTION)
    with pytest.raises(NotFound):
        await disclosure_svc.run(objections.file_objection, uid(), "T-nope", OBJECTION)


async def test_released_in_publicity_goes_with_the_rest_and_upheld_is_withdrawn(
        disclosure_svc: ServiceUnderTest) -> None:
    lines = [item(10000), item(20000), item(30000)]
    batch = await _open_roster(disclosure_svc, lines)
    kept = await disclosure_svc.run(objections.file_objection, batch, lines[0].item_id, OBJECTION)
    gone = await disclosure_svc.run(objections.file_objection, batch, lines[1].item_id, OBJECTION)
    await disclosure_svc.published()
    await disclosure_svc.deliver(objections.on_case_resolved, _resolved(kept["complaint_id"], "not_upheld"))
    await disclosure_svc.deliver(objections.on_case_resolved, _resolved(gone["complaint_id"], "upheld"))
    [withdrawn] = await disclosure_svc.published()
    assert withdrawn.topic == topics.ITEMS_WITHDRAWN
    assert (withdrawn.payload["item_count"], withdrawn.payload["amount_fen"]) == (1, 20000)
    await _close(disclosure_svc, batch)
    [cleared] = await disclosure_svc.published()
    assert (cleared.payload["batch_item_count"], cleared.payload["batch_amount_fen"]) == (2, 40000)
    await disclosure_svc.deliver(windows.on_payment_settled, _settled(batch, [lines[0], lines[2]]))
    [roster] = await disclosure_svc.published()
    assert roster.topic == topics.ROSTER_PUBLISHED
    assert (roster.payload["cleared_count"], roster.payload["cleared_fen"], roster.payload["paid_fen"],
            roster.payload["consistent"]) == (2, 40000, 40000, True)
    head, _ = await disclosure_svc.run(public.roster, batch, 10, 0)
    assert (head["撤销人数"], head["撤销金额(元)"], head["状态"]) == (1, "200.00", "已发放")


async def test_released_after_the_window_closed_is_paid_in_a_supplement_and_republished(
        disclosure_svc: ServiceUnderTest) -> None:
    lines = [item(10000), item(25000)]
    batch = await _open_roster(disclosure_svc, lines)
    case = await disclosure_svc.run(objections.file_objection, batch, lines[1].item_id, OBJECTION)
    await _close(disclosure_svc, batch)
    await disclosure_svc.published()
    await disclosure_svc.deliver(windows.on_payment_settled, _settled(batch, [lines[0]]))
    [first] = await disclosure_svc.published()  # everything cleared is paid: the roster is out, one entry held
    assert (first.payload["paid_fen"], first.payload["cleared_fen"]) == (10000, 10000)
    await disclosure_svc.deliver(objections.on_case_resolved, _resolved(case["complaint_id"], "not_upheld"))
    [supplement] = await disclosure_svc.published()
    assert supplement.topic == topics.ITEMS_CLEARED and supplement.payload["batch_id"] == f"{batch}-R1"
    assert [i["item_id"] for i in supplement.payload["items"]] == [lines[1].item_id]
    await disclosure_svc.deliver(windows.on_payment_settled, _settled(f"{batch}-R1", [lines[1]]))
    [again] = await disclosure_svc.published()
    assert again.payload["batch_id"] == batch
    assert (again.payload["paid_count"], again.payload["paid_fen"], again.payload["consistent"]) == (2, 35000, True)


async def test_a_hotline_case_naming_a_person_holds_their_lines_now_and_later(
        disclosure_svc: ServiceUnderTest) -> None:
    named, other = item(10000), item(10000)
    batch = await _open_roster(disclosure_svc, [named, other])
    case = uid("C")
    await disclosure_svc.deliver(objections.on_complaint_filed, ComplaintFiled(
        complaint_id=case, channel="hotline", category="fake_claim", program_code=PROGRAM, township_code=TOWN,
        summary="冒领", id_number=named.id_number, holds=True))
    later = item(10000, id_number=named.id_number, card_number=named.card_number)
    batch2 = await _open_roster(disclosure_svc, [later])
    elsewhere = item(10000, id_number=named.id_number, card_number=named.card_number)
    batch3 = await _open_roster_in(disclosure_svc, [elsewhere], "CXDB-2026")  # another program: not held
    for b, held in ((batch, 1), (batch2, 1), (batch3, 0)):
        head, _ = await disclosure_svc.run(public.roster, b, 10, 0)
        assert head["暂缓人数"] == held, b
    await disclosure_svc.deliver(objections.on_case_resolved, _resolved(case, "upheld", id_number=named.id_number))
    out = await disclosure_svc.published()
    assert sorted(p.payload["batch_id"] for p in out if p.topic == topics.ITEMS_WITHDRAWN) == sorted([batch, batch2])


async def _open_roster_in(svc: ServiceUnderTest, lines: list[Item], program: str) -> str:
    batch = uid()
    await svc.deliver(windows.on_items_reviewed, _reviewed(batch, lines, program))
    await svc.published()
    return batch


async def test_a_program_sets_its_own_publicity_period(disclosure_svc: ServiceUnderTest) -> None:
    await disclosure_svc.deliver(public.on_program_published, ProgramPublished(
        program_code="CJLX-2026", version=1, name="残疾人两项补贴", department_code="CL", standard_fen=9000,
        unit="person", effective_from=dt.date(2026, 1, 1), publicity_days=7, legal_basis="国发〔2015〕52号"))
    batch = await _open_roster_in(disclosure_svc, [item()], "CJLX-2026")
    head, _ = await disclosure_svc.run(public.roster, batch, 10, 0)
    assert head["补贴项目"] == "残疾人两项补贴"
    opens, closes = head["公示开始"], head["公示截止"]
    assert opens[:10] < closes[:10]
    catalog = await disclosure_svc.run(public.catalog)
    assert [p["公示期"] for p in catalog if p["code"] == "CJLX-2026"] == ["7 天"]


async def test_the_person_query_answers_the_same_shape_whether_or_not_the_person_exists(
        disclosure_svc: ServiceUnderTest) -> None:
    mine = item(12300, name="李四")
    batch = await _open_roster(disclosure_svc, [mine])
    await asyncio.sleep(0)
    found = await disclosure_svc.run(public.person_query, mine.id_number, "李四")
    assert [(x["金额(元)"], x["状态"]) for x in found] == [("123.00", "公示中")]
    assert mine.card_number not in str(found) and mine.card_number[-4:] in found[0]["社保卡号"]
    assert await disclosure_svc.run(public.person_query, mine.id_number, "王五") == []
    assert await disclosure_svc.run(public.person_query, "632523199001010011", "李四") == []
    village = await disclosure_svc.run(public.village_query, TOWN, mine.village, None, 500, 0)
    assert batch and any(x["item_id"] == mine.item_id for x in village["items"])
    assert mine.id_number not in str(village)
