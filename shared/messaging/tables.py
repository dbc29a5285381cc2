"""The outbox and inbox tables, added to each service's own metadata."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, LargeBinary, MetaData, String, Table, func, text
from sqlalchemy.dialects.postgresql import UUID


def add_messaging_tables(metadata: MetaData) -> tuple[Table, Table]:
    outbox = Table(
        "outbox", metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        # the writing transaction's id: the relay reads only rows of transactions that are surely over
        Column("txid", BigInteger, nullable=False, server_default=text("pg_current_xact_id()::text::bigint")),
        Column("topic", String(200), nullable=False),
        Column("key", String(200), nullable=True),
        Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
        Column("event_type", String(200), nullable=False),
        Column("value", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("sent_at", DateTime(timezone=True), nullable=True),
    )
    Index("ix_outbox_unsent", outbox.c.txid, outbox.c.id, postgresql_where=outbox.c.sent_at.is_(None))
    inbox = Table(
        "inbox", metadata,
        # the consumed event's id, or topic:partition:offset for a message without a readable id
        Column("message_id", String(200), primary_key=True),
        Column("topic", String(200), nullable=False),
        Column("consumed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("outcome", String(20), nullable=False, server_default="handled"),
    )
    return outbox, inbox
