"""Waiting for a payroll to be paid, and what the wait saw: items per stage over time (per-stage throughput).

The progress comes from supervision's running totals (``GET /progress``: a few hundred rows at any size);
the exact ledger (``GET /ledger``: aggregates over every item) is read only to confirm the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from deploy.demo.client import CountyClient
from shared.auth import Role

STAGES = ("declared", "approved", "withdrawn", "cleared", "ordered", "credited", "failed")


@dataclass
class Timeline:
    """Items per stage at each look; a stage's rate counts from its first item to when it stopped growing."""

    looks: list[tuple[float, dict[str, int]]] = field(default_factory=list)

    def add(self, at: float, counts: dict[str, int]) -> None:
        self.looks.append((at, dict(counts)))

    @property
    def done_at(self) -> float:
        """When the wait ended: its last look is the one that saw every roster published and every stage settled."""
        return self.looks[-1][0]

    def rates(self, since: float) -> dict[str, tuple[int, float, float]]:
        """Per stage: items, seconds from the start of the payroll to its last item, items/s while it moved."""
        out = {}
        for s in STAGES:
            final = self.looks[-1][1].get(s, 0) if self.looks else 0
            if not final:
                continue
            first = next(t for t, c in self.looks if c.get(s, 0) > 0)
            full = next(t for t, c in self.looks if c.get(s, 0) >= final)
            before = max((t for t, c in self.looks if t < first), default=since)  # it began after the look before
            out[s] = (final, full - since, final / max(full - before, 1e-9))
        return out


def exact_stages(c: CountyClient) -> dict[str, int]:
    ledger = c.call("GET", "supervision", "/ledger", Role.FINANCE, params={"by": "program"})["rows"]
    return {s: sum(r[s]["items"] for r in ledger) for s in STAGES}


def _settled(stage: dict[str, int], total: int, exact: bool) -> bool:
    if exact:  # per item: every cleared item ordered once, every ordered item has its result
        return (stage["declared"] == total and stage["ordered"] == stage["cleared"]
                and stage["cleared"] + stage["withdrawn"] == stage["approved"]
                and stage["credited"] + stage["failed"] == stage["ordered"])
    # running totals count arrivals: a re-issue orders and settles an item again
    return (stage["declared"] == total and stage["cleared"] + stage["withdrawn"] == stage["approved"]
            and stage["ordered"] >= stage["cleared"] and stage["credited"] + stage["failed"] == stage["ordered"])


def wait_paid(c: CountyClient, batches: list[dict[str, Any]], timeout: float,
              progress: Callable[[str], None], finished: Callable[[], None] | None = None) -> Timeline:
    """Poll until every batch's paid roster is published (公示) and every service has caught up: treasury
    has settled every item it ordered, supervision's ledger has them all. Services consume on their own,
    so one may be behind another for a while; the checks are read only once all are quiet.

    The payroll ends at the look that saw it done (``timeline.done_at``; ``finished`` is called then): the
    exact ledger read that confirms it aggregates every item and is the bench's check, not the payroll's work.
    If the confirmation finds a service still behind, a later look ends it."""
    wanted = {b["batch_id"] for b in batches}
    total = sum(b["accepted_rows"] for b in batches)
    timeline = Timeline()
    began = time.monotonic()
    deadline = began + timeout  # moved on whenever anything moves: a large payroll is slow, not stuck
    catch_up = began + 120
    seen: tuple[int, ...] = ()
    first: tuple[float, int] | None = None
    while True:
        asked = time.monotonic()
        windows = {w["batch_id"]: w for w in c.call("GET", "disclosure", "/public/rosters")}
        done = [b for b in wanted if windows.get(b, {}).get("状态") == "已发放"]
        counts = c.call("GET", "supervision", "/progress", Role.FINANCE)["stages"]
        stage = {s: counts[s]["items"] for s in STAGES}
        took = time.monotonic() - asked
        timeline.add(asked, stage)
        settled = stage["credited"] + stage["failed"]
        first = first or (asked, settled)  # the rate counts from the first look, not from the start
        rate = (settled - first[1]) / max(asked - first[0], 1e-9)
        eta = f" · {rate:,.0f} paid/s, about {max(total - settled, 0) / rate:,.0f}s to go" if rate > 0 else ""
        progress(f"items {total}: declared {stage['declared']} · approved {stage['approved']} · "
                 f"cleared {stage['cleared']} · ordered {stage['ordered']} · credited {stage['credited']} · "
                 f"failed {stage['failed']} · rosters published {len(done)}/{len(wanted)}{eta}")
        now = (*stage.values(), len(done))
        if now != seen:
            seen, deadline = now, time.monotonic() + timeout
        if len(done) < len(wanted):
            catch_up = time.monotonic() + 120
        elif _settled(stage, total, exact=False) or time.monotonic() > catch_up:
            if finished:
                finished()
            confirming = time.monotonic()
            orders = [o for o in c.call("GET", "treasury", "/orders", Role.FINANCE) if o["batch_id"] in wanted]
            treasury_settled = all(o["settled_count"] == o["item_count"] for o in orders if o["status"] != "held")
            if (treasury_settled and _settled(exact_stages(c), total, exact=True)) or time.monotonic() > catch_up:
                progress(f"done; confirmed by treasury's orders and the exact ledger in "
                         f"{time.monotonic() - confirming:.1f}s")
                return timeline  # past catch_up the checks report whoever is still behind
        if time.monotonic() > deadline:
            raise TimeoutError(f"payroll stuck: nothing moved for {timeout}s, {len(done)}/{len(wanted)} rosters")
        time.sleep(max(0.5, 9 * took))  # the progress view costs its services at most a tenth of the time
