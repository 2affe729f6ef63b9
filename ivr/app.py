"""The Flask app: the menu checked at start-up, webhooks, audio, staff recording."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, redirect
from twilio.request_validator import RequestValidator
from werkzeug.middleware.proxy_fix import ProxyFix

from ivr import logs, paths
from ivr.audio import prompts
from ivr.audio.journeys import prompt_seconds
from ivr.call import availability as overrides
from ivr.call import media
from ivr.call.twiml import Renderer, render_failsafe
from ivr.call.voice import Line, init_app
from ivr.fetch import DEADLINE_SECONDS
from ivr.menu.load import load_menu, menu_from_text
from ivr.menu.model import Menu
from ivr.menu.source import IvrError
from ivr.report.events import counter
from ivr.report.tally import KEEP_DAYS, Tally
from ivr.staff import phone as staff
from ivr.staff.console import init_console
from ivr.store.changes import Snapshot, Store
from ivr.store.db import database_url, shared_engine
from ivr.store.dials import DialNotes
from ivr.store.legacy import prepare
from ivr.store.live import Live
from ivr.store.pins import PinLockout

log = logging.getLogger(__name__)


def build_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; refuse to start without an auth token or with a broken menu."""
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
        CLOCK=overrides.utc_now,  # `ivr simulate --at` and tests set their own
        # The store: DATABASE_URL, else an SQLite file in STATE_DIR (made on first use)
        DATABASE_URL=None,
        # How many proxies in front may set X-Forwarded-* (the Procfile's platform: 1)
        TRUSTED_PROXIES=os.environ.get("TRUSTED_PROXIES", "0"),
        # Signs console sessions: required, so a restart or another instance keeps them
        SECRET_KEY=os.environ.get("SECRET_KEY", ""),
        # A draft menu tried in the console: its own menu, not the published one
        FOLLOW_PUBLISHED=True,
        # Hourly call counts older than this are deleted (the report's retention)
        REPORT_KEEP_DAYS=os.environ.get("REPORT_KEEP_DAYS", str(KEEP_DAYS)),
    )
    if config:
        app.config.update(config)
    token = app.config["TWILIO_AUTH_TOKEN"]
    if not token:
        raise IvrError(
            "TWILIO_AUTH_TOKEN is not set: the line will not start without it, "
            "because every webhook must be checked (for a local trial run `ivr simulate`)"
        )
    if not app.config["SECRET_KEY"]:
        raise IvrError(
            "SECRET_KEY is not set: the console signs sign-ins with it, so set a long "
            "random one (e.g. python -c 'import secrets; print(secrets.token_hex(32))'); "
            "`ivr serve` makes a one-off key for a local trial"
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
    accepted = DialNotes(app.extensions["ivr.store"])
    # Made absolute once: Flask would take a relative path as inside the package
    prompts_dir = Path(app.config["PROMPTS_DIR"]).resolve()
    cache = Path(app.config["STATE_DIR"]).resolve() / "audio"
    holder: dict[str, Live] = {}
    store = prompts.PromptStore(
        repo_menu, prompts_dir, app.extensions["ivr.store"], lambda: holder["live"].snapshot, cache
    )
    app.extensions["ivr.prompts"] = store
    closures = overrides.Closures(lambda: holder["live"].snapshot.closures)

    def parts(menu: Menu) -> tuple[Renderer, Callable[..., str]]:
        availability = overrides.Availability(menu, closures, app.config["CLOCK"])
        renderer = Renderer(menu, store.audio_url, availability, store.version, accepted)
        failsafe = lru_cache(maxsize=64)(lambda line, lang="": render_failsafe(menu, line, lang))
        return renderer, failsafe

    renderer, failsafe = parts(repo_menu)
    line = Line(renderer, RequestValidator(token), failsafe, app.config["PUBLIC_BASE_URL"])
    published = {"number": 0}

    def use(snapshot: Snapshot) -> None:
        """A newly published menu: checked again, then every part made from it."""
        version = snapshot.menu
        if not app.config["FOLLOW_PUBLISHED"]:
            return
        if version is None or version.number == published["number"]:
            return
        menu = menu_from_text(version.text, f"menu version {version.number}")
        store.menu = menu
        line.renderer, line.failsafe = parts(menu)
        published["number"] = version.number
        log.warning("the line now runs menu version %s", version.number)

    # The worker's copy of the store: calls never wait on the database
    live = Live(app.extensions["ivr.store"], use)
    holder["live"] = live
    app.extensions["ivr.live"] = live
    after = None
    if app.config["FOLLOW_PUBLISHED"]:  # (a draft tried in the console is not the line)
        live.start()
        tally = Tally(engine, keep_days=_keep_days(app.config["REPORT_KEEP_DAYS"]))
        tally.start()
        app.extensions["ivr.tally"] = tally
        # The status callback's "hung up in the greeting": a call shorter than it
        after = counter(tally, lambda: line.renderer, lambda: prompt_seconds(store, "greeting"))
    init_app(
        app,
        line,
        before=live.start if app.config["FOLLOW_PUBLISHED"] else lambda: None,
        after=after,
    )
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
