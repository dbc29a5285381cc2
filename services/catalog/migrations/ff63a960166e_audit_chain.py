"""audit log: append-only and hash-chained

Revision ID: ff63a960166e
Revises: 29d10336c397
Create Date: 2026-11-26 16:00:00
"""
from alembic import op

from shared.audit import downgrade_from_chain, upgrade_to_chain

revision = 'ff63a960166e'
down_revision = '29d10336c397'
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_to_chain(op)


def downgrade() -> None:
    downgrade_from_chain(op)
