from sqlalchemy import Boolean, Column, DateTime, Index, Integer, String, Table, Text, func

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
    # the case's stage: received -> assigned -> investigating -> resolved -> closed (domain.CASE_FLOW)
    Column("status", String(20), nullable=False, server_default="received"),
    Column("filed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("code_hash", String(64), nullable=True),         # the filer's lookup code, hashed
    Column("department_code", String(40), nullable=True),   # routed to: the program's department
    Column("village", String(100), nullable=True),
    Column("batch_id", String(40), nullable=True),
    Column("item_id", String(60), nullable=True),
    Column("id_number", String(18), nullable=True),         # the person named (hotline); never shown publicly
    Column("holds", Boolean, nullable=False, server_default="false"),
    Column("assignee", String(100), nullable=True),
    Column("outcome", String(20), nullable=True),           # upheld | not_upheld
    Column("finding", Text, nullable=True),
    Column("stage_due_at", DateTime(timezone=True), nullable=True),
    Column("resolve_due_at", DateTime(timezone=True), nullable=True),
    Column("resolved_at", DateTime(timezone=True), nullable=True),
    Column("overdue_stage", String(20), nullable=True),     # the stage an overdue alert was raised for
    Index("ix_complaints_stage_due", "status", "stage_due_at"),
)

# each move of a case: who, when, what they noted
steps = Table(
    "case_steps", metadata,
    Column("complaint_id", String(40), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("stage", String(20), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("role", String(20), nullable=False),
    Column("note", Text, nullable=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# what routing and the public form need by name
programs = Table(
    "programs", metadata,
    Column("program_code", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("department_code", String(40), nullable=False),
)

townships = Table(
    "townships", metadata,
    Column("township_code", String(12), primary_key=True),
    Column("name", String(100), nullable=False),
)
