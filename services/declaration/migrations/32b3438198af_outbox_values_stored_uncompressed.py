"""outbox values stored uncompressed

A message of a thousand items (~200 KB) was compressed by PostgreSQL (pglz) on insert: ~10 ms of the
database's CPU per message, measured here, for a row the relay reads once, milliseconds later.

Revision ID: 32b3438198af
Revises: b17cff433121
Create Date: 2026-11-27 07:30:00.000000
"""
from alembic import op


revision = '32b3438198af'
down_revision = 'b17cff433121'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE outbox ALTER COLUMN value SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.execute("ALTER TABLE outbox ALTER COLUMN value SET STORAGE EXTENDED")
