"""The helpline watch in the console: health on the Now page, a banner on every page while
a helpline is failing, and editors' "try it anyway" / "skip it", audited."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from markupsafe import escape

from ivr import create_app
from ivr.store.accounts import Accounts
from ivr.store.health import HealthStore, Limits
from tests.helpers import NOON, config
from tests.helpers.browser import Browser, flashed, signed_in


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return create_app(config(tmp_path, SESSION_COOKIE_SECURE=False))


@pytest.fixture
def accounts(app: Flask) -> Accounts:
    return Accounts(app.extensions["ivr.store"])


@pytest.fixture
def editor(app: Flask, accounts: Accounts) -> Browser:
    return signed_in(app, accounts, "editor")


def health(app: Flask) -> HealthStore:
    return HealthStore(app.extensions["ivr.store"])


def record(app: Flask, helpline: str, *results: str) -> None:
    times = [NOON - timedelta(minutes=30) + timedelta(seconds=n) for n in range(len(results))]
    health(app).record([(helpline, r, t) for r, t in zip(results, times, strict=True)], Limits())
    app.extensions["ivr.live"].refresh()


def words(page: str) -> str:
    """The page's text, tags out, spaces made single."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def row(page: str, name: str) -> str:
    shown = re.escape(str(escape(name)))
    found = re.search(rf"<tr>\s*<th scope=\"row\">{shown}</th>(.*?)</tr>", page, re.S)
    assert found, name
    return words(found.group(1))


def test_the_now_page_shows_each_helplines_health_why_and_since(
    app: Flask, editor: Browser
) -> None:
    record(app, "refuge_derby", "failed", "failed", "failed")
    record(app, "respect", *["busy"] * 10)
    record(app, "mankind", "busy", "accepted")
    page = editor.text(editor.get("/console/"))
    watch = page[page.index('<h2 id="watch">') :]
    assert row(watch, "Refuge in Derby City").startswith(
        "failing Tuesday 24 November 11:30 3 failed in a row (Twilio could not place the "
        "call); 3 transfers in a row without an accept Try it anyway Skip it"
    )
    assert row(watch, "Respect").startswith(
        "doubtful Tuesday 24 November 11:30 10 transfers in a row without an accept"
    )
    assert row(watch, "the ManKind Initiative").startswith(
        "healthy Tuesday 24 November 11:30 took the last call put through"
    )
    assert row(watch, "Women's Work").startswith("healthy no transfers yet")
    assert row(watch, "the 24-hour National Domestic Abuse Helpline").endswith(
        "never skipped: it ends every transfer"
    )
    assert "one caller in 5 is still put through" in words(watch)
    # No caller data anywhere: counts only
    assert "+447700" not in page and "CA0000" not in page
    # The alerts: made with the change, not emailed (no mail settings)
    assert "Off: set ALERT_EMAILS and SMTP_URL for staff to be emailed." in words(watch)
    assert "Refuge in Derby City failing (3 failed in a row" in words(watch)
    assert "not emailed" in words(watch)


def test_a_banner_on_every_page_while_a_helpline_is_failing(app: Flask, editor: Browser) -> None:
    banner = "Refuge in Derby City is failing: callers are sent past it."
    assert banner not in words(editor.text(editor.get("/console/hours")))
    record(app, "refuge_derby", "failed", "failed", "failed")
    for path in ("/console/", "/console/hours", "/console/prompts", "/console/try"):
        assert banner in words(editor.text(editor.get(path))), path
    # Not before signing in
    assert banner not in words(Browser(app).text(Browser(app).get("/console/sign-in")))


def test_the_24_7_line_failing_is_the_loudest_banner(app: Flask, editor: Browser) -> None:
    record(app, "refuge_derby", "failed", "failed", "failed")
    record(app, "national_24h", "failed", "failed", "failed")
    page = editor.text(editor.get("/console/words"))
    loud = page.index('class="flash error loudest" role="alert"')
    assert loud < page.index("Refuge in Derby City is failing")  # first
    assert (
        "The 24/7 line is failing: the 24-hour National Domestic Abuse Helpline is not "
        "taking calls. Callers are still put through to it, then hear the numbers read out."
    ) in words(page)


def test_an_editor_has_a_helpline_tried_anyway_or_skipped_in_their_name(
    app: Flask, editor: Browser
) -> None:
    record(app, "refuge_derby", "failed", "failed", "failed")
    tried = editor.post(
        "/console/helplines/override", {"helpline": "refuge_derby", "choice": "try"}
    )
    assert flashed(editor, tried) == [
        "Refuge in Derby City is tried for every caller now, until its health changes or "
        "you set it back to automatic."
    ]
    assert app.extensions["ivr.watch"].health["refuge_derby"].override == "try"  # live now
    page = editor.text(editor.get("/console/"))
    assert row(page[page.index('<h2 id="watch">') :], "Refuge in Derby City").startswith(
        "failing try it anyway"
    )
    skipped = editor.post("/console/helplines/override", {"helpline": "respect", "choice": "skip"})
    assert flashed(editor, skipped) == [
        "Respect is skipped for every caller now, until you set it back to automatic."
    ]
    back = editor.post("/console/helplines/override", {"helpline": "respect", "choice": ""})
    assert flashed(editor, back) == ["Respect is tried or skipped by its health again."]
    audit = app.extensions["ivr.store"].audit(kind="health override")
    assert [(e.who, e.channel, e.subject, e.before, e.after) for e in audit][::-1] == [
        ("Editor Person", "console", "refuge_derby", "automatic", "try it anyway"),
        ("Editor Person", "console", "respect", "automatic", "skip it"),
        ("Editor Person", "console", "respect", "skip it", "automatic"),
    ]


@pytest.mark.parametrize(
    ("form", "said"),
    [
        (
            {"helpline": "national_24h", "choice": "skip"},
            "Not saved: the 24/7 line is never skipped: it ends every transfer",
        ),
        (
            {"helpline": "elm_text", "choice": "skip"},
            "Not saved: choose a helpline that transfers ring",
        ),
        (
            {"helpline": "nobody", "choice": "skip"},
            "Not saved: choose a helpline that transfers ring",
        ),
        (
            {"helpline": "respect", "choice": "maybe"},
            "Not saved: choose 'try it anyway', 'skip it' or 'automatic'",
        ),
    ],
)
def test_overrides_that_cannot_be_are_refused_saying_why(
    app: Flask, editor: Browser, form: dict[str, str], said: str
) -> None:
    assert flashed(editor, editor.post("/console/helplines/override", form)) == [said]
    assert app.extensions["ivr.store"].audit(kind="health override") == []


def test_a_viewer_sees_the_health_but_cannot_override(app: Flask, accounts: Accounts) -> None:
    viewer = signed_in(app, accounts, "viewer")
    page = viewer.text(viewer.get("/console/"))
    assert 'id="watch"' in page and "Try it anyway" not in page
    refused = viewer.post("/console/helplines/override", {"helpline": "respect", "choice": "skip"})
    assert refused.status_code == 403


def now_page(app: Flask, email: str) -> str:
    viewer = signed_in(app, Accounts(app.extensions["ivr.store"]), "viewer", email)
    return words(viewer.text(viewer.get("/console/")))


def test_where_alert_emails_go_and_why_they_are_off(tmp_path: Path) -> None:
    on = create_app(
        config(
            tmp_path / "on",
            SESSION_COOKIE_SECURE=False,
            ALERT_EMAILS="staff@example.org",
            SMTP_URL="smtp+starttls://alerts:secret@smtp.example.org",
        )
    )
    page = now_page(on, "on@example.org")
    assert (
        "Sent to staff@example.org via smtp.example.org:587 (STARTTLS): when a helpline "
        "becomes doubtful or failing"
    ) in page
    assert "secret" not in page
    off = create_app(
        config(tmp_path / "off", SESSION_COOKIE_SECURE=False, ALERT_EMAILS="staff@example.org")
    )
    page = now_page(off, "off@example.org")
    assert "Alert emails are off: ALERT_EMAILS is set but SMTP_URL is not" in page
