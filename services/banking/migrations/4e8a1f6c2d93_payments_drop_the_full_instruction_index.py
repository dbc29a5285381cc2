"""payments drop the full instruction index

Payments are looked up by instruction only while they are still at the bank (the resend job and its
lines), which ix_payments_pending answers; the full index took an entry for every payment, and another
for every settlement (an update of outcome, which partial indexes name, is never heap-only).

Revision ID: 4e8a1f6c2d93
Revises: 39cf53990121
Create Date: 2026-11-27 07:50:00.000000
"""
from alembic import op


revision = '4e8a1f6c2d93'
down_revision = '39cf53990121'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_payments_instruction_id', table_name='payments')


def downgrade() -> None:
    op.create_index('ix_payments_instruction_id', 'payments', ['instruction_id'], unique=False)
