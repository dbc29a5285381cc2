"""python -m deploy.bench.gc_bench: what Python's garbage collector costs a consumer, with and without
``shared.gctune``.

Builds the review service's app (its objects in memory as in the running service; nothing is started or
connected), then parses chunks of 1,000 declared items from their JSON and builds their rows, as a consumer
does, and prints the CPU per chunk with the collector as Python sets it and as ``gctune.settle`` leaves it.
Each setting runs in a fresh process (a frozen collector cannot be thawed into the defaults again).
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import time

CHUNKS = 1500


def _measure(setting: str) -> None:
    os.environ.setdefault("YKT_ENV", "development")
    os.environ.setdefault("YKT_REVIEW_DATABASE_URL", "postgresql+asyncpg://review:unused@127.0.0.1:1/review")
    from deploy.bench.ceiling import chunk_events
    from services.review import app as review
    from shared import bulk, gctune
    from shared.events.envelope import Envelope
    from shared.events.payloads import BatchSubmitted

    kept = review.app()  # noqa: F841 - its objects stay alive, as in the service
    [raw] = chunk_events(0, 1000, 1000)  # a declared chunk of 1,000 items as a relay sends it (the ceiling's)

    def consume() -> int:
        env = Envelope[BatchSubmitted].model_validate_json(raw)
        columns = bulk.item_columns(env.payload.items, batch_id="B1")
        findings = [{"item_id": i.item_id, "findings": [{"code": "OK"}]} for i in env.payload.items]
        return len(columns) + len(findings)

    tracked = len(gc.get_objects())
    if setting == "settled":
        gctune.settle()
    for _ in range(50):
        consume()
    start = time.process_time()
    for _ in range(CHUNKS):
        consume()
    ms = (time.process_time() - start) / CHUNKS * 1000
    full = gc.get_stats()[2]["collections"]
    print(f"  {setting:8} {ms:6.2f} ms CPU per chunk of 1,000 items; {tracked:,} objects tracked after start-up, "
          f"{full} full collections")


def main() -> None:
    if len(sys.argv) > 1:
        _measure(sys.argv[1])
        return
    print(f"parse {CHUNKS} chunks of 1,000 declared items and build their rows, beside the review service's objects:")
    for setting in ("defaults", "settled", "defaults", "settled"):
        subprocess.run([sys.executable, "-m", "deploy.bench.gc_bench", setting], check=True)


if __name__ == "__main__":
    main()
