"""The webhooks: check Twilio's signature, read the call state, answer TwiML.

Twilio's call webhooks are answered by `Webhooks`, a small WSGI layer in front of Flask:
a call's request needs no more than its form, its signature and a rendered answer, and
Flask's per-request machinery (contexts, routing, signals, response objects) cost more
than all of that together (bench/README.md). Flask serves everything else (health, audio,
the staff line, the console), with the same signature check and the same fail-safe.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from flask import Blueprint, Flask, Response, current_app, request
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from ivr.audio.files import AUDIO_PATH
from ivr.call import tokens, twiml
from ivr.call.decide import Choice
from ivr.call.form import Environ, Params, form_pairs, signed_by_twilio
from ivr.call.state import CallState
from ivr.call.tokens import TOKEN
from ivr.call.twiml import AcceptedDials, Renderer
from ivr.logs import redact
from ivr.menu.characters import XML_ILLEGAL

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__)
# Twilio fetches <Play> audio with unsigned GETs; nothing else goes unsigned
UNSIGNED = frozenset({"voice.health", "audio.audio", "home"})
# Staff's browsers: signed in to the console (its own checks), never signed by Twilio
CONSOLE_PREFIX = "/console"
HELPLINE_LEG = frozenset({twiml.WHISPER, twiml.ACCEPT})
STAFF_PREFIX = "/staff"
STAFF_FAILED = "Sorry, that could not be saved. Nothing has changed. Goodbye."
# A CallStatus that says the caller has gone (the dial's action and the report read it)
STATUS_GONE = frozenset({"completed", "canceled", "failed", "busy", "no-answer"})
FORBIDDEN = "Forbidden: this line answers only requests signed by Twilio.\n"
XML_HEADERS = "text/xml; charset=utf-8"
# A helpline's note that it accepted: written on the whisper's answer, read at the dial's
NOTED_PATHS = frozenset({twiml.ACCEPT, twiml.DIALLED})
NOTED = "accepted"  # the request's memo: the note as read for this dial


class Line(Protocol):
    """What every webhook reads, afresh for each request: the live line (ivr.line), whose
    renderer and fail-safe a new menu replaces whole, or a draft's, tried in the console."""

    @property
    def renderer(self) -> Renderer: ...
    @property
    def validator(self) -> RequestValidator: ...
    @property
    def failsafe(self) -> Callable[..., str]: ...  # (the line's number, language) -> TwiML
    @property
    def public_base_url(self) -> str: ...
    @property
    def accepted(self) -> AcceptedDials: ...  # the helplines' notes (see dial_notes)


def _line() -> Line:
    line: Line = current_app.extensions["ivr.line"]
    return line


def _xml(text: str) -> Response:
    return Response(text, mimetype="text/xml")


# Each caller webhook: its answer from the call's state (renderer and values) alone.


def start(renderer: Renderer, p: Params) -> str:
    """A new call: answered now."""
    answered = str(int(renderer.availability.clock().timestamp()))
    return twiml.stamp(renderer.start(), answered)


def language(renderer: Renderer, p: Params) -> str:
    """The call's language from its URL: a language of the menu, else "" (English)."""
    code = CallState.of(p).lang
    return code if code in renderer.menu.languages else ""


def answered_key(renderer: Renderer, p: Params) -> str | None:
    """The key a caller's answer stands for, worked out once per request: the answer and
    its count (the report) both need it."""
    if "key" not in p.memo:
        answer = (p("Digits"), p("SpeechResult"), p("Confidence"))
        p.memo["key"] = renderer.key_for(CallState.of(p).node, *answer, language(renderer, p))
    key = p.memo["key"]
    return key if isinstance(key, str) else None


def ring(p: Params) -> str:
    """The token a ring this request makes is named by: made once per request, so the
    answer and its counts draw the same caller to still try a failing helpline."""
    token = p.memo.get("ring")
    if not isinstance(token, str):
        token = p.memo["ring"] = tokens.new_token()
    return token


def decided(renderer: Renderer, p: Params) -> Choice:
    """What the caller's answer means (decide.py), worked out once per request: the
    answer and its counts both follow it."""
    found = p.memo.get("choice")
    if not isinstance(found, Choice):
        s, key = CallState.of(p), answered_key(renderer, p)
        found = p.memo["choice"] = renderer.decide(s.node, s.silences, s.invalids, key)
    return found


def choose(renderer: Renderer, p: Params) -> str:
    """The caller's answer to a menu, or their silence."""
    s, choice = CallState.of(p), decided(renderer, p)
    where = (s.node, s.silences, s.invalids, choice.key, p.line_number())
    text = renderer.choose(*where, language(renderer, p), ring(p), choice)
    return twiml.stamp(text, s.answered)


def dialled(renderer: Renderer, p: Params) -> str:
    """A dial ended: connected and finished, or try the next in the chain."""
    said = p("DialBridged").lower()
    # Twilio usually says whether the helpline was bridged; when it does not, the
    # helpline's leg's note says (read by dial_notes) rather than silence taken for a no
    bridged = {"true": True, "false": False}.get(said, p.memo.get(NOTED) is True)
    gone = p("CallStatus") in STATUS_GONE
    s = CallState.of(p)
    text = renderer.dialled(
        s.node, s.key, s.step, bridged, p.line_number(), gone, language(renderer, p), ring(p)
    )
    return twiml.stamp(text, s.answered)


def whisper(renderer: Renderer, p: Params) -> str:
    """On the helpline's leg, before it is bridged."""
    s = CallState.of(p)
    lang = language(renderer, p)
    return renderer.whisper(s.node, s.key, s.step, s.token, s.answered, s.line, lang)


def accept(renderer: Renderer, p: Params) -> str:
    """The helpline pressed a key (or did not); dial_notes notes a 1 for the caller's leg."""
    return renderer.accept(p("Digits").strip())


def numbers(renderer: Renderer, p: Params) -> str:
    """Read the useful numbers again."""
    return renderer.numbers(CallState.of(p).repeats, lang=language(renderer, p))


def status(renderer: Renderer, p: Params) -> str:
    """Twilio's status callback: a call ended. Twilio reads no answer; the report counts it."""
    return str(VoiceResponse())


ANSWERS: dict[str, Callable[[Renderer, Params], str]] = {
    twiml.START: start,
    twiml.CHOOSE: choose,
    twiml.DIALLED: dialled,
    twiml.WHISPER: whisper,
    twiml.ACCEPT: accept,
    twiml.NUMBERS: numbers,
    twiml.STATUS: status,
}


def dial_notes(notes: AcceptedDials, path: str, p: Params) -> None:
    """The note a helpline's leg leaves for the caller's leg: whether it pressed 1, read
    when Twilio sends the caller's leg no DialBridged (AcceptedDials, with a deadline).

    A failure never reaches the caller: a note that cannot be written leaves the call
    bridged all the same (DialBridged usually says so); a note that cannot be read is
    taken as "not accepted", and the caller is offered the next helpline. A second
    helpline after a finished call costs a minute; a goodbye to someone never connected
    could cost far more.
    """
    token = CallState.of(p).token
    if not TOKEN.match(token):
        return
    if path == twiml.ACCEPT:
        if p("Digits").strip() == twiml.ACCEPT_KEY:
            try:
                notes.mark(token)
            except Exception:  # noqa: BLE001
                log.exception("could not note that a helpline accepted")
    elif p("DialBridged").lower() not in ("true", "false") and p("CallStatus") not in STATUS_GONE:
        try:
            p.memo[NOTED] = notes.taken(token)
        except Exception:  # noqa: BLE001 - any failure of the store means "not known"
            log.exception("could not read whether a helpline accepted; trying the next one")
            p.memo[NOTED] = False


def hang_up(renderer: Renderer, text: str = "") -> str:
    """Say text (if any) and hang up."""
    response = VoiceResponse()
    if text:
        renderer.say(response, text)
    response.hangup()
    return str(response)


class NotTwiml(Exception):
    """A rendered answer Twilio could not read: the caller gets the fail-safe instead."""


def twiml_bytes(text: str) -> bytes:
    """A rendered answer as sent to Twilio; NotTwiml if it would not be well-formed XML.

    Every text a caller hears passed the menu's checks or the store's, so this never
    happens; if it ever did, every call would hear Twilio's error instead of the line. A
    character XML cannot carry is the only way ElementTree's output can be ill-formed
    (it escapes the rest): printable text, the usual case, is known good at once.
    """
    try:
        body = text.encode()
    except UnicodeEncodeError as e:  # a lone surrogate
        raise NotTwiml(f"the answer holds U+{ord(e.object[e.start]):04X}") from e
    if not text.isprintable():
        found = XML_ILLEGAL.search(text)
        if found:
            raise NotTwiml(f"the answer holds U+{ord(found.group()):04X}, which XML cannot carry")
    return body


def call_failed(line: Line, path: str, p: Params) -> str:
    """A caller webhook failed: nobody is left in silence, and each leg gets what fits it.

    The caller hears an apology and is put through to the 24/7 line. The helpline's leg
    hangs up, so the caller's <Dial> moves on down the chain (answering it with the
    caller's fail-safe would have the helpline's phone dial the 24/7 line).
    """
    if path in HELPLINE_LEG or p.on_helpline_leg():
        log.exception("helpline leg %s failed; it hangs up", redact(path))
        return hang_up(line.renderer)
    log.exception("webhook %s failed; the caller was sent to the 24/7 line", redact(path))
    return line.failsafe(p.line_number(), language(line.renderer, p))


def refused(path: str) -> Response:
    """The answer to a request Twilio did not sign, noted in the log."""
    log.warning("refused a request to %s: missing or wrong X-Twilio-Signature", redact(path))
    return Response(FORBIDDEN, 403)


class Webhooks:
    """WSGI: Twilio's caller webhooks answered here; every other path goes on to Flask.

    Only POSTs signed with our token are answered (other methods 405, unsigned 403);
    whatever fails inside gives the fail-safe for the leg, never an error page.
    """

    def __init__(
        self,
        flask_app: Any,
        line: Line,
        before: Callable[[], None] = lambda: None,
        after: Callable[[str, Params, Environ], None] | None = None,
    ) -> None:
        self.flask_app = flask_app
        self.line = line
        self.before = before
        self.after = after  # told of each answered webhook (the report counts it)

    def __call__(self, environ: Environ, start_response: Any) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO", "")
        answer = ANSWERS.get(path)
        if answer is None:
            return self.flask_app(environ, start_response)  # type: ignore[no-any-return]
        self.before()
        line = self.line
        try:
            if not signed_by_twilio(environ, line.validator, line.public_base_url):
                return refused(path)(environ, start_response)
            if environ.get("REQUEST_METHOD") != "POST":
                return MethodNotAllowed(["POST"])(environ, start_response)
            p = Params.of(environ)
            if path in NOTED_PATHS:
                dial_notes(line.accepted, path, p)
            body = twiml_bytes(answer(line.renderer, p))
            if self.after is not None:
                self._tell(path, p, environ)
        except Exception:  # noqa: BLE001 - a caller never hears an application error
            body = call_failed(line, path, _params_or_none(environ)).encode()
        start_response(
            "200 OK", [("Content-Type", XML_HEADERS), ("Content-Length", str(len(body)))]
        )
        return [body]

    def _tell(self, path: str, p: Params, environ: Environ) -> None:
        """Whatever goes wrong in counting, the caller's answer stands."""
        try:
            self.after(path, p, environ)  # type: ignore[misc]
        except Exception:  # noqa: BLE001
            log.exception("counting %s failed; the call goes on", redact(path))


def _params_or_none(environ: Environ) -> Params:
    """The request's values if they can be read at all (a failure may be in reading them)."""
    try:
        return Params.of(environ)
    except Exception:  # noqa: BLE001
        return Params([], "")


# Flask's side: the staff line and anything else signed that reaches Flask


def _request_form(environ: Environ) -> Iterable[tuple[str, str]]:
    return request.form.items(multi=True)


def from_browser() -> bool:
    """A console page: sign-in, sessions and CSRF guard it, not Twilio's signature."""
    return request.path == CONSOLE_PREFIX or request.path.startswith(CONSOLE_PREFIX + "/")


def check_signature() -> Response | None:
    """Refuse any request to Flask that Twilio did not sign with our token."""
    if request.endpoint in UNSIGNED or request.path.startswith(AUDIO_PATH + "/"):
        return None  # any /audio/ path: a bad name is a 404, as for any missing media
    if from_browser():
        return None
    form_pairs(request.environ, _request_form)  # werkzeug's request keeps what it parses
    line = _line()
    if signed_by_twilio(request.environ, line.validator, line.public_base_url):
        return None
    return refused(request.path)


def failsafe(error: Exception) -> Response | HTTPException:
    """Whatever went wrong in Flask, each leg gets what fits it.

    A member of staff recording a prompt hears that nothing changed; a helpline's leg
    hangs up; a signed request for a path we do not have starts the call afresh.
    """
    line = _line()
    if from_browser():
        if isinstance(error, HTTPException):
            return error
        log.exception("console page %s failed", redact(request.path))
        return InternalServerError()
    media = request.endpoint in UNSIGNED or request.path.startswith(AUDIO_PATH + "/")
    if isinstance(error, HTTPException) and (media or isinstance(error, MethodNotAllowed)):
        return error  # media fetches and wrong methods get plain HTTP answers
    if media:
        # Not TwiML: Twilio would play it as noise (media.py answers a prompt's URL with
        # the prompt's audio now, whatever failed, so this is for its own failures only)
        log.exception("%s failed", redact(request.path))
        return InternalServerError()
    p = Params.of(request.environ)
    if request.path.startswith(STAFF_PREFIX):
        log.exception("staff line %s failed; nothing was changed", redact(request.path))
        return _xml(hang_up(line.renderer, STAFF_FAILED))
    if p.on_helpline_leg():
        return _xml(hang_up(line.renderer))
    if isinstance(error, HTTPException):
        # A signed request to a path we do not have: start the call afresh
        return _xml(line.renderer.start())
    return _xml(call_failed(line, request.path, p))


@bp.route("/healthz")
def health() -> Response:
    """For the platform's health check: the menu loaded and the app answers."""
    return Response("ok\n", mimetype="text/plain")


def init_app(app: Flask, line: Line, before: Callable[[], None] = lambda: None) -> None:
    """Attach the signature check and the fail-safe to app (the caller webhooks are
    answered in front of it: `Webhooks`, put there by the line). `before` runs ahead of
    every request Flask serves."""
    app.extensions["ivr.line"] = line  # what every part of the app asks for the line
    app.before_request(before)
    app.before_request(check_signature)
    app.register_error_handler(Exception, failsafe)
    app.register_blueprint(bp)
