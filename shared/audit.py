"""Every change by a person is audited (who, when, what, why) in a log that cannot be altered unseen.

The audit log is append-only: triggers refuse UPDATE, DELETE and TRUNCATE, and the service's own role
gives up those rights on it. Each record is chained to the one before: ``hash`` is the SHA-256 of the
previous record's hash and this record's canonical content, written under a lock so the chain has
one order (``seq``). ``verify`` recomputes the chain and names the first record that does not fit, so
an edit made around the triggers (by a superuser, say) is still found. The audit bureau reads the
log, filtered by who, what and when, at ``GET /audit``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import importlib
import json
import os
import sys
import zlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, MetaData, String, Table, Text, func, insert, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.db import Database

GENESIS = "0" * 64
_LOCK = zlib.crc32(b"audit_log")


def add_audit_table(metadata: MetaData) -> Table:
    return Table(
        "audit_log", metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("actor", String(100), nullable=False),
        Column("role", String(30), nullable=False),
        Column("action", String(100), nullable=False),
        Column("subject", String(200), nullable=False),
        Column("reason", Text, nullable=True),
        Column("detail", JSONB, nullable=True),
        Column("seq", BigInteger, nullable=True, unique=True),  # the chain's order (NULL: before the chain began)
        Column("prev_hash", String(64), nullable=True),
        Column("hash", String(64), nullable=True),
    )


# run by each service's migration: the log refuses to be changed, by its owner too
APPEND_ONLY_SQL = (
    """CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP; END $$""",
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
    "REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM CURRENT_USER",
)


def canonical(row: dict[str, Any]) -> str:
    """The content a record's hash covers, as one stable text."""
    at = row["at"].astimezone(dt.UTC).isoformat(timespec="microseconds")
    body = {"seq": row["seq"], "at": at, "actor": row["actor"], "role": row["role"], "action": row["action"],
            "subject": row["subject"], "reason": row["reason"], "detail": row["detail"]}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def chain_hash(prev_hash: str, row: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + "\n" + canonical(row)).encode()).hexdigest()


async def record(session: AsyncSession, table: Table, who: Principal, action: str, subject: str,
                 reason: str | None = None, detail: dict[str, Any] | None = None) -> None:
    """Append one record to the chain, in the caller's transaction (audited writes of a service queue
    on one lock for the length of their transaction: they are people's acts, not the payroll's hot path)."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})
    last = (await session.execute(select(table.c.seq, table.c.hash).where(table.c.seq.is_not(None))
                                  .order_by(table.c.seq.desc()).limit(1))).first()
    row: dict[str, Any] = {
        "seq": (last.seq + 1) if last else 1, "at": dt.datetime.now(dt.UTC), "actor": who.sub,
        "role": who.role.value, "action": action, "subject": subject, "reason": reason,
        # stored as JSON reads it back, so the hash verifies after the round trip through JSONB
        "detail": None if detail is None else json.loads(json.dumps(detail, default=str, ensure_ascii=False)),
    }
    prev = last.hash if last else GENESIS
    await session.execute(insert(table).values(**row, prev_hash=prev, hash=chain_hash(prev, row)))


@dataclass
class Verdict:
    records: int
    legacy: int                     # records from before the chain began (not covered)
    broken_at: dict[str, Any] | None  # the first record that does not fit, and why

    @property
    def ok(self) -> bool:
        return self.broken_at is None


async def verify(session: AsyncSession, table: Table) -> Verdict:
    """Recompute the chain in order; the first record whose link or hash does not fit is named."""
    rows = (await session.execute(select(table).where(table.c.seq.is_not(None)).order_by(table.c.seq))).mappings()
    prev, expected_seq, count = GENESIS, 1, 0
    for r in rows:
        count += 1
        why = None
        if r["seq"] != expected_seq:
            why = f"record {expected_seq} of the chain is missing"
        elif r["prev_hash"] != prev:
            why = "it does not link to the record before it"
        elif r["hash"] != chain_hash(prev, dict(r)):
            why = "its content was changed after it was written"
        if why:
            return Verdict(count, await _legacy(session, table), {"id": r["id"], "seq": r["seq"], "why": why})
        prev, expected_seq = r["hash"], expected_seq + 1
    return Verdict(count, await _legacy(session, table), None)


async def _legacy(session: AsyncSession, table: Table) -> int:
    return int((await session.execute(select(func.count()).select_from(table).where(table.c.seq.is_(None))))
               .scalar_one())


async def read(session: AsyncSession, table: Table, actor: str | None, action: str | None,
               since: dt.datetime | None, until: dt.datetime | None, limit: int) -> list[dict[str, Any]]:
    """Records filtered by who, what (an action prefix) and when, newest first."""
    q = select(table).order_by(table.c.id.desc()).limit(limit)
    if actor:
        q = q.where(table.c.actor == actor)
    if action:
        q = q.where(table.c.action.startswith(action, autoescape=True))
    if since:
        q = q.where(table.c.at >= since)
    if until:
        q = q.where(table.c.at < until)
    return [dict(r) for r in (await session.execute(q)).mappings()]


def main() -> int:
    """python -m shared.audit verify SERVICE [--url URL]: check a service's audit chain."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("action", choices=["verify"])
    parser.add_argument("service")
    parser.add_argument("--url", help="the service's database (default: YKT_<SERVICE>_DATABASE_URL)")
    args = parser.parse_args()
    url = args.url or os.environ.get(f"YKT_{args.service.upper()}_DATABASE_URL", "")
    table = importlib.import_module(f"services.{args.service}.tables").audit

    async def run() -> Verdict:
        db = Database(url, pool_size=1)
        try:
            async with db.transaction() as session:
                return await verify(session, table)
        finally:
            await db.dispose()

    got = asyncio.run(run())
    if got.ok:
        print(f"{args.service}: audit chain intact, {got.records} records ({got.legacy} from before the chain)")
        return 0
    print(f"{args.service}: audit chain BROKEN at record id {got.broken_at['id']} "  # type: ignore[index]
          f"(seq {got.broken_at['seq']}): {got.broken_at['why']}")  # type: ignore[index]
    return 1


if __name__ == "__main__":
    sys.exit(main())


def upgrade_to_chain(op: Any) -> None:
    """The migration step every audited service runs (its own Alembic ``op``): chain columns, append-only."""
    op.add_column("audit_log", Column("seq", BigInteger(), nullable=True))
    op.add_column("audit_log", Column("prev_hash", String(length=64), nullable=True))
    op.add_column("audit_log", Column("hash", String(length=64), nullable=True))
    op.create_unique_constraint(op.f("uq_audit_log_seq"), "audit_log", ["seq"])
    for statement in APPEND_ONLY_SQL:
        op.execute(statement)


def downgrade_from_chain(op: Any) -> None:
    op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
    op.execute("DROP TRIGGER audit_log_no_change ON audit_log")
    op.drop_constraint(op.f("uq_audit_log_seq"), "audit_log", type_="unique")
    for column in ("hash", "prev_hash", "seq"):
        op.drop_column("audit_log", column)
