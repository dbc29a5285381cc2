"""One stack of every service (as processes) for the end-to-end tests, and the payroll run on it.

The stack runs with faults switched on: every event is published three times, the bank loses the
reply to 5% of instructions (banking must ask again with the same key), and the bank fails 1% of credits.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deploy.demo.campaign import CampaignResult, run_campaign
from deploy.demo.client import CountyClient
from deploy.demo.payroll import PayrollResult, run_payroll
from deploy.registers import load as load_registers
from deploy.stack import ServiceProcesses

PORT_OFFSET = 100  # beside a running `make run`
PEOPLE = 1200      # about 1,600 declared items
STACK_FAILURE_RATE = 0.01  # the bank fails this share of credits at random
PUBLICITY_SECONDS = 8  # a real window: rosters wait, objections are filed and decided


@pytest.fixture(scope="session")
def stack(infra: tuple[dict[str, str], str]) -> Iterator[ServiceProcesses]:
    procs = ServiceProcesses(env=infra[0] | {"YKT_OUTBOX_REPEAT": "3"}, port_offset=PORT_OFFSET, extra_env={
        "disclosure": {"YKT_DISCLOSURE_PUBLICITY_SECONDS": str(PUBLICITY_SECONDS)},
        "banking": {"YKT_BANKING_RESEND_AFTER_SECONDS": "3"},
        "supervision": {"YKT_SUPERVISION_DEADLINE_CHECK_SECONDS": "2"},
        "bank_simulator": {"YKT_BANK_SIMULATOR_FAILURE_RATE": str(STACK_FAILURE_RATE),
                           "YKT_BANK_SIMULATOR_AMBIGUOUS_RATE": "0.05"}})
    try:
        procs.start(timeout=120)
        yield procs
    finally:
        procs.stop()


@pytest.fixture(scope="session")
def client(stack: ServiceProcesses) -> CountyClient:
    return CountyClient(port_offset=PORT_OFFSET)


@pytest.fixture(scope="session")
def county_registers(client: CountyClient) -> dict[str, int]:
    """Guide County's own registers, loaded beside the demo county as a real county's would be."""
    return load_registers(client)


# every service that consumes (catalog only publishes) gets a second instance while the payroll flows
SCALED_OUT = ("declaration", "review", "disclosure", "treasury", "banking", "bank_simulator", "complaint",
              "supervision")


@pytest.fixture(scope="session")
def payroll(client: CountyClient, county_registers: dict[str, int], stack: ServiceProcesses) -> PayrollResult:
    """The demo's month, after the county's registers are loaded (as `make run` does: bank names known).
    When the first batch is submitted a second instance of every consuming service starts: its consumer
    groups rebalance while the items flow, and the month must still add up to the fen."""
    def progress(message: str) -> None:
        if message.startswith("submitting") and not stack.second_instances:
            stack.second_instances = stack.add_instances(list(SCALED_OUT))

    return run_payroll(client, PEOPLE, progress=progress, timeout=240, objections=True)




@pytest.fixture(scope="session")
def campaign(client: CountyClient, payroll: PayrollResult) -> CampaignResult:
    return run_campaign(client, payroll, progress=lambda m: None)
