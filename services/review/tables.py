from sqlalchemy import Column, DateTime, PrimaryKeyConstraint, String, Table, Text, func

from shared.db import new_metadata
from shared.messaging.tables import add_messaging_tables

metadata = new_metadata()
outbox, inbox = add_messaging_tables(metadata)

# one claim per person, program and period: the first item wins, later ones are duplicates
claims = Table(
    "claims", metadata,
    Column("program_code", String(40), nullable=False),
    Column("period", String(7), nullable=False),
    Column("id_number", String(18), nullable=False),
    Column("item_id", String(60), nullable=False),
    PrimaryKeyConstraint("program_code", "period", "id_number"),
)

decisions = Table(
    "decisions", metadata,
    Column("item_id", String(60), primary_key=True),
    Column("batch_id", String(40), nullable=False, index=True),
    Column("decision", String(10), nullable=False),
    Column("reason_code", String(40), nullable=True),
    Column("reason", Text, nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
