"""The garbage collector of a long-running service: its start-up objects set aside, collections less often.

A service holds ~150,000 objects the collector tracks (FastAPI, SQLAlchemy, pydantic schemas, aiokafka) and
allocates thousands more per chunk of a thousand items (models, rows, lists), most freed at once by their
reference counts. With Python's defaults (a young collection every 700 allocations) the oldest generation
was collected again and again (58 times in 1,500 chunks), each time walking every object of the start-up
graph. ``python -m deploy.bench.gc_bench``: parsing a chunk of 1,000 declared items and building its rows
beside the review service's objects took 5.9-7.4 ms of CPU with the defaults, 2.5-3.6 ms settled, while a bench
ran beside it; 4.5-5.0 and 1.9-2.1 ms on a quiet machine.
"""

from __future__ import annotations

import gc

THRESHOLDS = (10_000, 10, 10)  # young collection every 10,000 net allocations (default 700)


def settle() -> None:
    """Call once the service has started: collect what start-up left, move every object still alive to the
    permanent generation (never walked again), and collect less often from now on."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
