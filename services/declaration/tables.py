from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from shared.audit import add_audit_table
from shared.db import new_metadata
from shared.messaging.tables import add_messaging_tables

metadata = new_metadata()
outbox, inbox = add_messaging_tables(metadata)
audit = add_audit_table(metadata)

programs = Table(
    "programs", metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("department_code", String(40), nullable=False),
    Column("retired_from", Date, nullable=True),
)

program_versions = Table(
    "program_versions", metadata,
    Column("code", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("standard_fen", BigInteger, nullable=False),
    Column("unit", String(20), nullable=False),
    PrimaryKeyConstraint("code", "version"),
)

townships = Table(
    "townships", metadata,
    Column("code", String(12), primary_key=True),
    Column("name", String(50), nullable=False),
)

# which villages belong to which township: a township may declare only for its own
villages = Table(
    "villages", metadata,
    Column("township_code", String(12), nullable=False),
    Column("name", String(100), nullable=False),
    PrimaryKeyConstraint("township_code", "name"),
)

uploads = Table(
    "uploads", metadata,
    Column("upload_id", String(40), primary_key=True),
    Column("batch_id", String(40), nullable=True),
    # a file may hold several townships and programs (one batch each): then these are empty
    Column("program_code", String(40), nullable=True),
    Column("period", String(7), nullable=False),
    Column("township_code", String(12), nullable=True),
    Column("department_code", String(40), nullable=True),  # the declaring department, or the program's
    Column("filename", String(200), nullable=True),
    Column("content_digest", String(64), nullable=False),
    Column("row_count", Integer, nullable=False),
    Column("accepted_rows", Integer, nullable=False),
    Column("rejected_rows", Integer, nullable=False),
    Column("errors", JSONB, nullable=False),  # [{row, field, column, message, values}]
    Column("uploaded_by", String(100), nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("township_code", "program_code", "period", "content_digest", name="uq_uploads_same_file"),
)

batches = Table(
    "batches", metadata,
    Column("batch_id", String(40), primary_key=True),
    Column("upload_id", String(40), nullable=False),
    Column("program_code", String(40), nullable=False),
    Column("program_version", Integer, nullable=False),
    Column("period", String(7), nullable=False),
    Column("township_code", String(12), nullable=False),
    Column("item_count", Integer, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("chunk_count", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("submitted_by", String(100), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# what review decided, so a township sees its rejected rows with the reasons (退回)
# review's rejections, with their reasons (returned to the declarer); an item of a batch in status "reviewed"
# without a row here was approved
item_reviews = Table(
    "item_reviews", metadata,
    Column("item_id", String(60), primary_key=True),
    Column("batch_id", String(40), nullable=False, index=True),
    Column("decision", String(10), nullable=False),
    Column("reason_code", String(40), nullable=True),
    Column("reason", String(500), nullable=True),
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

# agency banks as banking's register tells them (banking.bank.registered.v1): 开户银行 is read by any name
banks = Table(
    "banks", metadata,
    Column("code", String(20), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("aliases", JSONB, nullable=False, server_default="[]"),
    Column("bins", JSONB, nullable=False, server_default="[]"),
    Column("retired", Boolean, nullable=False, server_default="false"),
)
