"""fault modes kept in the database, read by every instance

Revision ID: 6b2d9e4f1a37
Revises: ab971810aa53
Create Date: 2026-11-27 07:20:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '6b2d9e4f1a37'
down_revision = 'ab971810aa53'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'faults',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.Column('set_by', sa.String(length=100), nullable=False),
        sa.Column('set_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade() -> None:
    op.drop_table('faults')
