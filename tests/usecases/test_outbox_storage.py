"""Every service's outbox keeps message values uncompressed: PostgreSQL's compression (pglz) of a 200 KB
message cost ~10 ms of the database's CPU per insert, for a row the relay reads once, soon after."""

from __future__ import annotations

import psycopg

from shared.registry import SERVICES
from tests.usecases.conftest import fresh_database


def test_every_outbox_stores_its_values_uncompressed(admin_url: str) -> None:
    storage = {}
    for service in SERVICES:
        url = fresh_database(admin_url, service).replace("postgresql+asyncpg://", "postgresql://")
        with psycopg.connect(url) as conn:
            storage[service] = conn.execute(
                "SELECT attstorage FROM pg_attribute WHERE attrelid = 'outbox'::regclass AND attname = 'value'"
            ).fetchone()
    assert storage == {s: ("e",) for s in SERVICES}  # e: external, out of line and never compressed
