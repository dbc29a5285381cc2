"""who declared a batch (maker-checker: the declarer may not review or approve it)

Revision ID: a3c1d2e4f5b6
Revises: 891c2b543b03
Create Date: 2026-11-26 15:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'a3c1d2e4f5b6'
down_revision = '891c2b543b03'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('batches', sa.Column('declared_by', sa.String(length=100), nullable=True))


def downgrade() -> None:
    op.drop_column('batches', 'declared_by')
