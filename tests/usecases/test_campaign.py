"""The campaign on supervision's own database: a self-check that reports zero problems while the system knows
some is marked; the spot check draws at least 30% with that department in it and redraws the same; problems
are rectified and verified, one is overdue and alerted, one is transferred as a lead, one has a hearing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from services.supervision import store
from services.supervision.domain import CHECK_ITEMS
from services.supervision.usecases import campaign, ledger, problems, report
from shared.auth import Role
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.events.oversight import CaseResolved, ItemsWithdrawn
from shared.events.payloads import BatchSubmitted, PaymentResult, PaymentSettled
from shared.messaging.chunks import item_chunks
from tests.factories import item
from tests.usecases.conftest import ServiceUnderTest, service_fixture, uid, who

supervision_svc = service_fixture("supervision")
YEAR = "2026"
TOWN = "632523200"
FINANCE, AUDITOR = who(Role.FINANCE, "finance-1"), who(Role.AUDITOR, "auditor-1")
DEPTS = ("MZ", "NMKJ", "CL", "RS", "JY", "WJ", "ZJ")


async def _paid(svc: ServiceUnderTest, dept: str, program: str, count: int = 3) -> list[str]:
    """A paid batch of ``dept`` (declared and credited), returning its item ids."""
    batch, lines = uid(), [item(10000) for _ in range(count)]
    head = {"batch_id": batch, "program_code": program, "department_code": dept, "period": f"{YEAR}-11",
            "township_code": TOWN}
    for chunk in item_chunks(BatchSubmitted, lines, 1000, **head):
        await svc.deliver(ledger.on_batch_submitted, chunk)
    await svc.deliver(ledger.on_payment_settled, PaymentSettled(
        settlement_id=uid("S"), order_id=f"{batch}-ABC", bank_code="ABC",
        results=tuple(PaymentResult(item_id=i.item_id, outcome="credited", amount_fen=i.amount_fen) for i in lines),
        credited_count=count, credited_fen=10000 * count, failed_count=0, failed_fen=0, **head))
    return [i.item_id for i in lines]


def _answers(ok: bool = True) -> dict[str, campaign.Answer]:
    return {k: campaign.Answer(ok=ok, evidence="查阅台账、抽查入户") for k in CHECK_ITEMS}


async def test_a_campaign_from_self_check_to_spot_check_to_rectification(supervision_svc: ServiceUnderTest) -> None:
    cid = uid("CAMP")
    for n, dept in enumerate(DEPTS):
        await _paid(supervision_svc, dept, f"P{n}-{YEAR}")
    # the system knows two problems of 民政局 (MZ): an entry withdrawn on an objection and an upheld complaint
    mz_item = item(5000)
    await supervision_svc.deliver(ledger.on_items_withdrawn, ItemsWithdrawn(
        batch_id=uid(), program_code=f"P0-{YEAR}", department_code="MZ", period=f"{YEAR}-11", township_code=TOWN,
        complaint_id=uid("C"), items=(mz_item,), item_count=1, amount_fen=5000))
    complaint = uid("C")
    await supervision_svc.run(_keep_complaint, complaint, "MZ")
    await supervision_svc.deliver(ledger.on_case_resolved, CaseResolved(
        complaint_id=complaint, outcome="upheld", channel="hotline", category="fake_claim", program_code=f"P0-{YEAR}",
        township_code=TOWN, department_code="MZ", item_id=None, id_number=None, finding="查实", resolved_by="x"))

    await supervision_svc.run(campaign.create_campaign, FINANCE, campaign.CampaignIn(
        campaign_id=cid, name="深入整治“一卡通”专项行动", year=2026, scope_years=[2026],
        stage_dates={"rectification": dt.date(2026, 9, 30)}))
    mz = who(Role.DEPARTMENT, "mz-head", department="MZ")
    form = await supervision_svc.run(campaign.prefill, mz, cid, "department", "MZ")
    assert form["known"]["withdrawn_items"] == 1 and form["known"]["upheld_complaints"] == 1
    with pytest.raises(NotFound):  # a department checks only itself
        await supervision_svc.run(campaign.prefill, mz, cid, "department", "NMKJ")
    with pytest.raises(Invalid):  # every item answered
        await supervision_svc.run(campaign.submit_self_check, mz, cid, "department", "MZ",
                                  campaign.SelfCheckIn(answers={}))
    zero = await supervision_svc.run(campaign.submit_self_check, mz, cid, "department", "MZ",
                                     campaign.SelfCheckIn(answers=_answers()))
    assert (zero["reported_problems"], zero["known_findings"], zero["flag"]) == (0, 2, "零报送但系统已发现问题")
    for dept in DEPTS[1:]:
        await supervision_svc.run(campaign.submit_self_check, who(Role.DEPARTMENT, department=dept), cid,
                                  "department", dept, campaign.SelfCheckIn(answers=_answers(False), problems=[
                                      problems.ProblemIn(title="公示不及时", detail="个别村未按期公示",
                                                         program_code=f"P1-{YEAR}", people=3, amount_fen=30000)]))
    seen = await supervision_svc.run(campaign.progress, FINANCE, cid)
    assert seen["understated"] == ["MZ"]

    drawn = await supervision_svc.run(campaign.draw_spot_check, FINANCE, cid, campaign.SpotCheckIn(seed=20260527))
    assert drawn["coverage"] >= 0.3 and "MZ" in drawn["sample"] and drawn["redraw_matches"]
    assert drawn["required"] == ["MZ"]  # 零报送 while the system knows problems: drawn whatever the seed
    assert drawn["weights"]["MZ"] > max(w for d, w in drawn["weights"].items() if d != "MZ")
    with pytest.raises(Conflict):
        await supervision_svc.run(campaign.draw_spot_check, FINANCE, cid, campaign.SpotCheckIn())
    with pytest.raises(Forbidden):  # the draw needs a second person
        await supervision_svc.run(campaign.confirm_spot_check, who(Role.AUDITOR, "finance-1"), cid)
    confirmed = await supervision_svc.run(campaign.confirm_spot_check, AUDITOR, cid)
    assert confirmed["confirmed_by"] == "auditor-1" and confirmed["sample"] == drawn["sample"]
    assert confirmed["items"][f"P0-{YEAR}"]["sampled"] >= 1

    listed = await supervision_svc.run(problems.list_problems, FINANCE, cid, None)
    assert len(listed) == len(DEPTS) - 1 and all(p["due_on"] == dt.date(2026, 9, 30) for p in listed)
    nmkj = next(p for p in listed if p["department_code"] == "NMKJ")
    owner = who(Role.DEPARTMENT, "nmkj-head", department="NMKJ")
    with pytest.raises(NotFound):  # another department's problem is not theirs
        await supervision_svc.run(problems.start_rectifying, mz, nmkj["problem_id"], problems.MoveIn())
    with pytest.raises(Invalid):
        await supervision_svc.run(problems.report_rectified, owner, nmkj["problem_id"], problems.MoveIn())
    await supervision_svc.run(problems.report_rectified, owner, nmkj["problem_id"],
                              problems.MoveIn(measures="已补充公示并建立公示台账"))
    done = await supervision_svc.run(problems.verify, AUDITOR, nmkj["problem_id"], problems.MoveIn(note="已核实"))
    assert done["status"] == "verified" and [s["status"] for s in done["steps"]] == ["open", "rectified", "verified"]

    lead = next(p for p in listed if p["department_code"] == "CL")
    await supervision_svc.run(problems.hear, FINANCE, lead["problem_id"], problems.HearingIn(decision="涉嫌违纪，移交"))
    sent = await supervision_svc.run(problems.transfer_lead, FINANCE, lead["problem_id"], problems.LeadIn(
        sent_to="县纪委监委", what_was_sent="问题线索移送函及台账复印件"))
    assert sent["status"] == "transferred" and sent["lead"]["sent_to"] == "县纪委监委" and sent["hearing"]

    flagged = await supervision_svc.run(problems.flag_overdue, dt.date(2026, 10, 1))
    assert flagged == len(DEPTS) - 3  # still open after the deadline: not the verified one, not the transferred
    assert await supervision_svc.run(problems.flag_overdue, dt.date(2026, 10, 2)) == 0
    alerts = await supervision_svc.run(ledger.alerts, FINANCE)
    assert sum(a["kind"] == "problem_overdue" for a in alerts) == flagged

    title, body = await supervision_svc.run(report.campaign_report, FINANCE, cid)
    book = load_workbook(io.BytesIO(body), read_only=True)
    assert book.sheetnames == ["汇总", "自查情况", "抽查", "问题清单", "整改清单", "台账(人卡钱)"]
    assert title.endswith("汇总报告")
    rows = list(book["台账(人卡钱)"].iter_rows(values_only=True))
    credited_fen = rows[0].index("银行入卡金额(分)")
    books = await supervision_svc.run(ledger.ledger, FINANCE, "program")
    assert sum(int(r[credited_fen]) for r in rows[1:]) == sum(r["credited"]["fen"] for r in books["rows"]) > 0
    assert len(list(book["问题清单"].iter_rows())) == len(listed) + 1
    zero = [r for r in book["自查情况"].iter_rows(values_only=True) if r[1] == "MZ"]
    assert zero == [("资金主管部门", "MZ", 0, 2, "零报送但系统已发现问题")]


async def _keep_complaint(ctx: ledger.Ctx, complaint_id: str, dept: str) -> None:
    await store.keep(ctx.session, "complaints", {"complaint_id": complaint_id, "category": "fake_claim",
                                                 "program_code": f"P0-{YEAR}", "township_code": TOWN,
                                                 "channel": "hotline", "department_code": dept})

