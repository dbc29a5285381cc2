"""turns: a person's turn in a period, taken by chunks of programs that exclude each other

Two chunks with the same person in two exclusive programs, checked at once (two instances of review), each
claimed its program and looked for the other's claim before either committed: neither was flagged. A chunk of
such a program now takes its people's rows here first (in order of id number), so the second waits for the
first to commit and then sees its claims.

Revision ID: e5f1a7c3b9d2
Revises: b7e2c4d1a9f0
Create Date: 2026-11-28 05:15:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'e5f1a7c3b9d2'
down_revision = 'b7e2c4d1a9f0'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'turns',
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('id_number', sa.String(length=18), nullable=False),
        sa.PrimaryKeyConstraint('period', 'id_number', name=op.f('pk_turns')),
    )


def downgrade() -> None:
    op.drop_table('turns')
