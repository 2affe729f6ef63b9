"""Alembic's entry point: migrate the database named in the config (see ivr.store.db)."""

from __future__ import annotations

from alembic import context

from ivr.store.db import make_engine
from ivr.store.models import Base

# No limit on how long a statement may take: a migration may take long
engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "", answer_seconds=None)
try:
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata)
        with context.begin_transaction():
            context.run_migrations()
finally:
    engine.dispose()
