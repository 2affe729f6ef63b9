"""Alembic's entry point: migrate the database named in the config (see ivr.store.db)."""

from __future__ import annotations

from alembic import context

from ivr.store.db import make_engine
from ivr.store.models import Base

engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "")
try:
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata)
        with context.begin_transaction():
            context.run_migrations()
finally:
    engine.dispose()
