"""The Flask app: the menu checked at start-up, webhooks, audio, staff recording."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any

from flask import Flask, redirect
from twilio.request_validator import RequestValidator
from werkzeug.middleware.proxy_fix import ProxyFix

from ivr import logs, paths
from ivr.audio.journeys import prompt_seconds
from ivr.call import media
from ivr.call.availability import utc_now
from ivr.call.form import Environ, Params
from ivr.call.voice import init_app
from ivr.call.watch import Watch, limits
from ivr.errors import IvrError
from ivr.fetch import DEADLINE_SECONDS
from ivr.line import LiveLine, Parts
from ivr.menu.load import load_menu
from ivr.report.events import counter, watched
from ivr.report.tally import KEEP_DAYS, Tally
from ivr.report.texts import text_counter
from ivr.staff import phone as staff
from ivr.staff.alerts import Mail, Mailer, mail_settings
from ivr.staff.console import init_console
from ivr.store.changes import Store
from ivr.store.db import database_url, shared_engine
from ivr.store.deadline import Deadline
from ivr.store.dials import DialNotes
from ivr.store.health import HealthStore
from ivr.store.legacy import prepare
from ivr.store.live import Live
from ivr.store.pins import PinLockout

log = logging.getLogger(__name__)


def build_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; refuse to start without an auth token or with a broken menu (and
    start without SECRET_KEY: calls come first, the console says it is off)."""
    app = Flask(__name__)
    # A doubled slash is a path we do not have (404), not a redirect Twilio would follow
    app.url_map.merge_slashes = False
    app.config.from_mapping(
        TWILIO_AUTH_TOKEN=os.environ.get("TWILIO_AUTH_TOKEN", ""),
        PUBLIC_BASE_URL=os.environ.get("PUBLIC_BASE_URL", ""),
        IVR_MENU=str(paths.menu_file()),
        PROMPTS_DIR=str(paths.prompts_dir()),
        STAFF_PIN=os.environ.get("STAFF_PIN", ""),
        TWILIO_ACCOUNT_SID=os.environ.get("TWILIO_ACCOUNT_SID", ""),
        # Recordings are fetched from here only (a local fake in tests)
        TWILIO_API_BASE=os.environ.get("TWILIO_API_BASE", "https://api.twilio.com"),
        # How long a recording may take to fetch (tests wait less)
        FETCH_SECONDS=DEADLINE_SECONDS,
        # The SQLite store (without DATABASE_URL) and the local audio cache
        STATE_DIR=str(paths.state_dir()),
        CLOCK=utc_now,  # `ivr simulate --at` and tests set their own
        # The store: DATABASE_URL, else an SQLite file in STATE_DIR (made on first use)
        DATABASE_URL=None,
        # How many proxies in front may set X-Forwarded-* (the Procfile's platform: 1)
        TRUSTED_PROXIES=os.environ.get("TRUSTED_PROXIES", "0"),
        # Signs console sessions, so a restart or another instance keeps them; without it
        # the line answers calls and the console is off (ivr.staff.console.off)
        SECRET_KEY=os.environ.get("SECRET_KEY", ""),
        # Console cookies only over HTTPS; `ivr serve` (127.0.0.1 only) turns it off
        SESSION_COOKIE_SECURE=True,
        # A draft menu tried in the console: its own menu, not the published one
        FOLLOW_PUBLISHED=True,
        # Hourly call counts older than this are deleted (the report's retention)
        REPORT_KEEP_DAYS=os.environ.get("REPORT_KEEP_DAYS", str(KEEP_DAYS)),
        # The helpline watch's alert emails (ivr/staff/alerts.py says how)
        ALERT_EMAILS=os.environ.get("ALERT_EMAILS", ""),
        SMTP_URL=os.environ.get("SMTP_URL", ""),
        ALERT_FROM=os.environ.get("ALERT_FROM", ""),
    )
    if config:
        app.config.update(config)
    token = app.config["TWILIO_AUTH_TOKEN"]
    if not token:
        raise IvrError(
            "TWILIO_AUTH_TOKEN is not set: the line will not start without it, "
            "because every webhook must be checked (for a local trial run `ivr simulate`)"
        )
    repo_menu = load_menu(app.config["IVR_MENU"])
    url = app.config["DATABASE_URL"] or database_url(Path(app.config["STATE_DIR"]))
    app.config["DATABASE_URL"] = url
    engine = shared_engine(url)
    app.extensions["ivr.store"] = Store(engine)
    if url.startswith("sqlite"):
        # A local file is made on first use (PostgreSQL migrates at release)
        state, folder = Path(app.config["STATE_DIR"]), Path(app.config["PROMPTS_DIR"])
        for said in prepare(url, app.extensions["ivr.store"], state, folder):
            log.warning("%s", said)
    app.extensions["ivr.pins"] = PinLockout(engine)
    # The helpline watch: transfers' results noted in memory, written in the background
    health = HealthStore(app.extensions["ivr.store"])
    watch = Watch(
        health,
        limits=lambda: limits(line.renderer.settings),
        clock=lambda: app.config["CLOCK"](),
    )
    app.extensions["ivr.watch"] = watch
    # The text line's place is signed with SECRET_KEY, else (the line starts without it)
    # with the auth token, under a salt of its own: never with an empty key, which anyone
    # could sign with
    parts = Parts(
        # Made absolute once: Flask would take a relative path as inside the package
        root=Path(app.config["PROMPTS_DIR"]).resolve(),
        store=app.extensions["ivr.store"],
        cache=Path(app.config["STATE_DIR"]).resolve() / "audio",
        clock=lambda: app.config["CLOCK"](),
        watch=watch,
        accepted=DialNotes(app.extensions["ivr.store"]),
        validator=RequestValidator(token),
        public_base_url=app.config["PUBLIC_BASE_URL"],
        secret=app.config["SECRET_KEY"] or token,
    )
    # What callers hear now; the worker's copy of the store (calls never wait on the
    # database) hands it each new snapshot
    line = LiveLine(repo_menu, parts, follow=app.config["FOLLOW_PUBLISHED"])
    live = Live(app.extensions["ivr.store"], line.apply)
    app.extensions["ivr.live"] = live
    after = None
    texted = None
    if app.config["FOLLOW_PUBLISHED"]:  # (an app for a test may run a menu of its own)
        live.start()
        tally = Tally(
            engine,
            # The app's clock, as calls see it (`ivr simulate --at` and tests set their own)
            clock=lambda: app.config["CLOCK"](),
            keep_days=_keep_days(app.config["REPORT_KEEP_DAYS"]),
        )
        tally.start()
        app.extensions["ivr.tally"] = tally
        watch.start()
        mail = _mail(app)
        if mail is not None:
            base = app.config["PUBLIC_BASE_URL"].rstrip("/")
            console = f"{base}/console/" if base else ""
            mailer = Mailer(
                health, mail, lambda: line.menu, lambda: app.config["CLOCK"](), console
            )
            mailer.start()
            app.extensions["ivr.mailer"] = mailer  # (its thread lasts as long as it does)
        # The status callback's "hung up in the greeting": a call shorter than it
        # (its audio may have to come from the store: a webhook waits for it 1 s at most)
        deadline = Deadline()

        def greeting() -> float:
            return prompt_seconds(line.prompts, "greeting")

        # Worked out now, at boot, not in the 1 s a call's first status callback has for it
        # (a failure here is met again there, within that deadline, and logged)
        with suppress(Exception):
            greeting()
        count = counter(
            tally, lambda: line.renderer, lambda: deadline.run(greeting, "the greeting's length")
        )
        after = both(watched(watch, lambda: line.renderer), count)
        texted = text_counter(tally)
    before = live.start if app.config["FOLLOW_PUBLISHED"] else lambda: None
    init_app(app, line, before=before)
    # The call webhooks and the text line (/sms), in front of Flask
    app.wsgi_app = line.answering(app.wsgi_app, before, after, texted)  # type: ignore[method-assign,assignment]
    proxies = _proxies(app.config["TRUSTED_PROXIES"])
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )
    logs.install(app.logger)
    logs.install(logging.getLogger("ivr"))
    app.register_blueprint(media.bp)
    app.register_blueprint(staff.bp)
    init_console(app)
    app.add_url_rule("/", "home", lambda: redirect("/console/"))
    return app


def both(
    first: Callable[[str, Params, Environ], None], then: Callable[[str, Params, Environ], None]
) -> Callable[[str, Params, Environ], None]:
    """Tell two listeners of each answered webhook; one failing does not keep the other
    from being told (each failure is logged, and the caller's answer stands)."""

    def tell(path: str, p: Params, environ: Environ) -> None:
        try:
            first(path, p, environ)
        finally:
            then(path, p, environ)

    return tell


def _mail(app: Flask) -> Mail | None:
    """Where alert emails go; a mistake in the settings turns them off, saying why (on
    the console's Now page and in the log), rather than keeping the line from starting."""
    config = app.config
    try:
        mail = mail_settings(config["SMTP_URL"], config["ALERT_EMAILS"], config["ALERT_FROM"])
    except IvrError as e:
        log.error("alert emails are off: %s", e)
        app.extensions["ivr.mail"] = str(e)
        return None
    app.extensions["ivr.mail"] = mail
    return mail


def _proxies(value: object) -> int:
    text = str(value).strip()
    if not text.isdigit() or int(text) > 5:
        raise IvrError(f"TRUSTED_PROXIES must be a number of proxies, 0 to 5, got '{text}'")
    return int(text)


def _keep_days(value: object) -> int:
    text = str(value).strip()
    if not text.isdigit() or int(text) < 1:
        raise IvrError(f"REPORT_KEEP_DAYS must be a number of days, 1 or more, got '{text}'")
    return int(text)
