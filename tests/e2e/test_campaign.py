"""The campaign on the running stack after the payroll (deploy/demo/campaign.py, as `make run` does it)."""

from __future__ import annotations

import io
import time

from openpyxl import load_workbook

from deploy.demo.campaign import CampaignResult
from deploy.demo.client import CountyClient
from shared.auth import Role


def test_a_zero_report_while_problems_are_known_is_marked_and_drawn(campaign: CampaignResult) -> None:
    mine = next(s for s in campaign.progress["self_checks"] if s["unit_code"] == campaign.zero_reporter)
    # the upheld objection of the payroll: an entry withdrawn and a complaint upheld in this department
    assert mine["reported_problems"] == 0 and mine["known_findings"] >= 2
    assert mine["flag"] == "零报送但系统已发现问题"
    assert campaign.zero_reporter in campaign.progress["understated"]
    spot = campaign.spot
    assert campaign.zero_reporter in spot["sample"] and spot["coverage"] >= 0.3
    assert spot["redraw_matches"] and spot["confirmed_by"] == "shenji-1"


def test_problems_are_rectified_transferred_and_an_overdue_one_alerted(campaign: CampaignResult,
                                                                       client: CountyClient) -> None:
    statuses = [p["status"] for p in campaign.problems]
    assert statuses.count("verified") >= 1 and statuses.count("transferred") == 1
    lead = next(p for p in campaign.problems if p["status"] == "transferred")
    assert lead["lead"]["sent_to"] == "县纪委监委" and lead["hearing"]["decision"]
    late = next(p for p in campaign.problems if p["title"] == "退回资金未及时处理")
    deadline = time.monotonic() + 30
    while True:
        alerts = client.call("GET", "supervision", "/alerts", Role.FINANCE)
        if any(a["kind"] == "problem_overdue" and a["subject"] == late["problem_id"] for a in alerts):
            break
        assert time.monotonic() < deadline, "no alert for the overdue problem"
        time.sleep(1)
    own = client.call("GET", "supervision", "/problems", Role.DEPARTMENT,
                      {"department": campaign.zero_reporter}, params={"campaign_id": campaign.campaign_id})
    assert own and {p["department_code"] for p in own} == {campaign.zero_reporter}


def test_the_report_opens_and_its_ledger_equals_the_ledger(campaign: CampaignResult, client: CountyClient) -> None:
    resp = client.http.get(client.url("supervision", f"/campaigns/{campaign.campaign_id}/report.xlsx"),
                           headers={"authorization": f"Bearer {client.token(Role.AUDITOR)}"})
    assert resp.status_code == 200
    book = load_workbook(io.BytesIO(resp.content), read_only=True)
    rows = list(book["台账(人卡钱)"].iter_rows(values_only=True))
    ledger = client.call("GET", "supervision", "/ledger", Role.FINANCE, params={"by": "program"})["rows"]
    for stage, label in (("credited", "银行入卡"), ("declared", "申报"), ("withdrawn", "公示异议撤销")):
        col = rows[0].index(f"{label}金额(分)")
        assert sum(int(r[col]) for r in rows[1:]) == sum(r[stage]["fen"] for r in ledger), stage
    problems = list(book["问题清单"].iter_rows(values_only=True))
    assert len(problems) - 1 == len(campaign.problems)


def test_a_death_found_after_payment_is_recovered_and_nets_out(campaign: CampaignResult,
                                                                client: CountyClient) -> None:
    r = campaign.recovery
    assert r["status"] == "recovered" and r["recovered_fen"] == r["amount_fen"] > 0
    assert [p["means"] for p in r["payments"]] == ["bank_debit", "returned_to_treasury"]
    rows = client.call("GET", "supervision", "/ledger", Role.FINANCE, params={"by": "batch",
                                                                             "batch_id": r["batch_id"]})["rows"]
    assert rows[0]["recovered"]["fen"] == r["amount_fen"]
    assert rows[0]["net"]["fen"] == rows[0]["credited"]["fen"] - r["amount_fen"]
    deadline = time.monotonic() + 60
    while True:  # treasury gives the money back to the quota the order drew it from
        orders = [o for o in client.call("GET", "treasury", "/orders", Role.FINANCE)  # a supplement's too (-R1)
                  if o["batch_id"].split("-R")[0] == r["batch_id"]]
        if sum(o["recovered_fen"] for o in orders) == r["amount_fen"]:
            break
        assert time.monotonic() < deadline, orders
        time.sleep(1)
    problem = client.call("GET", "supervision", f"/problems/recheck:{r['item_id']}:DECEASED", Role.FINANCE)
    assert problem["source"] == "cross_check" and problem["title"].endswith("受益人已死亡")
    suspended = client.call("GET", "supervision", "/suspensions", Role.AUDITOR)
    assert any(s["active"] and s["problem_id"] == problem["problem_id"] for s in suspended)


def test_each_department_gets_its_self_check_report_and_banks_their_card_figures(
        campaign: CampaignResult, client: CountyClient) -> None:
    dept = campaign.zero_reporter
    url = client.url("supervision", f"/campaigns/{campaign.campaign_id}/self-checks/departments/{dept}/report.xlsx")
    resp = client.http.get(url, headers={"authorization": f"Bearer {client.token(Role.DEPARTMENT, department=dept)}"})
    assert resp.status_code == 200
    book = load_workbook(io.BytesIO(resp.content), read_only=True)
    assert book.sheetnames == ["自查表", "系统已掌握情况", "问题及整改清单", "台账(人卡钱)"]
    known = dict(row for row in book["系统已掌握情况"].iter_rows(values_only=True, min_row=2))
    assert known["公示异议撤销笔数"] >= 1 and known["举报查实件数"] >= 1
    other = client.http.get(url, headers={"authorization": f"Bearer {client.token(Role.DEPARTMENT, department='JY')}"})
    assert other.status_code == 404
    banks = client.call("GET", "banking", "/cards/summary", Role.FINANCIAL_OFFICE)  # 县金融办
    assert {b["bank_code"] for b in banks} >= {"ABC", "QHRCB"} and all(b["registered"] > 0 for b in banks)
    own = client.call("GET", "banking", "/cards/summary", Role.BANK, {"bank": "ABC"})
    assert client.call("GET", "supervision", "/figures", Role.FINANCIAL_OFFICE)["banks"]
    assert [b["bank_code"] for b in own] == ["ABC"] and own[0]["active"] <= own[0]["registered"]


def test_last_years_history_is_looked_back_at_too(campaign: CampaignResult, client: CountyClient) -> None:
    problem = client.call("GET", "supervision", f"/problems/{campaign.recovery['history_problem']}", Role.FINANCE)
    assert problem["source"] == "cross_check" and problem["amount_fen"] == 10000
    years = {r["group"]: r for r in client.call("GET", "supervision", "/ledger", Role.FINANCE,
                                                params={"by": "year"})["rows"]}
    last = str(int(campaign.progress["year"]) - 1)
    assert years[last]["credited"]["items"] >= 5 and campaign.progress["scope_years"][0] == last
    unspent = client.call("GET", "supervision", "/figures", Role.FINANCE)["quotas"]
    assert unspent and all(q["unspent_fen"] == q["quota_fen"] - q["paid_fen"] for q in unspent)
