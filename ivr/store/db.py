"""Which database, its engine, and its schema's migrations."""

from __future__ import annotations

import os
import sys
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from ivr import paths
from ivr.store import pg

if sys.platform != "win32":  # (Windows runs one process: `ivr serve`, never gunicorn)
    import fcntl

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_FILE = "ivr.sqlite3"
# A staff action waits this long for the database before it says nothing was saved:
# to connect, and (PostgreSQL) for any one answer, which the server also stops at
CONNECT_SECONDS = 3
ANSWER_SECONDS = 3.0
# A session left in a transaction by a client that vanished holds its locks no longer
IDLE_IN_TRANSACTION_SECONDS = 10


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


def make_engine(url: str, answer_seconds: float | None = ANSWER_SECONDS) -> Engine:
    """An engine that gives up quickly when the database cannot be reached, or (None:
    migrations, which may take long) only when it cannot be connected to."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        Path(parsed.database or SQLITE_FILE).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": CONNECT_SECONDS})

        @event.listens_for(engine, "connect")
        def _pragmas(connection: object, record: object) -> None:
            cursor = connection.cursor()  # type: ignore[attr-defined]
            cursor.execute("PRAGMA foreign_keys = ON")
            # Readers and the one writer do not block each other, and a commit waits for
            # one disk flush at checkpoints rather than several per commit (a call's dial
            # note is a commit): still safe from a crashed process, as SQLite documents
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.close()

        _MADE.add(engine)
        return engine
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_timeout=CONNECT_SECONDS,
        connect_args={"connect_timeout": CONNECT_SECONDS},
    )
    if answer_seconds is not None:
        limits = (
            f"-c statement_timeout={int(answer_seconds * 1000)} "
            f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_SECONDS * 1000}"
        )

        @event.listens_for(engine, "do_connect")
        def _deadlined(dialect: object, record: object, cargs: Any, cparams: Any) -> Any:
            cparams.setdefault("options", limits)  # (unless DATABASE_URL sets its own)
            return pg.connect(answer_seconds, *cargs, **cparams)

    _MADE.add(engine)
    return engine


_SHARED: dict[str, Engine] = {}
_SHARED_LOCK = threading.Lock()
_MADE: weakref.WeakSet[Engine] = weakref.WeakSet()  # every engine made, for close_engines


def shared_engine(url: str) -> Engine:
    """One engine (and one pool of connections) per database, until close_engines()."""
    with _SHARED_LOCK:
        engine = _SHARED.get(url)
        if engine is None:
            engine = _SHARED[url] = make_engine(url)
        return engine


def close_engines() -> None:
    """Close the connections of every engine this process made, and forget the shared
    ones (tests, between themselves). A closed engine still works, with a new pool: an
    app that outlives a test connects again, and is closed again at the next one's end.
    An engine dropped with connections open leaves each to the garbage collector, which
    PostgreSQL's driver warns of."""
    with _SHARED_LOCK:
        _SHARED.clear()
        engines = list(_MADE)
    for engine in engines:
        engine.dispose()


def _config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Create the schema, or migrate it to the newest revision (one process at a time)."""
    with schema_lock(url):
        migrate(url)


@cache
def _migrations() -> ScriptDirectory:
    """The migrations, read once in a process: they are files of the code itself, and
    every app a worker makes (and every status asked) would read them all again."""
    return ScriptDirectory(str(MIGRATIONS))


def migrate(url: str) -> None:
    """upgrade, for a caller that holds schema_lock: `alembic upgrade head` (as
    alembic.command.upgrade runs it), with the migrations read once."""
    make_engine(url).dispose()  # makes SQLite's folder
    migrations = _migrations()

    def to_newest(revision: Any, context: EnvironmentContext) -> Any:
        return migrations._upgrade_revs("head", revision)

    with EnvironmentContext(_config(url), migrations, fn=to_newest, destination_rev="head"):
        migrations.run_env()


@contextmanager
def schema_lock(url: str) -> Iterator[None]:
    """One process at a time makes or migrates an SQLite file's schema (every worker of a
    fresh instance does it as it starts): a lock on a file beside it, held until done.

    PostgreSQL's schema is migrated once, by the release step, before workers start.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        yield
        return
    if sys.platform == "win32":  # pragma: no cover
        yield
        return
    lock_file = Path(f"{parsed.database}.lock")
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)


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
    newest = _migrations().get_current_head() or ""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    return Status(where(url), current, newest)
