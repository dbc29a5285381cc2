"""The handler context a use case receives, and the runtime that opens one per request or message.

A use case gets ``ctx``: the open transaction (``ctx.session``), the service's typed settings and
``ctx.emit(event, ...)``, which puts events in the outbox in that same transaction with the
correlation id of the work in hand and the id of the event that caused it. The relay is woken
after the commit by the runtime, so no use case thinks about publishing.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Concatenate, Generic, ParamSpec, TypeVar

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database
from shared.events.envelope import Envelope, Event, wrap
from shared.logs import correlation_id as current_correlation
from shared.messaging.outbox import put
from shared.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)
P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class HandlerContext(Generic[S]):
    """One unit of work: a transaction, the settings, and events to publish when it commits."""

    session: AsyncSession
    settings: S
    producer: str
    outbox: Table
    correlation_id: str
    causation_id: str | None = None
    emitted: int = 0

    def correlate(self, correlation_id: str) -> None:
        """Name the business thing this work is about (a batch, an order): every event emitted carries it."""
        self.correlation_id = correlation_id
        current_correlation.set(correlation_id)

    async def emit(self, *events: Event) -> None:
        """Put events in the outbox, each to its own topic under its own partition key."""
        envelopes: list[Envelope[Event]] = [
            wrap(e, producer=self.producer, correlation_id=self.correlation_id, causation_id=self.causation_id)
            for e in events]
        await put(self.session, self.outbox, envelopes)
        self.emitted += len(envelopes)


@dataclass
class Runtime(Generic[S]):
    """What a running service gives its use cases: units of work on its database and outbox."""

    service: str
    settings: S
    db: Database
    outbox: Table
    wake: Callable[[], None] = field(default=lambda: None)

    @asynccontextmanager
    async def unit_of_work(self, correlation_id: str | None = None,
                           causation_id: str | None = None) -> AsyncIterator[HandlerContext[S]]:
        """A transaction as a handler context; commits on leaving, then wakes the relay if it emitted."""
        correlation = correlation_id or _current() or uuid.uuid4().hex
        async with self.db.transaction() as session:
            ctx = HandlerContext(session, self.settings, self.service, self.outbox, correlation, causation_id)
            yield ctx
        if ctx.emitted:
            self.wake()

    async def run(self, use_case: Callable[Concatenate[HandlerContext[S], P], Awaitable[R]],
                  *args: P.args, **kwargs: P.kwargs) -> R:
        """Run one use case in its own unit of work (what a route does)."""
        async with self.unit_of_work() as ctx:
            return await use_case(ctx, *args, **kwargs)


def _current() -> str | None:
    value = current_correlation.get()
    return None if value == "-" else value
