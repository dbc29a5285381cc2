from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    func,
    text,
)

from shared.db import new_metadata
from shared.messaging.tables import add_messaging_tables

metadata = new_metadata()
outbox, inbox = add_messaging_tables(metadata)

accounts = Table(
    "accounts", metadata,
    Column("card_number", String(19), primary_key=True),
    Column("bank_code", String(20), nullable=False),
    Column("name", String(100), nullable=False),
    # active | inactive (not activated) | frozen | closed
    Column("status", String(20), nullable=False, server_default="active"),
    Column("balance_fen", BigInteger, nullable=False, server_default="0"),
)

credits = Table(
    "credits", metadata,
    Column("item_id", String(60), nullable=False),  # the payment's business key: credited at most once
    Column("attempt", Integer, nullable=False, server_default="1"),
    Column("instruction_id", String(140), nullable=False),
    Column("card_number", String(19), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("outcome", String(10), nullable=False),
    Column("reason_code", String(40), nullable=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # the instruction's purpose (摘要): totals can be read per program and period
    Column("program_code", String(40), nullable=True),
    Column("period", String(7), nullable=True),
    PrimaryKeyConstraint("item_id", "attempt"),
)
Index("uq_credits_credited_once", credits.c.item_id, unique=True, postgresql_where=text("outcome = 'credited'"))

notices = Table(
    "notices", metadata,
    Column("item_id", String(60), primary_key=True),
    Column("text", String(300), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# fault modes set while the simulator runs (PUT /admin/failure-rate), read by every instance: kept here, not in
# a process, so one call holds for all instances of a scaled-out bank; absent: the instance's own setting
faults = Table(
    "faults", metadata,
    Column("name", String(40), primary_key=True),
    Column("value", Float, nullable=False),
    Column("set_by", String(100), nullable=False),
    Column("set_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
