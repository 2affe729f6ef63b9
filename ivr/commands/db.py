"""`ivr db`: create or migrate the store's schema, and say where it is."""

from __future__ import annotations

import click
from sqlalchemy.exc import SQLAlchemyError

from ivr import paths
from ivr.store.changes import Store
from ivr.store.db import database_url, shared_engine, status
from ivr.store.legacy import prepare


@click.group()
def db() -> None:
    """The database behind every instance (DATABASE_URL, else SQLite in STATE_DIR)."""


@db.command("upgrade")
def upgrade_command() -> None:
    """Create the schema, or migrate it to this version's (the Procfile's release step)."""
    url = database_url()
    try:
        store = Store(shared_engine(url))
        for line in prepare(url, store, paths.state_dir(), paths.prompts_dir()):
            click.echo(line)
        now = status(url)
    except SQLAlchemyError as e:
        raise click.ClickException(
            f"the database could not be migrated: {getattr(e, 'orig', None) or e}"
        ) from e
    click.echo(f"{now.where}: schema at revision {now.current}")


@db.command("status")
def status_command() -> None:
    """Where the database is and its schema revision (exit 1 if behind this version)."""
    url = database_url()
    try:
        now = status(url)
    except SQLAlchemyError as e:
        raise click.ClickException(
            f"the database cannot be reached: {getattr(e, 'orig', None) or e}"
        ) from e
    current = now.current or "none (run `ivr db upgrade`)"
    click.echo(f"{now.where}: schema at revision {current}; this version needs {now.newest}")
    if not now.up_to_date:
        raise SystemExit(1)
