"""The money path beyond the happy case, on the running stack (after test_payroll's payroll)."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import psycopg

from deploy.demo.client import CountyClient
from deploy.demo.county import BANKS, programs, residents
from deploy.demo.payroll import PayrollResult
from shared.auth import Role
from shared.masking import mask_id
from tests.e2e.conftest import PEOPLE, STACK_FAILURE_RATE
from tests.factories import person

TOWN = "992523201"


def wait_for(check: Callable[[], Any], what: str, timeout: float = 180) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def roster_done(c: CountyClient, batch_id: str) -> dict[str, Any] | None:
    r = c.http.get(c.url("disclosure", f"/public/rosters/{batch_id}"))
    return r.json() if r.status_code == 200 and r.json()["状态"] == "已发放" else None


def declare(c: CountyClient, people: list[tuple[str, str, str]], bank: str) -> str:
    """Declare, then review: these new people are not in the household registry (a flag), so the township
    reviewer approves them with a written reason (reported to supervision) and the department approves."""
    prog = programs(time.gmtime().tm_year)[4]  # 残疾人两项补贴, per person, no age criterion
    got = c.call("POST", "declaration", "/batches", Role.TOWNSHIP, {"township": TOWN}, json={
        "program_code": prog.code, "period": time.strftime("%Y-%m"), "items": [
            {"name": n, "id_number": i, "card_number": k, "bank_code": bank, "village": "新街村"}
            for n, i, k in people]})
    assert got["accepted_rows"] == len(people)
    batch = str(got["batch_id"])
    town = {"township": TOWN, "sub": "reviewer-test"}
    wait_for(lambda: c.review_status(batch) == "township_review", "the automatic checks")
    flagged = c.call("GET", "review", f"/batches/{batch}/items", Role.TOWNSHIP, town, params={"status": "flagged"})
    assert {f["code"] for i in flagged for f in i["findings"]} == {"NOT_IN_REGISTRY"}
    c.call("POST", "review", f"/batches/{batch}/township-review", Role.TOWNSHIP, town, json={"decisions": [
        {"item_id": i["item_id"], "approve": True, "reason": "新迁入人员，户籍待更新，已入户核实"} for i in flagged]})
    c.call("POST", "review", f"/batches/{batch}/department-approval", Role.DEPARTMENT,
           {"department": prog.department_code, "sub": "reviewer-test"}, json={"approve": True}, ok=(403,))
    c.call("POST", "review", f"/batches/{batch}/department-approval", Role.DEPARTMENT,
           {"department": prog.department_code, "sub": "approver-test"}, json={"approve": True})
    return batch


@contextlib.contextmanager
def every_credit_succeeds(c: CountyClient) -> Iterator[None]:
    """The stack's bank fails 1% of credits at random; a test that counts each of a few payments turns that
    off while it runs (the stack runs one test at a time) and back on after. One call holds for every
    instance of the bank (the scale-out test leaves a second one running): the rate is kept in its database."""
    _failure_rate(c, 0)
    try:
        yield
    finally:
        _failure_rate(c, STACK_FAILURE_RATE)


def _failure_rate(c: CountyClient, rate: float) -> None:
    got = c.call("PUT", "bank_simulator", "/admin/failure-rate", Role.BANK, {"bank": "ABC"},
                 json={"failure_rate": rate})
    assert got == {"failure_rate": rate}


def new_people(c: CountyClient, bank: str, count: int) -> list[tuple[str, str, str]]:
    people = [(f"测试{n}", *person()) for n in range(count)]
    c.call("POST", "banking", "/cards", Role.FINANCE, json=[
        {"card_number": k, "id_number": i, "name": n, "bank_code": bank} for n, i, k in people])
    c.call("POST", "bank_simulator", "/admin/accounts", Role.BANK, {"bank": bank}, json=[
        {"card_number": k, "bank_code": bank, "name": n} for n, _, k in people])
    return people


def test_returned_items_are_reissued_once_after_correction(payroll: PayrollResult, client: CountyClient) -> None:
    c = client
    # correct what made payments fail: the bank unfreezes accounts, missing cards get registered
    for bank in BANKS:  # each bank corrects its own accounts
        for acct in c.call("GET", "bank_simulator", "/admin/accounts", Role.BANK, {"bank": bank},
                           params={"status": "frozen"}):
            c.call("PATCH", "bank_simulator", f"/admin/accounts/{acct['card_number']}", Role.BANK, {"bank": bank},
                   params={"status": "active"})
    everyone = residents(PEOPLE)
    got = c.call("POST", "banking", "/cards", Role.FINANCE, json=[
        {"card_number": p.card_number, "id_number": p.id_number, "name": p.name, "bank_code": p.bank_code}
        for p in everyone])
    assert got["registered"] == payroll.planted["card_not_registered"]
    ids = {b["batch_id"] for b in payroll.batches}  # other tests' batches may be paid on the same stack

    def ours(order: dict[str, Any]) -> bool:  # a supplement (BATCH-R1) belongs to its batch
        return str(order["batch_id"]).split("-R")[0] in ids

    returned = [o for o in c.call("GET", "treasury", "/orders", Role.FINANCE) if o["returned_count"] > 0 and ours(o)]
    assert returned
    before = sum(o["returned_count"] for o in returned)
    for o in returned:
        key = uuid.uuid4().hex
        first = c.call("POST", "treasury", f"/orders/{o['order_id']}/reissue", Role.FINANCE,
                       headers={"Idempotency-Key": key})
        again = c.call("POST", "treasury", f"/orders/{o['order_id']}/reissue", Role.FINANCE,
                       headers={"Idempotency-Key": key})
        assert again == first and first["item_count"] == o["returned_count"]
        c.call("POST", "treasury", f"/orders/{o['order_id']}/reissue", Role.FINANCE, ok=(409,))

    def reissues_done() -> list[dict[str, Any]] | None:
        orders = [o for o in c.call("GET", "treasury", "/orders", Role.FINANCE)
                  if o["attempt"] == 2 and ours(o)]
        done = len(orders) == len(returned) and all(o["settled_count"] == o["item_count"] for o in orders)
        return orders if done else None

    reissued = wait_for(reissues_done, "re-issued orders to settle")
    credited_again = sum(o["credited_count"] for o in reissued)
    assert credited_again >= 0.9 * before  # only the bank's 1% random failures may fail again
    integrity = c.call("GET", "bank_simulator", "/admin/integrity", Role.FINANCE)
    assert integrity["duplicated_items"] == 0 and integrity["balances_match"]
    orders = c.call("GET", "treasury", "/orders", Role.FINANCE)
    treasury_credited = sum(o["credited_fen"] for o in orders)
    assert integrity["credited_fen"] == treasury_credited
    payroll_credited = sum(o["credited_count"] for o in orders if ours(o))

    def rosters_updated() -> bool:
        windows = c.call("GET", "disclosure", "/public/rosters")
        return sum(w["已发放人数"] for w in windows if w["batch_id"] in ids) == payroll_credited

    wait_for(rosters_updated, "paid rosters to include the re-issued payments")


def test_payment_without_a_valid_contract_is_held_then_released(payroll: PayrollResult,
                                                                 client: CountyClient) -> None:
    c = client
    with every_credit_succeeds(c):
        _held_then_released(c)


def _bank_known(c: CountyClient, name: str) -> bool:
    return any(b["name"] == name for b in c.call("GET", "declaration", "/banks"))


def _held_then_released(c: CountyClient) -> None:
    # a bank in the county's register (files may name it) whose contract is not signed yet
    c.call("PUT", "banking", "/banks/XYB", Role.FINANCE, json={"name": "西宁银行", "aliases": ["西宁行"]})
    wait_for(lambda: _bank_known(c, "西宁银行"), "declaration to learn the new bank")
    people = new_people(c, "XYB", 5)
    batch = declare(c, people, "XYB")

    def held() -> bool:
        rows = c.call("GET", "banking", "/held", Role.FINANCE)
        return any(r["order_id"].startswith(batch) and r["count"] == 5 for r in rows)

    wait_for(held, "payments held for want of a contract")
    assert roster_done(c, batch) is None  # nothing was sent, nothing returned
    got = c.call("PUT", "banking", "/contracts", Role.FINANCE, json={
        "bank_code": "XYB", "bank_name": "西宁银行", "valid_from": "2020-01-01", "valid_to": "2099-12-31"})
    assert got["released_held_payments"] == 5
    roster = wait_for(lambda: roster_done(c, batch), "the released payments to be credited")
    assert roster["已发放人数"] == 5


def test_card_change_needs_a_second_person_and_a_payment_soon_after_raises_an_alert(
        payroll: PayrollResult, client: CountyClient) -> None:
    c = client
    [(name, id_number, old_card)] = new_people(c, "ABC", 1)
    new_card = person()[1]
    c.call("POST", "bank_simulator", "/admin/accounts", Role.BANK, {"bank": "ABC"}, json=[
        {"card_number": new_card, "bank_code": "ABC", "name": name}])
    # a second active card for the same person is kept inactive and reported (一人多卡)
    second = c.call("POST", "banking", "/cards", Role.FINANCE, json=[
        {"card_number": person()[1], "id_number": id_number, "name": name, "bank_code": "QHRCB"}])
    assert second["second_cards_inactive"] == 1
    multi = c.call("GET", "banking", "/cards/multiple", Role.FINANCE)
    assert any(m["person"] == mask_id(id_number) for m in multi)
    req = c.call("POST", "banking", "/card-changes", Role.FINANCE, {"sub": "clerk-1"}, json={
        "id_number": id_number, "new_card_number": new_card, "bank_code": "ABC", "reason": "原卡遗失补办"})
    c.call("POST", "banking", f"/card-changes/{req['request_id']}/decision", Role.FINANCE, {"sub": "clerk-1"},
           json={"approve": True}, ok=(403,))
    c.call("POST", "banking", f"/card-changes/{req['request_id']}/decision", Role.FINANCE, {"sub": "chief-2"},
           json={"approve": True})
    assert c.call("GET", "banking", f"/cards/{new_card}", Role.FINANCE)["status"] == "active"
    assert c.call("GET", "banking", f"/cards/{old_card}", Role.FINANCE)["status"] == "replaced"
    # the old card is no longer the person's: a payment to it is refused; to the new one it is paid
    with every_credit_succeeds(c):
        batch = declare(c, [(name, id_number, new_card)], "ABC")
        assert wait_for(lambda: roster_done(c, batch), "payment to the new card")["已发放人数"] == 1

    def alerted() -> bool:
        kinds = {(a["kind"], a["subject"]) for a in c.call("GET", "supervision", "/alerts", Role.FINANCE)}
        return {("CARD_CHANGED_BEFORE_PAYMENT", mask_id(id_number)), ("MULTIPLE_CARDS", mask_id(id_number)),
                ("FLAG_OVERRIDDEN", mask_id(id_number))} <= kinds

    wait_for(alerted, "alerts in supervision")


def test_same_idempotency_key_sent_100_times_concurrently_makes_one_complaint(
        client: CountyClient, infra: tuple[dict[str, str], str]) -> None:
    key = uuid.uuid4().hex
    body = {"category": "not_received", "content": f"本月高龄补贴未到账 {key}", "township_code": TOWN}
    url = client.url("complaint", "/public/complaints")

    async def send_all() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=60) as http:
            return await asyncio.gather(*[http.post(url, json=body, headers={"Idempotency-Key": key})
                                          for _ in range(100)])

    answers = asyncio.run(send_all())
    assert {r.status_code for r in answers} == {201}
    assert len({r.json()["complaint_id"] for r in answers}) == 1
    admin = infra[1].rsplit("/", 1)[0] + "/complaint"
    with psycopg.connect(admin) as conn:
        count = conn.execute("SELECT count(*) FROM complaints WHERE content = %s", (body["content"],)).fetchone()
    assert count == (1,)
    other = client.http.post(url, json=body | {"content": "另一件事情需要反映"}, headers={"Idempotency-Key": key})
    assert other.status_code == 422 and "different request body" in other.text
