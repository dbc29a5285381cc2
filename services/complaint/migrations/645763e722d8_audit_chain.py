"""audit log: append-only and hash-chained

Revision ID: 645763e722d8
Revises: 1ecf857d5a2f
Create Date: 2026-11-26 16:00:00
"""
from alembic import op

from shared.audit import downgrade_from_chain, upgrade_to_chain

revision = '645763e722d8'
down_revision = '1ecf857d5a2f'
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_to_chain(op)


def downgrade() -> None:
    downgrade_from_chain(op)
