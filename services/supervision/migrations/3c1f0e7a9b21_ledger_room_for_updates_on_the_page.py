"""ledger: room on each page for its rows' next versions (fillfactor 60)

Every ledger row is written once and then updated at each stage of the money path (reviewed, cleared,
ordered, settled), none of which changes an indexed column: with room left on the page the update is a
heap-only tuple (HOT), with no new entry in either index. New pages are filled to 60%.

Revision ID: 3c1f0e7a9b21
Revises: 072ef3b904e8
Create Date: 2026-11-27 04:45:00
"""
from alembic import op


revision = '3c1f0e7a9b21'
down_revision = '072ef3b904e8'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE ledger SET (fillfactor = 60)")


def downgrade() -> None:
    op.execute("ALTER TABLE ledger RESET (fillfactor)")
