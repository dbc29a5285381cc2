"""The chunk protocol: large batches travel as chunks with control totals; receivers count arrivals.

A sender splits a batch's items into chunks of ``chunk_size`` (the one setting), each event
carrying its own and the whole batch's totals (the event model refuses totals that do not add
up). A receiver stores each chunk's items and counts the arrival in the same transaction; the
arrival that completes the count assembles the batch. The inbox makes every count exact.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.envelope import Event
from shared.events.payloads import Item

T = TypeVar("T")
E = TypeVar("E")
R = TypeVar("R", bound=Event)


class Priced(Protocol):
    @property
    def amount_fen(self) -> int: ...


def split(items: Sequence[T], size: int) -> list[list[T]]:
    """Consecutive chunks of ``size`` (at least one, possibly empty: an empty batch still says so)."""
    return [list(items[i:i + size]) for i in range(0, len(items), size)] or [[]]


def fen(items: Sequence[Priced]) -> int:
    return sum(i.amount_fen for i in items)


def build(items: Sequence[T], size: int, make: Callable[[int, int, list[T]], E]) -> list[E]:
    """One event per chunk: ``make(chunk_index, chunk_count, part)``."""
    parts = split(items, size)
    return [make(n, len(parts), part) for n, part in enumerate(parts)]


def item_chunks(model: Callable[..., E], items: Sequence[Item], size: int, **head: Any) -> list[E]:
    """Chunks of a batch's items (BatchSubmitted, ItemsCleared) with chunk and batch control totals."""
    total = fen(items)
    return build(items, size, lambda n, count, part: model(
        **head, chunk_index=n, chunk_count=count, batch_item_count=len(items), batch_amount_fen=total,
        items=tuple(part), item_count=len(part), amount_fen=fen(part)))


@dataclass(frozen=True)
class RawChunk:
    """A chunk of items as JSON array text (rendered by the database from rows this service validated when
    they came in), with its count and fen computed from the same rows."""

    items: str
    count: int
    fen: int


def raw_item_chunks(model: type[R], chunks: Sequence[RawChunk], **head: Any) -> list[R]:
    """As ``item_chunks``, for items sent on as JSON text (``Event.with_raw``): chunk and batch totals from
    the chunks' own counts."""
    parts = list(chunks) or [RawChunk("[]", 0, 0)]
    count, total = sum(c.count for c in parts), sum(c.fen for c in parts)
    return [model.with_raw({"items": c.items}, **head, chunk_index=n, chunk_count=len(parts), batch_item_count=count,
                           batch_amount_fen=total, item_count=c.count, amount_fen=c.fen)
            for n, c in enumerate(parts)]


async def arrive(session: AsyncSession, table: Table, values: Mapping[str, Any], key: str = "batch_id",
                 add: Mapping[str, int] | None = None) -> bool:
    """Count one chunk's arrival in ``table`` (a row per batch with ``chunk_count``, ``chunks_received``
    and counters in ``add``); True when this arrival completes the batch."""
    add = dict(add or {})
    stmt = insert(table).values({**values, **add, "chunks_received": 1})
    got = (await session.execute(stmt.on_conflict_do_update(
        index_elements=[key],
        set_={"chunks_received": table.c.chunks_received + 1} | {c: table.c[c] + v for c, v in add.items()},
    ).returning(table.c.chunks_received, table.c.chunk_count))).one()
    return bool(got.chunks_received == got.chunk_count)
