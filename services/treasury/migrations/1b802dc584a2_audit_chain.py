"""audit log: append-only and hash-chained

Revision ID: 1b802dc584a2
Revises: b7e2c9d1a4f3
Create Date: 2026-11-26 16:00:00
"""
from alembic import op
import sqlalchemy as sa

from shared.audit import APPEND_ONLY_SQL

revision = '1b802dc584a2'
down_revision = 'b7e2c9d1a4f3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('audit_log', sa.Column('seq', sa.BigInteger(), nullable=True))
    op.add_column('audit_log', sa.Column('prev_hash', sa.String(length=64), nullable=True))
    op.add_column('audit_log', sa.Column('hash', sa.String(length=64), nullable=True))
    op.create_unique_constraint(op.f('uq_audit_log_seq'), 'audit_log', ['seq'])
    for statement in APPEND_ONLY_SQL:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
    op.execute("DROP TRIGGER audit_log_no_change ON audit_log")
    op.drop_constraint(op.f('uq_audit_log_seq'), 'audit_log', type_='unique')
    op.drop_column('audit_log', 'hash')
    op.drop_column('audit_log', 'prev_hash')
    op.drop_column('audit_log', 'seq')
