"""roster: room on each page for a line's next version (fillfactor 75)

A roster line is written when approved and updated once when the bank answers (paid or unpaid), which
changes no indexed column: with room left on the page that update is heap-only (HOT) and adds nothing to
the roster's four indexes. New pages are filled to 75%.

Revision ID: 5d2e8b4c7a10
Revises: 0be96f26e7fd
Create Date: 2026-11-27 04:45:00
"""
from alembic import op


revision = '5d2e8b4c7a10'
down_revision = '0be96f26e7fd'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE roster SET (fillfactor = 75)")


def downgrade() -> None:
    op.execute("ALTER TABLE roster RESET (fillfactor)")
