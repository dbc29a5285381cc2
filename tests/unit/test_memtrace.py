"""The memory trace of a service: asked for by name, and what it writes."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from shared import memtrace


def test_only_the_named_service_is_traced(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("YKT_TRACEMALLOC", raising=False)
    assert memtrace.wanted("review") is None
    monkeypatch.setenv("YKT_TRACEMALLOC", f"review:{tmp_path}")
    assert memtrace.wanted("review") == tmp_path / "review.txt"
    assert memtrace.wanted("banking") is None


async def test_the_trace_names_the_lines_holding_memory(tmp_path: Path) -> None:
    path = tmp_path / "t" / "review.txt"
    task = asyncio.create_task(memtrace.trace(path, every=0.05))
    await asyncio.sleep(0.01)
    held = [bytearray(4096) for _ in range(2000)]  # ~8 MB held by this line
    while not path.exists() or "traced" not in path.read_text():
        await asyncio.sleep(0.02)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    text = path.read_text()
    assert "RSS" in text and "test_memtrace.py:" in text, text
    line = next(x for x in text.splitlines() if "test_memtrace.py:" in x)
    assert float(line.split()[0]) >= 7.5, line  # MB held by the line above
    assert len(held) == 2000
