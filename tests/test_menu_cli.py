"""Published menus: checked before they go live, live on every instance, rolled back."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask

from ivr import create_app
from ivr.commands.main import main
from ivr.simulate import Simulator
from ivr.store.rows import Who
from tests.helpers import SMALL_MENU, TOKEN

NEW_GOODBYE = "prompts:\n  goodbye: Goodbye from the published menu.\n"


def caught_up(app: Flask) -> None:
    """The worker has the newest revision (its own poller may have read it first)."""
    live = app.extensions["ivr.live"]
    live.refresh()
    assert live.snapshot.revision == app.extensions["ivr.store"].revision()


def ivr(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def app(small_line: Path) -> Flask:
    return create_app({"TWILIO_AUTH_TOKEN": TOKEN, "SECRET_KEY": "made-up-test-secret-key"})


def test_nothing_published_means_the_repository_menu(small_line: Path) -> None:
    assert ivr("menu", "history").output == (
        "no version published: the repository's menus.yaml is live\n"
    )
    assert ivr("menu", "show").output == SMALL_MENU
    assert ivr("menu", "rollback").output == (
        "Error: no version is published: nothing to roll back\n"
    )


def test_a_broken_menu_is_refused_with_its_lines(small_line: Path, app: Flask) -> None:
    broken = small_line / "broken.yaml"
    broken.write_text(SMALL_MENU.replace("0800 085 3481", "0800 08"))
    result = ivr("menu", "publish", str(broken))
    assert result.exit_code == 1
    assert result.output == (
        "broken.yaml:7: helplines.refuge_derby.number: '0800 08' is not a valid UK phone "
        "number\n"
        "Error: broken.yaml: 1 error(s): not published; the live menu is unchanged\n"
    )
    assert ivr("menu", "history").output.startswith("no version published")
    missing = ivr("menu", "publish", str(small_line / "nowhere.yaml"))
    assert (missing.exit_code, missing.output) == (
        1,
        "Error: nowhere.yaml:1: cannot read the file: No such file or directory\n",
    )


def test_publish_reaches_the_line_then_roll_back(small_line: Path, app: Flask) -> None:
    draft = small_line / "draft.yaml"
    draft.write_text(NEW_GOODBYE + SMALL_MENU)
    result = ivr("menu", "publish", str(draft), "--note", "a warmer goodbye")
    assert result.exit_code == 0, result.output
    # Speech for the changed texts is built into the store before the version goes live
    assert result.output.splitlines()[-1] == (
        "published version 1: live on every instance within seconds"
    )
    caught_up(app)
    store = app.extensions["ivr.line"].prompts
    assert store.menu.prompts["goodbye"] == "Goodbye from the published menu."
    assert store.status("goodbye") == "generated"
    call = Simulator(app).call(["1"])
    assert call.heard().endswith("Goodbye from the published menu.")
    assert ivr("menu", "show", "1").output == NEW_GOODBYE + SMALL_MENU
    history = ivr("menu", "history").output.splitlines()
    assert len(history) == 1 and history[0].endswith("a warmer goodbye  (live)")
    # Back to the repository's menu (version 0), as a new version 2
    back = ivr("menu", "rollback").output
    assert back == (
        "speech built for 1 changed prompt(s)\npublished version 2: the same as version 0\n"
    )
    caught_up(app)
    assert store.menu.prompts["goodbye"].startswith("Thank you for calling")
    assert ivr("menu", "rollback", "1").output == "published version 3: the same as version 1\n"
    caught_up(app)
    assert store.menu.prompts["goodbye"] == "Goodbye from the published menu."
    assert ivr("menu", "rollback", "7").output == (
        "Error: there is no version 7 (see `ivr menu history`)\n"
    )
    assert ivr("menu", "show", "7").exit_code == 1
    kinds = [(e.kind, e.before, e.after) for e in app.extensions["ivr.store"].audit()]
    assert ("menu", "version 2", "version 3") in kinds


def test_the_command_line_says_which_version_the_line_runs(
    small_line: Path, app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    """A version an older release let through, which today's checks refuse, is never run:
    history marks the one the line runs, and show prints it, not the newest. Asking
    logs nothing (a worker's 'the line now runs' would read as if the command did it)."""
    store = app.extensions["ivr.store"]
    draft = small_line / "draft.yaml"
    draft.write_text(NEW_GOODBYE + SMALL_MENU)
    assert ivr("menu", "publish", str(draft)).exit_code == 0
    refused = NEW_GOODBYE + SMALL_MENU.replace(
        "    number: 0800 085 3481\n", "    number: 0800 085 3481\n    bogus_key: 1\n", 1
    )
    store.publish(refused, Who("an older release", "cli"))  # (the store's own write: no check)
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="ivr.published"):
        history = ivr("menu", "history").output.splitlines()
        shown = ivr("menu", "show").output
    # (the app's own poller may log meanwhile, on its thread: the worker does change)
    main = threading.main_thread().ident
    assert [r for r in caplog.records if r.name == "ivr.published" and r.thread == main] == []
    assert len(history) == 2
    assert "(not run: it does not pass today's checks: line " in history[0]
    assert "unknown key 'bogus_key'" in history[0]
    assert history[1].endswith("(live)")
    assert shown == NEW_GOODBYE + SMALL_MENU
    caught_up(app)
    assert app.extensions["ivr.line"].version == 1  # what the line itself runs


def test_every_version_refused_leaves_the_repository_menu_live(
    small_line: Path, app: Flask
) -> None:
    store = app.extensions["ivr.store"]
    store.publish(SMALL_MENU + "bogus_top: 1\n", Who("an older release", "cli"))
    history = ivr("menu", "history").output.splitlines()
    assert history[0].startswith("   1  ") and "(not run: " in history[0]
    assert history[1] == "   0  the repository's menus.yaml  (live)"
    assert ivr("menu", "show").output == SMALL_MENU
    caught_up(app)
    assert app.extensions["ivr.line"].version == 0
