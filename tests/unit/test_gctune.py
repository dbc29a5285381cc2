"""A started service's objects are set aside from the collector, and it collects less often."""

from __future__ import annotations

import json
import subprocess
import sys

from shared.gctune import THRESHOLDS


def test_settle_freezes_what_start_up_left_and_raises_the_thresholds() -> None:
    # in a process of its own: a frozen collector cannot be thawed back into the test runner's defaults
    code = ("import gc, json; from shared import gctune; before = gc.get_threshold(); gctune.settle(); "
            "print(json.dumps([before, gc.get_freeze_count(), gc.get_threshold()]))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    before, frozen, after = json.loads(out)
    assert before[0] == 700 and tuple(after) == THRESHOLDS
    assert frozen > 1000, "the interpreter's own objects at least are set aside"
