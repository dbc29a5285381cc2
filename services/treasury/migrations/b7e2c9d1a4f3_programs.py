"""programs known from the catalog: which department a quota or order belongs to

Revision ID: b7e2c9d1a4f3
Revises: fe41d542e07c
Create Date: 2026-11-26 15:35:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'b7e2c9d1a4f3'
down_revision = 'fe41d542e07c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('programs',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('department_code', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_programs'))
    )


def downgrade() -> None:
    op.drop_table('programs')
