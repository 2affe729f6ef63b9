"""People signing in to the console in tests, on a clock the test moves (never the wall
clock): accounts, TOTP codes and sessions all read the store's clock."""

from __future__ import annotations

from datetime import datetime, timedelta

import pyotp
from flask import Flask
from werkzeug.test import TestResponse

from ivr.store.accounts import Accounts
from ivr.store.changes import Store
from ivr.store.rows import Who
from tests.helpers import NOON
from tests.helpers.browser import Browser

PASSWORD = "correct horse battery staple"
CLI = Who("test", "cli")
SIGN_IN = "/console/sign-in"


class Clock:
    """The store's clock in a test: it moves only when told."""

    def __init__(self, start: datetime = NOON) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **how_long: float) -> None:
        self.now += timedelta(**how_long)


def store_of(app: Flask) -> Store:
    return app.extensions["ivr.store"]  # type: ignore[no-any-return]


def on_clock(app: Flask) -> Clock:
    """Put the app's store (accounts, codes, sessions) on a clock of the test's own."""
    clock = Clock()
    store_of(app).clock = clock
    return clock


def clock_of(app: Flask) -> Clock:
    clock = store_of(app).clock
    assert isinstance(clock, Clock), "on_clock(app) first: tests never read the wall clock"
    return clock


def accounts_of(app: Flask) -> Accounts:
    return Accounts(store_of(app))


def add(app: Flask, role: str, email: str = "", two_factor: bool = False) -> str:
    """An account (email: role@example.org); its TOTP key if two-factor is on, else ""."""
    email = email or f"{role}@example.org"
    accounts = accounts_of(app)
    languages = ("pl",) if role == "reviewer" else ()  # a reviewer of Polish
    account = accounts.add(email, f"{role.title()} Person", role, PASSWORD, CLI, languages)
    if not two_factor:
        return ""
    secret = pyotp.random_base32()
    assert accounts.enrol(account.id, secret, code(app, secret), CLI)
    clock_of(app).advance(seconds=30)  # a code is used once: signing in needs the next
    return secret


def code(app: Flask, secret: str) -> str:
    """The code an authenticator app shows now, by the store's clock."""
    return str(pyotp.TOTP(secret).at(clock_of(app)()))


def password_only(app: Flask, email: str, password: str = PASSWORD) -> Browser:
    """A browser that has given the right password and nothing more."""
    browser = Browser(app)
    answer = browser.post(SIGN_IN, {"email": email, "password": password})
    assert answer.status_code == 302, browser.text(answer)
    browser.get(answer.headers["Location"])
    return browser


def signed_in(app: Flask, role: str, email: str = "") -> Browser:
    """A browser signed in with role (an admin with its code, as every admin has one)."""
    email = email or f"{role}@example.org"
    secret = add(app, role, email, two_factor=role == "admin")
    browser = password_only(app, email)
    if secret:
        answer = browser.post(f"{SIGN_IN}/code", {"code": code(app, secret)})
        assert answer.status_code == 302, browser.text(answer)
        browser.get(answer.headers["Location"])  # a new session: a new CSRF token
    assert browser.get("/console/").status_code == 200
    return browser


def refused(answer: TestResponse) -> bool:
    """Whether an answer sends the browser to sign in (what every page does without a
    signed-in session)."""
    location = answer.headers.get("Location", "")
    return answer.status_code == 302 and location.startswith(SIGN_IN)
