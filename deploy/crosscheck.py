"""make crosscheck: a county-sized declaration (XLSX, every township) with planted fraud of every rule,
uploaded through the API, checked by review; prints per rule: planted, caught, false alarms, and time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import sys
import time
from collections import Counter, defaultdict
from typing import Any

from deploy.demo.client import CountyClient
from deploy.demo.county import DEMO_REFS, TOWNSHIPS, residents
from deploy.infra import Infra
from deploy.stack import ServiceProcesses
from shared.auth import Role
from shared.ids import age_on, id_check_char, make_card_number

OFFSET = 400
RULES = ("INVALID_ID", "INVALID_CARD", "NAME_MISMATCH", "NOT_IN_REGISTRY", "DECEASED", "DUPLICATE_IN_PERIOD",
         "CARD_SHARED", "CARD_HOLDER_MISMATCH", "PUBLIC_EMPLOYEE", "OUTSIDE_CRITERIA", "AMOUNT_ABOVE_STANDARD",
         "VILLAGE_OFFICIAL")
STANDARD = 62000
HEAD = ["姓名", "公民身份号码", "社保卡号", "开户银行", "乡镇", "村", "补贴项目", "数量", "金额"]


def build(rows_wanted: int, rng: random.Random, period_start: dt.date) -> dict[str, Any]:
    """People, reference data and rows per township, with each rule planted on about 0.2% of rows."""
    people = [p for p in residents(int(rows_wanted * 1.1), seed=99) if age_on(p.id_number, period_start) >= 18]
    young = [_child(rng, n) for n in range(rows_wanted // 50 + 10)]
    rows: dict[str, list[list[Any]]] = defaultdict(list)
    planted: dict[str, str] = {}  # (township, row number) key -> rule
    refs: dict[str, list[dict[str, Any]]] = {"household": [], "deaths": [], "public_employees": [],
                                              "village_officials": []}
    cards: list[dict[str, Any]] = []
    # one unregistered card shared per township: within a batch the first claim is the one that stands
    shared = {town: make_card_number(rng, "621700") for town in TOWNSHIPS}
    shared_used: set[str] = set()
    for n, p in enumerate(people[:rows_wanted]):
        rule = RULES[n % len(RULES)] if rng.random() < 0.024 else None
        name, id_number, card, amount = p.name, p.id_number, p.card_number, ""
        if rule != "NOT_IN_REGISTRY":
            refs["household"].append({"id_number": p.id_number, "name": p.name, "village": p.village})
        if rule != "CARD_SHARED":
            cards.append({"card_number": p.card_number, "id_number": p.id_number, "name": p.name,
                          "bank_code": p.bank_code})
        if rule == "INVALID_ID":
            id_number = p.id_number[:17] + ("0" if p.id_number[17] != "0" else "1")
            if id_check_char(id_number[:17]) == id_number[17]:
                rule = None
        elif rule == "INVALID_CARD":
            card = card[:-1] + str((int(card[-1]) + 1) % 10)
        elif rule == "NAME_MISMATCH":
            name = name + "某"
        elif rule == "DECEASED":
            refs["deaths"].append({"id_number": p.id_number, "on_date": str(period_start - dt.timedelta(days=60))})
        elif rule == "CARD_SHARED":
            card = shared[p.township_code]  # several people, one card nobody registered: the first is not caught
            if p.township_code not in shared_used:
                shared_used.add(p.township_code)
                rule = None
        elif rule == "CARD_HOLDER_MISMATCH":
            card = people[(n + 1) % len(people)].card_number  # the neighbour's card
        elif rule == "PUBLIC_EMPLOYEE":
            refs["public_employees"].append({"id_number": p.id_number, "status": "县直某单位"})
        elif rule == "OUTSIDE_CRITERIA":  # a child declared for an adults-only program
            id_number, card = young.pop()
            refs["household"].append({"id_number": id_number, "name": name, "village": p.village})
            cards.append({"card_number": card, "id_number": id_number, "name": name, "bank_code": p.bank_code})
        elif rule == "AMOUNT_ABOVE_STANDARD":
            amount = f"{(STANDARD + 10000) / 100:.2f}"
        elif rule == "VILLAGE_OFFICIAL":
            refs["village_officials"].append({"id_number": p.id_number, "village": p.village, "status": "村委会主任"})
        town_rows = rows[p.township_code]
        town_rows.append([name, id_number, card, p.bank_code, TOWNSHIPS[p.township_code][0], p.village, "", "1",
                          amount])
        if rule == "DUPLICATE_IN_PERIOD":  # the same person again, in another village: both rows are flagged
            planted[f"{p.township_code}:{len(town_rows)}"] = rule
            town_rows.append([name, id_number, card, p.bank_code, "", TOWNSHIPS[p.township_code][1][0], "", "1", ""])
        if rule:
            planted[f"{p.township_code}:{len(town_rows)}"] = rule
    return {"rows": rows, "planted": planted, "refs": refs, "cards": cards}


def _child(rng: random.Random, n: int) -> tuple[str, str]:
    """An ID and card of a child born 2012-2015 (the demo residents are all adults)."""
    first17 = f"632523{rng.randrange(2012, 2016)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}{n % 1000:03d}"
    return first17 + id_check_char(first17), make_card_number(rng, "622848")


def xlsx(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("申报名单")
    sheet.append(HEAD)
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    result = run_crosscheck(args.rows)
    return 0 if result["missed"] == 0 else 1


def run_crosscheck(row_count: int, kafka_port: int = 30192, pg_port: int = 30532, offset: int = OFFSET,
                   quiet: bool = False) -> dict[str, Any]:
    say = (lambda m: None) if quiet else (lambda m: print(m, flush=True))
    rng = random.Random(5)
    today = dt.date.today()
    start, period = today.replace(day=1), f"{today:%Y-%m}"
    say(f"generating {row_count} rows with planted cases ...")
    data = build(row_count, rng, start)
    files = {town: xlsx(rows) for town, rows in data["rows"].items()}
    say(f"  {len(files)} XLSX files, {sum(len(f) for f in files.values()) // 1024} KB")
    infra = Infra(kafka_port=kafka_port, pg_port=pg_port, name=f"-crosscheck{offset}",
                  from_environment=False).start(fresh=True)
    stack = ServiceProcesses(env=infra.env(), port_offset=offset)
    try:
        stack.start()
        c = CountyClient(port_offset=offset)
        program = seed(c, data, today.year)
        t0 = time.monotonic()
        uploads = {}
        for town, content in sorted(files.items()):
            got = c.call("POST", "declaration", "/batches/upload", Role.TOWNSHIP, {"township": town}, ok=(201, 422),
                         files={"file": (f"{town}.xlsx", content)},
                         data={"program_code": program, "period": period})
            uploads[town] = got if "batch_id" in got else got["detail"]
        t_upload = time.monotonic() - t0
        batches = {t: u["batch_id"] for t, u in uploads.items() if u.get("batch_id")}
        while any(c.review_status(b) != "township_review"
                  for b in batches.values()):
            time.sleep(0.5)
        t_checked = time.monotonic() - t0
        return report(c, data, uploads, batches, t_upload, t_checked, row_count, say)
    finally:
        stack.stop()
        infra.stop()


def seed(c: CountyClient, data: dict[str, Any], year: int) -> str:
    code = f"XCHK-{year}"
    for town, (name, villages) in TOWNSHIPS.items():
        c.call("PUT", "declaration", f"/townships/{town}", Role.FINANCE, json={"name": name, "villages": villages})
    c.call("POST", "catalog", "/programs", Role.FINANCE, json={
        "code": code, "name": "城乡最低生活保障金", "department_code": "MZ", "legal_basis": "《社会救助暂行办法》",
        "target_group": "18周岁以上城乡低保对象", "standard_fen": STANDARD, "unit": "person", "min_age": 18,
        "means_tested": True, "effective_from": f"{year}-01-01"})
    for kind, rows in data["refs"].items():
        c.call("POST", "review", f"/reference/{kind}", Role.FINANCE, params=DEMO_REFS, json=rows)
    for i in range(0, len(data["cards"]), 20000):
        c.call("POST", "banking", "/cards", Role.FINANCE, json=data["cards"][i:i + 20000])
    want = len({x["card_number"] for x in data["cards"]})
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:  # review learns the card registry from banking's events
        refs = c.call("GET", "review", "/reference", Role.FINANCE)
        if next(r["row_count"] for r in refs if r["kind"] == "cards") >= want:
            break
        time.sleep(1)
    return code


def report(c: CountyClient, data: dict[str, Any], uploads: dict[str, Any], batches: dict[str, str],
           t_upload: float, t_checked: float, rows: int, say: Any) -> dict[str, Any]:
    planted: dict[str, str] = data["planted"]
    found: dict[str, set[str]] = defaultdict(set)  # key -> codes found
    for town, u in uploads.items():  # declaration's row errors
        for e in u["errors"] if len(u["errors"]) < 200 else _all_errors(c, town, u):
            code = {"id_number": "INVALID_ID", "card_number": "INVALID_CARD"}.get(e["field"], "ROW_ERROR")
            found[f"{town}:{e['row']}"].add(code)
    for town, b in batches.items():
        for status in ("flagged", "rejected"):
            offset = 0
            while True:
                items = c.call("GET", "review", f"/batches/{b}/items", Role.FINANCE,
                               params={"status": status, "limit": 5000, "offset": offset})
                for it in items:
                    row = int(it["item_id"].rsplit("-", 1)[1])
                    found[f"{town}:{row}"] |= {f["code"] for f in it["findings"]}
                if len(items) < 5000:
                    break
                offset += 5000
    planted_n = Counter(planted.values())
    caught = Counter(code for key, code in planted.items() if code in found.get(key, set()))
    # a false alarm is a finding on a row where nothing was planted (a planted row may rightly trip two rules,
    # e.g. a wrong name differs from both the household registry and the card registry)
    false = Counter(code for key, codes in found.items() for code in codes if key not in planted)
    say(f"\n{rows} declared rows in {len(uploads)} XLSX files (one per township)")
    say(f"  upload and row checks: {t_upload:.1f}s; all cross-checks done: {t_checked:.1f}s\n")
    say(f"{'rule':<24}{'planted':>9}{'caught':>9}{'false alarms':>14}")
    for rule in RULES:
        say(f"{rule:<24}{planted_n[rule]:>9}{caught[rule]:>9}{false[rule]:>14}")
    others = {k: v for k, v in false.items() if k not in RULES}
    missed = sum(planted_n.values()) - sum(caught.values())
    say(f"\nall planted cases caught: {'YES' if missed == 0 else f'NO ({missed} missed)'}; other findings {others}")
    return {"planted": planted_n, "caught": caught, "false": false, "missed": missed, "seconds": t_checked}


def _all_errors(c: CountyClient, town: str, upload: dict[str, Any]) -> list[dict[str, Any]]:
    """More than the 200 errors shown in the answer: read them from the errors CSV."""
    import csv

    text = c.call("GET", "declaration", f"/uploads/{upload['upload_id']}/errors.csv", Role.TOWNSHIP,
                  {"township": town})
    out = []
    for rec in csv.DictReader(io.StringIO(text)):
        for part in rec["错误说明"].split("；"):
            column = part.split(":", 1)[0]
            field = {"公民身份号码": "id_number", "社保卡号": "card_number"}.get(column, column)
            out.append({"row": int(rec["原行号"]), "field": field})
    return out


if __name__ == "__main__":
    sys.exit(main())
