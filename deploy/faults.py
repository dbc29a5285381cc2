"""make faults: a county-sized payroll while money-path services are SIGKILLed and restarted at random,
and the Kafka broker is restarted once; then re-issue of the returned items; then the proof:
nothing lost, nothing paid twice, totals equal to the fen at treasury, banking, the bank and disclosure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from deploy.demo.client import CountyClient
from deploy.demo.county import BANKS, programs, residents
from deploy.demo.payroll import Check, declare, prepare, verify, wait_paid
from deploy.demo.report import checks_table
from deploy.infra import Infra
from deploy.stack import ServiceProcesses
from shared.auth import Role
from shared.money import fen_to_yuan

MONEY_PATH = ("review", "disclosure", "treasury", "banking", "bank_simulator", "supervision")
OFFSET = 200  # ports beside `make run` (and the tests, which use 100)


class Killer(threading.Thread):
    """SIGKILLs a random money-path service every so often and restarts it; restarts Kafka once midway."""

    def __init__(self, stack: ServiceProcesses, infra: Infra, kills: int, rng: random.Random,
                 say: Callable[[str], None]) -> None:
        super().__init__(daemon=True)
        self.stack, self.infra, self.target, self.rng, self.say = stack, infra, kills, rng, say
        self.kills: Counter[str] = Counter()
        self.broker_restarts = 0
        self.error: str | None = None
        self.stop_at_target = threading.Event()

    def run(self) -> None:
        try:
            self._run()
        except Exception as exc:  # reported in the result: a fault run whose killer died proves nothing
            self.error = f"{type(exc).__name__}: {exc}"
            self.stop_at_target.set()

    def _run(self) -> None:
        while sum(self.kills.values()) < self.target:
            time.sleep(self.rng.uniform(0.3, 2.5))
            name = self.rng.choice(MONEY_PATH)
            self.stack.kill(name, signal.SIGKILL)
            self.kills[name] += 1
            time.sleep(self.rng.uniform(0.0, 1.0))
            self.stack.start_one(name)
            self.stack.revive()
            if sum(self.kills.values()) == self.target // 2 and self.infra.kafka is not None:
                self.say("  restarting the Kafka broker ...")
                self.infra.kafka.stop()
                time.sleep(2)
                self.infra.kafka.start()
                self.broker_restarts += 1
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            self.stack.revive()
            try:
                self.stack.wait_healthy(list(MONEY_PATH), timeout=30)
                break
            except (RuntimeError, TimeoutError):
                continue
        self.stop_at_target.set()


@dataclass
class FaultResult:
    kills: int
    broker_restarts: int
    first: list[Check]
    final: list[Check]
    reissued: dict[str, int]

    @property
    def ok(self) -> bool:
        return all(x.ok for x in self.first + self.final)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--kills", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    return 0 if run_faults(args.people, args.kills, args.seed).ok else 1


def run_faults(people_count: int, kills: int, seed_value: int, kafka_port: int = 30092, pg_port: int = 30432,
               offset: int = OFFSET, quiet: bool = False) -> FaultResult:
    """The whole fault-injection run; prints the report unless quiet."""
    t0 = time.monotonic()
    rng = random.Random(seed_value)
    # its own broker and database always: it restarts the broker and must start from nothing
    infra = Infra(kafka_port=kafka_port, pg_port=pg_port, name=f"-faults{offset}",
                  from_environment=False).start(fresh=True)
    stack = ServiceProcesses(env=infra.env(), port_offset=offset, extra_env={
        "disclosure": {"YKT_DISCLOSURE_PUBLICITY_SECONDS": "0"},
        "banking": {"YKT_BANKING_RESEND_AFTER_SECONDS": "10"},
        "bank_simulator": {"YKT_BANK_SIMULATOR_FAILURE_RATE": "0.01", "YKT_BANK_SIMULATOR_AMBIGUOUS_RATE": "0.02"}})
    try:
        stack.start()
        c = CountyClient(port_offset=offset)
        today = dt.date.today()
        people = residents(people_count, seed_value)
        progs = programs(today.year)
        say = (lambda m: None) if quiet else (lambda m: print(m, flush=True))
        say(f"seeding {len(people)} residents ...")
        rows, planted, _ = prepare(c, people, progs, today, rng)
        killer = Killer(stack, infra, kills, rng, say)
        killer.start()
        say(f"submitting {sum(len(r) for r in rows.values())} rows while killing services ...")
        batches, _ = declare(c, rows, f"{today:%Y-%m}", progs, 1500, lambda m: None,
                             pace=1.5 if people_count > 20_000 else 0.3)
        wait_paid(c, batches, 1500, lambda m: say("  " + m + f" · kills {sum(killer.kills.values())}"))
        killer.stop_at_target.wait(600)
        if killer.error:
            raise RuntimeError(f"the killer thread failed: {killer.error}")
        wait_paid(c, batches, 600, lambda m: None)  # settle again once every service is back
        first = verify(c, batches, c.call("GET", "supervision", "/ledger", Role.FINANCE, params={"by": "program"}))
        reissued = reissue_returned(c, people)
        final = final_checks(c, batches)
        if not quiet:
            report(killer, c, batches, first, final, reissued, planted, time.monotonic() - t0)
        return FaultResult(sum(killer.kills.values()), killer.broker_restarts, first, final, reissued)
    finally:
        stack.stop()
        infra.stop()


def reissue_returned(c: CountyClient, people: list[Any]) -> dict[str, int]:
    """Correct what can be corrected (unfreeze accounts, register missing cards), then re-issue once."""
    for bank in BANKS:  # each bank corrects its own accounts
        for acct in c.call("GET", "bank_simulator", "/admin/accounts", Role.BANK, {"bank": bank},
                           params={"status": "frozen", "limit": 10000}):
            c.call("PATCH", "bank_simulator", f"/admin/accounts/{acct['card_number']}", Role.BANK, {"bank": bank},
                   params={"status": "active"})
    c.call("POST", "banking", "/cards", Role.FINANCE, json=[
        {"card_number": p.card_number, "id_number": p.id_number, "name": p.name, "bank_code": p.bank_code}
        for p in people])
    returned = [o for o in c.call("GET", "treasury", "/orders", Role.FINANCE) if o["returned_count"] > 0]
    for o in returned:
        c.call("POST", "treasury", f"/orders/{o['order_id']}/reissue", Role.FINANCE)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        again = [o for o in c.call("GET", "treasury", "/orders", Role.FINANCE) if o["attempt"] == 2]
        if all(o["settled_count"] == o["item_count"] for o in again):
            break
        time.sleep(1)
    return {"orders": len(again), "items": sum(o["item_count"] for o in again),
            "credited": sum(o["credited_count"] for o in again), "returned": sum(o["returned_count"] for o in again)}


def yuan(fen: int) -> str:
    return fen_to_yuan(fen) + " yuan"


def final_checks(c: CountyClient, batches: list[dict[str, Any]]) -> list[Check]:
    ids = {b["batch_id"] for b in batches}
    time.sleep(5)  # let supervision and disclosure take in the last settlements
    orders = c.call("GET", "treasury", "/orders", Role.FINANCE)
    treasury = sum(o["credited_fen"] for o in orders)
    banking = sum(c.call("GET", "banking", f"/orders/{o['order_id']}/reconciliation", Role.FINANCE)["credited_fen"]
                  for o in orders)
    integrity = c.call("GET", "bank_simulator", "/admin/integrity", Role.FINANCE)
    windows = [w for w in c.call("GET", "disclosure", "/public/rosters") if w["batch_id"] in ids]
    disclosure = sum(int(w["已发放金额(元)"].replace(",", "").replace(".", "")) for w in windows)
    ledger = c.call("GET", "supervision", "/ledger", Role.FINANCE, params={"by": "program"})["rows"]
    cleared = sum(r["cleared"]["items"] for r in ledger)
    settled = sum(r["credited"]["items"] + r["failed"]["items"] for r in ledger)
    return [
        Check("after re-issue: bank credited = treasury credited", yuan(integrity["credited_fen"]), yuan(treasury)),
        Check("after re-issue: banking credited = treasury credited", yuan(banking), yuan(treasury)),
        Check("after re-issue: disclosure paid = treasury credited", yuan(disclosure), yuan(treasury)),
        Check("after re-issue: supervision credited = treasury credited",
              yuan(sum(r["credited"]["fen"] for r in ledger)), yuan(treasury)),
        Check("items credited twice (duplicates)", 0, integrity["duplicated_items"]),
        Check("bank balances = credits", yuan(integrity["credited_fen"]), yuan(integrity["balance_fen"])),
        Check("lost items (cleared but never settled)", 0, cleared - settled),
    ]


def report(killer: Killer, c: CountyClient, batches: list[dict[str, Any]], first: list[Any], final: list[Any],
           reissued: dict[str, int], planted: dict[str, int], seconds: float) -> None:
    orders = c.call("GET", "treasury", "/orders", Role.FINANCE)
    firsts = [o for o in orders if o["attempt"] == 1]
    integrity = c.call("GET", "bank_simulator", "/admin/integrity", Role.FINANCE)
    lost = next(x.actual for x in final if x.name.startswith("lost"))
    ordered = sum(o["item_count"] for o in firsts), fen_to_yuan(sum(o["amount_fen"] for o in firsts))
    returned = sum(o["returned_count"] for o in firsts), fen_to_yuan(sum(o["returned_fen"] for o in firsts))
    ok = all(x.ok for x in first + final)
    print(f"""
fault-injection run finished in {seconds:.0f}s
  kills (SIGKILL) done       {sum(killer.kills.values())}  {dict(killer.kills)}
  Kafka broker restarts      {killer.broker_restarts}
  batches                    {len(batches)}
  items ordered              {ordered[0]}  ({ordered[1]} yuan)
  credited (first attempt)   {sum(o["credited_count"] for o in firsts)}
  failed / returned (退回)   {returned[0]}  ({returned[1]} yuan)
  re-issued                  {reissued["items"]} items in {reissued["orders"]} orders
    of which credited        {reissued["credited"]}
    returned again           {reissued["returned"]}
  duplicates found           {integrity["duplicated_items"]}
  lost items                 {lost}
  planted                    {planted}

checks after the payroll (before re-issue):
{checks_table(first)}
checks after re-issue:
{checks_table(final)}
RESULT: {"ALL TOTALS EQUAL, 0 LOST, 0 DUPLICATED" if ok else "MISMATCH"}""", flush=True)


if __name__ == "__main__":
    sys.exit(main())
