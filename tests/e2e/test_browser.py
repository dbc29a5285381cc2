"""The public portal as a person uses it, in a real browser (Playwright driving Debian's Chromium, no browser
download): home, find a village's roster, object to an entry and get a case number, look the case up, look up
one's own payments, open a service's /docs offline. Screenshots go to the test output folder."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from deploy.demo.campaign import CampaignResult
from deploy.demo.client import CountyClient
from deploy.demo.county import TOWNSHIPS, Resident, residents
from deploy.demo.payroll import PayrollResult, submit
from deploy.stack import ServiceProcesses
from shared.auth import Role
from tests.e2e.conftest import PEOPLE
from tests.e2e.test_reissue_and_holds import wait_for
from tests.infra import log_dir

CHROMIUM = os.environ.get("YKT_CHROMIUM", "/usr/bin/chromium")
SHOTS = log_dir().parent / "screenshots"
TOWN = "992523201"  # 新街回族乡
VILLAGE = "新街村"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make install` installs Debian's chromium and fonts-noto-cjk")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    p = context.new_page()
    offline: list[str] = []
    p.on("request", lambda r: offline.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:")) else None)
    yield p
    shot(p, f"last-{request.node.name}")  # where each test ended (on a failure: what the person saw)
    (SHOTS / f"last-{request.node.name}.html").write_text(p.content())
    context.close()
    assert not offline, f"pages asked the network for {offline[:5]}"


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def publicity(client: CountyClient, payroll: PayrollResult) -> tuple[str, list[Resident]]:
    """A roster of 新街村 residents for a program with a one-day publicity period (it stays open)."""
    year = payroll.period[:4]
    code = f"BROWSER-{year}"
    client.call("POST", "catalog", "/programs", Role.FINANCE, ok=(201, 409), json={
        "code": code, "name": "困难群众临时救助", "department_code": "MZ", "standard_fen": 50000, "unit": "person",
        "legal_basis": "《社会救助暂行办法》第四十七条", "target_group": "遭遇突发困难的家庭", "publicity_days": 1,
        "how_to_apply": "向乡镇人民政府提出申请", "effective_from": f"{year}-01-01"})
    people = [p for p in residents(PEOPLE) if p.township_code == TOWN and p.village == VILLAGE][:4]
    [got], _ = submit(client, {(TOWN, code): [
        {"name": p.name, "id_number": p.id_number, "card_number": p.card_number, "bank_code": p.bank_code,
         "village": p.village} for p in people]}, payroll.period)
    batch = str(got["batch_id"])
    town = {"township": TOWN, "sub": "browser-reviewer"}
    wait_for(lambda: client.review_status(batch) == "township_review", "the automatic checks")
    flagged = client.call("GET", "review", f"/batches/{batch}/items", Role.TOWNSHIP, town,
                          params={"status": "flagged"})
    client.call("POST", "review", f"/batches/{batch}/township-review", Role.TOWNSHIP, town, json={"decisions": [
        {"item_id": i["item_id"], "approve": True, "reason": "已入户核实"} for i in flagged]})
    client.call("POST", "review", f"/batches/{batch}/department-approval", Role.DEPARTMENT,
                {"department": "MZ", "sub": "browser-approver"}, json={"approve": True})

    def opened() -> bool:
        r = client.http.get(client.url("disclosure", f"/public/rosters/{batch}"))
        return r.status_code == 200 and bool(r.json()["open"])
    wait_for(opened, "publicity")
    return batch, people


def test_a_resident_finds_a_village_roster_objects_and_follows_the_case(
        page: Page, stack: ServiceProcesses, publicity: tuple[str, list[Resident]]) -> None:
    batch, _ = publicity
    page.goto(stack.url("disclosure") + "/")
    expect(page.get_by_role("heading", name="补贴政策项目")).to_be_visible()
    expect(page.get_by_role("link", name="高龄补贴").first).to_be_visible()
    shot(page, "01-home")
    page.get_by_role("link", name="公示名单", exact=True).click()
    page.get_by_label("乡镇").select_option(label=TOWNSHIPS[TOWN][0])
    page.get_by_role("button", name="筛选").click()
    page.get_by_role("link", name="困难群众临时救助").first.click()
    expect(page.get_by_text("公示中，公示期至")).to_be_visible()
    page.get_by_label("村(社区)").select_option(VILLAGE)
    page.get_by_role("button", name="查看").click()
    expect(page.locator("td", has_text=VILLAGE).first).to_be_visible()
    assert page.url.startswith(stack.url("disclosure") + f"/rosters/{batch}")
    shot(page, "02-village-roster")
    page.get_by_role("link", name="提出异议").first.click()
    page.get_by_label("异议类型").select_option(label="不符合补贴条件")
    page.get_by_label("异议理由").fill("该户家庭经济条件较好，不属于困难群众")
    page.get_by_role("button", name="提交异议").click()
    expect(page.get_by_role("heading", name="异议已受理")).to_be_visible()
    receipt, code = page.locator("#receipt").inner_text(), page.locator("#code").inner_text()
    assert receipt.startswith("C") and len(code) == 6
    shot(page, "03-objection-filed")
    page.get_by_role("link", name="返回名单").click()
    expect(page.get_by_text("暂缓发放(异议核查中)")).to_be_visible()
    page.get_by_role("link", name="办理进度查询").first.click()
    deadline = time.monotonic() + 30
    while True:  # the complaint service opens the case from the objection event
        page.get_by_label("受理编号").fill(receipt)
        page.get_by_label("查询码").fill(code)
        page.get_by_role("button", name="查询").click()
        if page.locator("#case").count() or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    expect(page.locator("#case")).to_contain_text("公示异议")
    expect(page.locator("#case")).to_contain_text("已受理")
    shot(page, "04-case-lookup")


def test_a_resident_looks_up_their_own_payments(page: Page, stack: ServiceProcesses,
                                                publicity: tuple[str, list[Resident]]) -> None:
    paid = publicity[1][-1]
    page.goto(stack.url("disclosure") + "/")
    page.get_by_role("link", name="个人查询").first.click()
    page.get_by_label("公民身份号码").fill(paid.id_number)
    page.get_by_label("姓名").fill(paid.name)
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#own")).to_contain_text("困难群众临时救助")
    expect(page.locator("#own")).to_contain_text(TOWNSHIPS[TOWN][0])
    assert paid.id_number not in page.content() and paid.card_number not in page.content()
    shot(page, "05-personal-query")
    page.get_by_label("公民身份号码").fill("632523190001010016")
    page.get_by_label("姓名").fill("无此人")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#none")).to_be_visible()


def test_a_developer_opens_the_docs_offline(page: Page, stack: ServiceProcesses) -> None:
    page.goto(stack.url("treasury") + "/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=20_000)
    assert page.locator(".opblock").count() > 3
    shot(page, "06-docs")


def test_a_hotline_case_naming_a_person_holds_their_entry_until_it_is_decided(
        client: CountyClient, publicity: tuple[str, list[Resident]]) -> None:
    batch, people = publicity
    named = people[2]
    program = next(w for w in client.call("GET", "disclosure", "/public/rosters") if w["batch_id"] == batch)["项目编码"]
    got = client.call("POST", "complaint", "/complaints", Role.HOTLINE, {"sub": "hotline-operator"}, json={
        "category": "fake_claim", "content": "来电反映此人家庭条件好，不应领取临时救助", "program_code": program,
        "township_code": TOWN, "id_number": named.id_number})

    def state() -> str:
        lines = client.call("GET", "disclosure", f"/public/rosters/{batch}", params={"village": VILLAGE})["items"]
        return str(next(x["状态"] for x in lines if x["公民身份号码"][-4:] == named.id_number[-4:]
                        and x["姓名"][0] == named.name[0]))
    wait_for(lambda: state() == "暂缓发放(异议核查中)", "the hold on the named person's entry")
    dept, town = {"department": "MZ", "sub": "case-officer"}, {"township": TOWN, "sub": "case-clerk"}
    case = got["complaint_id"]
    client.call("POST", "complaint", f"/cases/{case}/assign", Role.DEPARTMENT, dept, json={"assignee": "李科员"})
    client.call("POST", "complaint", f"/cases/{case}/investigate", Role.TOWNSHIP, town, json={})
    client.call("POST", "complaint", f"/cases/{case}/resolve", Role.DEPARTMENT, dept,
                json={"outcome": "not_upheld", "finding": "经核实家庭确有困难，反映不属实"})
    wait_for(lambda: state() == "公示中", "the entry released")


def test_a_resident_reports_through_the_public_form(page: Page, stack: ServiceProcesses,
                                                   payroll: PayrollResult) -> None:
    page.goto(stack.url("complaint") + "/report")
    page.get_by_label("类型").select_option(label="代管卡折")
    page.get_by_label("乡镇").select_option(label=TOWNSHIPS[TOWN][0])
    page.get_by_label("反映内容").fill("村干部代管村民的社保卡")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("heading", name="已受理")).to_be_visible()
    assert page.locator("#receipt").inner_text().startswith("C")
    shot(page, "07-report-filed")


def test_finance_opens_the_supervision_dashboard(browser: Browser, stack: ServiceProcesses, client: CountyClient,
                                                 campaign: CampaignResult) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, extra_http_headers={
        "authorization": f"Bearer {client.token(Role.FINANCE, sub='jiandu-1')}"})  # as the county's gateway sets it
    page = context.new_page()
    page.goto(stack.url("supervision") + f"/dashboard?campaign_id={campaign.campaign_id}")
    expect(page.get_by_role("heading", name="惠民惠农补贴“一卡通”监督检查看板")).to_be_visible()
    expect(page.get_by_text("各补贴项目入卡金额(元)")).to_be_visible()
    expect(page.get_by_text("高龄补贴").first).to_be_visible()
    assert page.locator("svg rect").count() >= 10
    expect(page.get_by_text(f"{campaign.zero_reporter} 已知", exact=True)).to_be_visible()
    shot(page, "08-dashboard")
    context.close()
    anonymous = browser.new_context().new_page()
    anonymous.goto(stack.url("supervision") + "/dashboard")
    assert "看板" not in anonymous.content()
