from sqlalchemy import BigInteger, Boolean, Column, Date, DateTime, Float, Integer, String, Table, Text, func
from sqlalchemy.dialects.postgresql import JSONB

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
    Column("recovered_fen", BigInteger, nullable=False, server_default="0"),  # 清退、追缴 of money wrongly paid
    Column("village", String(100), nullable=True),
    Column("declared_at", DateTime(timezone=True), nullable=True),  # when supervision saw it declared
    Column("settled_at", DateTime(timezone=True), nullable=True),   # when the bank's result came (timeliness)
)

# running totals per batch and stage, added as each chunk arrives (exactly once: the inbox): the progress view
# reads a few hundred rows at any size, where the ledger's aggregates read every item
progress = Table(
    "progress", metadata,
    Column("batch_id", String(40), primary_key=True),
    Column("stage", String(12), primary_key=True),
    Column("program_code", String(40), nullable=False),
    Column("department_code", String(40), nullable=False),
    Column("township_code", String(12), nullable=False),
    Column("items", BigInteger, nullable=False),
    Column("fen", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
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

# 问题清单: what supervision follows to rectification (整改清单), whatever found it
problems = Table(
    "problems", metadata,
    Column("problem_id", String(120), primary_key=True),
    Column("source", String(20), nullable=False),          # self_check | spot_check | complaint | alert | cross_check
    Column("complaint_id", String(40), nullable=True),
    Column("item_id", String(60), nullable=True),
    Column("batch_id", String(40), nullable=True),
    Column("program_code", String(40), nullable=True),
    Column("department_code", String(40), nullable=True),
    Column("township_code", String(12), nullable=True),
    Column("id_number", String(18), nullable=True),
    Column("amount_fen", BigInteger, nullable=False, server_default="0"),
    Column("detail", Text, nullable=False),
    # open -> rectifying -> rectified -> verified, or transferred (domain.PROBLEM_FLOW)
    Column("status", String(20), nullable=False, server_default="open"),
    Column("raised_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("campaign_id", String(60), nullable=True),
    Column("title", String(200), nullable=True),
    Column("severity", String(10), nullable=False, server_default="normal"),  # normal | serious
    Column("people", Integer, nullable=False, server_default="0"),
    Column("owner", String(100), nullable=True),              # who rectifies (the department or township)
    Column("due_on", Date, nullable=True),                    # rectification deadline
    Column("measures", Text, nullable=True),                  # 整改措施
    Column("lead", JSONB, nullable=True),                     # 问题线索移交: to whom, what was sent, when, by whom
    Column("hearing", JSONB, nullable=True),                  # 集中审理: the decision, who, when
    Column("overdue_alerted", Boolean, nullable=False, server_default="false"),
)

problem_steps = Table(
    "problem_steps", metadata,
    Column("problem_id", String(120), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("status", String(20), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("role", String(20), nullable=False),
    Column("note", Text, nullable=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# 专项整治: a campaign with its timetable and scope
campaigns = Table(
    "campaigns", metadata,
    Column("campaign_id", String(60), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("year", Integer, nullable=False),
    Column("scope_years", JSONB, nullable=False),       # funding years checked (looking back included)
    Column("program_codes", JSONB, nullable=True),      # None: every program
    Column("stages", JSONB, nullable=False),            # [{code, name, due}]
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# 自查: one per campaign and unit (a department, a township, a bank)
self_checks = Table(
    "self_checks", metadata,
    Column("campaign_id", String(60), primary_key=True),
    Column("unit_kind", String(12), primary_key=True),
    Column("unit_code", String(40), primary_key=True),
    Column("answers", JSONB, nullable=False),           # {item: {ok, evidence}}
    Column("reported_problems", Integer, nullable=False),
    Column("known_findings", Integer, nullable=False),  # what the system knew for the unit when it reported
    Column("known", JSONB, nullable=False),             # those findings, by kind
    Column("submitted_by", String(100), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# 抽查: the draw, with its seed and the weights it used, so anyone can draw it again
spot_checks = Table(
    "spot_checks", metadata,
    Column("campaign_id", String(60), primary_key=True),
    Column("seed", BigInteger, nullable=False),
    Column("ratio", Float, nullable=False),
    Column("weights", JSONB, nullable=False),           # {department: weight}
    Column("required", JSONB, nullable=False, server_default="[]"),  # drawn whatever the seed (零报送 while known)
    Column("sample", JSONB, nullable=False),            # [department]
    Column("item_ratio", Float, nullable=False),
    Column("drawn_by", String(100), nullable=False),    # finance
    Column("confirmed_by", String(100), nullable=True),  # audit: the draw counts once both took part
    Column("drawn_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

alerts = Table(
    "alerts", metadata,
    Column("alert_id", String(80), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("detail", Text, nullable=False),
    Column("raised_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# 追缴: money wrongly paid, to be recovered from the person (or whoever received it)
recoveries = Table(
    "recoveries", metadata,
    Column("recovery_id", String(140), primary_key=True),
    Column("problem_id", String(120), nullable=False, index=True),
    Column("item_id", String(60), nullable=False),
    Column("batch_id", String(40), nullable=False),
    Column("program_code", String(40), nullable=False),
    Column("department_code", String(40), nullable=False),
    Column("township_code", String(12), nullable=False),
    Column("period", String(7), nullable=False),
    Column("id_number", String(18), nullable=True),
    Column("amount_fen", BigInteger, nullable=False),
    Column("recovered_fen", BigInteger, nullable=False, server_default="0"),
    Column("due_on", Date, nullable=False),
    Column("status", String(12), nullable=False, server_default="open"),  # open | recovered
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

recovery_payments = Table(
    "recovery_payments", metadata,
    Column("recovery_id", String(140), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("amount_fen", BigInteger, nullable=False),
    Column("means", String(40), nullable=False),
    Column("note", Text, nullable=True),
    Column("by", String(100), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# 暂停发放: a person stopped in a program while a problem is dealt with
suspensions = Table(
    "suspensions", metadata,
    Column("suspension_id", String(60), primary_key=True),
    Column("id_number", String(18), nullable=False),
    Column("program_code", String(40), nullable=False),
    Column("reason", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("problem_id", String(120), nullable=True),
    Column("by", String(100), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("lifted_by", String(100), nullable=True),
)

# names for the dashboard and reports
programs = Table(
    "programs", metadata,
    Column("program_code", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("department_code", String(40), nullable=False),
)

townships = Table(
    "townships", metadata,
    Column("township_code", String(12), primary_key=True),
    Column("name", String(100), nullable=False),
)

# 指标: each program's budget quota per year and level, as treasury set it (unspent = quota - net paid)
quotas = Table(
    "quotas", metadata,
    Column("program_code", String(40), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("level", String(20), primary_key=True),
    Column("total_fen", BigInteger, nullable=False),
)
