"""The console's smaller refusals (issue 20, item 18): a reset clears the failure count,
`next=` never breaks a header, every /console answer carries the security headers, a
database that cannot be reached is said plainly, and a name must be plain text.
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy.exc import IntegrityError

from ivr import create_app
from ivr.commands.main import main
from ivr.staff.console.web import CSP
from ivr.store.db import make_engine
from tests.helpers import config
from tests.helpers.browser import Browser, flashed
from tests.helpers.console_people import (
    CLI,
    PASSWORD,
    SIGN_IN,
    accounts_of,
    add,
    on_clock,
    refused,
    signed_in,
    store_of,
)

# A PostgreSQL port nothing listens on: the database as it is when it is down
NOWHERE = "postgresql+psycopg://ivr:ivr@127.0.0.1:9/none"


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    app = create_app(config(tmp_path))
    on_clock(app)
    return app


def ivr_staff(
    app: Flask, monkeypatch: pytest.MonkeyPatch, *args: str, password: str = ""
) -> tuple[int, str]:
    """`ivr staff …` on the app's own store."""
    monkeypatch.setenv("STATE_DIR", app.config["STATE_DIR"])
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    stdin = password + "\n" if password else ""
    result = CliRunner().invoke(main, ["staff", *args], input=stdin)
    return result.exit_code, result.output


# `ivr staff reset` and the failure count


def test_a_reset_clears_the_failures_counted_towards_the_lock(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    add(app, "editor")
    accounts = accounts_of(app)
    for _ in range(4):
        assert Browser(app).post(SIGN_IN, {"email": "editor@example.org", "password": "typo"})
    said = ivr_staff(app, monkeypatch, "reset", "editor@example.org", password=PASSWORD)
    assert said[0] == 0, said
    Browser(app).post(SIGN_IN, {"email": "editor@example.org", "password": "one more typo"})
    assert accounts.locked_until("editor@example.org") is None  # one typo does not lock
    assert accounts.sign_in("editor@example.org", PASSWORD).email == "editor@example.org"


# next=


NEXT = [  # next= as sent (URL-encoded), and where signing in then goes
    ("/console/%0d%0aSet-Cookie:%20x=1", "/console/"),
    ("/console/hours%0a", "/console/"),
    ("/console/%00", "/console/"),
    ("/console/hours%20now", "/console/"),
    ("https://evil.example/console/", "/console/"),
    ("//evil.example/console/", "/console/"),
    ("/console//evil.example", "/console/"),
    ("/console/%5Cevil.example", "/console/"),
    ("/console/hours", "/console/hours"),
    ("/console/words/goodbye%3Fx%3D1", "/console/words/goodbye?x=1"),
]


def test_next_goes_only_to_a_console_page_and_never_breaks_a_header(app: Flask) -> None:
    add(app, "editor")
    went = []
    for asked, _ in NEXT:
        browser = Browser(app)
        answer = browser.post(
            f"{SIGN_IN}?next={asked}", {"email": "editor@example.org", "password": PASSWORD}
        )
        went.append((asked, answer.status_code, answer.headers.get("Location")))
    assert went == [(asked, 302, goes_to) for asked, goes_to in NEXT]


# Security headers on every answer under /console


def assert_console_headers(answer: object) -> None:
    headers = answer.headers  # type: ignore[attr-defined]
    assert headers["Content-Security-Policy"] == CSP
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


def test_unknown_console_paths_carry_the_security_headers(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = signed_in(app, "editor")
    for path in ("/console/nothing", "/console/nothing/%0aforged", "/console/static/none.js"):
        for browser in (editor, Browser(app)):
            answer = browser.get(path)
            assert answer.status_code == 404, path
            assert_console_headers(answer)
    wrong_method = editor.client.delete("/console/")
    assert wrong_method.status_code == 405
    assert_console_headers(wrong_method)

    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("ivr.staff.console.now.states", broken)
    failed = editor.get("/console/")
    assert failed.status_code == 500
    assert_console_headers(failed)
    # Not the line's own answers: a health check is not a console page
    assert "Content-Security-Policy" not in Browser(app).get("/healthz").headers


# The database cannot be reached


def test_every_console_page_says_plainly_when_the_database_cannot_be_reached(
    app: Flask,
) -> None:
    editor = signed_in(app, "editor")
    newcomer = Browser(app)
    assert newcomer.get(SIGN_IN).status_code == 200
    store = store_of(app)
    working, store.engine = store.engine, make_engine(NOWHERE)
    try:
        answers = [
            editor.get("/console/"),  # the session itself is looked up in the database
            editor.get("/console/hours"),
            newcomer.post(SIGN_IN, {"email": "editor@example.org", "password": PASSWORD}),
            newcomer.get(SIGN_IN),  # the form needs no database: it is shown
        ]
    finally:
        store.engine.dispose()
        store.engine = working
    for answer in answers[:3]:
        page = html.unescape(editor.text(answer))
        assert answer.status_code == 503, page
        assert "The database cannot be reached" in page
        assert "Calls are not affected" in page
        assert answer.headers["Retry-After"] == "60"
        assert "Sign out" not in page  # nothing on it needs the database
        assert_console_headers(answer)
    assert answers[3].status_code == 200
    assert editor.get("/console/").status_code == 200  # back, still signed in


def test_a_database_error_of_another_kind_is_not_called_unreachable(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = signed_in(app, "editor")

    def refused_by_the_database(*args: object) -> None:
        raise IntegrityError("insert", {}, Exception("duplicate key"))

    monkeypatch.setattr("ivr.staff.console.now.states", refused_by_the_database)
    answer = editor.get("/console/")
    assert answer.status_code == 500 and "cannot be reached" not in editor.text(answer)


# A staff name (and email) must be plain text


NAMES = [  # a name with a character that is not plain text, and what is said of it
    ("Eve\x00Editor", "U+0000"),
    ("Eve\nEditor", "U+000A"),
    ("Eve\x1b[31m", "U+001B"),
    ("Eve\u202eretidE", "U+202E"),  # reads backwards in the audit log
    ("Eve\u2028Editor", "U+2028"),
    ("Eve\ufffe", "U+FFFE"),
]


def test_a_staff_name_with_a_control_character_is_refused_where_it_is(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = signed_in(app, "admin")
    for name, code_point in NAMES:
        message = (
            f"the name has a control character ({code_point}) at character 4: "
            "type it again without it"
        )
        args = ("add", "eve@example.org", "--name", name, "--role", "editor")
        assert ivr_staff(app, monkeypatch, *args, password=PASSWORD) == (1, f"Error: {message}\n")
        answer = admin.post(
            "/console/staff/add", {"email": "eve@example.org", "name": name, "role": "editor"}
        )
        assert flashed(admin, answer) == [f"Not saved: {message}"]
    assert accounts_of(app).find("eve@example.org") is None


def test_an_email_with_a_control_character_is_refused_at_every_door(app: Flask) -> None:
    admin = signed_in(app, "admin")
    message = (
        "Not saved: the email has a control character (U+0000) at character 4: type it "
        "again without it"
    )
    form = {"email": "eve\x00@example.org", "name": "Eve", "role": "editor"}
    for path in ("/console/staff/add", "/console/staff/role", "/console/staff/disable"):
        assert flashed(admin, admin.post(path, form)) == [message], path
    # Signing in with one is refused as any wrong email is: no account has it
    stranger = Browser(app)
    answer = stranger.post(SIGN_IN, {"email": "admin@example.org\x00", "password": PASSWORD})
    assert answer.status_code == 401 and refused(stranger.get("/console/"))
    assert accounts_of(app).locked_until("admin@example.org") is None
    accounts_of(app).add("eve@example.org", "Eve Editor", "editor", PASSWORD, CLI)  # plain: fine


def test_an_audit_filter_with_a_control_character_is_not_used(app: Flask) -> None:
    admin = signed_in(app, "admin")
    answer = admin.get("/console/audit?who=Ad%00min&kind=staff")
    assert answer.status_code == 200  # on PostgreSQL it was a 500: a NUL cannot be compared
    assert flashed(admin, answer) == [
        "Not used as a filter: the 'who' filter has a control character (U+0000) at "
        "character 3: type it again without it."
    ]
