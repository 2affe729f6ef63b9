"""The staff console: server-rendered pages to run the line from a browser.

Owns: web (the blueprint, its security headers and role checks), auth (sign-in, two
factor), off (why it cannot serve: no SECRET_KEY, a database failure), and one module per
page family: now, health (the helpline watch), prompts, words, review (fluent speakers
confirming their languages' texts), hours, menu, trial (with
trial_text and drafts: a line on a draft menu, beside the live one), admin.
Every change goes through the store's services (ivr.store.changes, accounts, reviews),
so it commits with its audit entry, in the person's name.
May import: ivr.menu, ivr.audio, ivr.call (availability, the watch), ivr.store,
ivr.published, ivr.line (what callers hear now, and drafts beside it), ivr.report (the
report page), ivr.simulate and ivr.simulate_text (the Try pages), ivr.staff.alerts,
Flask, Flask-Login, Flask-WTF; never ivr.app.
"""

from __future__ import annotations

from flask import Flask

from ivr.staff.console import (
    admin,
    auth,
    health,
    hours,
    menu,
    now,
    off,
    prompts,
    report,
    review,
    trial,
    words,
)
from ivr.staff.console.web import bp, init_security

__all__ = ["init_console"]

PAGES = (auth, now, health, prompts, words, review, hours, menu, trial, report, admin, off)
for _page in PAGES:  # once: the blueprint is shared by every app made in this process
    _page.register(bp)


def init_console(app: Flask) -> None:
    """Attach the console (under /console) to app."""
    init_security(app)
    off.init_off(app)
    app.register_blueprint(bp)
