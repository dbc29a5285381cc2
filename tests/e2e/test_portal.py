"""The public side over HTTP after the payroll: every public page and export is scanned for full ID and card
numbers; the personal query answers alike for people who exist and who do not; the village query and the
catalog show names."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from openpyxl import load_workbook

from deploy.demo.client import CountyClient
from deploy.demo.county import TOWNSHIPS, residents
from deploy.demo.payroll import PayrollResult
from shared.masking import mask_id, mask_name
from tests.e2e.conftest import PEOPLE

# an 18-character ID or a 16-19 digit card number standing on its own (masked ones have asterisks)
LONG_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{16,19})(?![0-9A-Za-z])")


def _pages(c: CountyClient, payroll: PayrollResult) -> Iterator[tuple[str, str]]:
    """(address, text) of every public page and export a person can reach, for the payroll's rosters."""
    portal, complaint = (lambda p: c.url("disclosure", p)), (lambda p: c.url("complaint", p))
    for url in (portal("/"), portal("/catalog"), portal("/rosters"), portal("/query"), portal("/village"),
                portal("/open-data"), portal("/public/rosters"), portal("/public/dictionary"),
                complaint("/report"), complaint("/cases/lookup")):
        yield url, _get(c, url)
    for b in payroll.batches:
        bid = b["batch_id"]
        head = c.http.get(portal(f"/public/rosters/{bid}"), params={"limit": 5000}).json()
        yield f"json {bid}", str(head)
        for page in range(1, head["行数"] // 50 + 2):
            url = portal(f"/rosters/{bid}?page={page}")
            yield url, _get(c, url)
        yield f"csv {bid}", _get(c, portal(f"/open-data/{bid}.csv"))
        book = load_workbook(io.BytesIO(c.http.get(portal(f"/open-data/{bid}.xlsx")).content), read_only=True)
        yield f"xlsx {bid}", " ".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
                                      for v in row)
    for code, (_, villages) in TOWNSHIPS.items():
        for village in villages:
            url = portal("/village?" + urlencode({"township": code, "village": village}))
            yield url, _get(c, url)
            yield f"json {village}", str(c.http.get(portal(f"/public/villages/{code}/{village}")).json())


def _get(c: CountyClient, url: str) -> str:
    resp = c.http.get(url)
    assert resp.status_code == 200, f"{url} -> {resp.status_code}"
    return resp.text


def test_no_public_page_or_export_shows_a_full_id_or_card_number(payroll: PayrollResult,
                                                                 client: CountyClient) -> None:
    people = residents(PEOPLE)
    secrets = {p.id_number for p in people} | {p.card_number for p in people}
    pages = 0
    for url, body in _pages(client, payroll):
        pages += 1
        leaked = [s for s in secrets if s in body]
        assert not leaked, f"{url}: {len(leaked)} full numbers of residents"
        assert not LONG_NUMBER.search(body), f"{url}: an unmasked long number {LONG_NUMBER.search(body)}"
    assert pages > 3 * len(payroll.batches)
    print(f"public scan: {pages} pages and exports, no full ID or card number")


def _own(c: CountyClient, id_number: str, name: str) -> Any:
    return c.call("POST", "disclosure", "/public/person-query", json={"id_number": id_number, "name": name})


def test_the_personal_query_shows_own_payments_and_nothing_about_others(payroll: PayrollResult,
                                                                        client: CountyClient) -> None:
    paid = set(_paid_people(client, payroll))
    person = next(p for p in residents(PEOPLE) if (mask_id(p.id_number), mask_name(p.name)) in paid)
    got = _own(client, person.id_number, person.name)["items"]
    assert got and all(x["社保卡号"].endswith(person.card_number[-4:]) for x in got)
    assert {x["乡镇"] for x in got} == {TOWNSHIPS[person.township_code][0]}  # a name, not a code
    assert person.card_number not in str(got) and person.id_number not in str(got)
    wrong_name = _own(client, person.id_number, person.name + "某")
    nobody = _own(client, "632523190001010016", "无此人")
    assert wrong_name == nobody == {"items": []}


def _paid_people(c: CountyClient, payroll: PayrollResult) -> Iterator[tuple[str, str]]:
    """(masked ID, masked name) of people paid on the first roster (as anyone can read them)."""
    body = c.call("GET", "disclosure", f"/public/rosters/{payroll.batches[0]['batch_id']}", params={"limit": 50})
    for x in body["items"]:
        if x["状态"] == "已发放":
            yield x["公民身份号码"], x["姓名"]


def test_the_catalog_page_shows_what_must_be_public(payroll: PayrollResult, client: CountyClient) -> None:
    page = _get(client, client.url("disclosure", "/catalog"))
    for label in ("政策依据", "补贴对象", "补贴标准", "主管部门", "申请方式", "高龄补贴", "国发〔2015〕52号"):
        assert label in page, label
    rosters = _get(client, client.url("disclosure", "/rosters"))
    assert TOWNSHIPS["992523100"][0] in rosters and "992523100" not in re.sub(r'value="\d+"', "", rosters)


@pytest.mark.parametrize("path", ["/rosters/NO-SUCH", "/rosters/NO-SUCH/objection/T1"])
def test_a_person_gets_a_page_not_json_for_what_does_not_exist(client: CountyClient, path: str,
                                                               payroll: PayrollResult) -> None:
    resp = client.http.get(client.url("disclosure", path))
    assert resp.status_code == 404 and "text/html" in resp.headers["content-type"] and "未能完成" in resp.text


def test_a_paid_roster_page_is_rendered_once_and_revalidated_with_its_etag(payroll: PayrollResult,
                                                                           client: CountyClient) -> None:
    url = client.url("disclosure", f"/rosters/{payroll.batches[0]['batch_id']}")
    first = client.http.get(url)
    etag = first.headers["etag"]
    assert first.status_code == 200 and first.headers["cache-control"] == "no-cache" and "已发放" in first.text
    again = client.http.get(url)
    assert again.text == first.text and again.headers["etag"] == etag
    assert client.http.get(url, headers={"if-none-match": etag}).status_code == 304
    other_page = client.http.get(url, params={"page": 2}, headers={"if-none-match": etag})
    assert other_page.status_code == 200 and other_page.headers["etag"] != etag
