"""page cache notices: a statement trigger on every public table

Any insert, update or delete of what the public pages read notifies the channel the page cache of every
process listens on (shared.pagecache); a notice is sent at commit, once per transaction.

Revision ID: 0be96f26e7fd
Revises: b578062c464c
Create Date: 2026-11-27 02:08:50.872803
"""
from alembic import op


revision = '0be96f26e7fd'
down_revision = 'b578062c464c'
branch_labels = None
depends_on = None

CHANNEL = "ykt_public_pages"  # shared.pagecache.CHANNEL (a migration does not import code that may change)
TABLES = ["windows", "roster", "holds", "person_holds", "supplements", "programs", "banks", "townships"]


def upgrade() -> None:
    op.execute(f"""
        CREATE FUNCTION public_pages_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', '');
            RETURN NULL;
        END $$""")
    for table in TABLES:
        op.execute(f"CREATE TRIGGER public_pages_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION public_pages_changed()")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER public_pages_changed ON {table}")
    op.execute("DROP FUNCTION public_pages_changed()")
