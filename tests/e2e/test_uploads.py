"""Declarations as officials make them: files, row errors, corrections, scope, versions, returns."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time

from openpyxl import load_workbook

from deploy.demo.client import CountyClient
from deploy.demo.county import programs
from deploy.demo.payroll import PayrollResult
from shared.auth import Role
from tests.e2e.test_reissue_and_holds import wait_for
from tests.factories import person

TOWN = {"township": "992523200", "sub": "clerk-hedong"}  # 河东乡
REVIEWER = {"township": "992523200", "sub": "reviewer-hedong"}  # never the person who declared
PROG = programs(dt.date.today().year)[4]  # 残疾人两项补贴 (残联)
PERIOD = f"{dt.date.today():%Y-%m}"


def _csv(rows: list[list[str]], encoding: str = "gbk") -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["姓名", "公民身份号码", "社保卡号", "开户银行", "乡镇", "村", "补贴项目", "数量", "金额"])
    w.writerows(rows)
    return out.getvalue().encode(encoding)


def _upload(c: CountyClient, name: str, content: bytes, ok: tuple[int, ...] = (201,)) -> dict:  # type: ignore[type-arg]
    return c.call("POST", "declaration", "/batches/upload", Role.TOWNSHIP, TOWN, ok=ok,
                  files={"file": (name, content)}, data={"program_code": PROG.code, "period": PERIOD})


def test_gbk_csv_row_errors_errors_file_correction_and_same_file_twice(payroll: PayrollResult,
                                                                       client: CountyClient) -> None:
    c = client
    (a_id, a_card), (b_id, b_card), (x_id, x_card) = person(), person(), person()
    bad_id = x_id[:17] + ("0" if x_id[17] != "0" else "1")
    first = _csv([["甲某", a_id, a_card, "ABC", "河东乡(演示)", "王屯村", PROG.name, "1", ""],
                  ["乙某", b_id, b_card, "ABC", "", "周屯村", "", "1", ""],
                  ["丙某", bad_id, x_card, "ABC", "", "尕让村", "", "1", ""]])
    got = _upload(c, "河东乡.csv", first)
    assert got["accepted_rows"] == 2 and got["rejected_rows"] == 1
    assert {(e["row"], e["column"]) for e in got["errors"]} == {(3, "公民身份号码"), (3, "村")}
    again = _upload(c, "河东乡.csv", first, ok=(200,))
    assert again["duplicate_upload"] and again["batch_id"] == got["batch_id"]
    errors = c.call("GET", "declaration", got["errors_csv"], Role.TOWNSHIP, TOWN)
    [bad] = list(csv.DictReader(io.StringIO(errors)))
    assert bad["原行号"] == "3" and "公民身份号码" in bad["错误说明"] and bad["公民身份号码"] == bad_id
    fixed = _csv([["丙某", x_id, x_card, "ABC", "", "王屯村", "", "1", ""]])
    assert _upload(c, "更正.csv", fixed)["accepted_rows"] == 1


def test_xlsx_template_upload_and_scope(payroll: PayrollResult, client: CountyClient) -> None:
    c = client
    template = c.http.get(c.url("declaration", "/template.xlsx")).content
    book = load_workbook(io.BytesIO(template))
    sheet = book.active
    assert sheet is not None and [x.value for x in sheet[1]][:3] == ["姓名", "公民身份号码", "社保卡号"]
    pid, card = person()
    sheet.append(["丁某", pid, card, "ABC", "992523200", "麻巴村", "", 1, None])
    out = io.BytesIO()
    book.save(out)
    assert _upload(c, "a.xlsx", out.getvalue())["accepted_rows"] == 1
    mz = {"department": "MZ", "sub": "mz-clerk"}
    refused = c.call("POST", "declaration", "/batches", Role.DEPARTMENT, mz, ok=(422,), json={
        "program_code": PROG.code, "period": PERIOD, "township_code": "992523200", "items": []})
    assert "belongs to department CL" in str(refused)
    broken = _upload(c, "b.xlsx", b"PK\x03\x04 broken", ok=(422,))
    assert "not a readable XLSX" in str(broken)


def test_a_new_program_version_applies_from_its_date_only(payroll: PayrollResult, client: CountyClient) -> None:
    c = client
    today = dt.date.today()
    nxt = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    c.call("POST", "catalog", f"/programs/{PROG.code}/versions", Role.FINANCE, json={
        "effective_from": nxt.isoformat(), "standard_fen": 9500, "unit": "person", "note": "标准调整"})
    history = c.call("GET", "catalog", f"/programs/{PROG.code}")
    assert [v["standard_fen"] for v in history["versions"]] == [9000, 9500]
    pid, card = person()
    row = {"name": "戊某", "id_number": pid, "card_number": card, "bank_code": "ABC", "village": "王屯村"}

    wait_for(lambda: len(c.call("GET", "declaration", f"/programs/{PROG.code}/versions")) == 2,
             "the new version to reach declaration")
    next_month = c.call("POST", "declaration", "/batches", Role.TOWNSHIP, TOWN, json={
        "program_code": PROG.code, "period": f"{nxt:%Y-%m}", "items": [row]})
    assert next_month["amount_fen"] == 9500
    this_month = c.call("POST", "declaration", "/batches", Role.TOWNSHIP, TOWN, json={
        "program_code": PROG.code, "period": PERIOD, "items": [row | {"name": "戊某某"}]})
    assert this_month["amount_fen"] == 9000


def test_rejected_rows_go_back_with_reasons_and_may_come_back_corrected(payroll: PayrollResult,
                                                                        client: CountyClient) -> None:
    c = client
    (p1, k1), (p2, k2) = person(), person()
    got = c.call("POST", "declaration", "/batches", Role.TOWNSHIP, TOWN, json={
        "program_code": PROG.code, "period": PERIOD, "items": [
            {"name": "己某", "id_number": p1, "card_number": k1, "bank_code": "ABC", "village": "王屯村"},
            {"name": "庚某", "id_number": p2, "card_number": k2, "bank_code": "ABC", "village": "王屯村"}]})
    batch = got["batch_id"]
    wait_for(lambda: c.review_status(batch) == "township_review", "checks")
    items = c.call("GET", "review", f"/batches/{batch}/items", Role.TOWNSHIP, TOWN)
    first, second = sorted(items, key=lambda i: i["item_id"])
    c.call("POST", "review", f"/batches/{batch}/township-review", Role.TOWNSHIP, TOWN, ok=(403,), json={
        "decisions": []})  # the clerk who declared the batch may not review it
    c.call("POST", "review", f"/batches/{batch}/township-review", Role.TOWNSHIP, REVIEWER, ok=(422,), json={
        "decisions": [{"item_id": first["item_id"], "approve": False}]})  # a rejection needs a reason
    c.call("POST", "review", f"/batches/{batch}/township-review", Role.TOWNSHIP, REVIEWER, json={"decisions": [
        {"item_id": first["item_id"], "approve": False, "reason": "户口已迁出本乡"},
        {"item_id": second["item_id"], "approve": True, "reason": "新迁入，已核实"}]})
    c.call("POST", "review", f"/batches/{batch}/department-approval", Role.DEPARTMENT,
           {"department": PROG.department_code, "sub": "cl-approver"}, json={"approve": True})
    returned = wait_for(lambda: c.call("GET", "declaration", f"/batches/{batch}/returned", Role.TOWNSHIP, TOWN),
                        "the returned rows")
    assert [(r["row_no"], r["reason"]) for r in returned] == [(1, "户口已迁出本乡")]
    again = c.call("POST", "declaration", "/batches", Role.TOWNSHIP, TOWN, json={
        "program_code": PROG.code, "period": PERIOD, "items": [
            {"name": "己某", "id_number": p1, "card_number": k1, "bank_code": "ABC", "village": "周屯村"}]})
    time.sleep(0.5)
    wait_for(lambda: c.review_status(again["batch_id"]) == "township_review", "checks of the corrected row")
    [item] = c.call("GET", "review", f"/batches/{again['batch_id']}/items", Role.TOWNSHIP, TOWN)
    assert "DUPLICATE_IN_PERIOD" not in {f["code"] for f in item["findings"]}
