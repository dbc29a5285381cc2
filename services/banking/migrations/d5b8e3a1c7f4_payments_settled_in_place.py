"""payments settled in place: credits kept in credited_payments, a pending count per instruction, fillfactor 50

A payment is updated once, when the bank answers. Two partial indexes read ``outcome`` in their condition
(``uq_payments_credited_once``, ``ix_payments_pending``), so that update could never be heap-only: every
settlement wrote a new version of the row into every index of payments (none of 131,813 updates was HOT in a
100k payroll). One credit per item is now the primary key of ``credited_payments``, written by the statement
that settles; the resend job asks ``instructions.pending`` (set when sent, less each payment answered) instead
of probing payments, and the time of the bank's last answer (``answered_at``: a bank still answering is not
asked again, see ``store._STALE``). With both indexes gone and half of each page free, the update adds no
index entry. A full index on ``instruction_id`` (a column never updated once a payment is sent, so it keeps
the update heap-only) finds an instruction's lines when it is sent again.

Revision ID: d5b8e3a1c7f4
Revises: 4e8a1f6c2d93
Create Date: 2026-11-27 20:00:00.000000
"""
import sqlalchemy as sa
from alembic import op


revision = 'd5b8e3a1c7f4'
down_revision = '4e8a1f6c2d93'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'credited_payments',
        sa.Column('item_id', sa.String(length=60), nullable=False),
        sa.Column('attempt', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('item_id', name=op.f('pk_credited_payments')),
    )
    op.execute("INSERT INTO credited_payments (item_id, attempt) "
               "SELECT item_id, attempt FROM payments WHERE outcome = 'credited'")
    op.add_column('instructions', sa.Column('pending', sa.Integer(), server_default='0', nullable=False))
    op.add_column('instructions', sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE instructions i SET pending = p.n FROM (SELECT instruction_id, count(*) AS n FROM payments "
               "WHERE outcome IS NULL AND instruction_id IS NOT NULL GROUP BY 1) p "
               "WHERE i.instruction_id = p.instruction_id")
    op.drop_index('uq_payments_credited_once', table_name='payments')
    op.drop_index('ix_payments_pending', table_name='payments')
    op.create_index(op.f('ix_payments_instruction_id'), 'payments', ['instruction_id'], unique=False)
    op.execute("ALTER TABLE payments SET (fillfactor = 50)")


def downgrade() -> None:
    op.execute("ALTER TABLE payments RESET (fillfactor)")
    op.drop_index(op.f('ix_payments_instruction_id'), table_name='payments')
    op.create_index('ix_payments_pending', 'payments', ['instruction_id'], unique=False,
                    postgresql_where=sa.text('outcome IS NULL'))
    op.create_index('uq_payments_credited_once', 'payments', ['item_id'], unique=True,
                    postgresql_where=sa.text("outcome = 'credited'"))
    op.drop_column('instructions', 'answered_at')
    op.drop_column('instructions', 'pending')
    op.drop_table('credited_payments')
