"""Which database, its engine, and its schema's migrations."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from ivr import paths

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_FILE = "ivr.sqlite3"
# A staff action waits this long for the database before it says nothing was saved
CONNECT_SECONDS = 3


def database_url(state_dir: Path | None = None) -> str:
    """DATABASE_URL (the platform's postgres://… form too), else SQLite in the state folder."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        folder = state_dir or paths.state_dir()
        return f"sqlite:///{(folder / SQLITE_FILE).resolve()}"
    for old in ("postgres://", "postgresql://"):
        if url.startswith(old):
            return "postgresql+psycopg://" + url.removeprefix(old)
    return url


def where(url: str) -> str:
    """The database as a person would name it, without any password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite file {parsed.database}"
    return f"PostgreSQL {parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database}"


def make_engine(url: str) -> Engine:
    """An engine that gives up quickly when the database cannot be reached."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        Path(parsed.database or SQLITE_FILE).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": CONNECT_SECONDS})

        @event.listens_for(engine, "connect")
        def _pragmas(connection: object, record: object) -> None:
            cursor = connection.cursor()  # type: ignore[attr-defined]
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.close()

        return engine
    return create_engine(
        url, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_SECONDS}
    )


@lru_cache(maxsize=8)
def shared_engine(url: str) -> Engine:
    """One engine (and one pool of connections) per database for the whole process."""
    return make_engine(url)


def _config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Create the schema, or migrate it to the newest revision."""
    make_engine(url).dispose()  # makes SQLite's folder
    command.upgrade(_config(url), "head")


def downgrade(url: str, revision: str) -> None:
    """Migrate back to an earlier revision ("base": nothing)."""
    command.downgrade(_config(url), revision)


@dataclass(frozen=True)
class Status:
    """Where the database is, and how its schema stands."""

    where: str
    current: str | None
    newest: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.newest


def status(url: str) -> Status:
    """The database's schema revision and the newest this code knows."""
    newest = ScriptDirectory.from_config(_config(url)).get_current_head() or ""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    return Status(where(url), current, newest)
