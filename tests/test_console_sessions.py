"""Console sessions (issue 20, items 3 and 4): kept in the store, ended by sign-out, a
reset or a disable, after 30 minutes idle or 12 hours; their cookies Secure, HttpOnly and
SameSite=Lax as the browser receives them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr import create_app
from ivr.commands.main import _local_app
from ivr.store.accounts import Accounts
from ivr.store.models import ConsoleSession
from ivr.store.sessions import CODE, ENROL, Sessions
from tests.helpers import REPO_MENU, TEST_DATABASE_URL, config
from tests.helpers.browser import Browser
from tests.helpers.console_people import (
    CLI,
    PASSWORD,
    SIGN_IN,
    accounts_of,
    add,
    code,
    on_clock,
    password_only,
    refused,
    signed_in,
    store_of,
)


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return create_app(config(tmp_path))


def copy_of(browser: Browser) -> Browser:
    """Another browser holding a copy of this one's cookie (as a thief would)."""
    cookie = browser.client.get_cookie("session")
    assert cookie is not None
    thief = Browser(browser.app)
    thief.client.set_cookie("session", cookie.value)
    return thief


# Item 4: sign-out, disable, reset and role changes end sessions


def test_a_cookie_copied_before_sign_out_opens_nothing_after(app: Flask) -> None:
    on_clock(app)
    editor = signed_in(app, "editor")
    thief = copy_of(editor)
    assert thief.get("/console/").status_code == 200  # the copy works while signed in
    out = editor.post("/console/sign-out")
    assert out.headers["Location"] == SIGN_IN
    for path in ("/console/", "/console/hours", "/console/account"):
        assert refused(thief.get(path)), path
    assert refused(editor.get("/console/"))


def test_signing_out_signs_the_person_out_of_every_browser(app: Flask) -> None:
    on_clock(app)
    at_work = signed_in(app, "editor")
    at_home = password_only(app, "editor@example.org")
    assert at_home.get("/console/").status_code == 200
    someone_else = signed_in(app, "viewer")
    at_work.post("/console/sign-out")
    assert refused(at_home.get("/console/"))
    assert someone_else.get("/console/").status_code == 200  # only that person's


@pytest.mark.parametrize(
    "change",
    [
        lambda app: accounts_of(app).disable("editor@example.org", CLI),
        lambda app: accounts_of(app).reset("editor@example.org", "a brand new password", CLI),
        lambda app: accounts_of(app).set_role("editor@example.org", "admin", CLI),
    ],
    ids=["disable", "reset (the only password change)", "made admin without two-factor"],
)
def test_a_change_to_the_account_ends_its_sessions(app: Flask, change: object) -> None:
    on_clock(app)
    editor = signed_in(app, "editor")
    thief = copy_of(editor)
    change(app)  # type: ignore[operator]
    assert refused(editor.get("/console/"))
    assert refused(thief.get("/console/"))


def test_thirty_minutes_without_a_page_end_a_session(app: Flask) -> None:
    clock = on_clock(app)
    editor = signed_in(app, "editor")
    for _ in range(3):  # each page seen within 30 minutes keeps it open
        clock.advance(minutes=29, seconds=59)
        assert editor.get("/console/hours").status_code == 200
    clock.advance(minutes=30, seconds=1)
    assert refused(editor.get("/console/"))
    clock.advance(seconds=1)
    assert refused(copy_of(editor).get("/console/"))  # ended: not back with time


def test_twelve_hours_after_the_password_a_session_ends_however_busy(app: Flask) -> None:
    clock = on_clock(app)
    editor = signed_in(app, "editor")
    for _ in range(12 * 3):
        clock.advance(minutes=20)
        assert editor.get("/console/hours").status_code == 200  # the last: 12 hours on
    clock.advance(seconds=1)
    assert refused(editor.get("/console/"))  # the password again
    assert password_only(app, "editor@example.org").get("/console/").status_code == 200
    assert stored_sessions(app) == 1  # the one that ended is not kept


def stored_sessions(app: Flask) -> int:
    with Session(store_of(app).engine) as session:
        return len(list(session.scalars(select(ConsoleSession))))


def test_sessions_that_ran_out_are_cleared_as_new_ones_open(app: Flask) -> None:
    clock = on_clock(app)
    signed_in(app, "viewer")
    signed_in(app, "editor")
    assert stored_sessions(app) == 2
    clock.advance(minutes=30, seconds=1)  # neither seen since
    password_only(app, "editor@example.org")
    assert stored_sessions(app) == 1


def test_a_signed_in_session_is_a_random_token_the_store_keeps_only_hashed(app: Flask) -> None:
    on_clock(app)
    editor = signed_in(app, "editor")
    cookie = editor.client.get_cookie("session")
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    token = serializer.loads(cookie.value)["_user_id"]
    assert len(token) >= 40  # 32 random bytes
    with Session(store_of(app).engine) as session:
        stored = list(session.scalars(select(ConsoleSession.token_hash)))
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]


def test_the_password_alone_opens_a_session_for_its_second_step_only(app: Flask) -> None:
    clock = on_clock(app)
    secret = add(app, "admin", two_factor=True)
    add(app, "admin", "new-admin@example.org")
    sessions = Sessions(store_of(app))
    pending = password_only(app, "admin@example.org")
    assert refused(pending.get("/console/"))
    enrolling = password_only(app, "new-admin@example.org")
    assert refused(enrolling.get("/console/"))
    # Five minutes for the code; then the password again
    clock.advance(minutes=5, seconds=1)
    assert refused(pending.post(f"{SIGN_IN}/code", {"code": code(app, secret)}))
    assert refused(enrolling.get(f"{SIGN_IN}/set-up"))
    account = accounts_of(app).find("admin@example.org")
    assert account is not None
    started, stage = sessions.start(account)
    assert stage == CODE and sessions.pending(started, CODE) == account
    assert sessions.pending(started, ENROL) is None
    assert sessions.signed_in(started) is None  # not signed in before the code
    assert sessions.promote("no such token") is None
    promoted = sessions.promote(started)
    assert promoted and promoted != started and sessions.signed_in(promoted) == account
    assert sessions.promote(promoted) is None  # signed in already: nothing to promote
    sessions.end_everywhere("no such token")  # nothing to end: nothing happens
    assert sessions.signed_in(promoted) == account


def test_a_reset_between_the_code_and_signing_in_leaves_the_person_signed_out(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_clock(app)
    secret = add(app, "admin", two_factor=True)
    add(app, "admin", "other-admin@example.org")
    pending = password_only(app, "admin@example.org")
    right = Accounts.second_factor

    def reset_as_the_code_is_checked(self: Accounts, account_id: int, given: str) -> bool:
        # Another admin's reset lands in the store just as the right code is taken
        answer = right(self, account_id, given)
        self.reset("admin@example.org", "a brand new password", CLI)
        return answer

    monkeypatch.setattr(Accounts, "second_factor", reset_as_the_code_is_checked)
    answer = pending.post(f"{SIGN_IN}/code", {"code": code(app, secret)})
    assert answer.headers["Location"] == SIGN_IN
    assert refused(pending.get("/console/"))


# Item 3: the cookies as the browser receives them


def _set_cookies(browser: Browser, path: str, data: dict[str, str] | None = None) -> list[str]:
    answer = browser.post(path, data) if data is not None else browser.get(path)
    return answer.headers.getlist("Set-Cookie")


def test_cookies_under_gunicorn_are_secure_httponly_and_samesite_lax(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As the Procfile starts it: `ivr:create_app()`, every setting from the environment
    for name, value in {
        "TWILIO_AUTH_TOKEN": "made-up-test-token-0123456789abcdef",
        "SECRET_KEY": "made-up-test-secret-key",
        "IVR_MENU": str(REPO_MENU),
        "PROMPTS_DIR": str(REPO_MENU.parent / "prompts"),
        "STATE_DIR": str(tmp_path / "state"),
    }.items():
        monkeypatch.setenv(name, value)
    if TEST_DATABASE_URL:
        monkeypatch.setenv("DATABASE_URL", TEST_DATABASE_URL)
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    on_clock(app)
    secret = add(app, "admin", two_factor=True)
    browser = Browser(app)
    said = _set_cookies(browser, SIGN_IN)
    said += _set_cookies(browser, SIGN_IN, {"email": "admin@example.org", "password": PASSWORD})
    said += _set_cookies(browser, f"{SIGN_IN}/code")
    said += _set_cookies(browser, f"{SIGN_IN}/code", {"code": code(app, secret)})
    said += _set_cookies(browser, "/console/")
    said += _set_cookies(browser, "/console/sign-out", {})
    sessions = [c for c in said if c.startswith("session=")]
    assert len(sessions) >= 4
    for cookie in sessions:
        attributes = [a.strip() for a in cookie.split(";")[1:]]
        assert "Secure" in attributes and "HttpOnly" in attributes, cookie
        assert "SameSite=Lax" in attributes, cookie
    for cookie in set(said) - set(sessions):
        # Flask-Login's "remember me" cookie is never set: at most it is told to go
        assert cookie.startswith("remember_token=;") and "Max-Age=0" in cookie, cookie
    assert app.config["REMEMBER_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_HTTPONLY"]
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"


def test_the_local_trial_on_127_0_0_1_drops_only_secure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("PROMPTS_DIR", str(REPO_MENU.parent / "prompts"))
    if TEST_DATABASE_URL:
        monkeypatch.setenv("DATABASE_URL", TEST_DATABASE_URL)
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    app, _ = _local_app(str(REPO_MENU))  # what `ivr serve` runs on http://127.0.0.1
    [cookie] = _set_cookies(Browser(app), SIGN_IN)
    attributes = [a.strip() for a in cookie.split(";")[1:]]
    assert "Secure" not in attributes
    assert "HttpOnly" in attributes and "SameSite=Lax" in attributes
    assert not app.config["REMEMBER_COOKIE_SECURE"]
