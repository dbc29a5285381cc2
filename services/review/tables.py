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
    "program_versions", metadata,
    Column("code", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("standard_fen", BigInteger, nullable=False),
    Column("cap_quantity", Numeric(14, 2), nullable=True),
    Column("min_age", Integer, nullable=True),
    Column("means_tested", Boolean, nullable=False),
    Column("rules", JSONB, nullable=False, server_default="{}"),     # rule code -> hard | flag | off
    Column("excludes", JSONB, nullable=False, server_default="[]"),  # programs exclusive of this one
    Column("area_basis", String(20), nullable=True),                 # cropland | grassland
    PrimaryKeyConstraint("code", "version"),
)

# reference data (比对数据): every import is a new version with who and when; checks use the newest
ref_imports = Table(
    "ref_imports", metadata,
    Column("import_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(30), nullable=False),
    # the county (6-digit division code) the data is of: a batch is checked against its own county's data
    Column("county", String(6), nullable=False, server_default="632523"),
    Column("row_count", Integer, nullable=False),
    Column("imported_by", String(100), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("source", String(200), nullable=True),
)

ref_rows = Table(
    "ref_rows", metadata,
    Column("import_id", Integer, nullable=False),
    Column("id_number", String(18), nullable=False),
    Column("name", String(100), nullable=True),
    Column("village", String(100), nullable=True),
    Column("status", String(40), nullable=True),   # household status, employer, or relation to an official
    Column("on_date", Date, nullable=True),        # date of death
    # every other column of the file, kept: 性别, 出生日期, 乡镇 (household); 身份, 职务, 关联村干部身份号码
    # (officials); 承包地确权面积, 草原承包面积 (land)
    Column("extra", JSONB, nullable=True),
    PrimaryKeyConstraint("id_number", "import_id"),  # a chunk's people looked up in every import at once
)

card_refs = Table(
    "card_refs", metadata,
    Column("card_number", String(19), primary_key=True),
    Column("id_number", String(18), nullable=False),
    Column("name", String(100), nullable=False),
    Column("status", String(20), nullable=False),
)

claims = Table(
    "claims", metadata,
    Column("program_code", String(40), nullable=False),
    Column("period", String(7), nullable=False),
    Column("id_number", String(18), nullable=False),
    Column("item_id", String(60), nullable=False),
    PrimaryKeyConstraint("program_code", "period", "id_number"),
)

# A person's turn in a period for programs that exclude each other: a chunk of such a program takes its people's
# rows (store.take_turns) before it claims or looks, so two chunks with the same person, checked at once by two
# instances, go one after the other and the second sees the first's claims (EXCLUSIVE_PROGRAM: two claims in
# different programs share no key of claims, so nothing else made the second wait).
turns = Table(
    "turns", metadata,
    Column("period", String(7), nullable=False),
    Column("id_number", String(18), nullable=False),
    PrimaryKeyConstraint("period", "id_number"),
)

card_claims = Table(
    "card_claims", metadata,
    Column("period", String(7), nullable=False),
    Column("card_number", String(19), nullable=False),
    Column("id_number", String(18), nullable=False),
    PrimaryKeyConstraint("period", "card_number"),
)

batches = Table(
    "batches", metadata,
    Column("batch_id", String(40), primary_key=True),
    Column("program_code", String(40), nullable=False),
    Column("department_code", String(40), nullable=False),
    Column("period", String(7), nullable=False),
    Column("township_code", String(12), nullable=False),
    Column("chunk_count", Integer, nullable=False),
    Column("chunks_received", Integer, nullable=False, server_default="0"),
    # checking -> township_review -> department_review -> approved | returned
    Column("status", String(20), nullable=False, server_default="checking"),
    Column("declared_by", String(100), nullable=True),  # maker-checker: may not review or approve it
    Column("ref_versions", JSONB, nullable=True),  # the reference data the checks used (frozen with the roster)
    Column("township_by", String(100), nullable=True),
    Column("township_at", DateTime(timezone=True), nullable=True),
    Column("department_by", String(100), nullable=True),
    Column("department_at", DateTime(timezone=True), nullable=True),
    Column("department_reason", Text, nullable=True),
)

items = Table(
    "items", metadata,
    Column("item_id", String(60), primary_key=True),
    Column("batch_id", String(40), nullable=False, index=True),
    Column("body", JSONB, nullable=False),            # the declared item, as it arrived
    Column("findings", JSONB, nullable=False),        # [{code, hard, reason}]
    # passed | flagged | rejected (by a rule) -> approved | rejected (by a person)
    Column("status", String(10), nullable=False),
    Column("decided_by", String(100), nullable=True),
    Column("decision_reason", Text, nullable=True),
)

# 暂停发放: set by supervision; a suspended person's new items in the program are rejected (SUSPENDED)
suspensions = Table(
    "suspensions", metadata,
    Column("suspension_id", String(60), primary_key=True),
    Column("id_number", String(18), nullable=False, index=True),
    Column("program_code", String(40), nullable=False),
    Column("reason", Text, nullable=False),
    Column("active", Boolean, nullable=False),
)

# township names (declaration's register): findings name the township of another claim
townships = Table(
    "townships", metadata,
    Column("code", String(12), primary_key=True),
    Column("name", String(50), nullable=False),
)
