"""CPU seconds and peak memory of every process of the stack, read from /proc while a run goes on.

Components: each service (all its processes), PostgreSQL (the server with the workers it reaped, and its backends
per database), Kafka. Memory is the proportional set size (PSS: shared pages divided among the processes sharing them,
so PostgreSQL's shared buffers count once); the stack's peak is the largest sum seen at one moment.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

_TICK = os.sysconf("SC_CLK_TCK")
_SERVICE = re.compile(r"-m services (\w+)")
_BACKEND = re.compile(r"^postgres: \S+ (\w+) ")


def component(cmdline: str) -> str | None:
    """What a process is part of, from its command line (None: not part of the stack)."""
    if m := _SERVICE.search(cmdline):
        return m.group(1)
    if cmdline.startswith("postgres:"):
        m = _BACKEND.match(cmdline)
        return f"postgresql ({m.group(1)})" if m else "postgresql (server)"
    if "bin/postgres" in cmdline:
        return "postgresql (server)"
    if "kafka.Kafka" in cmdline:
        return "kafka"
    return None


def _read(path: str) -> str:
    with open(path, "rb") as f:
        return f.read().decode(errors="replace")


def _cpu(pid: str) -> float:
    """The process's CPU and that of its children that ended (PostgreSQL's autovacuum workers come and go
    between samples: their time reaches the server's count when it reaps them)."""
    fields = _read(f"/proc/{pid}/stat").rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / _TICK


def process_cpu(pid: int | str) -> float | None:
    """CPU seconds of one process so far (None: not on this machine, or gone)."""
    try:
        return _cpu(str(pid))
    except (OSError, IndexError, ValueError):
        return None


def component_cpu(name: str) -> float | None:
    """CPU seconds so far of every live process of one component (e.g. ``kafka``); None if none runs here."""
    found = None
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = _read(f"/proc/{pid}/cmdline").replace("\0", " ").strip()
        except OSError:
            continue
        if component(cmdline) == name and (cpu := process_cpu(pid)) is not None:
            found = (found or 0.0) + cpu
    return found


def _pss_kb(pid: str) -> int:
    for line in _read(f"/proc/{pid}/smaps_rollup").splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


@dataclass
class Meter:
    """Samples every ``every`` seconds in a thread; ``mark()`` starts the CPU count over (e.g. at the payroll),
    ``finish()`` ends it (the last call counts: a payroll found done may be found done again later)."""

    every: float = 2.0
    cpu_first: dict[str, tuple[str, float]] = field(default_factory=dict)
    cpu_last: dict[str, tuple[str, float]] = field(default_factory=dict)
    cpu_end: dict[str, tuple[str, float]] | None = None
    peak_kb: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    stack_peak_kb: int = 0
    stack_peak_parts: dict[str, int] = field(default_factory=dict)  # each component's share of that moment
    stack_peak_at: float | None = None  # when (time.monotonic()); the payroll starts at ``marked_at``
    marked_at: float | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _names: dict[str, str | None] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)  # the sampling thread and finish() both sample

    def start(self) -> Meter:
        self._thread = threading.Thread(target=self._run, name="meter", daemon=True)
        self._thread.start()
        return self

    def mark(self) -> None:
        """Count CPU from now on (processes started later count from their start)."""
        self.sample()
        with self._lock:
            self.cpu_first = dict(self.cpu_last)
            self.marked_at = time.monotonic()

    def finish(self) -> None:
        """Count CPU up to now (what runs after, such as the bench's own checks, is not counted)."""
        self.sample()
        with self._lock:
            self.cpu_end = dict(self.cpu_last)

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(10)
        self.sample()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.sample()

    def _name(self, pid: str) -> str | None:
        if pid not in self._names:
            try:
                cmdline = _read(f"/proc/{pid}/cmdline").replace("\0", " ").strip()
                name = component(cmdline)
                if name is None and "multiprocessing" in cmdline:  # a worker process of a service (uvicorn workers)
                    name = self._name(_read(f"/proc/{pid}/stat").rsplit(")", 1)[1].split()[1])
                self._names[pid] = name
            except OSError:
                return None
        return self._names[pid]

    def sample(self) -> None:
        with self._lock:
            self._sample()

    def _sample(self) -> None:
        now: dict[str, int] = defaultdict(int)
        live: dict[str, tuple[str, float]] = {}
        for pid in os.listdir("/proc"):
            if not pid.isdigit() or (name := self._name(pid)) is None:
                continue
            try:
                cpu, pss = _cpu(pid), _pss_kb(pid)
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
            self.cpu_first.setdefault(pid, (name, 0.0 if self.cpu_last else cpu))
            live[pid] = (name, cpu)
            now[name] += pss
        self.cpu_last = live  # a process gone since is counted by its parent (it was reaped), not twice
        for name, kb in now.items():
            self.peak_kb[name] = max(self.peak_kb[name], kb)
        if (total := sum(now.values())) > self.stack_peak_kb:
            self.stack_peak_kb, self.stack_peak_parts, self.stack_peak_at = total, dict(now), time.monotonic()

    def peak_moment(self) -> str:
        """When the stack's peak was seen: seconds into the payroll (before it: the county's set-up)."""
        if self.stack_peak_at is None or self.marked_at is None:
            return ""
        at = self.stack_peak_at - self.marked_at
        return f"{at:.0f} s into the payroll" if at >= 0 else f"during the set-up, {-at:.0f} s before the payroll"

    def cpu_seconds(self) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for pid, (name, cpu) in (self.cpu_last if self.cpu_end is None else self.cpu_end).items():
            out[name] += cpu - self.cpu_first.get(pid, (name, 0.0))[1]
        return dict(out)
