from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from shared.audit import add_audit_table
from shared.db import counter, new_metadata
from shared.messaging.tables import add_messaging_tables

metadata = new_metadata()
outbox, inbox = add_messaging_tables(metadata)
audit = add_audit_table(metadata)


contracts = Table(
    "contracts", metadata,
    Column("bank_code", String(20), primary_key=True),
    Column("bank_name", String(100), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
)

# the agency-bank register (代发银行名录): files name a bank by any of these
banks = Table(
    "banks", metadata,
    Column("code", String(20), primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("aliases", JSONB, nullable=False, server_default="[]"),
    Column("bins", JSONB, nullable=False, server_default="[]"),  # card BIN prefixes
    Column("retired", Boolean, nullable=False, server_default="false"),
)

cards = Table(
    "cards", metadata,
    Column("card_number", String(19), primary_key=True),
    Column("id_number", String(18), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("bank_code", String(20), nullable=False),
    # active (the person's one subsidy card) | inactive | frozen | closed | replaced
    Column("status", String(20), nullable=False, server_default="active"),
    Column("registered_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("changed_at", DateTime(timezone=True), nullable=True),
)
# one active subsidy card per person (一人一卡)
Index("uq_cards_one_active_per_person", cards.c.id_number, unique=True, postgresql_where=text("status = 'active'"))

card_changes = Table(
    "card_changes", metadata,
    Column("request_id", String(40), primary_key=True),
    Column("id_number", String(18), nullable=False),
    Column("old_card", String(19), nullable=True),
    Column("new_card", String(19), nullable=False),
    Column("bank_code", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(10), nullable=False, server_default="pending"),  # pending | approved | rejected
    Column("requested_by", String(100), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("decided_by", String(100), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("decision_reason", Text, nullable=True),
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
    Column("attempt", Integer, nullable=False, server_default="1"),
    Column("chunk_count", Integer, nullable=False),
    Column("item_count", BigInteger, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    counter("credited_count"),
    counter("credited_fen"),
    counter("failed_count"),
    counter("failed_fen"),
)

instructions = Table(
    "instructions", metadata,
    Column("instruction_id", String(140), primary_key=True),
    Column("order_id", String(80), nullable=False, index=True),
    Column("bank_code", String(20), nullable=False),
    Column("sends", Integer, nullable=False, server_default="1"),
    Column("last_sent_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # its payments still at the bank: set when sent, less each one the bank answers (the resend job's test)
    Column("pending", Integer, nullable=False, server_default="0"),
    Column("answered_at", DateTime(timezone=True), nullable=True),  # the bank's last answer that settled any
)

payments = Table(
    "payments", metadata,
    Column("item_id", String(60), nullable=False),
    Column("attempt", Integer, nullable=False, server_default="1"),
    Column("order_id", String(80), nullable=False, index=True),
    Column("instruction_id", String(140), nullable=True, index=True),  # never updated once sent: the update stays HOT
    Column("bank_code", String(20), nullable=False),
    Column("name", String(100), nullable=False),
    Column("card_number", String(19), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    # NULL while at the bank; credited | failed | refused (never sent) | held (no valid contract yet)
    Column("outcome", String(10), nullable=True),
    Column("reason_code", String(40), nullable=True),
    PrimaryKeyConstraint("item_id", "attempt"),
)
# never paid twice: one credited payment per item, whatever the attempt. A table of its own, written by the
# statement that settles (store._APPLY): an index on payments whose condition read outcome (as this one and
# the pending-by-instruction index did) made every settlement a new version in every index of payments.
credited_payments = Table(
    "credited_payments", metadata,
    Column("item_id", String(60), primary_key=True),
    Column("attempt", Integer, nullable=False),
)
