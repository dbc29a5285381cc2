"""roster: half of each page free for the settlement's versions (fillfactor 50, was 75)

Every line of a chunk is settled in one statement, and a chunk's lines sit together on the roster's pages:
for the update to stay on the page (heap-only, HOT, no index entry added) a page needs room for a new version
of each of its rows at once. At 75% a third of the lines fitted (99,000 of 132,205 HOT in a 100k payroll,
the others each a new entry in every index); at 50% all of them do. Measured on a copy of that roster, 2,000
lines a statement: 1.38-1.44 s of the server's CPU and 49 MB of WAL at 75%, 0.43-0.46 s and 13 MB at 50%.

Revision ID: e4a7b2c9d0f3
Revises: 7c4e2a9d5b18
Create Date: 2026-11-27 20:00:00.000000
"""
from alembic import op


revision = 'e4a7b2c9d0f3'
down_revision = '7c4e2a9d5b18'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE roster SET (fillfactor = 50)")


def downgrade() -> None:
    op.execute("ALTER TABLE roster SET (fillfactor = 75)")
