"""Prompt audio for <Play>: unsigned GETs (Twilio fetches media unsigned), cached for ever.

Twilio ends a call with an application error when a <Play> cannot be fetched, so what
cannot be found here for a prompt's URL is answered with what that prompt plays now.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, request
from werkzeug.utils import send_file
from werkzeug.wrappers import Response

from ivr.audio.files import AUDIO_PATH
from ivr.audio.prompts import PromptAudio
from ivr.call.form import Environ
from ivr.logs import redact

bp = Blueprint("audio", __name__)
log = logging.getLogger(__name__)
YEAR = 365 * 24 * 3600


@bp.route(f"{AUDIO_PATH}/<name>")
def audio(name: str) -> Response:
    """Serve a prompt's audio; the URL names its content, so it never changes."""
    prompts: PromptAudio = current_app.extensions["ivr.line"].prompts
    found = audio_answer(prompts, name, request.environ)
    if found is None:
        abort(404)
    return found


def audio_answer(prompts: PromptAudio, name: str, environ: Environ) -> Response | None:
    """The answer to an audio URL's name from prompts (the live line's, or a draft's), or
    None if it names nothing they play or ever played."""
    try:
        found = prompts.find(name)
    except Exception:  # noqa: BLE001 - a call must hear the prompt, not an error
        path = f"{AUDIO_PATH}/{name}"
        log.exception("%s failed; the prompt's audio now was served instead", redact(path))
        found = prompts.stand_in(name)
    if found is None:
        return None
    response = send_file(
        found.path, environ, mimetype="audio/wav", etag=found.sha256, conditional=True
    )
    # A stand-in is for now only: the URL's own sound may be back on the next fetch
    own = found.name == name
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable" if own else "no-store"
    return response
