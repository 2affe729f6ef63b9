"""The webhooks: check Twilio's signature, read the call state, answer TwiML."""

from __future__ import annotations

import hmac
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote_plus

from flask import Blueprint, Flask, Response, current_app, request
from twilio.request_validator import (
    HMAC_SHA1,
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from ivr.audio.prompts import AUDIO_PATH
from ivr.call import twiml
from ivr.call.twiml import Renderer
from ivr.logs import redact

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__)
# Twilio fetches <Play> audio with unsigned GETs; nothing else goes unsigned
UNSIGNED = frozenset({"voice.health", "audio.audio"})
HELPLINE_LEG = frozenset({"voice.whisper", "voice.accept"})
STAFF_PREFIX = "/staff"
STAFF_FAILED = "Sorry, that could not be saved. Nothing has changed. Goodbye."
MAX_FORM_BYTES = 65_536  # Twilio's posts are a few hundred bytes
URLENCODED = "application/x-www-form-urlencoded"
STATUS_GONE = frozenset({"completed", "canceled", "failed", "busy", "no-answer"})


@dataclass
class Line:
    """What every request needs: made at start-up, and anew for each published menu.

    A new menu replaces renderer and failsafe whole (one assignment each), so a request
    already under way finishes with the parts it started with.
    """

    renderer: Renderer
    validator: RequestValidator
    failsafe: Callable[[str], str]  # the line's number -> the fail-safe TwiML
    public_base_url: str


def _line() -> Line:
    line: Line = current_app.extensions["ivr"]
    return line


def _xml(text: str) -> Response:
    return Response(text, mimetype="text/xml")


class SignedForm(dict[str, list[str]]):
    """Every value of each name, as RequestValidator reads them (its fastest path)."""

    def getall(self, name: str) -> list[str]:
        return self[name]


def form_pairs() -> list[tuple[str, str]]:
    """The posted form, parsed once per request for the signature check and the handler.

    Twilio posts a small urlencoded form: the standard library reads it in a fraction of
    the time werkzeug's general form parser takes, on every webhook. Anything else (a
    large or multipart body) goes through werkzeug, with its limits.
    """
    environ = request.environ
    cached: list[tuple[str, str]] | None = environ.get("ivr.form")
    if cached is None:
        length = environ.get("CONTENT_LENGTH", "")
        size = int(length) if length.isdigit() else -1
        urlencoded = environ.get("CONTENT_TYPE", "").startswith(URLENCODED)
        if urlencoded and 0 <= size <= MAX_FORM_BYTES:
            body = environ["wsgi.input"].read(size)
            # Put back, so werkzeug can still read it (the staff views use request.values)
            environ["wsgi.input"] = io.BytesIO(body)
            cached = parse_pairs(body.decode("utf-8", "replace"))
        else:
            cached = list(request.form.items(multi=True))
        environ["ivr.form"] = cached
    return cached


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """'a=1&b=%2B44' -> [('a', '1'), ('b', '+44')], as parse_qsl with blank values kept.

    Only fields that hold an escape are unquoted: most of Twilio's hold none.
    """
    pairs = []
    for field in text.split("&"):
        if not field:
            continue
        name, _, value = field.partition("=")
        if "%" in name or "+" in name:
            name = unquote_plus(name)
        if "%" in value or "+" in value:
            value = unquote_plus(value)
        pairs.append((name, value))
    return pairs


class Params:
    """One request's values, read once: state from the URL, Twilio's from the form."""

    def __init__(self) -> None:
        values: dict[str, str] = {}
        for name, value in form_pairs():
            values.setdefault(name, value)  # the first of a repeated name, as werkzeug
        query = request.environ.get("QUERY_STRING", "")
        for name, value in parse_pairs(query.encode("latin-1").decode("utf-8", "replace")):
            values[name] = value  # the URL's state wins over anything posted
        self.values = values

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
    """The URL Twilio requested, as it signed it.

    Behind a proxy, scheme and host come from PUBLIC_BASE_URL, or from X-Forwarded-*
    headers only as far as werkzeug's ProxyFix trusts them (TRUSTED_PROXIES): anyone
    can send those headers, so they are never read here directly.
    """
    # As sent, not decoded: gunicorn and werkzeug both keep it
    raw = str(request.environ.get("RAW_URI") or request.environ["REQUEST_URI"])
    base = _line().public_base_url
    if base:
        return base.rstrip("/") + raw
    return f"{request.scheme}://{request.host}{raw}"


def check_signature() -> Response | None:
    """Refuse any webhook request that Twilio did not sign with our token."""
    if request.endpoint in UNSIGNED or request.path.startswith(AUDIO_PATH + "/"):
        return None  # any /audio/ path: a bad name is a 404, as for any missing media
    signature = request.headers.get(SIGNATURE_HEADER, "")
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    params = SignedForm()
    if request.method == "POST":
        for name, value in form_pairs():
            params.setdefault(name, []).append(value)
    validator = _line().validator
    url = public_url()
    # The exact URL first (one HMAC); validate() also tries it with and without the port
    if signature and algorithm == HMAC_SHA1:
        if hmac.compare_digest(validator.compute_signature(url, params), signature):
            return None
    if signature and validator.validate(url, params, signature, algorithm):
        return None
    log.warning(
        "refused a request to %s: missing or wrong %s", redact(request.path), SIGNATURE_HEADER
    )
    return Response("Forbidden: this line answers only requests signed by Twilio.\n", 403)


def on_helpline_leg() -> bool:
    """The request comes from the helpline's phone (the whisper), not the caller's."""
    if request.endpoint in HELPLINE_LEG:
        return True
    # Twilio marks the leg a <Dial> made, on any path it requests
    return request.form.get("Direction", "").startswith("outbound-dial") or bool(
        request.form.get("ParentCallSid")
    )


def hang_up(text: str = "") -> str:
    """Say text (if any) and hang up."""
    response = VoiceResponse()
    if text:
        settings = _line().renderer.settings
        response.say(text, voice=settings.say_voice, language=settings.language)
    response.hangup()
    return str(response)


def failsafe(error: Exception) -> Response | HTTPException:
    """Whatever went wrong, nobody is left in silence, and each leg gets what fits it.

    The caller hears an apology and is put through to the 24/7 line. The helpline's leg
    hangs up, so the caller's <Dial> moves on down the chain (answering it with the
    caller's fail-safe would have the helpline's phone dial the 24/7 line). A member of
    staff recording a prompt hears that nothing changed.
    """
    line = _line()
    media = request.endpoint in UNSIGNED or request.path.startswith(AUDIO_PATH + "/")
    if isinstance(error, HTTPException) and (media or isinstance(error, MethodNotAllowed)):
        return error  # media fetches and wrong methods get plain HTTP answers
    if media:
        # A <Play> that fails is skipped by Twilio: the call goes on to the next verb
        log.exception("%s failed", redact(request.path))
        return InternalServerError()
    if on_helpline_leg():
        if not isinstance(error, HTTPException):
            log.exception("helpline leg %s failed; it hangs up", redact(request.path))
        return _xml(hang_up())
    if request.path.startswith(STAFF_PREFIX):
        log.exception("staff line %s failed; nothing was changed", redact(request.path))
        return _xml(hang_up(STAFF_FAILED))
    if isinstance(error, HTTPException):
        # A signed request to a path we do not have: start the call afresh
        return _xml(line.renderer.start())
    log.exception("webhook %s failed; the caller was sent to the 24/7 line", redact(request.path))
    return _xml(line.failsafe(Params().line_number()))


@bp.route("/healthz")
def health() -> Response:
    """For the platform's health check: the menu loaded and the app answers."""
    return Response("ok\n", mimetype="text/plain")


@bp.route(twiml.START, methods=["POST"])
def start() -> Response:
    """A new call."""
    return _xml(_line().renderer.start())


@bp.route(twiml.CHOOSE, methods=["POST"])
def choose() -> Response:
    """The caller's answer to a menu, or their silence."""
    renderer, p = _line().renderer, Params()
    key = renderer.heard(p("m"), p("Digits"), p("SpeechResult"), p("Confidence"))
    return _xml(renderer.choose(p("m"), p.count("s"), p.count("i"), key, p.line_number()))


@bp.route(twiml.DIALLED, methods=["POST"])
def dialled() -> Response:
    """A dial ended: connected and finished, or try the next in the chain."""
    p = Params()
    said = p("DialBridged").lower()
    # Twilio usually says whether the helpline was bridged; when it does not, ask the
    # helpline's leg (see AcceptedDials) rather than take silence for a failure
    bridged = {"true": True, "false": False}.get(said)
    gone = p("CallStatus") in STATUS_GONE
    state = (p("m"), p("k"), p.count("n"))
    return _xml(_line().renderer.dialled(*state, bridged, p.line_number(), p("t"), gone))


@bp.route(twiml.WHISPER, methods=["POST"])
def whisper() -> Response:
    """On the helpline's leg, before it is bridged."""
    p = Params()
    return _xml(_line().renderer.whisper(p("m"), p("k"), p.count("n"), p("t")))


@bp.route(twiml.ACCEPT, methods=["POST"])
def accept() -> Response:
    """The helpline pressed a key (or did not)."""
    p = Params()
    return _xml(_line().renderer.accept(p("Digits").strip(), p("t")))


@bp.route(twiml.NUMBERS, methods=["POST"])
def numbers() -> Response:
    """Read the useful numbers again."""
    return _xml(_line().renderer.numbers(Params().count("r")))


def init_app(app: Flask, line: Line) -> None:
    """Attach the webhooks, the signature check and the fail-safe to app."""
    app.extensions["ivr"] = line
    app.before_request(check_signature)
    app.register_error_handler(Exception, failsafe)
    app.register_blueprint(bp)
