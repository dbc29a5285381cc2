"""Every service as its own process on the real broker and database; one payroll end to end."""

from __future__ import annotations

import httpx

from deploy.demo.client import CountyClient
from deploy.demo.county import residents
from deploy.demo.payroll import PayrollResult
from deploy.stack import ServiceProcesses
from shared.auth import Role
from shared.registry import PORTS
from tests.e2e.conftest import PEOPLE


def test_totals_match_to_the_fen_at_every_stage(payroll: PayrollResult) -> None:
    declared = sum(b["accepted_rows"] for b in payroll.batches)
    assert declared >= 1000
    bad = [f"{c.name}: {c.expected} != {c.actual}" for c in payroll.checks if not c.ok]
    assert not bad, bad
    assert len(payroll.checks) == 14


def test_planted_problems_are_caught_where_they_should_be(payroll: PayrollResult) -> None:
    stages = {s: sum(r[s]["items"] for r in payroll.ledger["rows"]) for s in ("rejected", "failed", "credited")}
    assert payroll.row_errors == payroll.planted["mistyped_id"] > 0
    caught_by_review = ("declared_twice", "deceased_rows", "public_employee_rows")
    assert stages["rejected"] == sum(payroll.planted[k] for k in caught_by_review)
    assert all(payroll.planted[k] > 0 for k in caught_by_review)
    # refused cards, frozen accounts and the 1% random failures all end as failed (returned) items
    assert stages["failed"] >= payroll.planted["card_not_registered"] + payroll.planted["account_frozen"] > 0
    assert stages["credited"] > 0.95 * sum(b["accepted_rows"] for b in payroll.batches)


def test_public_rosters_show_no_full_id_or_card_number(payroll: PayrollResult, client: CountyClient) -> None:
    people = residents(PEOPLE)
    secrets = {p.id_number for p in people} | {p.card_number for p in people}
    for batch in payroll.batches:
        body = client.http.get(client.url("disclosure", f"/public/rosters/{batch['batch_id']}")).text
        page = client.http.get(client.url("disclosure", f"/public/rosters/{batch['batch_id']}/page")).text
        assert "已发放" in body and "<table" in page and "公民身份号码" in page
        leaked = [s for s in secrets if s in body or s in page]
        assert not leaked, f"{len(leaked)} full numbers leaked on the public roster of {batch['batch_id']}"
    one = client.http.get(client.url("disclosure", f"/public/rosters/{payroll.batches[0]['batch_id']}")).json()
    assert one["items"][0]["公民身份号码"].count("*") == 10


def test_an_upheld_objection_withdraws_its_entry_and_a_rejected_one_is_paid_in_a_supplement(
        payroll: PayrollResult, client: CountyClient) -> None:
    assert payroll.objections is not None
    batch = payroll.objections.batch_id
    upheld, rejected = payroll.objections.of("upheld"), payroll.objections.of("not_upheld")
    lines = {x["item_id"]: x for x in client.call("GET", "disclosure", f"/public/rosters/{batch}",
                                                  params={"limit": 5000})["items"]}
    assert lines[upheld["item_id"]]["状态"] == "已撤销(异议属实)"
    assert lines[rejected["item_id"]]["状态"] in ("已发放", "未发放(退回)")
    head = next(w for w in client.call("GET", "disclosure", "/public/rosters") if w["batch_id"] == batch)
    assert (head["撤销人数"], head["撤销金额(元)"], head["暂缓人数"]) == (1, upheld["amount_yuan"], 0)
    supplement = [o for o in client.call("GET", "treasury", "/orders", Role.FINANCE) if o["batch_id"] == f"{batch}-R1"]
    assert sum(o["item_count"] for o in supplement) == 1
    for case in (upheld, rejected):  # the objector looks the case up with the receipt and the code
        seen = client.call("POST", "complaint", "/public/cases/lookup",
                           json={"complaint_id": case["complaint_id"], "code": case["code"]})
        assert (seen["stage"], seen["outcome"]) == ("closed", case["outcome"])
    client.call("POST", "complaint", "/public/cases/lookup", ok=(404,),
                json={"complaint_id": upheld["complaint_id"], "code": "000000" if upheld["code"] != "000000" else "1"})
    figures = client.call("GET", "complaint", "/cases/figures", Role.FINANCE, params={"by": "channel"})
    objections = next(r for r in figures["rows"] if r["group"] == "objection")
    assert objections["resolved"] >= 2 and objections["upheld"] >= 1


def test_township_sees_only_its_own_batches(payroll: PayrollResult, client: CountyClient) -> None:
    batch = payroll.batches[0]
    own = client.call("GET", "declaration", f"/batches/{batch['batch_id']}", Role.TOWNSHIP,
                      {"township": batch["township_code"]})
    assert own["item_count"] == batch["accepted_rows"]
    other = "992523202" if batch["township_code"] != "992523202" else "992523100"
    client.call("GET", "declaration", f"/batches/{batch['batch_id']}", Role.TOWNSHIP, {"township": other},
                ok=(404,))


def test_public_complaint_form_and_health_and_asyncapi(stack: ServiceProcesses, client: CountyClient) -> None:
    got = client.call("POST", "complaint", "/public/complaints", json={
        "category": "card_withheld", "content": "村干部代管我的社保卡", "township_code": "992523100"})
    assert got["complaint_id"].startswith("C")
    client.call("POST", "complaint", "/public/complaints", json={"category": "other", "content": "x"}, ok=(422,))
    for name in PORTS:
        health = httpx.get(stack.url(name) + "/healthz").json()
        assert health["database"] == "ok" and health["broker"] == "ok", health
        spec = httpx.get(stack.url(name) + "/asyncapi.json").json()
        assert spec["channels"], name
