"""The webhooks: check Twilio's signature, read the call state, answer TwiML."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from urllib.parse import quote

from flask import Blueprint, Flask, Response, current_app, request
from twilio.request_validator import (
    HMAC_SHA1,
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)
from werkzeug.exceptions import HTTPException

from ivr import twiml
from ivr.twiml import Renderer

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__)
# Twilio fetches <Play> audio with unsigned GETs; nothing else goes unsigned
UNSIGNED = frozenset({"voice.health", "audio.audio"})
STATUS_GONE = frozenset({"completed", "canceled", "failed", "busy", "no-answer"})


@dataclass(frozen=True)
class Line:
    """What every request needs, made once at start-up."""

    renderer: Renderer
    validator: RequestValidator
    failsafe: str
    public_base_url: str


def _line() -> Line:
    line: Line = current_app.extensions["ivr"]
    return line


def _xml(text: str) -> Response:
    return Response(text, mimetype="text/xml")


class Params:
    """One request's values, read once: state from the URL, Twilio's from the form."""

    def __init__(self) -> None:
        self.values = request.form.to_dict() | request.args.to_dict()

    def __call__(self, name: str) -> str:
        return self.values.get(name, "")

    def count(self, name: str) -> int:
        """A counter from the URL; garbage counts as 0, so a bad URL starts afresh."""
        value = self(name)
        return min(int(value), 99) if value.isascii() and value.isdigit() else 0

    def line_number(self) -> str:
        """The number the caller dialled: the line's own, shown to helplines as caller ID."""
        to = self("To")
        return to if to.startswith("+") and to[1:].isdigit() and len(to) <= 16 else ""


def public_url() -> str:
    """The URL Twilio requested, as it signed it, even behind a proxy."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not raw:
        query = request.query_string.decode("latin-1")
        raw = quote(request.script_root + request.path) + (f"?{query}" if query else "")
    base = _line().public_base_url
    if base:
        return base.rstrip("/") + raw
    scheme = request.headers.get("X-Forwarded-Proto", request.scheme).split(",")[0].strip()
    host = request.headers.get("X-Forwarded-Host", request.host).split(",")[0].strip()
    return f"{scheme}://{host}{raw}"


def check_signature() -> Response | None:
    """Refuse any webhook request that Twilio did not sign with our token."""
    if request.endpoint in UNSIGNED:
        return None
    signature = request.headers.get(SIGNATURE_HEADER, "")
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    params = request.form if request.method == "POST" else {}
    validator = _line().validator
    url = public_url()
    # The exact URL first (one HMAC); validate() also tries it with and without the port
    if signature and algorithm == HMAC_SHA1:
        if hmac.compare_digest(validator.compute_signature(url, params), signature):
            return None
    if signature and validator.validate(url, params, signature, algorithm):
        return None
    log.warning("refused a request to %s: missing or wrong %s", request.path, SIGNATURE_HEADER)
    return Response("Forbidden: this line answers only requests signed by Twilio.\n", 403)


def failsafe(error: Exception) -> Response | HTTPException:
    """Whatever went wrong, the caller hears an apology and is put through to the 24/7 line."""
    line = _line()
    if isinstance(error, HTTPException) and request.endpoint in UNSIGNED:
        return error  # media fetches get plain HTTP answers: 404 is 404
    if isinstance(error, HTTPException):
        # A signed request to a path we do not have: start the call afresh
        return _xml(line.renderer.start())
    log.exception("webhook %s failed; the caller was sent to the 24/7 line", request.path)
    return _xml(line.failsafe)


@bp.route("/healthz")
def health() -> Response:
    """For the platform's health check: the menu loaded and the app answers."""
    return Response("ok\n", mimetype="text/plain")


@bp.route(twiml.START, methods=["GET", "POST"])
def start() -> Response:
    """A new call."""
    return _xml(_line().renderer.start())


@bp.route(twiml.CHOOSE, methods=["GET", "POST"])
def choose() -> Response:
    """The caller's answer to a menu, or their silence."""
    renderer, p = _line().renderer, Params()
    key = renderer.heard(p("m"), p("Digits"), p("SpeechResult"), p("Confidence"))
    return _xml(renderer.choose(p("m"), p.count("s"), p.count("i"), key, p.line_number()))


@bp.route(twiml.DIALLED, methods=["GET", "POST"])
def dialled() -> Response:
    """A dial ended: connected and finished, or try the next in the chain."""
    p = Params()
    bridged = p("DialBridged").lower() == "true"
    gone = p("CallStatus") in STATUS_GONE
    state = (p("m"), p("k"), p.count("n"))
    return _xml(_line().renderer.dialled(*state, bridged, p.line_number(), gone))


@bp.route(twiml.WHISPER, methods=["GET", "POST"])
def whisper() -> Response:
    """On the helpline's leg, before it is bridged."""
    p = Params()
    return _xml(_line().renderer.whisper(p("m"), p("k"), p.count("n")))


@bp.route(twiml.ACCEPT, methods=["GET", "POST"])
def accept() -> Response:
    """The helpline pressed a key (or did not)."""
    return _xml(_line().renderer.accept(Params()("Digits").strip()))


@bp.route(twiml.NUMBERS, methods=["GET", "POST"])
def numbers() -> Response:
    """Read the useful numbers again."""
    return _xml(_line().renderer.numbers(Params().count("r")))


def init_app(app: Flask, line: Line) -> None:
    """Attach the webhooks, the signature check and the fail-safe to app."""
    app.extensions["ivr"] = line
    app.before_request(check_signature)
    app.register_error_handler(Exception, failsafe)
    app.register_blueprint(bp)
