"""The second factor (issue 20, items 1 and 2): a password alone opens nothing, sets up
no new authenticator, and a locked email is refused its right code too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from ivr import IvrError, create_app
from ivr.store.models import AuditEntry, StaffAccount
from tests.helpers import config
from tests.helpers.browser import Browser
from tests.helpers.console_people import (
    CLI,
    PASSWORD,
    SIGN_IN,
    accounts_of,
    add,
    clock_of,
    code,
    on_clock,
    password_only,
    refused,
    store_of,
)

SET_UP = f"{SIGN_IN}/set-up"
CODE_PAGE = f"{SIGN_IN}/code"
KEY = re.compile(r'class="key">([A-Z2-7]+)<')


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    app = create_app(config(tmp_path))
    on_clock(app)
    return app


def wrong_password(app: Flask, email: str, password: str = "a wrong password") -> TestResponse:
    return Browser(app).post(SIGN_IN, {"email": email, "password": password})


def totp_key(app: Flask, email: str) -> str:
    with Session(store_of(app).engine) as session:
        key = session.scalar(select(StaffAccount.totp_secret).where(StaffAccount.email == email))
    return str(key)


def enrolments(app: Flask) -> int:
    with Session(store_of(app).engine) as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.after == "two-factor on"))
        return len(list(rows))


# Item 1: the password alone


def test_a_password_alone_cannot_set_up_a_new_authenticator(app: Flask) -> None:
    real_key = add(app, "admin", two_factor=True)
    attacker = password_only(app, "admin@example.org")  # the admin's password, nothing more
    page = attacker.get(SET_UP)
    assert page.headers["Location"] == SIGN_IN and not KEY.search(attacker.text(page))
    own_key = pyotp.random_base32()
    tried = attacker.post(SET_UP, {"code": pyotp.TOTP(own_key).at(store_of(app).clock())})
    assert tried.headers["Location"] == SIGN_IN
    assert totp_key(app, "admin@example.org") == real_key and enrolments(app) == 1
    assert refused(attacker.get("/console/"))
    # The service refuses it whichever door asks: only a reset clears two-factor
    account = accounts_of(app).find("admin@example.org")
    assert account is not None
    with pytest.raises(IvrError, match="admin@example.org already has two-factor: an admin's"):
        accounts_of(app).enrol(account.id, own_key, code(app, own_key), CLI)
    assert totp_key(app, "admin@example.org") == real_key


def test_a_reset_ends_a_sign_in_waiting_for_its_code(app: Flask) -> None:
    add(app, "admin", two_factor=True)
    add(app, "admin", "other-admin@example.org", two_factor=True)
    attacker = password_only(app, "admin@example.org")
    # The admin's phone is lost; another admin resets the account (two-factor cleared)
    accounts_of(app).reset("admin@example.org", "a brand new password", CLI)
    assert attacker.get(SET_UP).headers["Location"] == SIGN_IN  # the old password's session
    assert attacker.get(CODE_PAGE).headers["Location"] == SIGN_IN
    assert enrolments(app) == 2  # nobody set up a new authenticator with the old password


def test_an_admin_without_two_factor_sets_it_up_and_only_then_is_signed_in(app: Flask) -> None:
    add(app, "admin")
    admin = password_only(app, "admin@example.org")
    assert refused(admin.get("/console/"))
    assert admin.get(CODE_PAGE).headers["Location"] == SIGN_IN  # no code to give yet
    page = admin.text(admin.get(SET_UP))
    key = KEY.search(page)
    assert key
    wrong = admin.post(SET_UP, {"code": "123456"})
    assert "That code is not right" in admin.text(wrong) and refused(admin.get("/console/"))
    right = admin.post(SET_UP, {"code": code(app, key.group(1))})
    assert right.headers["Location"] == "/console/"
    assert admin.get("/console/").status_code == 200
    assert totp_key(app, "admin@example.org") == key.group(1)


def test_a_pending_session_cannot_set_up_two_factor_on_its_account_page(app: Flask) -> None:
    add(app, "admin", two_factor=True)
    attacker = password_only(app, "admin@example.org")
    for method in (attacker.get, attacker.post):
        assert refused(method("/console/account"))


# Item 2: the code page and the lock-out


def test_a_locked_email_is_refused_its_right_code(app: Flask) -> None:
    key = add(app, "admin", two_factor=True)
    attacker = password_only(app, "admin@example.org")
    for _ in range(5):
        assert attacker.post(CODE_PAGE, {"code": "000000"}).status_code == 401
    assert accounts_of(app).locked_until("admin@example.org") is not None
    clock_of(app).advance(seconds=30)  # a fresh code
    right = attacker.post(CODE_PAGE, {"code": code(app, key)})
    assert right.status_code == 401 and refused(attacker.get("/console/"))
    # The service says the same to any door
    account = accounts_of(app).find("admin@example.org")
    assert account is not None and not accounts_of(app).second_factor(account.id, code(app, key))


def test_wrong_codes_and_wrong_passwords_count_together(app: Flask) -> None:
    key = add(app, "admin", two_factor=True)
    accounts = accounts_of(app)
    for _ in range(3):
        assert wrong_password(app, "admin@example.org").status_code == 401
    waiting = password_only(app, "admin@example.org")
    assert waiting.post(CODE_PAGE, {"code": "000000"}).status_code == 401
    assert accounts.locked_until("admin@example.org") is None
    assert waiting.post(CODE_PAGE, {"code": "000000"}).status_code == 401  # the fifth
    assert accounts.locked_until("admin@example.org") is not None
    assert waiting.post(CODE_PAGE, {"code": code(app, key)}).status_code == 401
    assert wrong_password(app, "admin@example.org", PASSWORD).status_code == 401  # locked
