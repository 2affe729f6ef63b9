"""A console visitor through Flask's test client: each form's CSRF token sent as the
pages send it, a staff member signed in (an admin with two-factor set up), and the
messages a page flashed."""

from __future__ import annotations

import html
import re
from typing import Any

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from ivr.store.accounts import Accounts
from ivr.store.rows import Who

PASSWORD = "correct horse battery staple"
CLI = Who("test", "cli")
TOKEN_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A test client that sends each form's CSRF token, as the pages do."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()
        self.token = ""

    def _seen(self, response: TestResponse) -> TestResponse:
        found = TOKEN_FIELD.search(response.get_data(as_text=True))
        if found:
            self.token = found.group(1)
        return response

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self._seen(self.client.get(path, **kwargs))

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        if not self.token:
            self.get("/console/sign-in")
        form = dict(data or {}) | {"csrf_token": self.token}
        return self._seen(self.client.post(path, data=form, **kwargs))

    def text(self, response: TestResponse) -> str:
        return str(response.get_data(as_text=True))


def signed_in(
    app: Flask, accounts: Accounts, role: str, email: str = "", languages: tuple[str, ...] = ()
) -> Browser:
    """A browser signed in with role (a reviewer of languages, Polish by default)."""
    email = email or f"{role}@example.org"
    if role == "reviewer":
        languages = languages or ("pl",)
    accounts.add(email, f"{role.title()} Person", role, PASSWORD, CLI, languages)
    browser = Browser(app)
    answer = browser.post("/console/sign-in", {"email": email, "password": PASSWORD})
    if role == "admin":
        page = browser.get(answer.headers["Location"])
        secret = re.search(r'class="key">([A-Z2-7]+)<', browser.text(page))
        assert secret
        code = pyotp.TOTP(secret.group(1)).now()  # accounts run on the real clock
        answer = browser.post("/console/sign-in/set-up", {"code": code})
    assert answer.status_code == 302, browser.text(answer)
    browser.get(answer.headers["Location"])  # signing in starts a new session: a new token
    return browser


def flashed(browser: Browser, response: TestResponse) -> list[str]:
    if response.status_code == 302:
        response = browser.get(response.headers["Location"])
    found = re.findall(
        r'<p class="flash [a-z]+" role="[a-z]+">([^<]*)</p>', browser.text(response)
    )
    return [html.unescape(f) for f in found]
