"""Complaint cases on the complaint service's own database: routing, stages with who and when, scope,
deadlines and overdue alerts, the public lookup by receipt and code, figures."""

from __future__ import annotations

import datetime as dt

import pytest

from services.complaint.domain import add_working_days
from services.complaint.usecases import cases, intake, lookup
from shared.auth import Role
from shared.errors import Conflict, NotFound
from shared.events import topics
from shared.events.oversight import ObjectionFiled
from shared.events.payloads import ProgramPublished
from shared.receipts import code_hash
from tests.usecases.conftest import ServiceUnderTest, service_fixture, uid, who

complaint_svc = service_fixture("complaint")
TOWN, DEPT, PROGRAM = "632523200", "MZ", "GLBT-2026"


async def _objection(svc: ServiceUnderTest) -> tuple[str, str]:
    cid, code = uid("C")[:16], "123456"
    await svc.deliver(intake.on_objection_filed, ObjectionFiled(
        complaint_id=cid, code_hash=code_hash(cid, code), batch_id=uid(), item_id="T1", program_code=PROGRAM,
        department_code=DEPT, township_code=TOWN, village="王屯村", period="2026-11", category="not_eligible",
        content="此人已迁出"))
    return cid, code


async def test_an_objection_becomes_a_routed_case_worked_stage_by_stage(complaint_svc: ServiceUnderTest) -> None:
    cid, code = await _objection(complaint_svc)
    [filed] = await complaint_svc.published()
    assert filed.topic == topics.COMPLAINT_FILED and filed.payload["channel"] == "objection"
    assert filed.payload["department_code"] == DEPT and not filed.payload["holds"]
    dept = who(Role.DEPARTMENT, "approver-1", department=DEPT)
    town = who(Role.TOWNSHIP, "clerk-1", township=TOWN)
    with pytest.raises(NotFound):  # another department's staff do not see it
        await complaint_svc.run(cases.get_case, who(Role.DEPARTMENT, department="NMKJ"), cid)
    with pytest.raises(Conflict):  # stages go in order
        await complaint_svc.run(cases.resolve, dept, cid, cases.ResolveIn(outcome="upheld", finding="查实属实"))
    await complaint_svc.run(cases.assign, dept, cid, cases.AssignIn(assignee="王科员"))
    await complaint_svc.run(cases.investigate, town, cid, cases.StepIn(note="入户核实"))
    await complaint_svc.run(cases.resolve, dept, cid, cases.ResolveIn(outcome="upheld", finding="已迁出，查实"))
    [resolved] = await complaint_svc.published()
    assert resolved.topic == topics.CASE_RESOLVED
    assert (resolved.payload["outcome"], resolved.payload["item_id"]) == ("upheld", "T1")
    await complaint_svc.run(cases.close, town, cid, cases.StepIn(note="已告知"))
    case = await complaint_svc.run(cases.get_case, dept, cid)
    assert [(s["stage"], s["actor"]) for s in case["steps"]] == [
        ("received", "public"), ("assigned", "approver-1"), ("investigating", "clerk-1"),
        ("resolved", "approver-1"), ("closed", "clerk-1")]
    seen = await complaint_svc.run(lookup.lookup, cid, code)
    assert (seen["当前环节"], seen["办理结果"]) == ("已结案", "反映属实")
    assert [s["环节"] for s in seen["办理过程"]] == ["已受理", "已交办", "调查核实中", "已办结", "已结案"]
    assert "approver-1" not in str(seen)  # the public sees which office acted, not who
    with pytest.raises(NotFound) as wrong:
        await complaint_svc.run(lookup.lookup, cid, "654321")
    with pytest.raises(NotFound) as unknown:
        await complaint_svc.run(lookup.lookup, uid("C")[:16], code)
    assert str(wrong.value) == str(unknown.value)  # a wrong code says no more than an unknown receipt


async def test_a_hotline_case_naming_a_person_is_routed_by_program_and_holds(complaint_svc: ServiceUnderTest) -> None:
    await complaint_svc.deliver(intake.on_program_published, ProgramPublished(
        program_code="CXDB-2026", version=1, name="城乡最低生活保障金", department_code="MZ", standard_fen=62000,
        unit="person", effective_from=dt.date(2026, 1, 1)))
    hotline = who(Role.HOTLINE, "hotline-1")
    body = intake.HotlineIn(category="fake_claim", content="某某家有公职人员仍领低保", program_code="CXDB-2026",
                            township_code=TOWN, id_number="632523198001010017")
    status, answer = await complaint_svc.run(intake.file_complaint, body, "hotline", hotline, None)
    assert status == 201 and len(answer["code"]) == 6
    [filed] = await complaint_svc.published()
    assert (filed.payload["department_code"], filed.payload["holds"]) == ("MZ", True)
    assert filed.payload["id_number"] == "632523198001010017"
    listed = await complaint_svc.run(cases.list_cases, who(Role.DEPARTMENT, department="MZ"), None, False, 50, 0)
    mine = next(c for c in listed if c["complaint_id"] == answer["complaint_id"])
    assert mine["id_number"] == "6325**********0017"  # lists mask; the case page shows it to its own staff
    with pytest.raises(ValueError):
        intake.HotlineIn(category="fake_claim", content="只说了人没说项目", id_number="632523198001010017")


async def test_an_overdue_stage_raises_one_alert_and_figures_count_it(complaint_svc: ServiceUnderTest) -> None:
    cid, _ = await _objection(complaint_svc)
    await complaint_svc.published()
    later = add_working_days(dt.datetime.now(dt.UTC), 30)
    flagged = await complaint_svc.run(cases.flag_overdue, later)
    assert flagged >= 1
    alerts = [p for p in await complaint_svc.published() if p.topic == topics.ALERT_RAISED]
    assert f"overdue:{cid}:received" in [a.payload["alert_id"] for a in alerts]
    assert await complaint_svc.run(cases.flag_overdue, later) == 0  # once per case and stage
    figures = await complaint_svc.run(cases.figures, who(Role.FINANCE), "all")
    [row] = figures["rows"]
    assert row["received"] >= 1 and row["resolved"] >= 1 and row["resolved_in_time"] >= 1


def test_working_days_skip_the_weekend() -> None:
    friday = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)  # 10:00 Friday in Beijing
    assert add_working_days(friday, 1).astimezone(dt.UTC) == dt.datetime(2026, 11, 30, 15, 59, 59, tzinfo=dt.UTC)
    assert add_working_days(friday, 15).date() == dt.date(2026, 12, 18)
