"""Alembic environment shared by every service; the service's metadata arrives in config.attributes."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool, text

config = context.config
metadata = config.attributes["metadata"]
url = config.get_main_option("sqlalchemy.url")
assert url

engine = create_engine(url, poolclass=pool.NullPool)
with engine.connect() as connection:
    # instances of one service may start together: one migrates, the others wait
    connection.execute(text("SELECT pg_advisory_lock(7262523)"))
    connection.commit()
    context.configure(connection=connection, target_metadata=metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.execute(text("SELECT pg_advisory_unlock(7262523)"))
    connection.commit()
