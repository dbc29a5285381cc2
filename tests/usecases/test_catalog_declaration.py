"""Catalog and declaration use cases on their own databases: what they publish, what they refuse."""

from __future__ import annotations

import datetime as dt

import pytest

from services.catalog import usecases as catalog
from services.declaration import usecases as declaration
from shared.auth import Role
from shared.errors import Conflict, Invalid, NotFound
from shared.events import topics
from shared.events.payloads import Item, ItemsReviewed, ProgramPublished, RejectedItem
from tests.factories import person
from tests.usecases.conftest import ServiceUnderTest, service_fixture, uid, who

catalog_svc = service_fixture("catalog")
declaration_svc = service_fixture("declaration", chunk_size=2)
FINANCE = who(Role.FINANCE, "fin-1")


def _program(code: str, **over: object) -> catalog.ProgramIn:
    values: dict[str, object] = {
        "code": code, "name": "高龄补贴", "department_code": "MZ", "legal_basis": "青民发〔2020〕1号",
        "target_group": "80周岁以上老人", "effective_from": dt.date(2026, 1, 1), "standard_fen": 10000}
    return catalog.ProgramIn.model_validate(values | over)


async def test_a_program_and_each_new_version_are_published_keyed_by_program(catalog_svc: ServiceUnderTest) -> None:
    code = uid("P")
    await catalog_svc.run(catalog.create_program, FINANCE, _program(code))
    got = await catalog_svc.run(catalog.add_version, FINANCE, code, catalog.VersionIn(
        effective_from=dt.date(2026, 7, 1), standard_fen=12000))
    assert got["version"] == 2
    out = await catalog_svc.published()
    assert [(p.topic, p.key, p.payload["version"], p.payload["standard_fen"]) for p in out] == [
        (topics.PROGRAM_PUBLISHED, code, 1, 10000), (topics.PROGRAM_PUBLISHED, code, 2, 12000)]
    assert {p.envelope["correlation_id"] for p in out} == {code}


async def test_catalog_refuses_with_domain_errors_and_publishes_nothing(catalog_svc: ServiceUnderTest) -> None:
    code = uid("P")
    await catalog_svc.run(catalog.create_program, FINANCE, _program(code))
    await catalog_svc.published()
    with pytest.raises(Conflict, match="already exists"):
        await catalog_svc.run(catalog.create_program, FINANCE, _program(code))
    with pytest.raises(Invalid, match="effective_from must be after 2026-01-01"):
        await catalog_svc.run(catalog.add_version, FINANCE, code, catalog.VersionIn(
            effective_from=dt.date(2025, 12, 1), standard_fen=1))
    with pytest.raises(Invalid, match="adding up to 100"):
        await catalog_svc.run(catalog.create_program, FINANCE, _program(uid("P"), funding_shares={"county": 90}))
    assert await catalog_svc.published() == []


async def _ready(svc: ServiceUnderTest, code: str, township: str) -> None:
    await svc.deliver(declaration.on_program_published, ProgramPublished(
        program_code=code, version=1, name="高龄补贴", department_code="MZ", standard_fen=10000, unit="person",
        effective_from=dt.date(2026, 1, 1)))
    await svc.run(declaration.put_township, FINANCE, township, "河东乡", ["王屯村", "周屯村"])
    [registered] = await svc.published()  # public pages and complaint routing learn the township's names
    assert (registered.topic, registered.payload["name"]) == (topics.TOWNSHIP_REGISTERED, "河东乡")
    assert registered.payload["villages"] == ["周屯村", "王屯村"]


def _row(name: str = "张三", village: str = "王屯村", **over: str) -> dict[str, str]:
    pid, card = person()
    return {"name": name, "id_number": pid, "card_number": card, "bank_code": "ABC", "village": village} | over


async def test_good_rows_are_published_in_chunks_with_totals_and_bad_rows_listed(
        declaration_svc: ServiceUnderTest) -> None:
    code, town = uid("P"), "632523200"
    await _ready(declaration_svc, code, town)
    clerk = who(Role.TOWNSHIP, township=town)
    rows = [_row(), _row(village="周屯村"), _row(village="不存在村"), _row(amount="120.50")]
    got = await declaration_svc.run(declaration.submit_batch, clerk, code, "2026-11", rows)
    assert (got.item_count, got.amount_fen, got.chunk_count, got.rejected_rows) == (3, 32050, 2, 1)
    assert [(e.row, e.field) for e in got.errors] == [(3, "village")]
    chunks = await declaration_svc.published()
    assert [(c.topic, c.key) for c in chunks] == [(topics.BATCH_SUBMITTED, got.batch_id)] * 2
    assert [len(c.payload["items"]) for c in chunks] == [2, 1]
    assert all(c.payload["batch_amount_fen"] == 32050 and c.envelope["correlation_id"] == got.batch_id
               for c in chunks)
    again = await declaration_svc.run(declaration.submit_batch, clerk, code, "2026-11", rows)
    assert again.duplicate_upload and again.batch_id == got.batch_id
    assert await declaration_svc.published() == []


async def test_an_all_bad_upload_declares_nothing_but_keeps_its_errors_file(declaration_svc: ServiceUnderTest) -> None:
    code, town = uid("P"), "632523201"
    await _ready(declaration_svc, code, town)
    clerk = who(Role.TOWNSHIP, township=town)
    got = await declaration_svc.run(declaration.submit_batch, clerk, code, "2026-11",
                                    [_row(id_number="632523190001011234")])
    assert got.batch_id is None and got.rejected_rows == 1
    errors = await declaration_svc.run(declaration.upload_errors, clerk, got.upload_id)
    assert "公民身份号码" in errors and "原行号" in errors
    assert await declaration_svc.published() == []


async def test_a_department_declares_only_for_its_own_programs(declaration_svc: ServiceUnderTest) -> None:
    code = uid("P")
    await _ready(declaration_svc, code, "632523202")
    other = who(Role.DEPARTMENT, department="CL")
    with pytest.raises(declaration.DeclarationRefused, match="belongs to department MZ"):
        await declaration_svc.run(declaration.submit_batch, other, code, "2026-11", [_row()], "632523202")


async def test_townships_keep_their_villages_and_are_found_by_name(declaration_svc: ServiceUnderTest) -> None:
    town = "6325239" + uid("")[-2:].translate(str.maketrans("ABCDEF", "123456"))  # a township of its own
    first = await declaration_svc.run(declaration.put_township, FINANCE, town, "测试乡", ["甲村", "乙村"])
    again = await declaration_svc.run(declaration.put_township, FINANCE, town, "测试镇", ["丙村"])
    assert first["added"] == ["乙村", "甲村"] and again["added"] == ["丙村"]
    assert again["villages"] == ["丙村", "乙村", "甲村"] and again["name"] == "测试镇"  # nothing dropped
    gone = await declaration_svc.run(declaration.remove_village, FINANCE, town, "乙村")
    assert gone["villages"] == ["丙村", "甲村"]
    with pytest.raises(NotFound):
        await declaration_svc.run(declaration.remove_village, FINANCE, town, "乙村")
    found = await declaration_svc.run(declaration.list_townships, "丙村")
    assert [t["code"] for t in found] == [town]
    told = [p for p in await declaration_svc.published() if p.topic == topics.TOWNSHIP_REGISTERED]
    assert told[-1].payload["villages"] == ["丙村", "甲村"]


async def test_one_file_of_several_townships_and_programs_becomes_a_batch_each(
        declaration_svc: ServiceUnderTest) -> None:
    old, young = uid("P"), uid("P")
    for code, name in ((old, "高龄补贴"), (young, "残疾人两项补贴")):
        await declaration_svc.deliver(declaration.on_program_published, ProgramPublished(
            program_code=code, version=1, name=name + code, department_code="MZ", standard_fen=10000, unit="person",
            effective_from=dt.date(2026, 1, 1)))
    n = int(uid("")[-4:], 16) % 10_000  # townships of this test's own (10-digit codes no other test uses)
    towns = {f"632523{n:04d}": "东乡", f"632524{n:04d}": "西乡"}
    for code, name in towns.items():
        await declaration_svc.run(declaration.put_township, FINANCE, code, name + code[-2:], ["甲村"])
    (east, east_name), (west, west_name) = [(c, n + c[-2:]) for c, n in towns.items()]
    rows = [_row(village="甲村", township=east_name, program="高龄补贴" + old, bank_code="农行"),
            _row(village="甲村", township=west, program=old, bank_code="中国农业银行"),
            _row(village="甲村", township=west_name, program=young, bank_code=""),  # the card's BIN says
            _row(village="甲村", township="无此乡", program=old),
            _row(village="甲村", township=east_name, program="无此项目"),
            _row(village="甲村", program=old)]
    clerk = who(Role.DEPARTMENT, "mz-1", department="MZ")
    got = await declaration_svc.run(declaration.submit_batch, clerk, None, "2026-11", rows)
    assert {(b["township_code"], b["program_code"], b["accepted_rows"]) for b in got.batches} == {
        (east, old, 1), (west, old, 1), (west, young, 1)} and got.batch_id is None
    assert [(e.row, e.field) for e in got.errors] == [(4, "township"), (5, "program"), (6, "township")]
    assert "不在名录中" in got.errors[0].message and "每行都要填写" in got.errors[2].message
    published = await declaration_svc.published()
    assert {i["bank_code"] for p in published if p.topic == topics.BATCH_SUBMITTED
            for i in p.payload["items"]} == {"ABC"}  # names and BINs read
    # a township's file: its own rows only
    town_clerk = who(Role.TOWNSHIP, "east-1", township=east)
    mine = await declaration_svc.run(declaration.submit_batch, town_clerk, None, "2026-11", rows[:2])
    assert mine.item_count == 1 and [(e.row, e.field) for e in mine.errors] == [(2, "township")]


async def test_departments_are_a_register_and_a_program_needs_no_code(catalog_svc: ServiceUnderTest) -> None:
    found = await catalog_svc.run(catalog.list_departments, "残疾人联合会")
    assert [d["code"] for d in found] == ["CL"]
    code = f"D{uid('')[-6:]}"
    await catalog_svc.run(catalog.put_department, FINANCE, code, catalog.DepartmentIn(name=f"县林草局{code}"))
    new_name = f"林业和草原局{code}"
    renamed = await catalog_svc.run(catalog.put_department, FINANCE, code, catalog.DepartmentIn(name=new_name))
    assert renamed["aliases"] == [f"县林草局{code}"]  # the old name still finds it
    with pytest.raises(Invalid, match="already belong to department MZ"):
        await catalog_svc.run(catalog.put_department, FINANCE, code, catalog.DepartmentIn(name="民政局"))
    got = await catalog_svc.run(catalog.create_program, FINANCE, catalog.ProgramIn.model_validate({
        "name": "公益林补偿", "department_code": f"县林草局{code}", "standard_fen": 1000, "unit": "mu",
        "effective_from": "2026-01-01", "funding_shares": {"central": 80, "county": 20},
        "rules": {"HOUSEHOLD_MOVED": "hard"}}))
    assert got["code"].startswith("P2026-") and got["department_code"] == code
    [told] = await catalog_svc.published()
    assert told.payload["funding_shares"] == {"central": 80, "county": 20}
    assert told.payload["rules"] == {"HOUSEHOLD_MOVED": "hard"} and told.payload["department_name"] == new_name
    await catalog_svc.run(catalog.retire_department, FINANCE, code, catalog.RetireIn(
        retired_from=dt.date(2020, 1, 1), reason="机构改革合并"))
    with pytest.raises(Invalid, match="主管部门"):
        await catalog_svc.run(catalog.create_program, FINANCE, _program(uid("P"), department_code=code))
    with pytest.raises(Invalid, match="unknown rule"):
        await catalog_svc.run(catalog.create_program, FINANCE, _program(uid("P"), rules={"NO_SUCH": "hard"}))


async def test_reviews_come_back_and_only_the_returned_rows_are_kept_with_their_reasons(
        declaration_svc: ServiceUnderTest) -> None:
    code, town = uid("P"), "632523207"
    await declaration_svc.published()  # what earlier tests of this module left in the outbox
    await _ready(declaration_svc, code, town)
    clerk = who(Role.TOWNSHIP, township=town)
    got = await declaration_svc.run(declaration.submit_batch, clerk, code, "2026-11", [_row(), _row(), _row()])
    items = [Item.model_validate(i) for c in await declaration_svc.published() for i in c.payload["items"]]
    head = {"batch_id": got.batch_id, "program_code": code, "department_code": "MZ", "period": "2026-11",
            "township_code": town, "chunk_index": 0, "chunk_count": 1}
    reviewed = ItemsReviewed(**head, approved=tuple(items[:2]), approved_count=2,
                             approved_fen=sum(i.amount_fen for i in items[:2]), rejected_count=1,
                             rejected=(RejectedItem(item=items[2], reason_code="MOVED_AWAY", reason="已迁出"),),
                             rejected_fen=items[2].amount_fen)
    for _ in range(2):  # a redelivered chunk changes nothing
        await declaration_svc.deliver(declaration.on_items_reviewed, reviewed)
    returned = await declaration_svc.run(declaration.returned_items, clerk, got.batch_id)
    assert [(r["row_no"], r["reason_code"], r["reason"]) for r in returned] == [(3, "MOVED_AWAY", "已迁出")]
    assert await declaration_svc.scalar("SELECT count(*) FROM item_reviews WHERE batch_id = :b", b=got.batch_id) == 1
    assert (await declaration_svc.run(declaration.get_batch, clerk, got.batch_id))["status"] == "reviewed"
