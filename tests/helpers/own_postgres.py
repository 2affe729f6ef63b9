"""A throwaway PostgreSQL server of the test's own, to stop, pause and make read-only.

Never the server other tests (or other people) share: it is made with initdb in a
temporary folder, listens on a free port on 127.0.0.1 only, trusts loopback (it holds
nothing) and is deleted afterwards. As root (CI) it runs as the postgres user; otherwise
as whoever runs the tests. Tests that need one skip only where no server can be made.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, text

from ivr.store.db import upgrade
from tests.helpers import free_port

BINARIES = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
TEMPLATE = "ivr_template"


def _server_user() -> str | None:
    """Who runs the server: postgres as root (initdb refuses root), else ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return None
    return "postgres"


class OwnPostgres:
    """A server on 127.0.0.1:port; each test takes a database of its own (fresh schema)."""

    def __init__(self) -> None:
        if not BINARIES or (os.geteuid() == 0 and _server_user() is None):
            pytest.skip("no PostgreSQL server binaries (apt-get install postgresql)")
        self.bin = BINARIES[-1].parent
        self.user = _server_user()
        self.folder = Path(tempfile.mkdtemp(prefix="ivr-own-pg-"))
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        self.data = self.folder / "data"
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.databases = 0

    def boot(self) -> None:
        """A new cluster, started, with a template database of the store's schema."""
        self._run([str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust",
                   "-U", "postgres", "--no-sync"])  # fmt: skip
        self.start()
        with self.admin() as connection:
            connection.execute(text(f"CREATE DATABASE {TEMPLATE}"))
        upgrade(self.url(TEMPLATE))

    def _run(self, command: list[str]) -> None:
        subprocess.run(command, user=self.user, check=True, capture_output=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    @contextmanager
    def admin(self) -> Iterator[Connection]:
        """A connection of the test's own (autocommit), for what the app cannot do."""
        engine = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                yield connection
        finally:
            engine.dispose()

    def database(self) -> str:
        """A new database with the store's schema: its URL."""
        self.databases += 1
        name = f"ivr_{self.databases}"
        with self.admin() as connection:
            connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
        return self.url(name)

    def start(self) -> None:
        log = open(self.folder / "server.log", "ab")  # noqa: SIM115 - the server's
        self.process = subprocess.Popen(
            [str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port),
             "-h", "127.0.0.1", "-k", str(self.folder), "-c", "fsync=off"],
            user=self.user, stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ready = subprocess.run(
                [str(self.bin / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
                check=False,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise AssertionError("the throwaway PostgreSQL server did not start")

    def _family(self) -> list[int]:
        """The server and every process it started (each of its own session)."""
        assert self.process is not None
        pids = [self.process.pid]
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                stat = _stat(int(entry))
                if stat and int(stat[1]) == self.process.pid:
                    pids.append(int(entry))
        return pids

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Every process of the server stopped (SIGSTOP): connections open, no answers.

        The server first, and only once it has stopped its children: else one it forks
        meanwhile (a connection just made) would go on answering.
        """
        assert self.process is not None
        stopped: list[int] = []
        try:
            while True:
                waiting = [pid for pid in self._family() if pid not in stopped]
                if not waiting:
                    break
                for pid in waiting:
                    stopped.append(pid)
                    if _signal(pid, signal.SIGSTOP):  # (else gone: a session just ended)
                        # Stopped, or a session that ended and waits (a zombie) for the
                        # server, stopped first, to collect it: it never stops
                        while (_stat(pid) or ["", "T"])[0] not in ("T", "t", "Z", "X"):
                            time.sleep(0.001)
            yield
        finally:
            for pid in stopped:
                _signal(pid, signal.SIGCONT)

    @contextmanager
    def stopped(self) -> Iterator[None]:
        """The server shut down (its fast shutdown: sessions ended), started again after."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=30)
            self.process = None

    @contextmanager
    def read_only(self, url: str) -> Iterator[None]:
        """The database takes no changes (new sessions read-only; open ones ended)."""
        name = url.rpartition("/")[2]
        self._set_read_only(name, "on")
        try:
            yield
        finally:
            self._set_read_only(name, "off")

    def _set_read_only(self, name: str, value: str) -> None:
        with self.admin() as connection:
            connection.execute(
                text(f"ALTER DATABASE {name} SET default_transaction_read_only = {value}")
            )
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )

    def close(self) -> None:
        if self.process is not None:
            for pid in self._family():
                _signal(pid, signal.SIGCONT)  # (were a test to end while it is paused)
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def _signal(pid: int, number: int) -> bool:
    """Send a signal; False if the process has gone meanwhile (a backend whose session
    just ended: the test's end closes every connection as the server is stopped)."""
    try:
        os.kill(pid, number)
    except ProcessLookupError:
        return False
    return True


def _stat(pid: int) -> list[str] | None:
    """A process's state and parent (and the rest of /proc/PID/stat after its name)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None  # gone


@contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    server = OwnPostgres()
    try:
        server.boot()
        yield server
    finally:
        server.close()
