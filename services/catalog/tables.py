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
    Text,
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
    Column("legal_basis", Text, nullable=True),   # 政策依据 (may be added later)
    Column("target_group", Text, nullable=True),  # 补贴对象
    Column("frequency", String(12), nullable=False),
    Column("how_to_apply", Text, nullable=True),     # 申请方式: shown on the public catalog
    Column("publicity_days", Integer, nullable=True),  # 公示期; empty: disclosure's default
    Column("retired_from", Date, nullable=True),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# every edit is a new version with its effective date; nothing is overwritten
versions = Table(
    "program_versions", metadata,
    Column("code", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("standard_fen", BigInteger, nullable=False),
    Column("unit", String(20), nullable=False),
    Column("cap_quantity", Numeric(14, 2), nullable=True),
    Column("min_age", Integer, nullable=True),
    Column("means_tested", Boolean, nullable=False),
    Column("funding_shares", JSONB, nullable=False),
    Column("rules", JSONB, nullable=False, server_default="{}"),     # rule code -> hard | flag | off
    Column("excludes", JSONB, nullable=False, server_default="[]"),  # programs not paid in the same period
    Column("area_basis", String(20), nullable=True),  # per-mu: the land register area (cropland | grassland)
    Column("note", Text, nullable=True),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("code", "version"),
)

# 资金主管单位: a register (add, rename, retire); programs name their department by code
departments = Table(
    "departments", metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("aliases", JSONB, nullable=False, server_default="[]"),
    Column("retired_from", Date, nullable=True),
)
