from sqlalchemy import BigInteger, Column, DateTime, Integer, String, Table, func

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
    Column("status", String(20), nullable=False, server_default="published"),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
