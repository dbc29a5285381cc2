"""A county's registers loaded through the services' own APIs, as its finance bureau would: the townships and
villages (declaration tells every service their names) and the agency banks (banking tells declaration, so
files may name a bank as they do). Loading twice changes nothing; the departments are the catalog's own
register from its first migration.

    python -m deploy.registers            # against the running stack (make run)
"""

from __future__ import annotations

import sys

from deploy.demo.client import CountyClient
from shared import registers
from shared.auth import Role


def load(c: CountyClient) -> dict[str, int]:
    """Guide County's seven townships with their villages, and the agency banks of the seed."""
    for code, (name, villages) in registers.TOWNSHIPS.items():
        c.call("PUT", "declaration", f"/townships/{code}", Role.FINANCE, json={"name": name, "villages": villages})
    for bank in registers.BANKS:
        c.call("PUT", "banking", f"/banks/{bank.code}", Role.FINANCE, json={
            "name": bank.name, "aliases": list(bank.aliases), "bins": list(bank.bins)})
    return {"townships": len(registers.TOWNSHIPS), "banks": len(registers.BANKS)}


def main() -> int:
    got = load(CountyClient())
    print(f"{registers.COUNTY[1]}: {got['townships']} townships and {got['banks']} agency banks registered")
    return 0


if __name__ == "__main__":
    sys.exit(main())
