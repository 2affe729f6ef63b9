"""The Flask app: the menu checked at start-up, webhooks, audio, staff recording."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from twilio.request_validator import RequestValidator

from ivr import media, overrides, prompts, staff
from ivr.menu import DEFAULT_MENU, load_menu
from ivr.source import IvrError
from ivr.twiml import Renderer, render_failsafe
from ivr.voice import Line, init_app


def build_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; refuse to start without an auth token or with a broken menu."""
    app = Flask(__name__)
    app.config.from_mapping(
        TWILIO_AUTH_TOKEN=os.environ.get("TWILIO_AUTH_TOKEN", ""),
        PUBLIC_BASE_URL=os.environ.get("PUBLIC_BASE_URL", ""),
        IVR_MENU=os.environ.get("IVR_MENU", str(DEFAULT_MENU)),
        PROMPTS_DIR=os.environ.get("PROMPTS_DIR", str(prompts.DEFAULT_DIR)),
        STAFF_PIN=os.environ.get("STAFF_PIN", ""),
        TWILIO_ACCOUNT_SID=os.environ.get("TWILIO_ACCOUNT_SID", ""),
        # Recordings are fetched from here only (a local fake in tests)
        TWILIO_API_BASE=os.environ.get("TWILIO_API_BASE", "https://api.twilio.com"),
        OVERRIDES_FILE=os.environ.get("OVERRIDES_FILE", str(overrides.DEFAULT_FILE)),
        # Wrong staff PINs are counted here, shared by every worker
        STATE_DIR=os.environ.get("STATE_DIR", str(overrides.DEFAULT_FILE.parent)),
        CLOCK=overrides.utc_now,  # `ivr simulate --at` and tests set their own
    )
    if config:
        app.config.update(config)
    token = app.config["TWILIO_AUTH_TOKEN"]
    if not token:
        raise IvrError(
            "TWILIO_AUTH_TOKEN is not set: the line will not start without it, "
            "because every webhook must be checked (for a local trial run `ivr simulate`)"
        )
    menu = load_menu(app.config["IVR_MENU"])
    store = prompts.PromptStore(menu, Path(app.config["PROMPTS_DIR"]))
    app.extensions["ivr.prompts"] = store
    closures = overrides.Overrides(Path(app.config["OVERRIDES_FILE"]))
    availability = overrides.Availability(menu, closures, app.config["CLOCK"])
    renderer = Renderer(menu, store.audio_url, availability, store.version)
    failsafe = render_failsafe(menu)
    init_app(app, Line(renderer, RequestValidator(token), failsafe, app.config["PUBLIC_BASE_URL"]))
    app.register_blueprint(media.bp)
    app.register_blueprint(staff.bp)
    return app
