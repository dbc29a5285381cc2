"""Scale-out: a second instance of every consuming service joined while the e2e payroll's items flowed
(conftest's payroll fixture). Each instance took part, and every total still matches to the fen."""

from __future__ import annotations

import httpx

from deploy.demo.payroll import PayrollResult
from deploy.stack import ServiceProcesses
from tests.e2e.conftest import SCALED_OUT

# consumers whose topics carry the payroll after its publicity window (review's input comes before the
# second instances are up, so its instance may rightly have nothing to do)
MONEY_PATH = ("disclosure", "treasury", "banking", "bank_simulator", "supervision")


def test_second_instances_joined_while_items_flowed_and_every_total_still_matches(
        payroll: PayrollResult, stack: ServiceProcesses) -> None:
    assert sorted(stack.second_instances) == sorted(f"{n}#2" for n in SCALED_OUT)
    stack.wait_healthy(stack.second_instances, timeout=60)
    health = {key: httpx.get(stack.health_url(key), timeout=5).json() for key in stack.second_instances}
    assert all(h["status"] == "ok" for h in health.values()), health
    # the partitions were shared: every money-path service's second instance handled messages of the payroll
    idle = [key for key in stack.second_instances if key.split("#")[0] in MONEY_PATH and health[key]["consumed"] == 0]
    assert not idle, f"these instances got no partition of the payroll's topics: {idle}"
    # and nothing was lost or paid twice while the groups rebalanced
    bad = [f"{c.name}: {c.expected} != {c.actual}" for c in payroll.checks if not c.ok]
    assert not bad, bad
