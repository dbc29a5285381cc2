"""A sliding-window limit per client (e.g. the personal query: a few lookups a minute per address).

Kept in the process: with several instances behind a balancer each instance limits on its own, so
the effective limit is the setting times the instances (still a limit; a shared one would cost a
database write per query)."""

from __future__ import annotations

import time
from collections import deque

from fastapi import Request

from shared.errors import TooMany


class RateLimit:
    def __init__(self, per_minute: int, max_clients: int = 100_000) -> None:
        self.per_minute = per_minute
        self.max_clients = max_clients
        self.seen: dict[str, deque[float]] = {}

    def check(self, client: str, now: float | None = None) -> None:
        """Count one request of ``client``; refuse it (429) past the limit of the last 60 s."""
        now = time.monotonic() if now is None else now
        if len(self.seen) >= self.max_clients:
            self.seen = {k: v for k, v in self.seen.items() if v and v[-1] > now - 60}
        window = self.seen.setdefault(client, deque())
        while window and window[0] <= now - 60:
            window.popleft()
        if len(window) >= self.per_minute:
            raise TooMany(f"查询过于频繁，请稍后再试 (at most {self.per_minute} a minute)")
        window.append(now)


def check(request: Request, kind: str) -> None:
    """Count one request of ``kind`` from the caller's address against the app's setting ``<kind>_per_minute``
    (one limiter per kind, kept on the app)."""
    limits: dict[str, RateLimit] | None = getattr(request.app.state, "limits", None)
    if limits is None:
        limits = request.app.state.limits = {}
    if kind not in limits:
        limits[kind] = RateLimit(getattr(request.app.state.settings, f"{kind}_per_minute"))
    limits[kind].check(request.client.host if request.client else "unknown")
