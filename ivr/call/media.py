"""Prompt audio for <Play>: unsigned GETs (Twilio fetches media unsigned), cached for ever."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, send_file

from ivr.audio.prompts import AUDIO_PATH, PromptStore

bp = Blueprint("audio", __name__)
YEAR = 365 * 24 * 3600


@bp.route(f"{AUDIO_PATH}/<name>")
def audio(name: str) -> Response:
    """Serve a prompt's current audio; the URL names its content, so it never changes."""
    store: PromptStore = current_app.extensions["ivr.prompts"]
    found = store.find(name)
    if found is None:
        abort(404)
    response = send_file(found.path, mimetype="audio/wav", etag=found.sha256, conditional=True)
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response
