"""audit log: append-only and hash-chained

Revision ID: 1b802dc584a2
Revises: b7e2c9d1a4f3
Create Date: 2026-11-26 16:00:00
"""
from alembic import op

from shared.audit import downgrade_from_chain, upgrade_to_chain

revision = '1b802dc584a2'
down_revision = 'b7e2c9d1a4f3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_to_chain(op)


def downgrade() -> None:
    downgrade_from_chain(op)
