"""Words and a version's note: staff text that reaches callers or the history passes the
same rule at every door (a NUL in a note reached PostgreSQL, which refused it, and the
person was told the database could not be reached)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from ivr import IvrError, create_app
from ivr.commands.main import main
from ivr.menu.edit import set_text
from ivr.staff.publish import history_note, publish
from ivr.store.accounts import Accounts
from ivr.store.changes import Store
from ivr.store.rows import Who
from tests.helpers import REPO_MENU, SMALL_MENU, TEST_DATABASE_URL, config
from tests.helpers.browser import Browser, flashed, signed_in

CLI = Who("test", "cli")
NUL_NOTE = (
    "the note: character 4 is U+0000, a control character: the line could not say it "
    "(remove it; it may have come with a copy and paste)"
)


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return create_app(config(tmp_path, SESSION_COOKIE_SECURE=False))


@pytest.fixture
def admin(app: Flask) -> Browser:
    return signed_in(app, Accounts(app.extensions["ivr.store"]), "admin")


def test_a_note_is_tidied_and_refused_if_it_cannot_be_kept() -> None:
    assert history_note("  a new\tcounty   number ") == "a new county number"
    with pytest.raises(IvrError) as refused:
        history_note("new\x00 number")
    assert str(refused.value) == NUL_NOTE
    with pytest.raises(IvrError, match="the note has 301 characters: 300 at most"):
        history_note("x" * 301)


def test_the_service_refuses_a_note_before_anything_is_published(
    app: Flask, tmp_path: Path
) -> None:
    store: Store = app.extensions["ivr.store"]
    with pytest.raises(IvrError, match="the note: character 4 is U\\+0000"):
        publish(store, SMALL_MENU, "x.yaml", CLI, "new\x00 number", tmp_path, tmp_path)
    assert store.menu() is None


def test_the_command_refuses_it_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write_menu: Callable[[str], Path]
) -> None:
    monkeypatch.setenv("DATABASE_URL", TEST_DATABASE_URL or f"sqlite:///{tmp_path / 's.db'}")
    monkeypatch.setenv("STATE_DIR", str(tmp_path / "state"))
    menu = write_menu(SMALL_MENU)
    result = CliRunner().invoke(main, ["menu", "publish", str(menu), "--note", "new\x00 number"])
    assert (result.exit_code, result.output) == (
        1,
        f"Error: {NUL_NOTE}: not published; the live menu is unchanged\n",
    )
    assert CliRunner().invoke(main, ["menu", "history"]).output.startswith("no version published")


def test_the_console_refuses_it_plainly(app: Flask, admin: Browser) -> None:
    text = REPO_MENU.read_text(encoding="utf-8")
    answer = admin.post("/console/menu/publish", {"text": text, "note": "x" * 301})
    assert flashed(admin, answer) == ["Not saved: the note has 301 characters: 300 at most"]
    assert app.extensions["ivr.store"].menu() is None


def test_words_a_caller_could_not_hear_are_refused_by_name(app: Flask, admin: Browser) -> None:
    with pytest.raises(IvrError, match="the words for 'goodbye': character 4 is U\\+0001"):
        set_text(SMALL_MENU, ("prompts", "goodbye"), "Bye\x01 now")
    page = admin.text(admin.post("/console/words/goodbye", {"words": "Bye\x01 now"}))
    assert "the words for &#39;goodbye&#39;: character 4 is U+0001" in page
    answer = admin.post("/console/words/goodbye/publish", {"words": "Bye\x01 now"})
    assert flashed(admin, answer)[0].startswith("Not saved: the words for 'goodbye': character 4")
    assert app.extensions["ivr.store"].menu() is None
