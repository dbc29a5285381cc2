from sqlalchemy import BigInteger, Column, DateTime, Integer, Numeric, String, Table, UniqueConstraint, func

from shared.audit import add_audit_table
from shared.db import new_metadata
from shared.messaging.tables import add_messaging_tables

metadata = new_metadata()
outbox, inbox = add_messaging_tables(metadata)
audit = add_audit_table(metadata)

programs = Table(
    "programs", metadata,
    Column("code", String(40), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("department_code", String(40), nullable=False),
    Column("standard_fen", BigInteger, nullable=False),
    Column("unit", String(20), nullable=False),
    Column("year", Integer, nullable=False),
)

batches = Table(
    "batches", metadata,
    Column("batch_id", String(40), primary_key=True),
    Column("program_code", String(40), nullable=False),
    Column("period", String(7), nullable=False),
    Column("township_code", String(12), nullable=False),
    Column("content_digest", String(64), nullable=False),
    Column("item_count", Integer, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("rejected_rows", Integer, nullable=False),
    Column("chunk_count", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("submitted_by", String(100), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("township_code", "program_code", "period", "content_digest", name="uq_batches_same_upload"),
)

items = Table(
    "items", metadata,
    Column("item_id", String(60), primary_key=True),
    Column("batch_id", String(40), nullable=False, index=True),
    Column("row_no", Integer, nullable=False),
    Column("name", String(100), nullable=False),
    Column("id_number", String(18), nullable=False),
    Column("card_number", String(19), nullable=False),
    Column("bank_code", String(20), nullable=False),
    Column("village", String(100), nullable=False),
    Column("quantity", Numeric(14, 2), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
)
