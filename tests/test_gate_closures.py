"""A closure's reason is said to every caller who chooses its helpline: one rule, in the
store's service, whichever door it came in by (item 6 of issue 20).

A reason with a control character once made every transfer to that helpline malformed
XML, and Try the line answered 500; the 120-character limit lived in one view only.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ivr import IvrError, create_app
from ivr.commands import hours as hours_cli
from ivr.commands.main import main
from ivr.simulate import Simulator
from ivr.store.accounts import Accounts
from ivr.store.changes import Store
from ivr.store.closures import REASON_CHARACTERS
from ivr.store.models import AuditEntry, Closure, Revision
from ivr.store.rows import ClosureRow, Who
from tests.helpers import NOON, TEST_DATABASE_URL, config
from tests.helpers.browser import Browser, flashed, signed_in

CLI = Who("test", "cli")
UNTIL = NOON + timedelta(hours=2)
REFUSED = (
    "the reason: character 4 is U+0001, a control character: the line could not say it "
    "(remove it; it may have come with a copy and paste)"
)


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return create_app(config(tmp_path, SESSION_COOKIE_SECURE=False))


@pytest.fixture
def store(app: Flask) -> Store:
    return app.extensions["ivr.store"]  # type: ignore[no-any-return]


@pytest.fixture
def editor(app: Flask) -> Browser:
    return signed_in(app, Accounts(app.extensions["ivr.store"]), "editor")


def nothing_saved(store: Store) -> None:
    with Session(store.engine) as session:
        assert list(session.scalars(select(Closure))) == []
        assert list(session.scalars(select(AuditEntry).where(AuditEntry.kind == "hours"))) == []


# The store's service: the rule itself


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("for\x01training", REFUSED),
        (
            "x" * (REASON_CHARACTERS + 1),
            "the reason has 121 characters: callers hear it, so 120 at most",
        ),
        ("staff \ufffe day", "the reason: character 7 is U+FFFE, not a character of any text"),
    ],
)
def test_the_store_refuses_a_reason_callers_could_not_hear(
    store: Store, reason: str, message: str
) -> None:
    with pytest.raises(IvrError) as refused:
        store.set_closure("mankind", ClosureRow("closed", UNTIL, reason), CLI)
    assert str(refused.value).startswith(message)
    nothing_saved(store)


def test_the_store_keeps_a_reason_tidied(store: Store) -> None:
    reason = " for  staff\ttraining \n" + "x" * (REASON_CHARACTERS - 20)
    store.set_closure("mankind", ClosureRow("closed", UNTIL, reason), CLI)
    kept = store.snapshot().closures["mankind"].reason
    assert kept == "for staff training " + "x" * (REASON_CHARACTERS - 20)
    assert len(kept) <= REASON_CHARACTERS
    store.set_closure("respect", ClosureRow("open", UNTIL, "ignored: openings say nothing"), CLI)
    assert store.snapshot().closures["respect"].reason == ""
    with pytest.raises(IvrError, match="choose closed or open"):
        store.set_closure("respect", ClosureRow("shut", UNTIL), CLI)


@pytest.mark.parametrize("helpline_id", ["man\x00kind", "mankind\n", "", "x" * 200 + "\x07"])
def test_the_store_refuses_a_helpline_id_no_menu_could_have(
    store: Store, helpline_id: str
) -> None:
    # A NUL once reached PostgreSQL, which refused it: "the database cannot be reached"
    with pytest.raises(IvrError, match="is not a helpline of the menu"):
        store.set_closure(helpline_id, None, CLI)
    nothing_saved(store)


# The command line


def test_ivr_hours_close_refuses_it_and_saves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 's.db'}"
    monkeypatch.setattr(hours_cli, "utc_now", lambda: NOON)
    monkeypatch.setenv("DATABASE_URL", url)
    result = CliRunner().invoke(
        main,
        [
            "hours",
            "close",
            "mankind",
            "--until",
            "2026-11-24 15:00",
            "--reason",
            "for\x01training",
        ],
    )
    assert (result.exit_code, result.output) == (1, f"Error: {REFUSED}\n")
    long = CliRunner().invoke(
        main, ["hours", "close", "mankind", "--until", "2026-11-24 15:00", "--reason", "x" * 121]
    )
    assert long.exit_code == 1
    assert "the reason has 121 characters" in long.output
    from ivr.store.db import shared_engine

    nothing_saved(Store(shared_engine(url)))


# The console: both forms, the preview and "close until next opening"


def test_the_console_refuses_it_before_showing_the_sentence(
    app: Flask, store: Store, editor: Browser
) -> None:
    form = {"helpline": "mankind", "until": "2026-11-24T15:00", "reason": "for\x01training"}
    answer = editor.post("/console/hours/change", form)
    assert answer.status_code == 400
    assert flashed(editor, answer) == [f"Not saved: {REFUSED}"]
    confirmed = editor.post("/console/hours/change", form | {"confirmed": "yes"})
    assert confirmed.status_code == 400
    for reason in ("for\x01training", "x" * 121):
        # Once silently cut to 120 characters here: now the same rule as every door
        closing = editor.post(
            "/console/hours/close-now", {"helpline": "mankind", "reason": reason}
        )
        assert flashed(editor, closing)[0].startswith("Not saved: the reason")
    removing = editor.post("/console/hours/remove", {"helpline": "man\x00kind"})
    assert flashed(editor, removing) == ["Not saved: 'man\\x00kind' is not a helpline of the menu"]
    nothing_saved(store)


# A reason an older release kept: the line still says the rest, well-formed


def test_a_reason_kept_before_the_rule_still_gives_well_formed_calls(
    app: Flask, store: Store, editor: Browser
) -> None:
    with Session(store.engine) as session, session.begin():
        session.add(
            Closure(helpline_id="mankind", state="closed", until=UNTIL, reason="for\x01training")
        )
        session.execute(update(Revision).values(number=Revision.number + 1))
    app.extensions["ivr.live"].refresh()
    call = Simulator(app).call(["4", "1"])  # men, then ManKind: closed, so the 24/7 line
    assert "The ManKind Initiative is closed now: fortraining." in call.heard()
    assert call.bridged == "+448082000247"
    page = editor.post("/console/try", {"inputs": "4", "key": "1"})
    assert page.status_code == 200
    assert "fortraining" in editor.text(page)


def test_every_transfer_answer_with_a_closure_parses(app: Flask, store: Store) -> None:
    store.set_closure("mankind", ClosureRow("closed", UNTIL, 'for <staff> & "training"'), CLI)
    app.extensions["ivr.live"].refresh()
    renderer = app.extensions["ivr.line"].renderer
    root = ET.fromstring(renderer.transfer("men", "1", 0))
    assert 'closed now: for <staff> & "training".' in "".join(root.itertext())


def test_an_earlier_file_with_a_closure_the_store_refuses_still_boots(tmp_path: Path) -> None:
    """overrides.json from before the store: what today's rule refuses is said, not kept,
    and the others are imported (an IvrError here once would have stopped the line)."""
    state = tmp_path / "state"
    state.mkdir()
    (state / "overrides.json").write_text(
        '{"mankind": {"state": "closed", "until": "2099-01-01T10:00", "reason": "move"},'
        ' "respect": {"state": "closed", "until": "2099-01-01T10:00", "reason": "a\\u0001b"},'
        ' "bad id": {"state": "closed", "until": "2099-01-01T10:00"}}',
        encoding="utf-8",
    )
    app = create_app(config(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'new.sqlite3'}"))
    store: Store = app.extensions["ivr.store"]
    assert list(store.snapshot().closures) == ["mankind"]
