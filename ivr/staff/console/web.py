"""The console's blueprint and what every page shares: roles, headers, CSRF, the store.

This console decides which number a frightened person is put through to, so: sessions
kept in the store (ivr.store.sessions: ended at sign-out, by a reset or disable, after 30
minutes idle or 12 hours), named by a random token in a cookie signed with SECRET_KEY
that is HttpOnly, SameSite=Lax and Secure (except for `ivr serve`'s local trial on
127.0.0.1), CSRF on every form, a Content-Security-Policy with no inline script and no
caching on every answer under /console (a missing page too), and every page but sign-in
behind a role. While the database cannot be reached, a page says so (503), plainly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar, cast

from flask import Blueprint, Flask, Response, abort, current_app, flash, render_template, request
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from ivr.audio.prompts import PromptAudio
from ivr.call.availability import Availability
from ivr.errors import IvrError
from ivr.line import LiveLine
from ivr.menu.hours import LONDON
from ivr.menu.model import Menu
from ivr.store import trouble
from ivr.store.accounts import Accounts
from ivr.store.changes import Store
from ivr.store.live import Live
from ivr.store.rows import Account, Who, aware
from ivr.store.sessions import LONGEST, Sessions

log = logging.getLogger(__name__)
PREFIX = "/console"
bp = Blueprint(
    "console", __name__, url_prefix=PREFIX, template_folder="templates", static_folder="static"
)
csrf = CSRFProtect()
login = LoginManager()
login.login_view = "console.sign_in"
login.login_message = "Please sign in to use the console."
login.session_protection = "strong"

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self' blob: data:",  # a recording before upload; a preview's speech
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
F = TypeVar("F", bound=Callable[..., Any])


class User:
    """Flask-Login's view of a signed-in session: the account, and the session's token
    (what the cookie carries, and all it carries)."""

    is_anonymous = False

    def __init__(self, account: Account, token: str) -> None:
        self.account = account
        self.token = token

    @property
    def is_authenticated(self) -> bool:
        return not self.account.disabled

    @property
    def is_active(self) -> bool:
        return not self.account.disabled

    def get_id(self) -> str:
        return self.token


def _load(token: str) -> User | None:
    """The session's person, while the store says the session is open."""
    account = sessions().signed_in(token)
    return User(account, token) if account else None


def init_security(app: Flask) -> None:
    """Sessions, CSRF and the console's headers on app."""
    # Flask defines these keys (so setdefault would keep its defaults): set, not defaulted.
    # SESSION_COOKIE_SECURE is the app's setting (True unless a local trial turns it off).
    secure = bool(app.config["SESSION_COOKIE_SECURE"])
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["PERMANENT_SESSION_LIFETIME"] = LONGEST  # a signed cookie older is not read
    # The console never sets Flask-Login's "remember me" cookie; were it ever, the same
    app.config["REMEMBER_COOKIE_SECURE"] = secure
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    app.config["REMEMBER_COOKIE_DURATION"] = LONGEST
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)  # a working day
    # A recording upload (decode.MAX_BYTES) and a menu pasted in full fit; nothing bigger
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_CONTENT_LENGTH"] or 25 * 2**20
    app.config["MAX_FORM_MEMORY_SIZE"] = max(app.config["MAX_FORM_MEMORY_SIZE"] or 0, 2 * 2**20)
    # Only the console's forms carry a token; Twilio's webhooks are signed instead
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)
    login.init_app(app)
    login.user_loader(_load)
    app.add_template_filter(london)
    app.jinja_env.globals["zip"] = zip


def london(moment: datetime) -> str:
    """A time as staff read it: 'Wed 25 Nov 2026 18:05' in London."""
    return f"{aware(moment).astimezone(LONDON):%a %d %b %Y %H:%M}"


@bp.before_request
def _csrf() -> None:
    """Every POST, PUT, PATCH or DELETE to the console carries the form's token."""
    csrf.protect()


def in_console() -> bool:
    """Whether this request is for a console path (a page that does not exist too)."""
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def security_headers() -> dict[str, str]:
    """What every console answer carries: its CSP, no caching, sniffing or framing."""
    return {
        "Content-Security-Policy": CSP,
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
    }


@bp.after_app_request
def _headers(response: Response) -> Response:
    """On every answer under /console: a path no route matched, a 405 or a 500 included
    (those never reach the blueprint's own hooks)."""
    if not in_console():
        return response
    response.headers.update(security_headers())
    return response


@bp.errorhandler(CSRFError)
def _csrf_refused(error: CSRFError) -> tuple[str, int]:
    message = (
        "This form had expired or did not come from the console, so nothing was saved. "
        "Go back, reload the page and try again."
    )
    return render_template("console/error.html", title="Not saved", message=message), 400


@bp.errorhandler(403)
def _forbidden(error: Exception) -> tuple[str, int]:
    message = "Your role does not include this page. An admin can change your role."
    return render_template("console/error.html", title="Not allowed", message=message), 403


@bp.errorhandler(404)
def _missing(error: Exception) -> tuple[str, int]:
    message = "There is no such page in the console."
    return render_template("console/error.html", title="Not found", message=message), 404


def needs(role: str) -> Callable[[F], F]:
    """Only signed-in people whose role includes role; others sign in, or get 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
            if not me().may(role):
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorate


def me() -> Account:
    """The signed-in person's account."""
    return cast(User, current_user).account


def who() -> Who:
    """The signed-in person, for the audit log."""
    return Who(me().name, "console")


def store() -> Store:
    return cast(Store, current_app.extensions["ivr.store"])


def accounts() -> Accounts:
    return Accounts(store())


def sessions() -> Sessions:
    return Sessions(store())


def line() -> LiveLine:
    """What callers hear now (ivr.line): every page asks it, never a copy of its own."""
    return cast(LiveLine, current_app.extensions["ivr.line"])


def prompt_audio() -> PromptAudio:
    return line().prompts


def live() -> Live:
    """This worker's poller of the store: whether it is reachable, and a refresh now."""
    return cast(Live, current_app.extensions["ivr.live"])


def live_menu() -> Menu:
    """The menu calls are answered with now."""
    return line().menu


def availability() -> Availability:
    """Who is open by the hours and closures in force (the watch aside: its own page)."""
    return Availability(line().menu, line().closures, current_app.config["CLOCK"])


def refreshed() -> None:
    """After a change: this worker's copy of the store now, not in a second."""
    live().refresh()


def saved(action: Callable[[], Any], done: str | Callable[[Any], str]) -> bool:
    """Run a change; flash done (or what done makes of the change's result), or what
    went wrong (a mistake, or the database)."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        result = action()
    except IvrError as e:
        flash(f"Not saved: {e}", "error")
        return False
    except SQLAlchemyError as e:
        log.warning("a console change was not saved: %s", trouble.reason(e))
        flash(trouble.not_saved(e), "error")
        return False
    refreshed()
    flash(done if isinstance(done, str) else done(result), "done")
    return True


def publish_menu(text: str, name: str, note: str, based_on: int | None = None) -> None:
    """Publish a menu text in the signed-in person's name (MenuError if a check fails;
    Conflict if a version after based_on was published meanwhile); say so when its
    speech could not be made."""
    from ivr.staff.publish import publish

    config = current_app.config
    prompts_dir, cache = Path(config["PROMPTS_DIR"]), Path(config["STATE_DIR"]) / "audio"
    done = publish(store(), text, name, who(), note, prompts_dir, cache, based_on)
    if done.warning:
        flash(
            f"Speech could not be made ({done.warning}): until it is, callers hear "
            "Twilio's voice for the changed words.",
            "error",
        )
