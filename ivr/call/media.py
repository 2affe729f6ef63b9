"""Prompt audio for <Play>: unsigned GETs (Twilio fetches media unsigned), cached for ever.

Twilio ends a call with an application error when a <Play> cannot be fetched, so what
cannot be found here for a prompt's URL is answered with what that prompt plays now.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, request, send_file

from ivr.audio.files import AUDIO_PATH
from ivr.audio.prompts import PromptAudio
from ivr.logs import redact

bp = Blueprint("audio", __name__)
log = logging.getLogger(__name__)
YEAR = 365 * 24 * 3600


@bp.route(f"{AUDIO_PATH}/<name>")
def audio(name: str) -> Response:
    """Serve a prompt's audio; the URL names its content, so it never changes."""
    prompts: PromptAudio = current_app.extensions["ivr.line"].prompts
    try:
        found = prompts.find(name)
    except Exception:  # noqa: BLE001 - a call must hear the prompt, not an error
        log.exception("%s failed; the prompt's audio now was served instead", redact(request.path))
        found = prompts.stand_in(name)
    if found is None:
        abort(404)
    response = send_file(found.path, mimetype="audio/wav", etag=found.sha256, conditional=True)
    # A stand-in is for now only: the URL's own sound may be back on the next fetch
    own = found.name == name
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable" if own else "no-store"
    return response
