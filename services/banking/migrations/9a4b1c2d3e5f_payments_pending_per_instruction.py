"""payments still at the bank, by instruction (a partial index)

The resend job asks which instructions still have a payment without an answer; with only the full index on
instruction_id each probe read every answered payment of the instruction.

Revision ID: 9a4b1c2d3e5f
Revises: 73efcb458fdc
Create Date: 2026-11-27 05:30:00
"""
import sqlalchemy as sa
from alembic import op


revision = '9a4b1c2d3e5f'
down_revision = '73efcb458fdc'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_payments_pending', 'payments', ['instruction_id'], unique=False,
                    postgresql_where=sa.text('outcome IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_payments_pending', table_name='payments', postgresql_where=sa.text('outcome IS NULL'))
