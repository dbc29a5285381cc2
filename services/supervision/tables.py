from sqlalchemy import BigInteger, Boolean, Column, DateTime, String, Table, Text, func

from shared.db import new_metadata
from shared.messaging.tables import add_messaging_tables

metadata = new_metadata()
outbox, inbox = add_messaging_tables(metadata)

# one row per declared item, filled in stage by stage; events may arrive in any order across topics
ledger = Table(
    "ledger", metadata,
    Column("item_id", String(60), primary_key=True),
    Column("batch_id", String(40), nullable=False, index=True),
    Column("program_code", String(40), nullable=False),
    Column("department_code", String(40), nullable=False),
    Column("township_code", String(12), nullable=False),
    Column("period", String(7), nullable=False),
    Column("id_number", String(18), nullable=True),
    Column("card_number", String(19), nullable=True),
    Column("amount_fen", BigInteger, nullable=False),
    Column("declared", Boolean, nullable=False, server_default="false"),
    Column("review", String(10), nullable=True),
    Column("reject_code", String(40), nullable=True),
    Column("cleared", Boolean, nullable=False, server_default="false"),
    Column("withdrawn", Boolean, nullable=False, server_default="false"),  # an objection upheld in publicity
    Column("ordered", Boolean, nullable=False, server_default="false"),
    Column("outcome", String(10), nullable=True),
    Column("outcome_code", String(40), nullable=True),
    Column("outcome_attempt", BigInteger, nullable=True),  # a re-issue's result replaces the first one's
)

rosters = Table(
    "rosters", metadata,
    Column("batch_id", String(40), primary_key=True),
    Column("paid_count", BigInteger, nullable=False),
    Column("paid_fen", BigInteger, nullable=False),
    Column("consistent", Boolean, nullable=False),
)

orders = Table(
    "orders", metadata,
    Column("order_id", String(80), primary_key=True),
    Column("batch_id", String(40), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("credited_fen", BigInteger, nullable=False),
    Column("returned_fen", BigInteger, nullable=False),
)

complaints = Table(
    "complaints", metadata,
    Column("complaint_id", String(40), primary_key=True),
    Column("category", String(40), nullable=False),
    Column("program_code", String(40), nullable=True),
    Column("township_code", String(12), nullable=True),
    Column("channel", String(20), nullable=True),
    Column("department_code", String(40), nullable=True),
    Column("outcome", String(20), nullable=True),
)

# 问题清单: what supervision must follow up (here: upheld complaints about money already paid)
problems = Table(
    "problems", metadata,
    Column("problem_id", String(120), primary_key=True),
    Column("source", String(20), nullable=False),          # complaint (self-check, spot check ... to come)
    Column("complaint_id", String(40), nullable=True),
    Column("item_id", String(60), nullable=True),
    Column("batch_id", String(40), nullable=True),
    Column("program_code", String(40), nullable=True),
    Column("department_code", String(40), nullable=True),
    Column("township_code", String(12), nullable=True),
    Column("id_number", String(18), nullable=True),
    Column("amount_fen", BigInteger, nullable=False, server_default="0"),
    Column("detail", Text, nullable=False),
    Column("status", String(20), nullable=False, server_default="open"),
    Column("raised_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

alerts = Table(
    "alerts", metadata,
    Column("alert_id", String(80), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("detail", Text, nullable=False),
    Column("raised_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
