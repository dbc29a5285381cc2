"""The bench counts CPU from the first submission to the look that found the payroll done: what runs after
(its own checks: the exact ledger, the owners' figures) is not the payroll's work."""

from __future__ import annotations

import os
import time

import pytest

from deploy.bench import meter as meter_mod
from deploy.bench.meter import Meter, component_cpu, process_cpu


def _only_this_process(monkeypatch: pytest.MonkeyPatch, name: str, used: dict[str, float]) -> Meter:
    """A meter that sees this test's process as ``name`` with ``used["cpu"]`` seconds, and no other."""
    me = str(os.getpid())

    def cpu(pid: str) -> float:
        if pid != me:
            raise OSError("not part of this test")  # what the meter does with a process gone meanwhile
        return used["cpu"]

    monkeypatch.setattr(meter_mod, "_cpu", cpu)
    monkeypatch.setattr(meter_mod, "_pss_kb", lambda pid: 1024)
    m = Meter()
    m._names[me] = name
    return m


def test_cpu_counts_from_mark_to_the_last_finish(monkeypatch: pytest.MonkeyPatch) -> None:
    used = {"cpu": 10.0}
    m = _only_this_process(monkeypatch, "review", used)
    m.sample()
    used["cpu"] = 12.0
    m.mark()                  # the payroll starts: 12 s so far do not count
    used["cpu"] = 15.0
    m.finish()                # found done, but the confirmation saw a service behind
    used["cpu"] = 16.5
    m.finish()                # found done again: this one counts
    used["cpu"] = 40.0        # the bench's checks
    m.stop()
    assert m.cpu_seconds() == {"review": 4.5}
    assert m.peak_kb["review"] == 1024


def test_without_finish_cpu_counts_to_the_last_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    used = {"cpu": 1.0}
    m = _only_this_process(monkeypatch, "kafka", used)
    m.mark()
    used["cpu"] = 3.0
    m.stop()
    assert m.cpu_seconds() == {"kafka": 2.0}


def test_a_worker_that_ends_between_samples_is_counted_once_by_its_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL's autovacuum workers come and go: one seen at a sample and reaped before the next is counted
    in the server's children's time, and its own last sample no longer counts."""
    times = {"server": 1.0, "worker": 0.5}
    pids = {"server": "101", "worker": "102"}
    alive = {"101", "102"}

    def cpu(pid: str) -> float:
        if pid not in alive:
            raise OSError("no such process")
        return times["server" if pid == "101" else "worker"]

    monkeypatch.setattr(meter_mod, "_cpu", cpu)
    monkeypatch.setattr(meter_mod, "_pss_kb", lambda pid: 0)
    monkeypatch.setattr(meter_mod.os, "listdir", lambda path: sorted(alive))
    m = Meter()
    m._names.update({pids["server"]: "postgresql (server)", pids["worker"]: "postgresql (server)"})
    m.mark()                      # server 1.0, worker 0.5
    times["worker"] = 2.5         # the worker works 2 s more
    m.sample()
    alive.discard("102")          # it ends; the server reaps it: its 2.5 s join the server's children's time
    times["server"] = 1.0 + 2.5
    m.finish()
    assert m.cpu_seconds() == {"postgresql (server)": 2.5}  # 2 s after the mark, plus the 0.5 s before it


def test_the_stack_peak_says_when_and_what(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stack's peak names its moment (set-up or payroll) and each component's share then."""
    used = {"cpu": 1.0}
    m = _only_this_process(monkeypatch, "review", used)
    pss = {"kb": 900 * 1024}
    monkeypatch.setattr(meter_mod, "_pss_kb", lambda pid: pss["kb"])
    m.sample()                # the set-up: review holds a large import
    pss["kb"] = 200 * 1024
    m.mark()
    m.sample()
    assert m.stack_peak_kb == 900 * 1024 and m.stack_peak_parts == {"review": 900 * 1024}
    assert m.peak_moment().startswith("during the set-up")
    pss["kb"] = 1000 * 1024   # the payroll grows past it
    m.sample()
    assert m.stack_peak_parts == {"review": 1000 * 1024}
    assert m.peak_moment().endswith("s into the payroll")


def test_a_process_cpu_is_read_from_proc_and_none_when_gone() -> None:
    began = process_cpu(os.getpid())
    deadline = time.process_time() + 0.05
    while time.process_time() < deadline:  # spend 50 ms of CPU
        pass
    assert began is not None and (process_cpu(os.getpid()) or 0) >= began + 0.03
    assert process_cpu(2 ** 22 + 1) is None  # above the kernel's largest pid: no such process
    assert component_cpu("no such component") is None
