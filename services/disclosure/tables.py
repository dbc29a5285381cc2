from sqlalchemy import BigInteger, Column, Date, DateTime, Index, Integer, Numeric, String, Table, Text, func
from sqlalchemy.dialects.postgresql import ARRAY

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
    # lines held by an open objection or complaint, and lines withdrawn because one was upheld
    counter("held_count"),
    counter("held_fen"),
    counter("withdrawn_count"),
    counter("withdrawn_fen"),
    counter("supplements"),  # items released after the window closed go on in supplements (BATCH-R1, ...)
    Index("ix_windows_township_period", "township_code", "period"),
)

roster = Table(
    "roster", metadata,
    Column("item_id", String(60), primary_key=True),
    Column("batch_id", String(40), nullable=False),  # looked up by ix_roster_batch_village (batch first)
    Column("name", String(100), nullable=False),
    Column("id_number", String(18), nullable=False, index=True),
    Column("card_number", String(19), nullable=False),
    Column("bank_code", String(20), nullable=False),
    Column("village", String(100), nullable=False),
    Column("quantity", Numeric(14, 2), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    # approved -> held -> approved | withdrawn; approved -> paid | unpaid (domain.LINE_FLOW)
    Column("status", String(10), nullable=False, server_default="approved"),
    Column("reason_code", String(40), nullable=True),
    Column("settled_at", DateTime(timezone=True), nullable=True),
    Index("ix_roster_batch_village", "batch_id", "village"),
)

# which case holds which line (an item may be held by more than one; released when none is left)
holds = Table(
    "holds", metadata,
    Column("complaint_id", String(40), primary_key=True),
    Column("item_id", String(60), primary_key=True, index=True),
    Column("held_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# a hotline case naming a person: their lines in the program that arrive while it is open are held too
person_holds = Table(
    "person_holds", metadata,
    Column("complaint_id", String(40), primary_key=True),
    Column("id_number", String(18), nullable=False),
    Column("program_code", String(40), nullable=False),
    Index("ix_person_holds_person", "id_number", "program_code"),
)

supplements = Table(
    "supplements", metadata,
    Column("supplement_id", String(40), primary_key=True),
    Column("batch_id", String(40), nullable=False),
)

# what the public pages show by name: programs from the catalog, townships from declaration
programs = Table(
    "programs", metadata,
    Column("program_code", String(40), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("department_code", String(40), nullable=False),
    Column("department_name", String(100), nullable=True),
    Column("standard_fen", BigInteger, nullable=False),
    Column("unit", String(20), nullable=False),
    Column("legal_basis", Text, nullable=True),
    Column("target_group", Text, nullable=True),
    Column("frequency", String(20), nullable=True),
    Column("how_to_apply", Text, nullable=True),
    Column("publicity_days", Integer, nullable=True),
    Column("effective_from", Date, nullable=False),
    Column("retired_from", Date, nullable=True),
)

# agency banks' names (banking's register): a person's own payments name the bank, not its code
banks = Table(
    "banks", metadata,
    Column("bank_code", String(20), primary_key=True),
    Column("name", String(100), nullable=False),
)

townships = Table(
    "townships", metadata,
    Column("township_code", String(12), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("villages", ARRAY(Text), nullable=False, server_default="{}"),
)
