from sqlalchemy import BigInteger, Column, DateTime, Integer, Numeric, String, Table

from shared.db import counter, new_metadata
from shared.messaging.tables import add_messaging_tables

metadata = new_metadata()
outbox, inbox = add_messaging_tables(metadata)


windows = Table(
    "windows", metadata,
    Column("batch_id", String(40), primary_key=True),
    Column("program_code", String(40), nullable=False),
    Column("department_code", String(40), nullable=False),
    Column("period", String(7), nullable=False),
    Column("township_code", String(12), nullable=False),
    Column("chunk_count", Integer, nullable=False),
    counter("chunks_received"),
    counter("approved_count"),
    counter("approved_fen"),
    # collecting -> open -> closed (cleared for payment) -> published (paid roster out)
    Column("status", String(20), nullable=False, server_default="collecting"),
    Column("opens_at", DateTime(timezone=True), nullable=True),
    Column("closes_at", DateTime(timezone=True), nullable=True),
    counter("paid_count"),
    counter("paid_fen"),
    counter("unpaid_count"),
    counter("unpaid_fen"),
    # what banking reported as credited, summed from settlement headers: checked against the roster
    counter("reported_credited_count"),
    counter("reported_credited_fen"),
)

roster = Table(
    "roster", metadata,
    Column("item_id", String(60), primary_key=True),
    Column("batch_id", String(40), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("id_number", String(18), nullable=False),
    Column("card_number", String(19), nullable=False),
    Column("bank_code", String(20), nullable=False),
    Column("village", String(100), nullable=False),
    Column("quantity", Numeric(14, 2), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    # approved (in publicity or cleared) -> paid | unpaid
    Column("status", String(10), nullable=False, server_default="approved"),
    Column("reason_code", String(40), nullable=True),
)
