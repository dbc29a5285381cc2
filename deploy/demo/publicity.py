"""The public during publicity (公示): two residents object to entries of a roster under publicity; once the
window has closed, the department and township work both cases — one upheld (the entry is withdrawn),
one not upheld (the entry is released and paid in a supplement)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from deploy.demo.client import CountyClient
from shared.auth import Role

FINDINGS = {"upheld": "经入户核实，该户已迁出，反映属实", "not_upheld": "经核实该户仍在本村居住，反映不属实"}


@dataclass
class Objections:
    batch_id: str = ""
    cases: list[dict[str, Any]] = field(default_factory=list)  # item_id, complaint_id, code, outcome, amount

    def of(self, outcome: str) -> dict[str, Any]:
        return next(c for c in self.cases if c["outcome"] == outcome)


def _open_roster(c: CountyClient, batches: list[dict[str, Any]], timeout: float) -> dict[str, Any]:
    """A roster of the payroll under publicity for at least two more seconds, with two entries or more."""
    wanted = {b["batch_id"] for b in batches}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        soon = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)).isoformat()
        open_ = [w for w in c.call("GET", "disclosure", "/public/rosters") if w["batch_id"] in wanted and w["open"]
                 and w["公示人数"] >= 2 and w["closes_at"] > soon]
        if open_:
            return dict(max(open_, key=lambda w: w["closes_at"]))
        time.sleep(0.2)
    raise TimeoutError(f"no roster of the payroll came under publicity in {timeout}s")


def _wait(what: str, ready: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not after {timeout}s")
        time.sleep(0.3)


def object_and_decide(c: CountyClient, batches: list[dict[str, Any]], departments: dict[str, str],
                      progress: Callable[[str], None], timeout: float = 120) -> Objections:
    roster = _open_roster(c, batches, timeout)
    batch_id = roster["batch_id"]
    lines = c.call("GET", "disclosure", f"/public/rosters/{batch_id}", params={"limit": 2})["items"]
    out = Objections(batch_id)
    for line, outcome in zip(lines, ("upheld", "not_upheld"), strict=True):
        got = c.call("POST", "disclosure", f"/public/rosters/{batch_id}/lines/{line['item_id']}/objections", json={
            "category": "not_eligible", "content": "此人已于去年迁出本村，不应享受本村补贴"})
        out.cases.append({"item_id": line["item_id"], "complaint_id": got["complaint_id"], "code": got["code"],
                          "outcome": outcome, "amount_yuan": line["金额(元)"]})
    progress(f"publicity: 2 objections to roster {batch_id} ({roster['补贴项目']}, {roster['乡镇']}), "
             f"entries held; window closes {roster['公示截止']}")
    _wait("the publicity window's end", lambda: not next(
        w for w in c.call("GET", "disclosure", "/public/rosters") if w["batch_id"] == batch_id)["open"], timeout)
    batch = next(b for b in batches if b["batch_id"] == batch_id)
    dept = {"department": departments[batch["program_code"]], "sub": f"case-officer-{batch['program_code']}"}
    town = {"township": batch["township_code"], "sub": f"case-clerk-{batch['township_code']}"}
    for case in out.cases:
        cid = case["complaint_id"]
        _wait(f"case {cid}", lambda cid=cid: c.call(  # type: ignore[misc]
            "GET", "complaint", f"/cases/{cid}", Role.FINANCE, ok=(200, 404)).get("complaint_id") == cid, timeout)
        c.call("POST", "complaint", f"/cases/{cid}/assign", Role.DEPARTMENT, dept, json={"assignee": "民政股 王科员"})
        c.call("POST", "complaint", f"/cases/{cid}/investigate", Role.TOWNSHIP, town, json={"note": "入户核实"})
        finding = FINDINGS[case["outcome"]]
        c.call("POST", "complaint", f"/cases/{cid}/resolve", Role.DEPARTMENT, dept,
               json={"outcome": case["outcome"], "finding": finding})
        c.call("POST", "complaint", f"/cases/{cid}/close", Role.TOWNSHIP, town, json={"note": "已向反映人告知结果"})
    progress("publicity: both cases decided after the window closed — one upheld (entry withdrawn), "
             "one not upheld (entry released, paid in a supplement)")
    return out
