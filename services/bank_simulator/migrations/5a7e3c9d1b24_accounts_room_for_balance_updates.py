"""accounts: room on each page for a balance's next version (fillfactor 80)

Every credit adds to an account's balance, which no index covers: with room left on the page the update
is heap-only (HOT) and adds nothing to the primary key's index. New pages are filled to 80% (an account
row is ~80 bytes: a page keeps room for a dozen new versions between vacuums).

Revision ID: 5a7e3c9d1b24
Revises: 29791829c69e
Create Date: 2026-11-27 10:20:00
"""
from alembic import op


revision = '5a7e3c9d1b24'
down_revision = '29791829c69e'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE accounts SET (fillfactor = 80)")


def downgrade() -> None:
    op.execute("ALTER TABLE accounts RESET (fillfactor)")
