"""The audit log cannot be changed, and a change made around that is found by verify, which names the record."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from deploy.paths import REPO
from services.treasury import tables
from services.treasury import usecases as treasury
from shared import audit
from shared.auth import Role
from tests.usecases.conftest import ServiceUnderTest, service_fixture, who

treasury_svc = service_fixture("treasury")


async def test_records_are_chained_append_only_and_a_direct_edit_is_named_by_verify(
        treasury_svc: ServiceUnderTest, admin_url: str) -> None:
    clerk = who(Role.FINANCE, "fin-audit")
    for total in (100, 200, 300):
        await treasury_svc.run(treasury.set_quota, clerk, treasury.QuotaIn(program_code="PA", year=2026,
                                                                           total_fen=total))
    async with treasury_svc.db.transaction() as s:
        good = await audit.verify(s, tables.audit)
        rows = (await s.execute(text("SELECT id, seq, actor, detail FROM audit_log ORDER BY seq"))).all()
    assert good.ok and good.records == 3 and [r.seq for r in rows] == [1, 2, 3]
    assert rows[1].detail["total_fen"] == 200 and rows[1].actor == "fin-audit"
    for statement in ("UPDATE audit_log SET reason = 'changed'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with treasury_svc.db.transaction() as s:
                await s.execute(text(statement))
    # a superuser goes around the triggers and edits the second record
    database = treasury_svc.db.engine.url.database
    with psycopg.connect(admin_url.rsplit("/", 1)[0] + f"/{database}", autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("UPDATE audit_log SET detail = jsonb_set(detail, '{total_fen}', '20000') WHERE seq = 2")
    async with treasury_svc.db.transaction() as s:
        broken = await audit.verify(s, tables.audit)
    assert broken.broken_at == {"id": rows[1].id, "seq": 2, "why": "its content was changed after it was written"}
    url = str(treasury_svc.db.engine.url.render_as_string(hide_password=False))
    cli = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "shared.audit", "verify", "treasury",
                                                   "--url", url], cwd=REPO, capture_output=True, text=True)
    assert cli.returncode == 1 and f"BROKEN at record id {rows[1].id} (seq 2)" in cli.stdout, cli.stdout + cli.stderr
    with psycopg.connect(admin_url.rsplit("/", 1)[0] + f"/{database}", autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("DELETE FROM audit_log WHERE seq = 2")
    async with treasury_svc.db.transaction() as s:
        removed = await audit.verify(s, tables.audit)
    assert removed.broken_at is not None and removed.broken_at["why"] == "record 2 of the chain is missing"
