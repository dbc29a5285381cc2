"""What a service's Python heap holds, written every ``every`` seconds while it runs: a diagnostic for runs.

``YKT_TRACEMALLOC=review:/tmp/trace`` (service, then a folder) starts ``tracemalloc`` in that service only
(one frame a block: it slows the service, so for measuring memory, never for timing) and appends to
``/tmp/trace/review.txt`` the time, the resident memory, what Python's allocations hold now and at most, and
the lines of code holding the most. Resident memory far above what is traced is memory the allocator keeps
(freed, not returned) or that C code holds; traced memory that grows is objects kept alive.
"""

from __future__ import annotations

import asyncio
import os
import time
import tracemalloc
from pathlib import Path

TOP = 15


def wanted(service: str) -> Path | None:
    """The file to write for ``service``, if ``YKT_TRACEMALLOC`` names it."""
    name, _, folder = os.environ.get("YKT_TRACEMALLOC", "").partition(":")
    return Path(folder or ".") / f"{service}.txt" if name == service else None


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def report(started: float) -> str:
    current, peak = tracemalloc.get_traced_memory()
    lines = [f"--- {time.monotonic() - started:7.1f} s: RSS {_rss_mb():.0f} MB, traced {current / 2**20:.0f} MB "
             f"(peak {peak / 2**20:.0f} MB)"]
    for stat in tracemalloc.take_snapshot().statistics("lineno")[:TOP]:
        frame = stat.traceback[0]
        lines.append(f"{stat.size / 2**20:9.1f} MB {stat.count:9d} blocks  {frame.filename}:{frame.lineno}")
    return "\n".join(lines) + "\n"


async def trace(path: Path, every: float = 20.0) -> None:
    """Run as a background task until cancelled."""
    tracemalloc.start(1)
    started = time.monotonic()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        while True:
            await asyncio.sleep(every)
            text = await asyncio.to_thread(report, started)
            with path.open("a") as f:
                f.write(text)
    finally:
        tracemalloc.stop()
