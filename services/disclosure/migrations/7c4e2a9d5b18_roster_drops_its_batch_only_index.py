"""roster drops its batch-only index

ix_roster_batch_village (batch_id, village) answers every look-up by batch that ix_roster_batch_id did;
the second index only cost an insert per roster line (1.3 M at a million people).

Revision ID: 7c4e2a9d5b18
Revises: 115af325496b
Create Date: 2026-11-27 07:45:00.000000
"""
from alembic import op


revision = '7c4e2a9d5b18'
down_revision = '115af325496b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_roster_batch_id', table_name='roster')


def downgrade() -> None:
    op.create_index('ix_roster_batch_id', 'roster', ['batch_id'], unique=False)
