"""audit log: append-only and hash-chained

Revision ID: 552103220fe2
Revises: 6480e94d31d7
Create Date: 2026-11-26 16:00:00
"""
from alembic import op

from shared.audit import downgrade_from_chain, upgrade_to_chain

revision = '552103220fe2'
down_revision = '6480e94d31d7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_to_chain(op)


def downgrade() -> None:
    downgrade_from_chain(op)
