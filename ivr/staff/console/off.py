"""When the console cannot serve, it says why plainly (503); calls are never affected.

Two reasons: SECRET_KEY is not set (the console is off until it is: the line still
starts and answers calls), or the database fails a page (down, not answering, read-only).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, current_app, request
from sqlalchemy.exc import SQLAlchemyError

from ivr.logs import redact
from ivr.staff.console.web import PREFIX, security_headers
from ivr.store import trouble

log = logging.getLogger(__name__)
NO_SECRET_KEY = (
    "The console is off: SECRET_KEY is not set, and the console signs every sign-in with "
    "it. Calls are answered as usual. Whoever runs the line: set SECRET_KEY to a long "
    "random value (python -c 'import secrets; print(secrets.token_hex(32))') and restart."
)
CALLS_GO_ON = "Calls are not affected: every call is answered as usual."


def register(bp: Blueprint) -> None:
    bp.register_error_handler(SQLAlchemyError, database_trouble)


def init_off(app: Flask) -> None:
    """Without SECRET_KEY: every console page answers 503 with why (said loudly, once)."""
    if app.config["SECRET_KEY"]:
        return
    log.critical(
        "SECRET_KEY is not set: the staff console is OFF (every %s page answers 503) until "
        "it is set and the line restarted; calls are answered as usual",
        PREFIX,
    )
    app.before_request(_console_off)


def _console_off() -> tuple[str, int, dict[str, str]] | None:
    if request.path != PREFIX and not request.path.startswith(PREFIX + "/"):
        return None
    if request.endpoint == "console.static":
        return None  # the page below has its style
    return _page("The console is off", NO_SECRET_KEY)


def database_trouble(error: SQLAlchemyError) -> tuple[str, int, dict[str, str]]:
    """A console page the database failed: what happened, and that calls go on.

    A database that is down, slow or read-only is a wait (503, try again in a minute); one
    that refused what was asked of it is a fault of the console's own (500), never called
    unreachable.
    """
    log.warning("console page %s: %s", redact(request.path), trouble.reason(error))
    found = trouble.kind(error)
    if found == trouble.NO_ANSWER_TO_COMMIT:
        said = trouble.not_saved(error)
    else:
        said = f"Not available just now: {trouble.WHAT[found]}, so nothing was "
        said += "shown or changed. Try again in a minute."
    title = trouble.WHAT[found][0].upper() + trouble.WHAT[found][1:]
    status = 500 if found == trouble.REFUSED else 503
    return _page(title, f"{said} {CALLS_GO_ON}", status)


def _page(title: str, message: str, status: int = 503) -> tuple[str, int, dict[str, str]]:
    # A page of its own, rendered without Flask's context processors: the console's pages
    # ask who is signed in, and Flask-Login's would look the session up in the database
    template = current_app.jinja_env.get_template("console/off.html")
    page = template.render(title=title, message=message)
    headers = security_headers() | ({"Retry-After": "60"} if status == 503 else {})
    return page, status, headers
