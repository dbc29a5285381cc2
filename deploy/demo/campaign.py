"""The supervision campaign after the month's payroll (专项整治): every department, township and bank
self-checks (the department whose roster had an upheld objection reports zero problems, though the system
knows of it), finance draws the spot check and audit confirms it, problems are rectified and verified, one
is transferred to discipline inspection as a lead, one is past its deadline."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from deploy.demo.client import CountyClient
from deploy.demo.county import BANKS, DEMO_REFS, TOWNSHIPS, programs, residents
from deploy.demo.payroll import PayrollResult, eligible
from shared.auth import Role
from shared.masking import mask_id, mask_name

ITEMS = ("catalog_published", "card_only", "bank_contract", "process", "publicity", "payments_matched",
         "complaints", "ledger")


@dataclass
class CampaignResult:
    campaign_id: str
    zero_reporter: str
    progress: dict[str, Any]
    spot: dict[str, Any]
    problems: list[dict[str, Any]]
    recovery: dict[str, Any]


def _wait(what: str, ready: Callable[[], Any], timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while not (got := ready()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not after {timeout}s")
        time.sleep(0.5)
    return got


def look_back(c: CountyClient, payroll: PayrollResult, progress: Callable[[str], None]) -> dict[str, Any]:
    """回头看: a death recorded after the payroll makes one credited payment wrong; the year's rosters are checked
    again, the problem appears, a recovery order gets the money back in two payments, the person is suspended."""
    batch = payroll.batches[-1]
    lines = c.call("GET", "disclosure", f"/public/rosters/{batch['batch_id']}", params={"limit": 200})["items"]
    people = {(mask_id(p.id_number), mask_name(p.name)): p for p in residents(payroll.people, payroll.seed)}
    line = next(x for x in lines if x["状态"] == "已发放" and (x["公民身份号码"], x["姓名"]) in people)
    person = people[(line["公民身份号码"], line["姓名"])]
    start = dt.date.fromisoformat(f"{payroll.period}-01")
    year = int(payroll.period[:4])
    # last year's payments were made before the system: imported as history, one to a person who had died
    program = next(p for p in programs(year) if p.code == batch["program_code"])
    then = dt.date(year - 1, 6, 1)
    township = [p for p in people.values() if p.township_code == batch["township_code"]
                and eligible(p, [program], then)][:5]
    history = c.call("POST", "review", "/history", Role.FINANCE, json={
        "program_code": batch["program_code"], "department_code": _department(batch["program_code"], year),
        "township_code": batch["township_code"], "period": f"{year - 1}-06", "items": [
            {"name": p.name, "id_number": p.id_number, "card_number": p.card_number, "bank_code": p.bank_code,
             "village": p.village, "amount_fen": 10000} for p in township]})
    died = (start - dt.timedelta(days=5)).isoformat()  # before the period: paid to someone no longer alive
    c.call("POST", "review", "/reference/deaths", Role.FINANCE, params=DEMO_REFS, json=[
        {"id_number": i, "on_date": (start - dt.timedelta(days=40)).isoformat()} for i in payroll.deceased
    ] + [{"id_number": person.id_number, "on_date": died},
         {"id_number": township[0].id_number, "on_date": f"{year - 1}-01-15"}])
    found = c.call("POST", "review", "/recheck", Role.FINANCE, json={"year": year})
    earlier = c.call("POST", "review", "/recheck", Role.FINANCE, json={"year": year - 1})
    pid = f"recheck:{line['item_id']}:DECEASED"
    _wait("the problem found by looking back", lambda: c.call(
        "GET", "supervision", f"/problems/{pid}", Role.FINANCE, ok=(200, 404)).get("problem_id") == pid)
    order = c.call("POST", "supervision", f"/problems/{pid}/recovery", Role.FINANCE, json={
        "due_on": (dt.date.today() + dt.timedelta(days=30)).isoformat()})
    half = order["amount_fen"] // 2
    c.call("POST", "supervision", f"/recoveries/{order['recovery_id']}/payments", Role.FINANCE,
           json={"amount_fen": half, "means": "bank_debit", "note": "代发银行协助划回"})
    done = c.call("POST", "supervision", f"/recoveries/{order['recovery_id']}/payments", Role.FINANCE,
                  json={"amount_fen": order["amount_fen"] - half, "means": "returned_to_treasury"})
    c.call("POST", "supervision", "/suspensions", Role.FINANCE, json={
        "id_number": person.id_number, "program_code": batch["program_code"], "reason": "受益人已死亡，停止发放",
        "problem_id": pid})
    history_problem = f"recheck:{history['batch_id']}-000001:DECEASED"
    _wait("the problem found in last year's history", lambda: c.call(
        "GET", "supervision", f"/problems/{history_problem}", Role.FINANCE, ok=(200, 404)).get("problem_id"))
    progress(f"looking back: {found['checked_items']} paid items of {year} and {earlier['checked_items']} of "
             f"{year - 1} (imported history) checked again, found {found['found']} and {earlier['found']}; "
             f"{done['recovered_yuan']} yuan recovered from a payment to a person who had died; suspended")
    return done | {"batch_id": batch["batch_id"], "item_id": line["item_id"], "history_problem": history_problem}


def _department(program_code: str, year: int) -> str:
    return next(p.department_code for p in programs(year) if p.code == program_code)


def _answers(failed: str | None = None) -> dict[str, dict[str, Any]]:
    return {k: {"ok": k != failed, "evidence": "查阅台账、银行对账单和公示照片，入户抽查 10 户"} for k in ITEMS}


def run_campaign(c: CountyClient, payroll: PayrollResult, progress: Callable[[str], None] = print) -> CampaignResult:
    year = int(payroll.period[:4])
    cid = f"YKT-{year}-{payroll.period[5:]}"
    c.call("POST", "supervision", "/campaigns", Role.FINANCE, ok=(201, 409), json={
        "campaign_id": cid, "name": f"{year}年深入整治惠民惠农财政补贴资金发放“一卡通”专项行动", "year": year,
        "scope_years": [year - 1, year]})
    recovered = look_back(c, payroll, progress)
    departments = sorted({p.department_code for p in programs(year)})
    objected = next((b for b in payroll.batches if payroll.objections and b["batch_id"] == payroll.objections.batch_id),
                    payroll.batches[0])
    zero = next(p.department_code for p in programs(year) if p.code == objected["program_code"])
    for dept in departments:
        own = {"department": dept, "sub": f"head-{dept}"}
        c.call("GET", "supervision", f"/campaigns/{cid}/self-checks/departments/{dept}", Role.DEPARTMENT, own)
        body: dict[str, Any] = {"answers": _answers()}
        if dept != zero:
            body = {"answers": _answers("publicity"), "problems": [{
                "title": "部分村公示照片未存档", "detail": "抽查 3 个村，1 个村未留存公示照片",
                "people": 0, "amount_fen": 0}]}
        c.call("PUT", "supervision", f"/campaigns/{cid}/self-checks/departments/{dept}", Role.DEPARTMENT, own,
               json=body)
    for town in TOWNSHIPS:
        c.call("PUT", "supervision", f"/campaigns/{cid}/self-checks/townships/{town}", Role.TOWNSHIP,
               {"township": town, "sub": f"mayor-{town}"}, json={"answers": _answers()})
    for bank in BANKS:
        c.call("PUT", "supervision", f"/campaigns/{cid}/self-checks/banks/{bank}", Role.BANK,
               {"bank": bank, "sub": f"manager-{bank}"}, json={"answers": _answers()})
    progress(f"campaign {cid}: {len(departments)} departments, {len(TOWNSHIPS)} townships and {len(BANKS)} banks "
             f"self-checked; {zero} reported zero problems")
    c.call("POST", "supervision", f"/campaigns/{cid}/spot-check", Role.FINANCE, {"sub": "jiandu-1"}, ok=(201, 409),
           json={"seed": year * 10_000 + 527})
    c.call("POST", "supervision", f"/campaigns/{cid}/spot-check/confirm", Role.AUDITOR, {"sub": "shenji-1"},
           ok=(200, 409))
    spot = c.call("GET", "supervision", f"/campaigns/{cid}/spot-check", Role.FINANCE)
    found = c.call("POST", "supervision", "/problems", Role.FINANCE, params={"campaign_id": cid}, json={
        "title": "自查零报送，抽查发现公示异议查实未列入问题清单",
        "detail": "抽查核实：公示期内异议查实 1 户，自查未报送",
        "department_code": zero, "people": 1, "severity": "serious"})
    c.call("POST", "supervision", f"/problems/{found['problem_id']}/hearing", Role.AUDITOR, {"sub": "shenji-1"},
           json={"decision": "自查走过场，移交县纪委监委"})
    c.call("POST", "supervision", f"/problems/{found['problem_id']}/transfer", Role.FINANCE, {"sub": "jiandu-1"},
           json={"sent_to": "县纪委监委", "what_was_sent": "问题线索移送函、自查表、抽查记录"})
    late = c.call("POST", "supervision", "/problems", Role.FINANCE, params={"campaign_id": cid}, json={
        "title": "退回资金未及时处理", "detail": "退回款项逾期未重新发放", "department_code": departments[0],
        "due_on": (dt.date.today() - dt.timedelta(days=1)).isoformat()})
    for p in c.call("GET", "supervision", "/problems", Role.FINANCE, params={"campaign_id": cid}):
        if p["source"] == "self_check" and p["status"] == "open":
            owner = {"department": p["department_code"], "sub": f"head-{p['department_code']}"}
            c.call("POST", "supervision", f"/problems/{p['problem_id']}/rectified", Role.DEPARTMENT, owner,
                   json={"measures": "补拍公示照片并建立公示档案"})
            c.call("POST", "supervision", f"/problems/{p['problem_id']}/verify", Role.AUDITOR, {"sub": "shenji-1"},
                   json={"note": "现场核实"})
    progress(f"campaign {cid}: spot check {spot['sample']} ({spot['coverage']:.0%} of departments, seed "
             f"{spot['seed']}); self-check problems rectified and verified; one lead transferred; "
             f"problem {late['problem_id']} is past its deadline")
    return CampaignResult(cid, zero, c.call("GET", "supervision", f"/campaigns/{cid}", Role.FINANCE), spot,
                          c.call("GET", "supervision", "/problems", Role.FINANCE, params={"campaign_id": cid}),
                          recovered)


def campaign_table(result: CampaignResult) -> str:
    p = result.progress
    out = [f"campaign {p['name']} ({result.campaign_id})",
           f"  {'unit 单位':<24}{'reported 报送':>14}{'known 系统发现':>16}  flag"]
    for s in p["self_checks"]:
        out.append(f"  {s['unit_kind'] + ' ' + s['unit_code']:<24}{s['reported_problems']:>14}{s['known_findings']:>16}"
                   f"  {s['flag']}")
    out.append(f"  spot check 抽查: {', '.join(result.spot['sample'])} — {result.spot['coverage']:.0%} of "
               f"{len(result.spot['weights'])} departments, seed {result.spot['seed']}, "
               f"confirmed by {result.spot['confirmed_by']}, redraw matches: {result.spot['redraw_matches']}")
    counts: dict[str, int] = {}
    for prob in result.problems:
        counts[prob["status_label"]] = counts.get(prob["status_label"], 0) + 1
    out.append("  problems 问题: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    r = result.recovery
    out.append(f"  recovered 追缴: {r['recovered_yuan']} of {r['amount_yuan']} yuan ({r['status']}), "
               f"{len(r['payments'])} payments back, {r['recovery_id']}")
    return "\n".join(out)
