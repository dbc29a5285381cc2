"""audit log: append-only and hash-chained

Revision ID: d4a298729530
Revises: a3c1d2e4f5b6
Create Date: 2026-11-26 16:00:00
"""
from alembic import op

from shared.audit import downgrade_from_chain, upgrade_to_chain

revision = 'd4a298729530'
down_revision = 'a3c1d2e4f5b6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_to_chain(op)


def downgrade() -> None:
    downgrade_from_chain(op)
