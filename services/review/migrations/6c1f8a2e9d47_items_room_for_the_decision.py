"""items: room on each page for an item's decided version (fillfactor 50)

Every item is written when its chunk is checked and updated once more when people decide (status and
who), which changes no indexed column: with room left on the page that update is heap-only (HOT) and adds
nothing to the item and batch indexes. An item row is ~400 bytes, so room for one more version of each
means pages half full.

Revision ID: 6c1f8a2e9d47
Revises: 83cedeca8436
Create Date: 2026-11-27 10:20:00
"""
from alembic import op


revision = '6c1f8a2e9d47'
down_revision = '83cedeca8436'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE items SET (fillfactor = 50)")


def downgrade() -> None:
    op.execute("ALTER TABLE items RESET (fillfactor)")
