"""The outbox relay: publishes committed outbox rows in commit order, in bulk, with acks=all."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import zlib

from aiokafka import AIOKafkaProducer
from sqlalchemy import Table, text

from shared.db import Database

log = logging.getLogger(__name__)

# Rows are published only when every transaction that could still add an earlier row has ended: the
# horizon is the oldest transaction in progress *in this database* (only they can write this outbox),
# not the server-wide xmin, so a long transaction of another service on the same server delays nothing
# here. Transactions are matched to this database through pg_stat_activity (same role: visible to us);
# its backend_xid is 32 bits, the snapshot's 64, hence the modulo.
_FETCH = """
WITH snap AS (SELECT pg_current_snapshot() AS s),
     mine AS (SELECT backend_xid::text::bigint AS xid32 FROM pg_stat_activity
              WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()),
     horizon AS (
       SELECT coalesce(min(x.xid), (SELECT pg_snapshot_xmax(s)::text::bigint FROM snap)) AS h
       FROM (SELECT xip::text::bigint AS xid FROM snap, pg_snapshot_xip(snap.s) AS xip) x
       JOIN mine ON x.xid % 4294967296 = mine.xid32)
SELECT id, topic, key, value FROM outbox, horizon
WHERE sent_at IS NULL AND txid < horizon.h
ORDER BY txid, id LIMIT :limit
"""
PRUNE_EVERY = 600.0  # seconds between deletions of rows sent long ago
# how long an idle relay waits before looking again (a commit in this process wakes it at once): 0.2 s after
# it published or found the lock taken, longer after each look that found nothing, up to 1 s. Polling every
# 0.2 s for ever was ~5 transactions a second per service on an idle stack.
IDLE_WAITS = (0.2, 0.4, 0.8, 1.0)


def idle_wait(empty_looks: int) -> float:
    """Seconds to wait after ``empty_looks`` looks in a row found nothing to publish."""
    return IDLE_WAITS[min(empty_looks, len(IDLE_WAITS) - 1)]


class OutboxRelay:
    """One per process; an advisory lock lets only one instance of a service publish at a time."""

    def __init__(self, db: Database, outbox: Table, bootstrap: str, service: str, batch: int = 500,
                 repeat: int = 1, compression: str = "none", keep_sent: float = 7 * 86400) -> None:
        self.db = db
        self.outbox = outbox
        self.bootstrap = bootstrap
        self.batch = batch
        self.repeat = repeat
        self.compression = None if compression == "none" else compression
        self.lock_key = zlib.crc32(f"outbox:{service}".encode())
        self.keep_sent = keep_sent
        self._pruned_at = 0.0
        self.wake = asyncio.Event()
        self.producer: AIOKafkaProducer | None = None
        self.published = 0
        self._task: asyncio.Task[None] | None = None
        self._empty_looks = 0  # looks in a row that had the lock and found nothing to publish

    async def start(self) -> None:
        self.producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=True,
            max_request_size=8 * 1024 * 1024, linger_ms=5, compression_type=self.compression,
        )
        await self.producer.start()
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.producer:
            await self.producer.stop()

    async def _run(self) -> None:
        while True:
            try:
                sent = await self.relay_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay failed; retrying")
                sent = 0
                await asyncio.sleep(1)
            if time.monotonic() - self._pruned_at > PRUNE_EVERY:
                try:
                    await self.prune()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # tried again next time; nothing waits on it
                    log.warning("pruning sent outbox rows failed: %s", exc)
            if sent < self.batch:
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), timeout=idle_wait(self._empty_looks))

    async def relay_once(self) -> int:
        """Publish up to one batch of rows; mark them sent only after the broker acknowledged all."""
        assert self.producer is not None
        async with self.db.transaction() as session:
            got = await session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": self.lock_key})
            if not got.scalar():
                self._empty_looks = 0  # another instance is publishing: look again soon
                return 0
            rows = (await session.execute(text(_FETCH), {"limit": self.batch})).all()
            if not rows:
                self._empty_looks += 1
                return 0
            self._empty_looks = 0
            futures = [
                await self.producer.send(
                    r.topic, value=bytes(r.value), key=r.key.encode() if r.key else None,
                )
                for r in rows
                for _ in range(self.repeat)
            ]
            await asyncio.gather(*futures)
            await session.execute(
                text("UPDATE outbox SET sent_at = now() WHERE id = ANY(:ids)"), {"ids": [r.id for r in rows]}
            )
        self.published += len(rows)
        return len(rows)

    async def prune(self) -> int:
        """Delete rows sent more than ``keep_sent`` seconds ago; returns how many."""
        self._pruned_at = time.monotonic()
        async with self.db.transaction() as session:
            got = await session.execute(text(
                "DELETE FROM outbox WHERE sent_at < now() - make_interval(secs => :keep) RETURNING id"),
                {"keep": self.keep_sent})
            return len(got.all())
