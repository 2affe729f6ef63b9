"""Try the line on a draft: checked as a menu to publish would be, and nothing left behind."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from flask import Flask

from ivr import create_app
from ivr.simulate import Simulator
from ivr.staff.console.drafts import draft_line
from ivr.store.accounts import Accounts
from ivr.store.rows import Who
from tests.helpers import REPO_MENU, config
from tests.helpers.browser import Browser, signed_in

SHIPPED = REPO_MENU.read_text(encoding="utf-8")


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return create_app(config(tmp_path, SESSION_COOKIE_SECURE=False))


@pytest.fixture
def viewer(app: Flask) -> Browser:
    return signed_in(app, Accounts(app.extensions["ivr.store"]), "viewer")


def test_a_draft_tried_leaves_no_folder_behind(
    viewer: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    for n in range(3):
        draft = SHIPPED.replace("Take care. Goodbye.", f"Take care. Goodbye ({n}).", 1)
        page = viewer.text(viewer.post("/console/try", {"draft": draft, "restart": "1"}))
        assert "the draft menu" in page
    assert [p.name for p in temporary.iterdir() if p.name.startswith("ivr-draft-")] == []


def test_a_format_spec_in_a_draft_is_refused_not_run(viewer: Browser) -> None:
    # Once 11 s and 600 MB of a worker, while a real call waited 12.7 s
    draft = SHIPPED.replace(
        "{service_name}. In danger?",
        "{service_name:.>200000000}. In danger?",
        1,
    )
    answer = viewer.post("/console/try", {"draft": draft, "restart": "1"})
    assert answer.status_code == 200
    assert "{service_name:.&gt;200000000}: a placeholder is a name alone" in viewer.text(answer)


def test_each_line_tries_a_draft_on_its_own_store(tmp_path: Path) -> None:
    """Drafts were kept by the process: a second app trying the same words got the
    first one's draft app, on the first one's store and settings. (A draft is now a
    line beside the app's live line, ivr.line.DraftLine, not an app.)"""
    draft = SHIPPED.replace("Take care. Goodbye.", "Take care. Goodbye, both.", 1)
    apps = [
        create_app(config(tmp_path / name, SESSION_COOKIE_SECURE=False)) for name in ("a", "b")
    ]
    tried = []
    for n, app in enumerate(apps):
        accounts = Accounts(app.extensions["ivr.store"])  # (on PostgreSQL: one store)
        viewer = signed_in(app, accounts, "viewer", f"viewer{n}@example.org")
        assert "the draft menu" in viewer.text(
            viewer.post("/console/try", {"draft": draft, "restart": "1"})
        )
        (made,) = app.extensions["ivr.drafts"].values()
        tried.append(made)
    assert [made.live.parts.store for made in tried] == [
        app.extensions["ivr.store"] for app in apps
    ]
    assert [made.live for made in tried] == [app.extensions["ivr.line"] for app in apps]


def test_a_draft_plays_its_own_audio_where_the_live_menu_has_other_words(app: Flask) -> None:
    """The shipped words tried as a draft while a reworded goodbye is live: the draft's
    goodbye plays the shipped speech, which the live line no longer hands out (once a
    404, shown on the Try page as Twilio's application error)."""
    changed = SHIPPED.replace("Take care. Goodbye.", "Take care now. Goodbye.", 1)
    app.extensions["ivr.store"].publish(changed, Who("test", "cli"))
    app.extensions["ivr.live"].refresh()
    assert "Take care now" in app.extensions["ivr.line"].menu.prompts["goodbye"]
    with app.test_request_context("/console/try"):
        call = Simulator(app, trial=True, line=draft_line(SHIPPED)).call([None] * 4)
    kinds = [e.kind for e in call.events]
    assert "application-error" not in kinds
    plays = [e for e in call.events if e.kind == "play"]
    assert plays[-1].text.endswith("Take care. Goodbye.")
    assert call.events[-1].kind == "hangup"


def test_the_try_pages_work_where_the_line_has_a_public_address(tmp_path: Path) -> None:
    """Deployed, the line checks Twilio's signatures against PUBLIC_BASE_URL: the Try
    pages signed for http://localhost and every trial was refused (403)."""
    public = create_app(
        config(tmp_path, SESSION_COOKIE_SECURE=False, PUBLIC_BASE_URL="https://line.example.org")
    )
    viewer = signed_in(public, Accounts(public.extensions["ivr.store"]), "viewer")
    call = viewer.text(viewer.post("/console/try", {"inputs": "2", "key": "1"}))
    assert "answered 403" not in call
    assert "Refuge" in call
    texts = viewer.text(viewer.post("/console/try/text", {"text": "hello"}))
    assert "answered 403" not in texts
    assert "In danger now? Call 999." in texts
