"""Two publishes at once (issue 20, item 13), on SQLite and on PostgreSQL.

The loser was told "the database cannot be reached", and both audit entries said
"version 1 -> version 2": the version numbers were read before the transaction. Each
change now takes the revision row first and reads what it changes inside; a publish made
from a version that is no longer the newest is a conflict, said plainly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, event

from ivr import create_app
from ivr.store import db
from ivr.store.accounts import Accounts
from ivr.store.changes import Conflict, Store
from ivr.store.rows import ClosureRow, Who
from tests.helpers import NOON, REPO_MENU, config
from tests.helpers.browser import flashed, signed_in
from tests.helpers.own_postgres import OwnPostgres, own_postgres

ALEX, SAM = Who("alex", "cli"), Who("sam", "cli")
BARRIER_SECONDS = 1.0
MENU_TEXT = REPO_MENU.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def server() -> Iterator[OwnPostgres]:
    with own_postgres() as made:
        yield made


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        server: OwnPostgres = request.getfixturevalue("server")
        return server.database()
    made = f"sqlite:///{tmp_path / 'state' / 'ivr.sqlite3'}"
    db.upgrade(made)
    return made


def together(engine: Engine, statement: str) -> None:
    """Each transaction waits at `statement` for the other (or BARRIER_SECONDS): if both
    could get there before either commits, they do."""
    barrier = threading.Barrier(2)

    @event.listens_for(engine, "before_cursor_execute")
    def meet(conn: object, cursor: object, sql: str, *args: object) -> None:
        if sql.startswith(statement):
            try:
                barrier.wait(BARRIER_SECONDS)
            except threading.BrokenBarrierError:
                pass  # the other waits for this one to commit: as it should


def both(*actions: Callable[[], Any]) -> list[Any]:
    """Run the actions at once; each one's result, or the exception it raised."""
    results: list[Any] = [None] * len(actions)

    def run(i: int, action: Callable[[], Any]) -> None:
        try:
            results[i] = action()
        except Exception as e:  # noqa: BLE001 - returned for the test to look at
            results[i] = e

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def menu_audit(store: Store) -> list[tuple[str, str]]:
    return [(e.before, e.after) for e in reversed(store.audit(kind="menu"))]


def test_two_publishes_from_the_same_version_one_saved_the_other_told_plainly(url: str) -> None:
    engine = db.make_engine(url)
    store = Store(engine, clock=lambda: NOON)
    store.publish("first: 1\n", ALEX)
    together(engine, "INSERT INTO menu_version")
    results = both(
        lambda: store.publish("alex: 2\n", ALEX, based_on=1),
        lambda: store.publish("sam: 2\n", SAM, based_on=1),
    )
    published = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(published) == 1 and published[0].number == 2, results
    assert [type(e) for e in refused] == [Conflict]
    assert str(refused[0]) == (
        "someone else published version 2 while you worked on version 1, so nothing was "
        "saved: look at the live menu, then try again"
    )
    # Nothing of the loser's is saved; the audit says what happened, once
    assert [v.number for v in store.history()] == [2, 1]
    assert store.menu(2).text == published[0].text  # type: ignore[union-attr]
    assert menu_audit(store) == [
        ("the repository's menus.yaml", "version 1"),
        ("version 1", "version 2"),
    ]
    engine.dispose()


def test_two_publishes_of_whole_files_at_once_are_both_kept_in_order(url: str) -> None:
    engine = db.make_engine(url)
    store = Store(engine, clock=lambda: NOON)
    store.publish("first: 1\n", ALEX)
    together(engine, "INSERT INTO menu_version")
    results = both(
        lambda: store.publish("alex: 2\n", ALEX), lambda: store.publish("sam: 2\n", SAM)
    )
    assert sorted(r.number for r in results) == [2, 3], results
    assert menu_audit(store) == [
        ("the repository's menus.yaml", "version 1"),
        ("version 1", "version 2"),
        ("version 2", "version 3"),
    ]
    engine.dispose()


def test_a_change_made_while_another_is_under_way_audits_what_that_one_left(url: str) -> None:
    engine = db.make_engine(url)
    store = Store(engine, clock=lambda: NOON)
    closed = ClosureRow("closed", NOON.replace(hour=15), "training")
    under_way = threading.Event()

    @event.listens_for(engine, "before_cursor_execute")
    def hold(conn: object, cursor: object, sql: str, *args: object) -> None:
        if sql.startswith("INSERT INTO audit") and not under_way.is_set():
            under_way.set()  # Alex's closure is written, not yet committed: Sam starts
            threading.Event().wait(BARRIER_SECONDS)

    alex = threading.Thread(target=store.set_closure, args=("mankind", closed, ALEX))
    alex.start()
    assert under_way.wait(10)
    store.set_closure("mankind", None, SAM)
    alex.join(10)
    found = [(e.who, e.before, e.after) for e in reversed(store.audit(kind="hours"))]
    said = "closed until 2026-11-24T15:00+00:00 (training)"
    assert found == [("alex", "normal hours", said), ("sam", said, "normal hours")]
    assert store.snapshot().closures == {}
    engine.dispose()


def test_the_console_says_plainly_that_someone_else_published_first(tmp_path: Path) -> None:
    app: Flask = create_app(config(tmp_path, SESSION_COOKIE_SECURE=False))
    store: Store = app.extensions["ivr.store"]
    accounts = Accounts(store)
    ada = signed_in(app, accounts, "admin", "ada@example.org")
    bo = signed_in(app, accounts, "admin", "bo@example.org")
    store.publish(MENU_TEXT, ALEX)
    # Each checks a draft made from version 1: the publish form carries its version
    drafts = {}
    for who, browser in (("ada", ada), ("bo", bo)):
        text = MENU_TEXT + f"# {who} was here\n"
        page = browser.post("/console/menu", {"text": text})
        assert 'name="based_on" value="1"' in browser.text(page)
        drafts[who] = {"text": text, "note": who, "based_on": "1"}
    together(store.engine, "INSERT INTO menu_version")
    answers = both(
        lambda: ada.post("/console/menu/publish", drafts["ada"]),
        lambda: bo.post("/console/menu/publish", drafts["bo"]),
    )
    said = sorted(
        flashed(browser, answer)[0] for browser, answer in zip((ada, bo), answers, strict=True)
    )
    assert said == [
        "Not saved: someone else published version 2 while you worked on version 1, so "
        "nothing was saved: look at the live menu, then try again",
        "Published: every instance answers with it within seconds.",
    ]
    assert [v.number for v in store.history()] == [2, 1]
