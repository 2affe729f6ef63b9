"""Signing in and out, and the second factor (TOTP): required for admins, optional else.

The password opens a session good for its second step only, for 5 minutes: the code, or
setting up two-factor for an admin without it (ivr.store.sessions). Then the person is
signed in, under a new token. Signing out ends the person's sessions in every browser.
"""

from __future__ import annotations

import re
from typing import Any, cast

import segno
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from ivr.staff.console.web import User, accounts, live_menu, me, needs, sessions
from ivr.store.accounts import new_secret, provisioning_uri
from ivr.store.rows import Account, Who
from ivr.store.sessions import CODE, ENROL, SIGNED_IN
from ivr.store.sign_in import SignInRefused

# The same words whatever was wrong: they never say whether an account exists
REFUSED = (
    "Sign-in failed. The email, password or code is wrong, or this email is locked for "
    "15 minutes after 5 failed tries. An admin can reset a forgotten password."
)
# Where to go once signed in: a console path of printable ASCII (no space, CR, LF or NUL
# that would break the Location header), never an outside address
NEXT = re.compile(r"/console/[!-~]*")


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/sign-in", "sign_in", sign_in, methods=["GET", "POST"])
    bp.add_url_rule("/sign-in/code", "code", code, methods=["GET", "POST"])
    bp.add_url_rule("/sign-in/set-up", "enrol", enrol, methods=["GET", "POST"])
    bp.add_url_rule("/sign-out", "sign_out", needs("viewer")(sign_out), methods=["POST"])
    bp.add_url_rule("/account", "account", needs("viewer")(account), methods=["GET", "POST"])


def safe_next(target: str) -> str:
    """The page asked for after sign-in if it is in the console, else the Now page."""
    if NEXT.fullmatch(target) and "//" not in target and "\\" not in target:
        return target
    return url_for("console.now")


def _pending_token() -> str:
    return str(session.get("pending", ""))


def _finish(token: str, account: Account) -> Response:
    """Signed in: a fresh cookie naming the session, and on to the page asked for."""
    accounts().succeeded(account.email)
    session.clear()
    login_user(User(account, token))
    return redirect(safe_next(request.args.get("next", "")))


def _second_step_done(account: Account) -> Response:
    signed = sessions().promote(_pending_token())
    if signed is None:  # ended meanwhile: a reset or a disable came first
        flash(REFUSED, "error")
        return redirect(url_for("console.sign_in"))
    return _finish(signed, account)


def sign_in() -> Any:
    if request.method == "POST":
        email = request.form.get("email", "")
        try:
            account = accounts().sign_in(email, request.form.get("password", ""))
        except SignInRefused:
            flash(REFUSED, "error")
            return render_template("console/sign_in.html", email=email), 401
        token, stage = sessions().start(account)
        if stage == SIGNED_IN:
            return _finish(token, account)
        session.clear()
        session["pending"] = token
        step = "console.code" if stage == CODE else "console.enrol"
        return redirect(url_for(step, next=request.args.get("next", "")))
    return render_template("console/sign_in.html", email="")


def code() -> Any:
    """The code from the app, after the password: its failures count towards the lock."""
    account = sessions().pending(_pending_token(), CODE)
    if account is None:
        return redirect(url_for("console.sign_in"))
    if request.method == "POST":
        if accounts().second_factor(account.id, request.form.get("code", "")):
            return _second_step_done(account)
        flash(REFUSED, "error")
        return render_template("console/code.html"), 401
    return render_template("console/code.html")


def _qr(secret: str, email: str) -> str:
    uri = provisioning_uri(secret, email, live_menu().settings.service_name)
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=2))


def _enrol_page(account_id: int, email: str, name: str, then: Any) -> Any:
    secret = session.get("enrol_secret") or new_secret()
    session["enrol_secret"] = secret
    if request.method == "POST":
        who = Who(name, "console")
        if accounts().enrol(account_id, secret, request.form.get("code", ""), who):
            session.pop("enrol_secret", None)
            return then()
        flash(
            "That code is not right for this key. Check the phone's clock, then try "
            "the newest code.",
            "error",
        )
    return render_template("console/enrol.html", qr=_qr(secret, email), secret=secret, email=email)


def enrol() -> Any:
    """Admins set up two-factor before their first page; only an account without it
    (an authenticator is replaced only after an admin's reset)."""
    account = sessions().pending(_pending_token(), ENROL)
    if account is None:
        return redirect(url_for("console.sign_in"))
    return _enrol_page(account.id, account.email, account.name, lambda: _second_step_done(account))


def sign_out() -> Response:
    """Ends the person's sessions in the store: a copy of this cookie opens nothing."""
    sessions().end_everywhere(cast(User, current_user).token)
    logout_user()
    session.clear()
    flash("You are signed out.", "done")
    return redirect(url_for("console.sign_in"))


def account() -> Any:
    """Your account: turn on two-factor (optional for viewers and editors)."""
    mine = me()
    if mine.two_factor:
        return render_template("console/account.html", account=mine)

    def done() -> Response:
        flash("Two-factor is on: you will be asked for a code at each sign-in.", "done")
        return redirect(url_for("console.account"))

    return _enrol_page(mine.id, mine.email, mine.name, done)
