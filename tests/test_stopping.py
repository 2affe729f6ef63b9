"""Background work stops, and every connection is closed, when a test ends.

An earlier test's app went on polling its store after the test had closed its engine, so it
opened connections again; dropped later, each was left to the garbage collector, which
PostgreSQL's driver warns of, and the warning failed whichever test was running (CI: a
speech test, after the text line's fault test)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from ivr import create_app
from ivr.store import repeat
from ivr.store.db import close_engines, make_engine, shared_engine
from tests.helpers import config, stop_background_work
from tests.helpers.own_postgres import OwnPostgres, own_postgres


class Ticks:
    def __init__(self) -> None:
        self.count = 0

    def tick(self) -> None:
        self.count += 1


def test_a_stopped_repeat_runs_no_more_and_starts_again() -> None:
    ticks = Ticks()
    every = repeat.Repeat(Ticks.tick, 0.01)
    every.start(ticks)
    thread = every.thread
    assert thread is not None
    repeat.stop_all()
    assert not thread.is_alive()
    stopped_at = ticks.count
    time.sleep(0.05)
    assert ticks.count == stopped_at
    every.start(ticks)  # a module's app, asked again by a later test
    assert every.thread is not thread and every.thread is not None
    assert every.thread.is_alive()
    every.stop()
    assert not every.thread.is_alive()
    every.stop()  # twice is harmless


def test_stopping_from_its_own_thread_does_not_wait_for_itself() -> None:
    class Stopper:
        def __init__(self) -> None:
            self.every = repeat.Repeat(Stopper.run, 0.01)
            self.done = threading.Event()

        def run(self) -> None:
            self.every.stop()
            self.done.set()

    stopper = Stopper()
    stopper.every.start(stopper)
    assert stopper.done.wait(2)


def test_every_engine_is_closed_and_the_shared_ones_forgotten(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'one.sqlite3'}"
    engine = shared_engine(url)
    assert shared_engine(url) is engine
    own = make_engine(f"sqlite:///{tmp_path / 'two.sqlite3'}")
    pools = []
    for each in (engine, own):
        with each.connect() as connection:
            connection.execute(text("SELECT 1"))
        pools.append(each.pool)  # (dispose() puts a new pool in its place)
    assert [pool.checkedin() for pool in pools] == [1, 1]
    close_engines()
    assert [pool.checkedin() for pool in pools] == [0, 0]
    assert shared_engine(url) is not engine
    own.dispose()


@pytest.fixture(scope="module")
def server() -> Iterator[OwnPostgres]:
    with own_postgres() as made:
        yield made


def sessions(server: OwnPostgres, url: str) -> int:
    name = url.rpartition("/")[2]
    with server.admin() as connection:
        query = text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name")
        return int(connection.scalar(query, {"name": name}) or 0)


def test_an_ended_tests_app_holds_no_connection_and_opens_none(
    server: OwnPostgres, tmp_path: Path
) -> None:
    url = server.database()
    app = create_app(config(tmp_path, DATABASE_URL=url))
    live = app.extensions["ivr.live"]
    live.refresh()
    assert sessions(server, url) >= 1
    stop_background_work()  # as the test's end does
    assert sessions(server, url) == 0
    # The app lives on (a module's, or garbage not yet collected): its poller, every
    # second, would connect again
    time.sleep(2.5)
    assert sessions(server, url) == 0
    assert live._thread is not None and not live._thread.is_alive()


def test_a_modules_app_asked_again_is_closed_again(server: OwnPostgres, tmp_path: Path) -> None:
    """A closed engine works on, with a new pool: the next test's end closes that too."""
    url = server.database()
    app = create_app(config(tmp_path, DATABASE_URL=url))
    stop_background_work()
    app.extensions["ivr.live"].refresh()  # the module's next test asks it again
    assert sessions(server, url) >= 1
    stop_background_work()
    assert sessions(server, url) == 0
