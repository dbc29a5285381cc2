"""order items settled in place: credits kept in credited_items, room on each page (fillfactor 50)

An order item is updated once, when the bank's answer comes (credited or returned). The partial unique index
``uq_order_items_credited_once`` read ``outcome`` in its condition, so that update could never be heap-only:
every settlement wrote a new version of the row into every index of order_items (none of 132,205 updates was
HOT in a 100k payroll). The same guarantee, one credit per item whatever the attempt, is now the primary key
of ``credited_items``, written by the statement that settles. With the index gone and half of each page free
(a chunk's items are settled together, so a page's rows all need room at once), the update adds no index
entry. Nothing reads order_items by item alone any more (the order whose attempt credited an item is found in
credited_items), so ``ix_order_items_item_id`` goes too: an index entry less for every item ordered.

Revision ID: c3d9e1f7a2b6
Revises: 23010d8f1402
Create Date: 2026-11-27 20:00:00.000000
"""
import sqlalchemy as sa
from alembic import op


revision = 'c3d9e1f7a2b6'
down_revision = '23010d8f1402'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'credited_items',
        sa.Column('item_id', sa.String(length=60), nullable=False),
        sa.Column('order_id', sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint('item_id', name=op.f('pk_credited_items')),
    )
    op.execute("INSERT INTO credited_items (item_id, order_id) "
               "SELECT item_id, order_id FROM order_items WHERE outcome = 'credited'")
    op.drop_index('uq_order_items_credited_once', table_name='order_items')
    op.drop_index('ix_order_items_item_id', table_name='order_items')
    op.execute("ALTER TABLE order_items SET (fillfactor = 50)")


def downgrade() -> None:
    op.execute("ALTER TABLE order_items RESET (fillfactor)")
    op.create_index('ix_order_items_item_id', 'order_items', ['item_id'], unique=False)
    op.create_index('uq_order_items_credited_once', 'order_items', ['item_id'], unique=True,
                    postgresql_where=sa.text("outcome = 'credited'"))
    op.drop_table('credited_items')
