from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from shared.audit import add_audit_table
from shared.db import counter, new_metadata
from shared.idempotency import add_idempotency_table
from shared.messaging.tables import add_messaging_tables

metadata = new_metadata()
outbox, inbox = add_messaging_tables(metadata)
audit = add_audit_table(metadata)
idempotency = add_idempotency_table(metadata)


# the catalog's programs: the department a quota belongs to (a department sees only its own)
programs = Table(
    "programs", metadata,
    Column("code", String(40), primary_key=True),
    Column("department_code", String(40), nullable=False),
    Column("funding_shares", JSONB, nullable=False, server_default="{}"),  # level -> percent (资金来源)
)

# 指标 per program, year and funding level (central / provincial / prefecture / county)
quotas = Table(
    "quotas", metadata,
    Column("program_code", String(40), nullable=False),
    Column("year", Integer, nullable=False),
    Column("level", String(12), nullable=False),
    Column("total_fen", BigInteger, nullable=False),
    counter("reserved_fen"),
    PrimaryKeyConstraint("program_code", "year", "level"),
)

# what each order reserved from each level, so that returns give back to the level they came from
order_quota = Table(
    "order_quota", metadata,
    Column("order_id", String(80), nullable=False),
    Column("level", String(12), nullable=False),
    Column("reserved_fen", BigInteger, nullable=False),
    PrimaryKeyConstraint("order_id", "level"),
)

intake = Table(
    "intake", metadata,
    Column("batch_id", String(40), primary_key=True),
    Column("program_code", String(40), nullable=False),
    Column("department_code", String(40), nullable=False),
    Column("period", String(7), nullable=False),
    Column("township_code", String(12), nullable=False),
    Column("chunk_count", Integer, nullable=False),
    counter("chunks_received"),
    Column("batch_item_count", BigInteger, nullable=False),
    Column("batch_amount_fen", BigInteger, nullable=False),
)

cleared_items = Table(
    "cleared_items", metadata,
    Column("item_id", String(60), primary_key=True),
    Column("batch_id", String(40), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("id_number", String(18), nullable=False),
    Column("card_number", String(19), nullable=False),
    Column("bank_code", String(20), nullable=False),
    Column("village", String(100), nullable=False),
    Column("quantity", Numeric(14, 2), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
)

orders = Table(
    "orders", metadata,
    Column("order_id", String(80), primary_key=True),
    Column("batch_id", String(40), nullable=False, index=True),
    Column("program_code", String(40), nullable=False),
    Column("period", String(7), nullable=False),
    Column("bank_code", String(20), nullable=False),
    Column("attempt", Integer, nullable=False, server_default="1"),
    Column("item_count", BigInteger, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    # held (no quota / totals mismatch) | ordered | sent | completed | partly_returned | returned
    Column("status", String(20), nullable=False),
    Column("hold_reason", String(300), nullable=True),
    counter("settled_count"),
    counter("credited_count"),
    counter("credited_fen"),
    counter("returned_count"),
    counter("returned_fen"),
    counter("recovered_fen"),  # 追缴: wrongly paid money that came back (its quota given back)
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

order_items = Table(
    "order_items", metadata,
    Column("order_id", String(80), nullable=False),
    # found by order and item (the primary key); an item's credit across orders is in credited_items
    Column("item_id", String(60), nullable=False),
    Column("attempt", Integer, nullable=False, server_default="1"),
    Column("amount_fen", BigInteger, nullable=False),
    Column("outcome", String(10), nullable=True),  # NULL at the bank; credited | returned (退回)
    Column("reason_code", String(40), nullable=True),
    Column("reissued_at", DateTime(timezone=True), nullable=True),
    PrimaryKeyConstraint("order_id", "item_id"),
)
# never paid twice: at most one credited row per item, whatever the attempt. A table of its own, written in
# the statement that settles (store._APPLY), not a partial unique index on order_items: an index whose
# condition reads outcome would make every settlement of an order item a new version in every index of it.
credited_items = Table(
    "credited_items", metadata,
    Column("item_id", String(60), primary_key=True),
    Column("order_id", String(80), nullable=False),
)

# 清退、追缴 received from supervision: each payment back once, the quota given back to its levels
recoveries = Table(
    "recoveries", metadata,
    Column("recovery_id", String(140), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("order_id", String(80), nullable=False),
    Column("item_id", String(60), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("means", String(40), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
