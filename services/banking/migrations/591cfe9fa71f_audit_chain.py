"""audit log: append-only and hash-chained

Revision ID: 591cfe9fa71f
Revises: f608b1dea775
Create Date: 2026-11-26 16:00:00
"""
from alembic import op

from shared.audit import downgrade_from_chain, upgrade_to_chain

revision = '591cfe9fa71f'
down_revision = 'f608b1dea775'
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_to_chain(op)


def downgrade() -> None:
    downgrade_from_chain(op)
