"""The store on a real database: SQLite here, PostgreSQL too when CI names one."""

from __future__ import annotations

import gc
import hashlib
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError

from ivr.app import build_app
from ivr.commands.main import main
from ivr.store import db
from ivr.store.changes import Store
from ivr.store.live import Live
from ivr.store.models import AuditEntry
from ivr.store.rows import ClosureRow, Snapshot, Who
from tests.helpers import TEST_DATABASE_URL, config

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
ANNE = Who("Anne Example", "console")
CLI = Who("alex", "cli")


@pytest.fixture
def url(tmp_path: Path) -> str:
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    found = f"sqlite:///{tmp_path / 'state' / 'ivr.sqlite3'}"
    db.upgrade(found)
    return found


@pytest.fixture
def engine(url: str) -> Iterator[Engine]:
    made = db.make_engine(url)
    yield made
    made.dispose()


@pytest.fixture
def store(engine: Engine) -> Store:
    return Store(engine, clock=lambda: NOW)


def audit(store: Store) -> list[tuple[str, str, str, str, str, str]]:
    return [
        (e.who, e.channel, e.kind, e.subject, e.before, e.after) for e in reversed(store.audit())
    ]


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://u:p@db.example:5432/line", "postgresql+psycopg://u:p@db.example:5432/line"),
        ("postgresql://u:p@db.example/line", "postgresql+psycopg://u:p@db.example/line"),
        ("sqlite:////srv/line.db", "sqlite:////srv/line.db"),
    ],
)
def test_database_url_takes_the_platforms_form(
    monkeypatch: pytest.MonkeyPatch, given: str, used: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", given)
    assert db.database_url() == used


def test_without_database_url_an_sqlite_file_in_the_state_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("STATE_DIR", str(tmp_path / "s"))
    assert db.database_url() == f"sqlite:///{tmp_path / 's' / 'ivr.sqlite3'}"


def test_where_never_shows_a_password() -> None:
    assert db.where("postgresql+psycopg://u:secret@db.example:6543/line") == (
        "PostgreSQL db.example:6543/line"
    )
    assert db.where("sqlite:////srv/line.db") == "SQLite file /srv/line.db"


def test_migrations_go_up_and_down(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    assert db.status(url).current is None
    db.upgrade(url)
    status = db.status(url)
    assert status.up_to_date and status.current == status.newest == "0009_text_reviews"
    db.downgrade(url, "base")
    assert db.status(url).current is None
    db.upgrade(url)  # and up again: every migration is reversible
    assert db.status(url).up_to_date


def test_ivr_db_commands(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'c.sqlite3'}")
    runner = CliRunner()
    before = runner.invoke(main, ["db", "status"])
    assert before.exit_code == 1
    assert before.output == (
        f"SQLite file {tmp_path / 'c.sqlite3'}: schema at revision none (run `ivr db "
        "upgrade`); this version needs 0009_text_reviews\n"
    )
    upgraded = runner.invoke(main, ["db", "upgrade"])
    assert (upgraded.exit_code, upgraded.output) == (
        0,
        f"SQLite file {tmp_path / 'c.sqlite3'}: schema at revision 0009_text_reviews\n",
    )
    assert runner.invoke(main, ["db", "status"]).exit_code == 0


def test_ivr_db_says_plainly_when_the_database_cannot_be_reached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://nobody:x@127.0.0.1:9/none")
    for command in (["db", "status"], ["db", "upgrade"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 1
        assert result.output.startswith("Error: the database ")


def test_a_change_bumps_the_revision_and_is_audited_with_it(store: Store) -> None:
    first = store.revision()
    closure = ClosureRow("closed", NOW + timedelta(hours=2), "for training")
    store.set_closure("mankind", closure, ANNE)
    assert store.revision() == first + 1
    assert store.snapshot().closures == {"mankind": closure}
    store.set_closure("mankind", None, CLI)
    assert store.snapshot().closures == {}
    store.set_closure("respect", ClosureRow("open", NOW + timedelta(hours=1)), CLI)
    assert store.clear_closures(CLI) == 1
    assert audit(store) == [
        (
            "Anne Example",
            "console",
            "hours",
            "mankind",
            "normal hours",
            "closed until 2026-11-24T14:00+00:00 (for training)",
        ),
        (
            "alex",
            "cli",
            "hours",
            "mankind",
            "closed until 2026-11-24T14:00+00:00 (for training)",
            "normal hours",
        ),
        ("alex", "cli", "hours", "respect", "normal hours", "open until 2026-11-24T13:00+00:00"),
        (
            "alex",
            "cli",
            "hours",
            "all helplines",
            "respect: open until 2026-11-24T13:00+00:00",
            "normal hours",
        ),
    ]
    assert store.revision() == first + 4


def test_a_change_whose_audit_cannot_be_written_does_not_happen(store: Store) -> None:
    """Once, an unwritable change log left a recording live and unlogged."""

    def fail(*args: object) -> None:
        raise RuntimeError("the audit could not be written")

    before = store.revision()
    event.listen(AuditEntry, "before_insert", fail)
    try:
        with pytest.raises(RuntimeError):
            store.set_closure("mankind", ClosureRow("closed", NOW + timedelta(hours=1)), ANNE)
        with pytest.raises(RuntimeError):
            store.add_take("greeting", b"RIFF", 4.0, ANNE)
    finally:
        event.remove(AuditEntry, "before_insert", fail)
    snapshot = store.snapshot()
    assert (snapshot.closures, snapshot.live, snapshot.revision) == ({}, {}, before)
    assert store.takes("greeting") == []
    assert store.audio(hashlib.sha256(b"RIFF").hexdigest()) is None


def test_takes_every_one_kept_and_any_made_live_again(store: Store) -> None:
    one = store.add_take("greeting", b"RIFF one", 4.0, ANNE)
    two = store.add_take("greeting", b"RIFF two", 5.0, CLI)
    again = store.add_take("greeting", b"RIFF one", 4.0, CLI)  # the same sound: stored once
    assert store.snapshot().live["greeting"].id == again.id
    assert [t.id for t in store.takes("greeting")] == [again.id, two.id, one.id]
    assert [t.live for t in store.takes("greeting")] == [True, False, False]
    assert store.make_live("greeting", two.id, ANNE) == store.takes("greeting")[1]
    assert store.snapshot().live["greeting"].sha256 == two.sha256
    assert store.make_live("goodbye", two.id, ANNE) is None  # another prompt's take
    assert store.make_live("greeting", 999_999, ANNE) is None
    assert store.audio(one.sha256) == b"RIFF one"
    assert store.audio("0" * 64) is None
    found = store.find_take("greeting", two.sha256[:16])
    assert found is not None and found.id == two.id
    assert store.find_take("greeting", "f" * 16) is None
    assert store.revert("greeting", ANNE)
    assert not store.revert("greeting", ANNE)
    assert "greeting" not in store.snapshot().live
    assert audit(store)[-1][3:] == ("greeting", f"recorded {two.sha256[:16]}", "generated speech")


def test_a_take_held_for_review_is_not_live(store: Store) -> None:
    held = store.add_take("greeting", b"RIFF held", 4.0, Who("phone", "phone"), live=False)
    assert "greeting" not in store.snapshot().live
    assert audit(store)[-1] == (
        "phone",
        "phone",
        "prompt",
        "greeting",
        "generated speech",
        f"recorded {held.sha256[:16]} (4.0 s), not live",
    )
    assert store.make_live("greeting", held.id, Who("phone", "phone")) is not None


def test_generated_takes_are_found_by_their_source(store: Store) -> None:
    made = store.add_take(
        "greeting", b"RIFF speech", 6.0, CLI, kind="generated", source="a" * 64, live=False
    )
    assert store.snapshot().generated["a" * 64] == made
    assert store.make_live("greeting", made.id, CLI) is None  # generated is never "live"


def test_menus_are_published_in_order_and_any_can_be_shown(store: Store) -> None:
    assert store.menu() is None and store.history() == []
    first = store.publish("helplines: {}\n", ANNE, note="first")
    second = store.publish("menus: {}\n", CLI)
    assert (first.number, second.number) == (1, 2)
    assert store.menu() == second
    assert store.menu(1) == first
    assert store.menu(3) is None
    assert [v.number for v in store.history()] == [2, 1]
    assert store.snapshot().menu == second
    assert audit(store)[-2:] == [
        (
            "Anne Example",
            "console",
            "menu",
            "menus.yaml",
            "the repository's menus.yaml",
            "version 1",
        ),
        ("alex", "cli", "menu", "menus.yaml", "version 1", "version 2"),
    ]


def test_two_writers_at_once_both_keep_their_changes(url: str) -> None:
    """Each thread its own engine, as two instances of the line would have."""
    engines = [db.make_engine(url) for _ in range(2)]
    stores = [Store(e, clock=lambda: NOW) for e in engines]
    start = stores[0].revision()
    errors: list[BaseException] = []

    def close(store: Store, names: list[str]) -> None:
        try:
            for name in names:
                store.set_closure(name, ClosureRow("closed", NOW + timedelta(hours=1)), CLI)
        except BaseException as e:  # pragma: no cover - shown by the assert below
            errors.append(e)

    threads = [
        threading.Thread(target=close, args=(s, [f"line_{i}_{n}" for n in range(10)]))
        for i, s in enumerate(stores)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(stores[0].snapshot().closures) == 20
    assert stores[0].revision() == start + 20
    for e in engines:
        e.dispose()


class Flaky(Store):
    """A store whose database can be switched off, as a stopped server would be."""

    down = False

    def revision(self) -> int:
        if self.down:
            raise OperationalError("SELECT", {}, Exception("connection refused"))
        return super().revision()


def test_a_worker_goes_on_with_its_snapshot_while_the_database_is_down(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    store = Flaky(engine, clock=lambda: NOW)
    live = Live(store)
    store.set_closure("mankind", ClosureRow("closed", NOW + timedelta(hours=1)), CLI)
    assert live.refresh()
    kept = live.snapshot
    store.down = True
    assert not live.refresh()
    assert not live.refresh()  # said once, not every second
    assert live.snapshot is kept and "mankind" in live.snapshot.closures
    store.down = False
    assert not live.refresh()
    assert [r.getMessage() for r in caplog.records] == [
        "the store cannot be reached (OperationalError: connection refused): calls go on "
        f"with revision {kept.revision}",
        f"the store is back (revision {kept.revision})",
    ]


def test_a_snapshot_the_line_cannot_use_is_not_used(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(snapshot: Snapshot) -> None:
        if snapshot.closures:
            raise ValueError("not this one")

    live = Live(store, on_change=refuse)
    before = live.snapshot
    store.set_closure("mankind", ClosureRow("closed", NOW + timedelta(hours=1)), CLI)
    assert not live.refresh()
    assert live.snapshot is before
    assert caplog.records[-1].getMessage() == (
        f"revision {before.revision + 1} could not be used; keeping {before.revision}"
    )


def test_the_background_poller_sees_a_change_within_seconds(store: Store) -> None:
    live = Live(store, interval=0.05)
    live.start()
    live.start()  # once is enough
    store.set_closure("respect", ClosureRow("closed", NOW + timedelta(hours=1)), CLI)
    deadline = time.monotonic() + 3
    while "respect" not in live.snapshot.closures and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "respect" in live.snapshot.closures


def test_the_poller_ends_with_its_worker(store: Store) -> None:
    live = Live(store, interval=0.01)
    live.start()
    thread = live._thread
    assert thread is not None
    del live
    gc.collect()
    thread.join(timeout=2)
    assert not thread.is_alive()


def test_a_change_from_the_terminal_says_plainly_it_was_not_saved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://nobody:x@127.0.0.1:9/none")
    result = CliRunner().invoke(main, ["hours", "clear"])
    assert (result.exit_code, result.output) == (
        1,
        "Error: nothing was saved: the database cannot be reached (OperationalError)\n",
    )


def test_the_first_upgrade_brings_in_earlier_files(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Closures and recordings made before the store are not lost."""
    from tests.helpers import tone

    state, recorded = tmp_path / "state", tmp_path / "prompts" / "recorded"
    state.mkdir()
    recorded.mkdir(parents=True)
    (state / "overrides.json").write_text(
        '{"mankind": {"state": "closed", "until": "2099-01-01T10:00", "reason": "move"},'
        ' "respect": {"state": "closed", "until": "2001-01-01T10:00+00:00"},'
        ' "ncdv": {"state": "shut", "until": "2099-01-01T10:00"}}'
    )
    tone(recorded / "greeting.wav", seconds=4, rate=8000, channels=1)
    (recorded / "changes.log").write_text("{}\n")
    (recorded / "broken.wav").write_text("not audio")
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("STATE_DIR", str(state))
    monkeypatch.setenv("PROMPTS_DIR", str(tmp_path / "prompts"))
    first = CliRunner().invoke(main, ["db", "upgrade"])
    assert first.output.splitlines()[:-1] == [
        "imported: mankind closed until 2099-01-01 10:00",  # London time, as written
        "not imported: broken.wav is not a WAV file",
        "imported: the recording of greeting",
    ]
    store = Store(db.shared_engine(url))
    snapshot = store.snapshot()
    assert snapshot.closures["mankind"].reason == "move"
    assert snapshot.closures["mankind"].until.utcoffset() == timedelta(0)  # January: GMT
    assert list(snapshot.closures) == ["mankind"]  # the expired and the damaged are not
    assert "greeting" in snapshot.live
    assert {(e.who, e.channel) for e in store.audit()} == {("import of earlier files", "cli")}
    again = CliRunner().invoke(main, ["db", "upgrade"])
    assert (
        again.output
        == f"SQLite file {tmp_path / 'new.sqlite3'}: schema at revision 0009_text_reviews\n"
    )


def test_a_forked_worker_starts_a_poller_of_its_own(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = Live(store, interval=0.05)
    live.start()
    parent = live._thread
    live.start()
    assert live._thread is parent
    monkeypatch.setattr("ivr.store.repeat.os.getpid", lambda: -7)  # as after gunicorn's fork
    live.start()
    assert live._thread is not parent and live._thread is not None
    assert live._thread.is_alive()


def test_an_idle_worker_is_up_to_date_before_its_first_request(tmp_path: Path) -> None:
    app = build_app(config(tmp_path))
    live = app.extensions["ivr.live"]
    store = app.extensions["ivr.store"]
    store.set_closure("respect", ClosureRow("closed", NOW + timedelta(hours=1)), CLI)
    deadline = time.monotonic() + 3
    while "respect" not in live.snapshot.closures and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "respect" in live.snapshot.closures
