"""One month's payroll for the demo county, end to end through the real services, with checks.

Planted on purpose, so the totals show what each stage catches: mistyped ID numbers (row errors
at declaration), people declared twice (review), cards missing from the registry (banking
refuses), frozen accounts and a small random failure rate (the bank fails them, treasury returns).
"""

from __future__ import annotations

import datetime as dt
import random
import re
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from deploy.demo.client import CountyClient
from deploy.demo.county import BANKS, DEMO_REFS, TOWNSHIPS, Program, Resident, programs, residents
from deploy.demo.progress import Timeline, wait_paid
from deploy.demo.publicity import Objections, object_and_decide
from services.treasury.domain import split
from shared.auth import Role
from shared.ids import age_on, id_check_char


@dataclass
class Check:
    name: str
    expected: Any
    actual: Any

    @property
    def ok(self) -> bool:
        return bool(self.expected == self.actual)


@dataclass
class PayrollResult:
    period: str
    batches: list[dict[str, Any]]
    row_errors: int
    ledger: dict[str, Any]
    checks: list[Check]
    seconds: float
    planted: dict[str, int] = field(default_factory=dict)
    objections: Objections | None = None
    people: int = 0                                      # residents(people, seed) are the county's people
    seed: int = 632523
    deceased: list[str] = field(default_factory=list)  # ID numbers in the death records as seeded
    timeline: Timeline | None = None  # items per stage as the wait saw them (seconds from the first submission)
    phases: dict[str, float] = field(default_factory=dict)  # seconds from the first submission to each phase's end

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


def _mistype(id_number: str) -> str:
    """Change one digit of the birth-order part so that the check character no longer fits."""
    d = str((int(id_number[15]) + 1) % 10)
    wrong = id_number[:15] + d + id_number[16:]
    return wrong if id_check_char(wrong[:17]) != wrong[17] else id_number[:15] + str((int(d) + 1) % 10) + id_number[16:]


@dataclass
class Planted:
    """People picked to be caught by review's cross-checks (each is planted for one reason only)."""

    deceased: set[str] = field(default_factory=set)
    employees: set[str] = field(default_factory=set)


def pick_planted(people: list[Resident], rng: random.Random) -> Planted:
    out = Planted()
    for p in people:
        roll = rng.random()
        if roll < 0.002:
            out.deceased.add(p.id_number)
        elif roll < 0.004:
            out.employees.add(p.id_number)
    return out


def eligible(person: Resident, progs: list[Program], on: dt.date) -> list[Program]:
    return [p for p in progs if p.min_age is None or age_on(person.id_number, on) >= p.min_age]


def plan(people: list[Resident], progs: list[Program], rng: random.Random, marked: Planted | None = None,
         on: dt.date | None = None) -> tuple[dict[tuple[str, str], list[dict[str, Any]]], dict[str, int]]:
    """Rows per (township, program); each resident is declared for one or two programs they qualify for."""
    rows: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    planted = {"mistyped_id": 0, "declared_twice": 0, "deceased_rows": 0, "public_employee_rows": 0}
    marked = marked or Planted()
    day = on or dt.date.today().replace(day=1)
    for person in people:
        choices = eligible(person, progs, day)
        if person.id_number in marked.employees:
            choices = [p for p in progs if p.means_tested]
        for prog in rng.sample(choices, min(len(choices), rng.choice((1, 1, 2)))):
            low, high = prog.quantity_range
            qty = "1" if low == high else f"{rng.uniform(low, high):.1f}"
            row = {"name": person.name, "id_number": person.id_number, "card_number": person.card_number,
                   "bank_code": person.bank_code, "village": person.village, "quantity": qty}
            roll = rng.random()
            if person.id_number in marked.deceased:
                planted["deceased_rows"] += 1
            elif person.id_number in marked.employees:
                planted["public_employee_rows"] += 1
            elif roll < 0.002:
                row["id_number"] = _mistype(person.id_number)
                planted["mistyped_id"] += 1
            elif roll < 0.007:
                other = rng.choice(TOWNSHIPS[person.township_code][1])
                rows[(person.township_code, prog.code)].append(row | {"village": other})
                planted["declared_twice"] += 1
            rows[(person.township_code, prog.code)].append(row)
    return rows, planted


def seed_references(c: CountyClient, people: list[Resident], marked: Planted, period_start: dt.date) -> None:
    """The household registry (everyone), death records and the fiscal payroll, as review's reference data."""
    c.call("POST", "review", "/reference/household", Role.FINANCE, params=DEMO_REFS, json=[
        {"id_number": p.id_number, "name": p.name, "village": p.village, "status": "正常"} for p in people])
    died = (period_start - dt.timedelta(days=40)).isoformat()
    c.call("POST", "review", "/reference/deaths", Role.FINANCE, params=DEMO_REFS, json=[
        {"id_number": i, "on_date": died} for i in sorted(marked.deceased)])
    c.call("POST", "review", "/reference/public_employees", Role.FINANCE, params=DEMO_REFS, json=[
        {"id_number": i, "status": "县直某单位"} for i in sorted(marked.employees)])


def review_batches(c: CountyClient, batches: list[dict[str, Any]], departments: dict[str, str],
                   timeout: float, progress: Callable[[str], None]) -> None:
    """Act as the township reviewers and department approvers (two different people) for every batch.
    No fixed limit: stuck only when no batch has moved on for ``timeout`` seconds (a large batch takes review
    a while to check)."""
    todo = {b["batch_id"]: b for b in batches}
    seen: dict[str, str | None] = {}
    deadline = time.monotonic() + timeout
    while todo:
        for batch_id, b in list(todo.items()):
            town = {"township": b["township_code"], "sub": f"reviewer-{b['township_code']}"}
            dept = {"department": departments[b["program_code"]], "sub": f"approver-{b['program_code']}"}
            try:
                status = _advance(c, batch_id, town, dept)
            except (RuntimeError, httpx.TransportError):  # a restarting service: try again next round
                continue
            if seen.get(batch_id, "") != status:
                seen[batch_id], deadline = status, time.monotonic() + timeout
            if status in ("approved", "returned"):
                del todo[batch_id]
        progress(f"review: {len(batches) - len(todo)}/{len(batches)} batches approved by township and department")
        if todo and time.monotonic() > deadline:
            raise TimeoutError(f"{len(todo)} batches still in review, none moved on for {timeout}s")
        if todo:
            time.sleep(1.0)  # a reviewer looks again in a second: each look is a request per batch


def _advance(c: CountyClient, batch_id: str, town: dict[str, str], dept: dict[str, str]) -> str | None:
    """One step of a batch's review, by whoever's turn it is; returns the status it found."""
    status = c.review_status(batch_id)
    if status == "township_review":
        flagged = c.call("GET", "review", f"/batches/{batch_id}/items", Role.TOWNSHIP, town,
                         params={"status": "flagged", "limit": 5000})
        _township_review(c, batch_id, town, flagged)
    elif status == "department_review":
        c.call("POST", "review", f"/batches/{batch_id}/department-approval", Role.DEPARTMENT, dept,
               json={"approve": True, "reason": "审核通过"})
    return status


def _township_review(c: CountyClient, batch_id: str, town: dict[str, str], flagged: list[dict[str, Any]]) -> None:
    """The township reviewer: of a person declared twice one claim is kept (the one that holds it; should the
    other be asked for, approving it is refused and it is returned instead); every other flag is returned as
    not eligible."""
    twice: dict[str, list[str]] = {}
    for i in flagged:
        if {f["code"] for f in i["findings"]} == {"DUPLICATE_IN_PERIOD"}:
            twice.setdefault(i["body"]["id_number"], []).append(i["item_id"])
    # within one batch the earlier row claimed first (a batch's chunks are checked in order): keep that one
    keep = {min(ids) for ids in twice.values()}
    while True:
        try:
            c.call("POST", "review", f"/batches/{batch_id}/township-review", Role.TOWNSHIP, town, json={
                "decisions": [{"item_id": i["item_id"], "approve": i["item_id"] in keep,
                               "reason": "重复申报，核实后保留一条" if i["item_id"] in keep else "经入户核实不符合条件"}
                              for i in flagged]})
            return
        except RuntimeError as exc:
            other = re.search(r"条目 (\S+) 与条目", str(exc))
            if other is None or other.group(1) not in keep:
                raise
            keep.discard(other.group(1))  # the other claim stands: this one is returned


def seed(c: CountyClient, people: list[Resident], progs: list[Program], year: int,
         rng: random.Random) -> dict[str, int]:
    """Catalog, townships, quotas, bank contracts, card registry and bank accounts."""
    for code, (town, villages) in TOWNSHIPS.items():
        c.call("PUT", "declaration", f"/townships/{code}", Role.FINANCE, json={"name": town, "villages": villages})
    for p in progs:
        c.call("POST", "catalog", "/programs", Role.FINANCE, ok=(201, 409), json=p.as_json(year))
    for code, (name, _) in BANKS.items():
        c.call("PUT", "banking", "/contracts", Role.FINANCE, json={
            "bank_code": code, "bank_name": name, "valid_from": f"{year}-01-01", "valid_to": f"{year + 2}-12-31"})
    unregistered = {p.card_number for p in people if rng.random() < 0.003}
    frozen = {p.card_number for p in people if rng.random() < 0.002}
    cards = [{"card_number": p.card_number, "id_number": p.id_number, "name": p.name, "bank_code": p.bank_code}
             for p in people if p.card_number not in unregistered]
    for part in range(0, len(cards), CARDS_PER_CALL):
        c.call("POST", "banking", "/cards", Role.FINANCE, json=cards[part:part + CARDS_PER_CALL])
    for bank in BANKS:  # each bank opens its own accounts
        accounts = [{"card_number": p.card_number, "bank_code": p.bank_code, "name": p.name,
                     "status": "frozen" if p.card_number in frozen else "active"}
                    for p in people if p.bank_code == bank]
        for part in range(0, len(accounts), CARDS_PER_CALL):
            c.call("POST", "bank_simulator", "/admin/accounts", Role.BANK, {"bank": bank},
                   json=accounts[part:part + CARDS_PER_CALL])
    return {"card_not_registered": len(unregistered), "account_frozen": len(frozen)}


def submit(c: CountyClient, rows: dict[tuple[str, str], list[dict[str, Any]]], period: str,
           timeout: float = 60, pace: float = 0.0) -> tuple[list[dict[str, Any]], int]:
    """Each township submits one batch per program; waits until declaration has seen the catalog."""
    batches, errors = [], 0
    for (town, prog), items in sorted(rows.items()):
        deadline = time.monotonic() + timeout
        while True:
            try:
                got = c.call("POST", "declaration", "/batches", Role.TOWNSHIP, {"township": town},
                             json={"program_code": prog, "period": period, "items": items})
                break
            except RuntimeError as exc:
                if "not in the catalog" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        errors += got["rejected_rows"]
        batches.append(got | {"township_code": town, "program_code": prog})
        time.sleep(pace)
    return batches, errors


def verify(c: CountyClient, batches: list[dict[str, Any]], ledger: dict[str, Any]) -> list[Check]:
    """Totals must match to the fen at every hop, each read from the service that owns them."""
    ids = {b["batch_id"] for b in batches}
    s = {st: (sum(r[st]["items"] for r in ledger["rows"]), sum(r[st]["fen"] for r in ledger["rows"]))
         for st in ("declared", "approved", "rejected", "withdrawn", "cleared", "ordered", "credited", "failed")}
    accepted = (sum(b["accepted_rows"] for b in batches), sum(b["amount_fen"] for b in batches))
    # a supplement (BATCH-R1: entries released after their window closed) belongs to its batch
    orders = [o for o in c.call("GET", "treasury", "/orders", Role.FINANCE) if o["batch_id"].split("-R")[0] in ids]
    ordered = (sum(o["item_count"] for o in orders), sum(o["amount_fen"] for o in orders))
    t_credit = (sum(o["credited_count"] for o in orders), sum(o["credited_fen"] for o in orders))
    t_return = (sum(o["returned_count"] for o in orders), sum(o["returned_fen"] for o in orders))
    recs = [c.call("GET", "banking", f"/orders/{o['order_id']}/reconciliation", Role.FINANCE) for o in orders]
    bank = c.call("GET", "bank_simulator", "/admin/totals", Role.FINANCE)
    bank_credit = (sum(r["count"] for r in bank if r["outcome"] == "credited"),
                   sum(r["fen"] for r in bank if r["outcome"] == "credited"))
    windows = [w for w in c.call("GET", "disclosure", "/public/rosters") if w["batch_id"] in ids]
    pub_paid = (sum(w["已发放人数"] for w in windows), sum(_fen(w["已发放金额(元)"]) for w in windows))
    pub_withdrawn = (sum(w["撤销人数"] for w in windows), sum(_fen(w["撤销金额(元)"]) for w in windows))
    integrity = c.call("GET", "bank_simulator", "/admin/integrity", Role.FINANCE)
    add = lambda a, b: (a[0] + b[0], a[1] + b[1])  # noqa: E731
    return [
        Check("declaration accepted = supervision declared", accepted, s["declared"]),
        Check("declared = approved + rejected (review)", s["declared"], add(s["approved"], s["rejected"])),
        Check("approved = cleared + withdrawn after publicity (disclosure)", s["approved"],
              add(s["cleared"], s["withdrawn"])),
        Check("withdrawn on objections (disclosure) = supervision withdrawn", pub_withdrawn, s["withdrawn"]),
        Check("cleared = ordered by treasury", s["cleared"], ordered),
        Check("treasury ordered = supervision ordered", ordered, s["ordered"]),
        Check("ordered = credited + returned (treasury)", ordered, add(t_credit, t_return)),
        Check("treasury credited = supervision credited", t_credit, s["credited"]),
        Check("treasury returned = supervision failed", t_return, s["failed"]),
        Check("bank credited = treasury credited (bank simulator)", bank_credit, t_credit),
        Check("every order reconciled in banking", len(recs), sum(1 for r in recs if r["balanced"])),
        Check("published paid roster = credited (disclosure)", pub_paid, t_credit),
        Check("items credited twice at the bank", 0, integrity["duplicated_items"]),
        Check("bank account balances = credits (count of credits, fen)",
              (integrity["credited_items"], integrity["credited_fen"]),
              (integrity["credited_items"], integrity["balance_fen"])),
    ]


def _fen(yuan: str) -> int:
    return int(yuan.replace(",", "").replace(".", ""))


def prepare(c: CountyClient, people: list[Resident], progs: list[Program], today: dt.date,
            rng: random.Random) -> tuple[dict[tuple[str, str], list[dict[str, Any]]], dict[str, int], Planted]:
    """Seed the county and its reference data; plan the rows to declare (with planted problems)."""
    planted = seed(c, people, progs, today.year, rng)
    marked = pick_planted(people, rng)
    seed_references(c, people, marked, today.replace(day=1))
    rows, planted_rows = plan(people, progs, rng, marked, today.replace(day=1))
    size_quotas(c, rows, progs, today.year)
    return rows, planted | planted_rows, marked


CARDS_PER_CALL = 100_000  # the card registry takes at most 200,000 a request
QUOTA_MARGIN_FEN = 100_000_000  # a million yuan above the month's payroll: corrections, re-issues, tests


def wait_card_registry(c: CountyClient, expected: int, timeout: float, progress: Callable[[str], None]) -> None:
    """Until review's copy of the card registry (filled from banking's events after the registration calls
    have answered) holds the cards registered: a county loads its registry long before a monthly payroll, and a
    clock started before the copy was complete counted its loading as payroll work (at 100,000 people review
    was still taking cards in ten seconds into the payroll). Stuck only if the copy grew for ``timeout`` s."""
    seen, deadline, said = -1, time.monotonic() + timeout, 0.0
    while True:
        got = next(v["row_count"] for v in c.call("GET", "review", "/reference", Role.FINANCE) if v["kind"] == "cards")
        if got >= expected:
            return
        if got != seen:
            seen, deadline = got, time.monotonic() + timeout
        elif time.monotonic() > deadline:
            raise TimeoutError(f"review's card registry holds {got} of {expected} cards, unchanged for {timeout}s")
        if time.monotonic() - said >= 5:
            progress(f"review's copy of the card registry: {got:,}/{expected:,} cards")
            said = time.monotonic()
        time.sleep(0.5)


def size_quotas(c: CountyClient, rows: dict[tuple[str, str], list[dict[str, Any]]], progs: list[Program],
                year: int) -> None:
    """Each program's quota for the year sized to what is declared (a quarter more, and a margin), split
    into the funding levels by the program's shares as treasury draws them."""
    for p in progs:
        need = sum(Decimal(str(r["quantity"])) * p.standard_fen for (_, code), part in rows.items()
                   if code == p.code for r in part)
        total = int(need * Decimal("1.25")) + QUOTA_MARGIN_FEN
        shares = p.as_json(year)["funding_shares"]
        assert isinstance(shares, dict)
        for level, fen in split(total, shares).items():
            c.call("PUT", "treasury", "/quotas", Role.FINANCE, json={
                "program_code": p.code, "year": year, "level": level, "total_fen": fen})


def declare(c: CountyClient, rows: dict[tuple[str, str], list[dict[str, Any]]], period: str, progs: list[Program],
            timeout: float, progress: Callable[[str], None], pace: float = 0.0,
            townships_at_once: bool = False) -> tuple[list[dict[str, Any]], int]:
    """Townships submit; township reviewers and department approvers decide. With ``townships_at_once``
    every township works at the same time, as they would: each submits its batches and has them reviewed
    and approved while the others are still submitting (one connection each)."""
    departments = {p.code: p.department_code for p in progs}
    if not townships_at_once:
        batches, row_errors = submit(c, rows, period, pace=pace)
        review_batches(c, batches, departments, timeout, progress)
        return batches, row_errors
    by_town: dict[str, dict[tuple[str, str], list[dict[str, Any]]]] = defaultdict(dict)
    for key, part in rows.items():
        by_town[key[0]][key] = part

    def township(town_rows: dict[tuple[str, str], list[dict[str, Any]]]) -> tuple[list[dict[str, Any]], int]:
        own = CountyClient(port_offset=c.port_offset, secret=c.secret)
        got = submit(own, town_rows, period, pace=pace)
        review_batches(own, got[0], departments, timeout, lambda m: None)
        progress(f"township {next(iter(town_rows))[0]}: {len(got[0])} batches submitted, reviewed and approved")
        return got

    with ThreadPoolExecutor(max_workers=len(by_town)) as pool:
        done = list(pool.map(township, by_town.values()))
    return [b for batches, _ in done for b in batches], sum(errors for _, errors in done)


def run_payroll(c: CountyClient, people_count: int, progress: Callable[[str], None] = print,
                timeout: float = 300, seed_value: int = 632523, objections: bool = False,
                started: Callable[[], None] | None = None, townships_at_once: bool = False,
                finished: Callable[[], None] | None = None) -> PayrollResult:
    """One month end to end; with ``objections`` (a publicity window of a few seconds or more) two entries of
    one roster are objected to during publicity and decided after it: one upheld, one not."""
    rng = random.Random(seed_value)
    today = dt.date.today()
    period = f"{today:%Y-%m}"
    people = residents(people_count, seed_value)
    progs = programs(today.year)
    progress(f"seeding Guide County: {len(progs)} programs, {len(people)} residents, {len(BANKS)} banks")
    rows, planted, marked = prepare(c, people, progs, today, rng)
    wait_card_registry(c, len(people) - planted["card_not_registered"], timeout, progress)
    start = time.monotonic()
    if started:
        started()
    progress(f"submitting {sum(len(r) for r in rows.values())} declared rows in {len(rows)} batches for {period}")
    batches, row_errors = declare(c, rows, period, progs, timeout, progress, townships_at_once=townships_at_once)
    objected = object_and_decide(c, batches, {p.code: p.department_code for p in progs}, progress) \
        if objections else None
    reviewed = time.monotonic() - start
    timeline = wait_paid(c, batches, timeout, progress, finished)
    seconds = timeline.done_at - start
    ledger = c.call("GET", "supervision", "/ledger", Role.FINANCE, params={"by": "program"})
    checks = verify(c, batches, ledger)
    timeline.looks = [(t - start, counts) for t, counts in timeline.looks]
    return PayrollResult(period, batches, row_errors, ledger, checks, seconds, planted, objected, people_count,
                         seed_value, sorted(marked.deceased), timeline, {"declared and reviewed": reviewed,
                                                                          "paid and published": seconds})
