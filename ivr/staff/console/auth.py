"""Signing in and out, and the second factor (TOTP): required for admins, optional else."""

from __future__ import annotations

import time
from typing import Any

import segno
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response

from ivr.staff.accounts import SignInRefused, new_secret, provisioning_uri
from ivr.staff.console.web import User, accounts, live_menu, me, needs
from ivr.store.changes import Who

# The same words whatever was wrong: they never say whether an account exists
REFUSED = (
    "Sign-in failed. The email, password or code is wrong, or this email is locked for "
    "15 minutes after 5 failed tries. An admin can reset a forgotten password."
)
PENDING_SECONDS = 300  # between the password and the code


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/sign-in", "sign_in", sign_in, methods=["GET", "POST"])
    bp.add_url_rule("/sign-in/code", "code", code, methods=["GET", "POST"])
    bp.add_url_rule("/sign-in/set-up", "enrol", enrol, methods=["GET", "POST"])
    bp.add_url_rule("/sign-out", "sign_out", needs("viewer")(sign_out), methods=["POST"])
    bp.add_url_rule("/account", "account", needs("viewer")(account), methods=["GET", "POST"])


def _start(account_id: int) -> None:
    """Password right: the code (or setting up two-factor) comes next, within 5 minutes."""
    session.clear()
    session["pending"] = account_id
    session["pending_at"] = time.time()


def _pending() -> int | None:
    started = session.get("pending_at", 0)
    if time.time() - float(started) > PENDING_SECONDS:
        return None
    pending = session.get("pending")
    return int(pending) if pending is not None else None


def _finish(account_id: int) -> Response:
    account = accounts().get(account_id)
    session.clear()
    if account is None or account.disabled:
        flash(REFUSED, "error")
        return redirect(url_for("console.sign_in"))
    accounts().succeeded(account.email)
    login_user(User(account))
    target = request.args.get("next", "")
    # Only a path in the console: never an outside address
    if not (target.startswith("/console/") and "//" not in target and "\\" not in target):
        target = url_for("console.now")
    return redirect(target)


def sign_in() -> Any:
    if request.method == "POST":
        email = request.form.get("email", "")
        try:
            account = accounts().sign_in(email, request.form.get("password", ""))
        except SignInRefused:
            flash(REFUSED, "error")
            return render_template("console/sign_in.html", email=email), 401
        if account.two_factor:
            _start(account.id)
            return redirect(url_for("console.code", next=request.args.get("next", "")))
        if account.role == "admin":
            _start(account.id)
            return redirect(url_for("console.enrol", next=request.args.get("next", "")))
        return _finish(account.id)
    return render_template("console/sign_in.html", email="")


def code() -> Any:
    pending = _pending()
    if pending is None:
        return redirect(url_for("console.sign_in"))
    if request.method == "POST":
        if accounts().second_factor(pending, request.form.get("code", "")):
            return _finish(pending)
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
    """Admins set up two-factor before their first page."""
    pending = _pending()
    account = accounts().get(pending) if pending is not None else None
    if account is None:
        return redirect(url_for("console.sign_in"))
    return _enrol_page(account.id, account.email, account.name, lambda: _finish(account.id))


def sign_out() -> Response:
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
