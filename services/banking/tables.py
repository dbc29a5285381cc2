from sqlalchemy import BigInteger, Column, Date, DateTime, Integer, String, Table, func

from shared.audit import add_audit_table
from shared.db import new_metadata
from shared.messaging.tables import add_messaging_tables

metadata = new_metadata()
outbox, inbox = add_messaging_tables(metadata)
audit = add_audit_table(metadata)


def _counter(name: str) -> Column[int]:
    return Column(name, BigInteger, nullable=False, server_default="0")


contracts = Table(
    "contracts", metadata,
    Column("bank_code", String(20), primary_key=True),
    Column("bank_name", String(100), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
)

cards = Table(
    "cards", metadata,
    Column("card_number", String(19), primary_key=True),
    Column("id_number", String(18), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("bank_code", String(20), nullable=False),
    Column("status", String(20), nullable=False, server_default="active"),
    Column("registered_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

orders = Table(
    "orders", metadata,
    Column("order_id", String(80), primary_key=True),
    Column("batch_id", String(40), nullable=False),
    Column("program_code", String(40), nullable=False),
    Column("department_code", String(40), nullable=False),
    Column("period", String(7), nullable=False),
    Column("township_code", String(12), nullable=False),
    Column("bank_code", String(20), nullable=False),
    Column("chunk_count", Integer, nullable=False),
    Column("item_count", BigInteger, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    _counter("credited_count"),
    _counter("credited_fen"),
    _counter("failed_count"),
    _counter("failed_fen"),
)

payments = Table(
    "payments", metadata,
    Column("item_id", String(60), primary_key=True),
    Column("order_id", String(80), nullable=False, index=True),
    Column("instruction_id", String(120), nullable=True),
    Column("bank_code", String(20), nullable=False),
    Column("card_number", String(19), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    # NULL while at the bank; credited | failed | refused (never sent)
    Column("outcome", String(10), nullable=True),
    Column("reason_code", String(40), nullable=True),
)
