"""Admin pages: staff accounts, and the audit log of every change (with a CSV download)."""

from __future__ import annotations

import csv
import io
import secrets
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from ivr.errors import IvrError
from ivr.menu.characters import check_plain
from ivr.menu.hours import LONDON
from ivr.report.summary import spreadsheet_cell
from ivr.staff.console.web import accounts, live_menu, me, needs, saved, store, who
from ivr.store.accounts import language_codes
from ivr.store.rows import ROLES, aware

AUDIT_ROWS = 500


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/staff", "staff", needs("admin")(staff))
    bp.add_url_rule("/staff/add", "add_staff", needs("admin")(add), methods=["POST"])
    bp.add_url_rule("/staff/role", "set_role", needs("admin")(set_role), methods=["POST"])
    bp.add_url_rule("/staff/disable", "disable", needs("admin")(disable), methods=["POST"])
    bp.add_url_rule("/staff/reset", "reset", needs("admin")(reset), methods=["POST"])
    bp.add_url_rule("/audit", "audit", needs("admin")(audit))
    bp.add_url_rule("/audit.csv", "audit_csv", needs("admin")(audit_csv))


def staff(password: str = "", email: str = "") -> str:
    return render_template(
        "console/staff.html",
        accounts=accounts().all(),
        roles=ROLES,
        menu_languages=live_menu().languages,
        me=me(),
        password=password,
        password_for=email,
    )


def _one_off_password() -> str:
    """A password to pass on in person, changed by a reset if ever it leaks."""
    return "-".join(secrets.token_urlsafe(6) for _ in range(3))


def add() -> Any:
    form = request.form
    password = _one_off_password()
    email = form.get("email", "")
    done = saved(
        lambda: accounts().add(
            email,
            form.get("name", ""),
            form.get("role", ""),
            password,
            who(),
            language_codes(form.get("languages", "")),
            tuple(live_menu().languages),
        ),
        f"{email.strip().lower()} can sign in with the password shown once below.",
    )
    return staff(password, email.strip().lower()) if done else redirect(url_for("console.staff"))


def set_role() -> Any:
    form = request.form
    email, role = form.get("email", ""), form.get("role", "")
    codes = language_codes(form.get("languages", "")) if role == "reviewer" else ()
    known = tuple(live_menu().languages)
    saved(
        lambda: accounts().set_role(email, role, who(), codes, known),
        f"{email} is now {role}" + (f" of {', '.join(codes)}." if codes else "."),
    )
    return redirect(url_for("console.staff"))


def disable() -> Any:
    email = request.form.get("email", "")
    saved(lambda: accounts().disable(email, who()), f"{email} can no longer sign in.")
    return redirect(url_for("console.staff"))


def reset() -> Any:
    email = request.form.get("email", "")
    password = _one_off_password()
    done = saved(
        lambda: accounts().reset(email, password, who()),
        f"{email} has a new password (shown once below); two-factor is cleared.",
    )
    return staff(password, email) if done else redirect(url_for("console.staff"))


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        flash(f"'{text}' is not a date like 2026-12-24: not used as a filter.", "error")
        return None


def _plain(name: str, text: str) -> str:
    """A name or kind to filter by; one with a control character (nothing stored has one,
    and PostgreSQL cannot even compare a NUL) is not used."""
    try:
        check_plain(text, f"the '{name}' filter")
    except IvrError as e:
        flash(f"Not used as a filter: {e}.", "error")
        return ""
    return text


def _entries() -> tuple[list[Any], dict[str, str]]:
    args = request.args
    chosen = {k: args.get(k, "") for k in ("who", "kind", "from", "to")}
    chosen |= {k: _plain(k, chosen[k]) for k in ("who", "kind")}
    start, end = _day(chosen["from"]), _day(chosen["to"])
    since = datetime.combine(start, time(), LONDON) if start else None
    before = datetime.combine(end + timedelta(days=1), time(), LONDON) if end else None
    rows = store().audit(AUDIT_ROWS, chosen["who"], chosen["kind"], since, before)
    return rows, chosen


def audit() -> str:
    rows, chosen = _entries()
    people, kinds = store().audit_names()
    return render_template(
        "console/audit.html",
        rows=rows,
        chosen=chosen,
        people=people,
        kinds=kinds,
        limit=AUDIT_ROWS,
    )


def audit_csv() -> Response:
    rows, _ = _entries()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["when (London)", "who", "channel", "kind", "what", "before", "after"])
    for row in rows:
        cells = (row.who, row.channel, row.kind, row.subject, row.before, row.after)
        writer.writerow([_london(row.at), *(spreadsheet_cell(c) for c in cells)])
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )


def _london(moment: datetime) -> str:
    return f"{aware(moment).astimezone(LONDON):%Y-%m-%d %H:%M:%S}"
