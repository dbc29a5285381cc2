"""A real county's month, as its clerks would do it, beside the demo county on the same stack.

Only names a clerk knows: programs created with a department's name and no code; one 民政局 file with every
township and two programs (township and bank by name); one township file with two departments' programs;
cards imported from XLSX with Chinese states; every reference file imported as XLSX with all its columns.
Every rule family is planted and must be caught with its Chinese message, clean rows must have no finding,
a duplicate is decided by a reviewer, quotas are one total split by the funding shares, orders draw each
level in proportion, and the money matches to the fen from declaration to the bank.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook

from deploy.demo.client import CountyClient
from services.treasury.domain import split
from shared import registers
from shared.auth import Role
from shared.ids import birth_date, gender_of, make_card_number, make_id_number
from tests.e2e.test_reissue_and_holds import roster_done, wait_for

TODAY = dt.date.today()
PERIOD = f"{TODAY:%Y-%m}"
FINANCE = {"sub": "county-chief"}
MZ_CLERK = {"department": "MZ", "sub": "mz-clerk-county"}
HEYIN = "632523100"  # 河阴镇
TOWN_NAMES = {code: name for code, (name, _) in registers.TOWNSHIPS.items()}
SHARES = {"低保": {"central": 70, "provincial": 20, "county": 10},
          "特困": {"central": 70, "provincial": 20, "county": 10},
          "耕地": {"central": 60, "provincial": 20, "prefecture": 10, "county": 10},
          "残疾": {"provincial": 50, "county": 50}}
NAMES = {"耕地": "耕地地力保护补贴", "低保": "城乡最低生活保障金", "特困": "特困人员救助供养金",
         "残疾": "残疾人两项补贴"}


@dataclass
class Person:
    name: str
    id_number: str
    card: str
    bank: str  # as the file writes it: a name, another name, or empty (the card's BIN says)
    town: str
    village: str
    household: dict[str, Any] = field(default_factory=dict)  # overrides of the household row


def _xlsx(header: list[str], rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _people(rng: random.Random) -> list[Person]:
    banks = [("农商银行", "621350"), ("中国农业银行", "622848"), ("农行", "622845"), ("", "621350")]
    towns = list(registers.TOWNSHIPS)
    out = []
    for n in range(40):
        bank, bin_prefix = banks[n % len(banks)]
        town = towns[n % len(towns)]
        born = make_id_number(rng, "632523")
        while int(born[6:10]) > 1990:  # adults
            born = make_id_number(rng, "632523")
        surname = "王李张刘陈杨赵马韩冯"[n % 10]
        out.append(Person(f"{surname}{'明华英兰军平芳玉梅强'[n // 10 % 10]}{'德才'[n % 2]}", born,
                          make_card_number(rng, bin_prefix), bank, town, registers.TOWNSHIPS[town][1][0]))
    return out


def _program(c: CountyClient, body: dict[str, Any]) -> str:
    got = c.call("POST", "catalog", "/programs", Role.FINANCE, FINANCE, json={
        "effective_from": f"{TODAY.year}-01-01", **body})
    assert got["code"].startswith(f"P{TODAY.year}-")  # no code given: the catalog gave one
    return str(got["code"])


def _upload(c: CountyClient, role: Role, scope: dict[str, str], name: str, rows: list[list[Any]]) -> dict[str, Any]:
    head = ["姓名", "公民身份号码", "社保卡号", "开户银行", "乡镇", "村", "补贴项目", "数量", "金额"]
    return c.call("POST", "declaration", "/batches/upload", role, scope, files={"file": (name, _xlsx(head, rows))},
                  data={"period": PERIOD})


def _reference(c: CountyClient, kind: str, header: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    got = c.call("POST", "review", f"/reference/{kind}/upload", Role.FINANCE, FINANCE,
                 files={"file": (f"{kind}.xlsx", _xlsx(header, rows))})
    return dict(got)


def test_a_county_month_with_its_own_names_files_and_registers(client: CountyClient,
                                                               county_registers: dict[str, int]) -> None:
    c = client
    rng = random.Random(20261126)
    people = _people(rng)
    # the finance bureau's catalog, by names; 低保 and 特困 exclude each other; 特困 makes 迁出 a hard rule
    land = _program(c, {"name": "耕地地力保护补贴", "department_code": "县农牧和科技局", "standard_fen": 10550,
                        "unit": "mu", "area_basis": "cropland", "funding_shares": SHARES["耕地"]})
    dibao = _program(c, {"name": "城乡最低生活保障金", "department_code": "县民政局", "standard_fen": 62000,
                         "means_tested": True, "funding_shares": SHARES["低保"]})
    tekun = _program(c, {"name": "特困人员救助供养金", "department_code": "民政局", "standard_fen": 80000,
                         "means_tested": True, "funding_shares": SHARES["特困"], "excludes": [dibao],
                         "rules": {"HOUSEHOLD_MOVED": "hard"}})
    disabled = _program(c, {"name": "残疾人两项补贴", "department_code": "县残疾人联合会", "standard_fen": 9000,
                            "funding_shares": SHARES["残疾"]})
    codes = {"耕地": land, "低保": dibao, "特困": tekun, "残疾": disabled}
    names = NAMES
    departments = {d["code"]: d for d in c.call("GET", "catalog", "/departments", params={"name": "残疾人"})}
    assert set(departments) == {"CL"} and "县残疾人联合会" in departments["CL"]["aliases"]
    # quotas: one total per program, split by its funding shares (treasury learns the shares from the catalog)
    for key, code in codes.items():
        got = wait_for(_quota(c, code), f"treasury to know {code}'s funding shares", 60)
        assert {lv["level"]: lv["total_fen"] for lv in got["levels"]} == split(10**9, SHARES[key])
    for bank in ("QHRCB", "ABC"):
        c.call("PUT", "banking", "/contracts", Role.FINANCE, FINANCE, json={
            "bank_code": bank, "bank_name": next(b.name for b in registers.BANKS if b.code == bank),
            "valid_from": f"{TODAY.year}-01-01", "valid_to": f"{TODAY.year + 1}-12-31"})

    # planted cases (index into people) and what each row must be found to be
    dead, cancelled, moved, wrong_sex, employee, official, relative, twice, both, over, stranger = range(11)
    moved_tk = 11
    people[cancelled].household["状态"] = "注销"
    people[moved].household["状态"] = "迁出"
    people[moved_tk].household["状态"] = "迁出"
    people[wrong_sex].household["性别"] = "女" if gender_of(people[wrong_sex].id_number) == "男" else "男"

    # cards, as the county keeps them: XLSX, banks by name, Chinese states; two bad rows
    card_rows = [[p.card, p.id_number, p.name, p.bank, "正常"] for p in people]
    card_rows += [[people[0].card[:-1] + str((int(people[0].card[-1]) + 1) % 10), people[1].id_number, "某某",
                   "农行", "正常"], [make_card_number(rng, "622848"), people[2].id_number, "某某", "农行", "作废"]]
    cards = c.call("POST", "banking", "/cards/upload", Role.FINANCE, FINANCE, files={"file": ("社保卡.xlsx", _xlsx(
        ["社保卡号", "公民身份号码", "姓名", "开户银行", "状态"], card_rows))})
    assert cards["accepted_rows"] == len(people) and cards["rejected_rows"] == 2, cards
    assert {(e["row"], e["column"]) for e in cards["errors"]} == {(41, "社保卡号"), (42, "状态")}
    assert "校验位" in cards["errors"][0]["message"] and "作废" in cards["errors"][1]["message"]
    for bank, bins in (("QHRCB", ("621350",)), ("ABC", ("622848", "622845"))):
        c.call("POST", "bank_simulator", "/admin/accounts", Role.BANK, {"bank": bank}, json=[
            {"card_number": p.card, "bank_code": bank, "name": p.name} for p in people if p.card[:6] in bins])

    # reference data, every column
    household = [[p.id_number, p.name, gender_of(p.id_number), birth_date(p.id_number).isoformat(),
                  TOWN_NAMES[p.town], p.village, "正常"] for i, p in enumerate(people) if i != stranger]
    for line, p in zip(household, [p for i, p in enumerate(people) if i != stranger], strict=True):
        line[2] = p.household.get("性别", line[2])
        line[6] = p.household.get("状态", line[6])
    got = _reference(c, "household", ["公民身份号码", "姓名", "性别", "出生日期", "乡镇", "村", "状态"], household)
    assert got["rows"] == len(people) - 1 and [w["column"] for w in got["warnings"]] == ["性别/出生日期"]
    _reference(c, "deaths", ["公民身份号码", "姓名", "死亡日期"],
               [[people[dead].id_number, people[dead].name, (TODAY.replace(day=1) - dt.timedelta(days=40))]])
    _reference(c, "public_employees", ["公民身份号码", "姓名", "工作单位", "职务"],
               [[people[employee].id_number, people[employee].name, "县第一中学", "教师"]])
    head_official = people[official]
    _reference(c, "village_officials", ["公民身份号码", "姓名", "村", "身份", "职务", "关系", "关联村干部身份号码"], [
        [head_official.id_number, head_official.name, head_official.village, "村干部", "村主任", "", ""],
        [people[relative].id_number, people[relative].name, head_official.village, "亲属", "", "配偶",
         head_official.id_number]])
    heyin = [p for i, p in enumerate(people) if p.town == HEYIN and i > moved_tk]  # nothing planted on them
    land_rows = [[p.id_number, p.name, "河阴镇", p.village, "12.5", ""] for p in heyin]
    _reference(c, "land", ["公民身份号码", "姓名", "乡镇", "村", "承包地确权面积", "草原承包面积"], land_rows)

    # 民政局's one file: every township, 低保 and 特困, township and bank by name; three rows it may not send
    def row(p: Person, program: str, town: str | None = None, amount: str = "") -> list[Any]:
        return [p.name, p.id_number, p.card, p.bank, TOWN_NAMES[town or p.town], p.village, names[program], 1, amount]

    mz_rows = [row(p, "低保") for i, p in enumerate(people[:20]) if i not in (over, moved_tk)]
    mz_rows.append(row(people[over], "低保", amount="6500.00"))
    elsewhere = next(t for t in registers.TOWNSHIPS if t != people[twice].town)  # claimed again in another township
    p_twice = people[twice]
    mz_rows.append([p_twice.name, p_twice.id_number, p_twice.card, p_twice.bank, TOWN_NAMES[elsewhere],
                    registers.TOWNSHIPS[elsewhere][1][0], names["低保"], 1, ""])
    mz_rows.append(row(people[both], "特困"))    # also in 低保 above: the programs exclude each other
    mz_rows += [row(p, "特困") for p in people[moved_tk:moved_tk + 1] + people[20:24]]
    mz_rows.append(row(people[25], "耕地"))      # 农牧科技局's program: not 民政局's to declare
    mz_rows.append([people[26].name, people[26].id_number, people[26].card, "农行", "河阳镇", "红岩村", names["低保"],
                    1, ""])                      # no such township
    mz_rows.append([people[27].name, people[27].id_number, people[27].card, "招商银行", TOWN_NAMES[people[27].town],
                    people[27].village, names["低保"], 1, ""])  # not an agency bank of the county
    mz = _upload(c, Role.DEPARTMENT, MZ_CLERK, "民政局11月.xlsx", mz_rows)
    assert mz["rejected_rows"] == 3, mz["errors"]
    errors = {e["row"]: (e["column"], e["message"]) for e in mz["errors"]}
    n = len(mz_rows)
    assert errors[n - 2][0] == "补贴项目" and "belongs to department NMKJ" in errors[n - 2][1]
    assert errors[n - 1] == ("乡镇", errors[n - 1][1]) and "河阳镇" in errors[n - 1][1]
    assert errors[n][0] == "开户银行" and "招商银行" in errors[n][1] and "不在名录中" in errors[n][1]
    made = {(b["township_code"], b["program_code"]) for b in mz["batches"]}
    assert {p for _, p in made} == {dibao, tekun} and {t for t, _ in made} == set(registers.TOWNSHIPS)

    # 河阴镇's file: two departments' programs, one row of another township refused
    town_scope = {"township": HEYIN, "sub": "heyin-clerk"}
    town_rows: list[list[Any]] = [[p.name, p.id_number, p.card, p.bank, "", p.village, names["耕地"], "10", ""]
                                  for p in heyin[1:]]
    town_rows.append([heyin[0].name, heyin[0].id_number, heyin[0].card, heyin[0].bank, "河阴镇", heyin[0].village,
                      names["耕地"], "20", ""])  # 20 mu claimed, 12.5 registered
    town_rows += [[p.name, p.id_number, p.card, p.bank, "", p.village, disabled, 1, ""] for p in heyin[:3]]
    town_rows.append([people[1].name, people[1].id_number, people[1].card, people[1].bank, "河西镇",
                      people[1].village, names["残疾"], 1, ""])
    heyin_file = _upload(c, Role.TOWNSHIP, town_scope, "河阴镇.xlsx", town_rows)
    assert heyin_file["rejected_rows"] == 1 and heyin_file["errors"][0]["column"] == "乡镇"
    assert {b["program_code"] for b in heyin_file["batches"]} == {land, disabled}

    expected: dict[tuple[str, str], set[str]] = {}
    for r in mz_rows[:-3] + town_rows[:-1]:
        program = next(code for key, code in codes.items() if r[6] in (names[key], code))
        expected[(program, r[1])] = set()
    for idx, codes_found in {dead: {"DECEASED"}, cancelled: {"HOUSEHOLD_CANCELLED"}, moved: {"HOUSEHOLD_MOVED"},
                             wrong_sex: {"REGISTRY_ID_MISMATCH"}, employee: {"PUBLIC_EMPLOYEE"},
                             official: {"VILLAGE_OFFICIAL"}, relative: {"VILLAGE_OFFICIAL"},
                             twice: {"DUPLICATE_IN_PERIOD"}, both: {"EXCLUSIVE_PROGRAM"},
                             over: {"AMOUNT_ABOVE_STANDARD"}, stranger: {"NOT_IN_REGISTRY"}}.items():
        expected[(dibao, people[idx].id_number)] = codes_found
    expected[(tekun, people[both].id_number)] = {"EXCLUSIVE_PROGRAM"}
    expected[(tekun, people[moved_tk].id_number)] = {"HOUSEHOLD_MOVED"}
    expected[(land, heyin[0].id_number)] = {"LAND_AREA_EXCEEDED"}

    batches = mz["batches"] + heyin_file["batches"]
    for b in batches:  # every batch checked before any is read: a later batch may flag an earlier one's item
        wait_for(_checked(c, b["batch_id"]), "review's checks", 120)
    items = {b["batch_id"]: _items(c, b["batch_id"]) for b in batches}
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for b in batches:
        for it in items[b["batch_id"]]:
            found.setdefault((b["program_code"], it["body"]["id_number"]), []).append(it)
    got_codes = {k: {f["code"] for it in v for f in it["findings"]} for k, v in found.items()}
    assert got_codes == expected, {k: (got_codes.get(k), v) for k, v in expected.items() if got_codes.get(k) != v}
    reasons = {k: [f["reason"] for it in v for f in it["findings"]] for k, v in found.items()}
    official_at = f"{head_official.village} 村主任"
    assert reasons[(dibao, people[relative].id_number)] == [
        f"村干部或其亲属享受补贴，需重点审核：村干部亲属：{official_at} {head_official.name}的亲属（配偶）"]
    assert reasons[(dibao, people[official].id_number)] == [
        f"村干部或其亲属享受补贴，需重点审核：村干部：{head_official.village} 村主任"]
    assert reasons[(dibao, people[over].id_number)] == ["申报金额超过补贴标准：申报6,500.00元，按标准最多620.00元"]
    assert reasons[(land, heyin[0].id_number)] == ["申报面积超过确权登记面积：申报20亩，承包地确权面积12.5亩"]
    assert "户籍状态：迁出" in reasons[(dibao, people[moved].id_number)][0]
    [first, again] = found[(dibao, people[twice].id_number)]
    assert all(f["hard"] is False for f in first["findings"] + again["findings"])
    assert {TOWN_NAMES[people[twice].town], TOWN_NAMES[elsewhere]} == {
        name for it in (first, again) for name in TOWN_NAMES.values() if name in it["findings"][0]["reason"]}
    hard = {k for k, v in found.items() if any(f["hard"] for it in v for f in it["findings"])}
    assert (tekun, people[moved_tk].id_number) in hard and (dibao, people[moved].id_number) not in hard

    # people decide: the duplicate by the reviewer (one claim stands), the exclusion (低保 kept), the rest approved
    # the reviewer keeps one claim: the other is returned first (its township's review goes first), so the
    # kept one can be approved whichever of the two was checked first
    keep_first, dropped = sorted([first["item_id"], again["item_id"]])
    for b in sorted(batches, key=lambda b: not dropped.startswith(b["batch_id"] + "-")):
        flagged = [it for it in items[b["batch_id"]] if it["status"] == "flagged"]
        decisions = []
        for it in flagged:
            codes_here = {f["code"] for f in it["findings"]}
            drop = ("DUPLICATE_IN_PERIOD" in codes_here and it["item_id"] != keep_first) or (
                "EXCLUSIVE_PROGRAM" in codes_here and b["program_code"] == tekun)
            decisions.append({"item_id": it["item_id"], "approve": not drop,
                              "reason": "重复申报，退回" if drop else "经入户核实，符合条件"})
        c.call("POST", "review", f"/batches/{b['batch_id']}/township-review", Role.TOWNSHIP,
               {"township": b["township_code"], "sub": f"reviewer-{b['township_code']}"}, json={"decisions": decisions})
        department = "MZ" if b["program_code"] in (dibao, tekun) else ("NMKJ" if b["program_code"] == land else "CL")
        c.call("POST", "review", f"/batches/{b['batch_id']}/department-approval", Role.DEPARTMENT,
               {"department": department, "sub": f"approver-{department}"}, json={"approve": True, "reason": "同意"})

    # the money: paid rosters published, orders drawn by shares, bank figures per program, to the fen
    for b in batches:
        wait_for(_roster(c, b["batch_id"]), f"paid roster of {b['batch_id']}", 180)
    approved = {b["batch_id"]: sum(it["body"]["amount_fen"] for it in _items(c, b["batch_id"])
                                   if it["status"] == "approved") for b in batches}
    settled = wait_for(_settled(c, set(approved)), "every order settled", 120)
    shares = {code: SHARES[key] for key, code in codes.items()}
    exact = 0
    for b in batches:
        mine = [o for o in settled if o["batch_id"] == b["batch_id"] and o["attempt"] == 1]
        assert sum(o["amount_fen"] for o in mine) == approved[b["batch_id"]]
        for o in mine:  # what the order holds now: its draw by shares, less what the bank returned
            assert sum(o["drawn_fen"].values()) == o["amount_fen"] - o["returned_fen"], o
            if not o["returned_fen"]:
                assert o["drawn_fen"] == split(o["amount_fen"], shares[o["program_code"]]), o
                exact += 1
    assert exact >= len(settled) // 2
    for key, code in codes.items():
        bank = c.call("GET", "bank_simulator", "/admin/totals", Role.FINANCE, FINANCE,
                      params={"program": code, "period": PERIOD})
        credited = sum(o["credited_fen"] for o in settled if o["program_code"] == code)
        assert sum(t["fen"] for t in bank if t["outcome"] == "credited") == credited, key
        assert credited + sum(o["returned_fen"] for o in settled if o["program_code"] == code) == sum(
            o["amount_fen"] for o in settled if o["program_code"] == code)
    # a resident asks what was paid to them: names of program, township and bank, nothing in codes
    clean = people[14]
    own = c.call("POST", "disclosure", "/public/person-query", json={"id_number": clean.id_number,
                                                                   "name": clean.name})["items"]
    assert {x["补贴项目"] for x in own} >= {names["低保"]} and {x["乡镇"] for x in own} == {TOWN_NAMES[clean.town]}
    assert {x["代发银行"] for x in own} <= {b.name for b in registers.BANKS}, own
    quotas = {(q["program_code"], q["level"]): q for q in c.call("GET", "treasury", "/quotas", Role.FINANCE, FINANCE)}
    for code in codes.values():
        reserved = sum(q["reserved_fen"] for (p, _), q in quotas.items() if p == code)
        assert reserved == sum(o["amount_fen"] - o["returned_fen"] for o in settled if o["program_code"] == code)


Check = Callable[[], Any]


def _quota(c: CountyClient, code: str) -> Check:
    def check() -> dict[str, Any] | None:
        r = c.http.put(c.url("treasury", "/quotas/by-shares"), json={
            "program_code": code, "year": TODAY.year, "total_fen": 10**9},
            headers={"authorization": f"Bearer {c.token(Role.FINANCE, **FINANCE)}"})
        return r.json() if r.status_code == 200 else None
    return check


def _items(c: CountyClient, batch_id: str) -> list[dict[str, Any]]:
    return list(c.call("GET", "review", f"/batches/{batch_id}/items", Role.FINANCE, FINANCE, params={"limit": 5000}))


def _checked(c: CountyClient, batch_id: str) -> Check:
    return lambda: _items(c, batch_id) if c.review_status(batch_id) == "township_review" else None


def _roster(c: CountyClient, batch_id: str) -> Check:
    return lambda: roster_done(c, batch_id)


def _settled(c: CountyClient, batch_ids: set[str]) -> Check:
    def check() -> list[dict[str, Any]] | None:
        orders = [o for o in c.call("GET", "treasury", "/orders", Role.FINANCE, FINANCE) if o["batch_id"] in batch_ids]
        return orders if orders and all(o["settled_count"] == o["item_count"] for o in orders) else None
    return check
