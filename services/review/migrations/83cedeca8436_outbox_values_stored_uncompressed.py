"""outbox values stored uncompressed

A message of a thousand items (~200 KB) was compressed by PostgreSQL (pglz) on insert: ~10 ms of the
database's CPU per message, measured here, for a row the relay reads once, milliseconds later.

Revision ID: 83cedeca8436
Revises: 82917c86409b
Create Date: 2026-11-27 07:30:00.000000
"""
from alembic import op


revision = '83cedeca8436'
down_revision = '82917c86409b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE outbox ALTER COLUMN value SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.execute("ALTER TABLE outbox ALTER COLUMN value SET STORAGE EXTENDED")
