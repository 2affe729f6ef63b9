"""The console in a real Chromium (Debian's), driven by Playwright: the browser, the app
on loopback as a page sees it, and signing in as staff do."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyotp
from flask import Flask
from werkzeug.serving import make_server

from ivr.store.accounts import Accounts
from tests.helpers import BASE, call_params, sign
from tests.helpers.browser import CLI, PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
Page = Any


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, launched by Playwright, with a fake microphone that records."""
    from playwright.sync_api import sync_playwright  # (skipped where not installed)

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


class Console:
    """The app on loopback, its accounts, and a way to ask it for a call's TwiML."""

    def __init__(self, app: Flask, url: str) -> None:
        self.app = app
        self.url = url
        self.accounts = Accounts(app.extensions["ivr.store"])

    def add(self, email: str, role: str, name: str = "", languages: tuple[str, ...] = ()) -> str:
        name = name or email.split("@")[0].title()
        self.accounts.add(email, name, role, PASSWORD, CLI, languages)
        return email

    def helpline_name(self, helpline_id: str) -> str:
        """As calls name it now (the worker has read the newest version)."""
        self.app.extensions["ivr.live"].refresh()
        return str(self.app.extensions["ivr.line"].renderer.menu.helplines[helpline_id].name)

    def call(self, path: str = "/voice", **params: str) -> str:
        """What Twilio would get for a webhook now."""
        data = call_params(**params)
        self.app.extensions["ivr.live"].refresh()
        answer = self.app.test_client().post(
            path, data=data, headers={"X-Twilio-Signature": sign(BASE + path, data)}
        )
        return str(answer.get_data(as_text=True))


@contextmanager
def served_console(tmp_path: Path) -> Iterator[Console]:
    """An app with a copy of the shipped prompts, served on loopback for a browser."""
    from ivr import create_app
    from tests.helpers import REPO_MENU, config

    prompts = tmp_path / "prompts"
    shutil.copytree(REPO_MENU.parent / "prompts", prompts)
    app = create_app(config(tmp_path, PROMPTS_DIR=str(prompts), SESSION_COOKIE_SECURE=False))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield Console(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()


def sign_in(page: Page, console: Console, email: str, password: str = PASSWORD) -> None:
    page.goto(console.url + "/console/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_in_admin(page: Page, console: Console, email: str = "ada@example.org") -> None:
    """An admin's first sign-in sets up two-factor, from the key shown as text."""
    console.add(email, "admin", "Ada Admin")
    sign_in(page, console, email)
    secret = page.locator("code.key").inner_text().strip()
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor").click()
    page.get_by_role("heading", name="Now").wait_for()


def flash(page: Page) -> str:
    return str(page.locator(".flash").first.inner_text())
