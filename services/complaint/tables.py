from sqlalchemy import Column, DateTime, String, Table, Text, func

from shared.audit import add_audit_table
from shared.db import new_metadata
from shared.idempotency import add_idempotency_table
from shared.messaging.tables import add_messaging_tables

metadata = new_metadata()
outbox, inbox = add_messaging_tables(metadata)
audit = add_audit_table(metadata)
idempotency = add_idempotency_table(metadata)

complaints = Table(
    "complaints", metadata,
    Column("complaint_id", String(40), primary_key=True),
    Column("channel", String(20), nullable=False),
    Column("category", String(40), nullable=False),
    Column("program_code", String(40), nullable=True),
    Column("township_code", String(12), nullable=True),
    Column("content", Text, nullable=False),
    Column("contact", String(100), nullable=True),
    Column("status", String(20), nullable=False, server_default="filed"),
    Column("filed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
