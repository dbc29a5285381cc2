"""outbox values stored uncompressed

A message of a thousand items (~200 KB) was compressed by PostgreSQL (pglz) on insert: ~10 ms of the
database's CPU per message, measured here, for a row the relay reads once, milliseconds later.

Revision ID: 39cf53990121
Revises: 9a4b1c2d3e5f
Create Date: 2026-11-27 07:30:00.000000
"""
from alembic import op


revision = '39cf53990121'
down_revision = '9a4b1c2d3e5f'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE outbox ALTER COLUMN value SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.execute("ALTER TABLE outbox ALTER COLUMN value SET STORAGE EXTENDED")
