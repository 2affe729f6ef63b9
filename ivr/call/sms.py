"""The text line's webhook: Twilio's "A message comes in", answered with <Message> TwiML.

`TextLine` answers POST /sms in front of Flask, as voice.Webhooks answers the call
webhooks, with the same signature check (form.signed_by_twilio) and the same refusal:
a text needs no more than its form, its signature, the conversation's cookie and a
reply composed from the menu (ivr/menu/sms.py).

Where the texter is travels in a cookie of the conversation's own: a menu id and a
language code, signed with SECRET_KEY (the Twilio auth token where SECRET_KEY is not set)
under a salt of its own (never the console's session), scoped to /sms. Twilio keeps it
for the conversation, up to four hours after its last text. Nothing of the texter's
number or words is logged, stored or put in it. The line never sends a text of its own
accord: it only answers, and answers an opt-out (STOP and Twilio's other opt-out words)
with nothing at all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any

from itsdangerous import BadSignature, Signer
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.http import parse_cookie

from ivr.call.availability import Availability
from ivr.call.conversation import (
    HELPLINES,
    INVALID,
    MENU_AGAIN,
    NODE,
    SILENT,
    WELCOME,
    Conversation,
    Counts,
    Place,
    Turn,
)
from ivr.call.form import Environ, Params, signed_by_twilio
from ivr.call.twiml import Renderer
from ivr.call.voice import XML_HEADERS, Line, refused
from ivr.menu.hours import LONDON
from ivr.menu.model import Helpline
from ivr.menu.sms import CLOSED, OPEN, UNKNOWN, Status, every_language

log = logging.getLogger(__name__)
PATH = "/sms"
COOKIE = "ivr_place"
SALT = "ivr.sms.place"  # the cookie's own: a console session can never pass for it
MAX_COOKIE = 200  # a place's cookie is a few dozen characters
COOKIE_SECONDS = 4 * 60 * 60  # Twilio keeps a conversation's cookies this long
LAST_RESORT = "In danger now? Call 999."  # should even the menu's own words fail
MAX_LISTED = 4096  # helplines replies kept (a day's worth of states, many times over)

Told = Callable[[Params, Environ, Counts], None]


class Places:
    """A texter's place signed into the conversation's cookie, and read back."""

    def __init__(self, secret: str) -> None:
        self.signer = Signer(secret, salt=SALT)
        # A place's cookie is the same every time: signed and checked once per worker
        self.cookie = lru_cache(maxsize=1024)(self._cookie)
        self._read = lru_cache(maxsize=4096)(self._unsigned)

    def _cookie(self, place: Place, secure: bool) -> str:
        """The Set-Cookie header for a place."""
        value = self.signer.sign(f"{place.node}~{place.lang}").decode("ascii")
        flags = "; Secure" if secure else ""
        return f"{COOKIE}={value}; Max-Age={COOKIE_SECONDS}; Path={PATH}; HttpOnly{flags}"

    def _unsigned(self, value: str) -> tuple[str, str] | None:
        try:
            node, _, lang = self.signer.unsign(value).decode("ascii").partition("~")
        except (BadSignature, UnicodeDecodeError):
            return None  # forged, or signed with another key: the conversation starts anew
        return node, lang

    def read(self, environ: Environ) -> tuple[str, str] | None:
        """(menu id, language) from the conversation's cookie, if it holds a signed one."""
        header = str(environ.get("HTTP_COOKIE", ""))
        if COOKIE not in header:
            return None
        if header.startswith(f"{COOKIE}=") and ";" not in header:
            value = header[len(COOKIE) + 1 :]  # Twilio sends back ours alone: read it at once
        else:
            value = parse_cookie(header).get(COOKIE, "")
        return self._read(value) if 0 < len(value) <= MAX_COOKIE else None


def status(availability: Availability, helpline: Helpline, now: datetime) -> Status:
    """A helpline as the voice line sees it now: the same hours, closures and openings."""
    if helpline.id == availability.menu.settings.operator:
        return Status(OPEN)
    closure = availability.closures.get(helpline.id, now)
    if helpline.hours is None and closure is None:
        return Status(UNKNOWN)
    if availability.is_open(helpline, now):
        return Status(OPEN)
    reason = closure.reason if closure is not None else ""
    return Status(CLOSED, availability.reopens(helpline, now), reason)


class TextParts:
    """What the text line needs of one menu: made again when a new menu is published."""

    def __init__(self, renderer: Renderer) -> None:
        self.renderer = renderer  # the call flow's: the menu, who is open now, hidden options
        self.conversation = Conversation(renderer.menu, renderer.hidden)
        self.replies = dict(every_language(renderer.menu))
        # A menu's reply changes only with its hidden options: each made once
        self._fixed = lru_cache(maxsize=4096)(self._compose)
        # A list of helplines, only with their states and the day (today, tomorrow...)
        self._listed: dict[tuple[object, ...], str] = {}

    def reply(self, turn: Turn) -> str:
        """The words of a turn ("" for an opt-out: nothing is sent)."""
        if turn.kind == HELPLINES:
            availability = self.renderer.availability
            now = availability.clock()
            helplines = self.renderer.menu.helplines
            states = tuple(status(availability, helplines[hid], now) for hid in turn.chain)
            key = (turn.place.lang, turn.chain, states, now.astimezone(LONDON).date())
            listed = self._listed.get(key)
            if listed is None:
                if len(self._listed) >= MAX_LISTED:
                    self._listed.clear()
                listed = self.replies[turn.place.lang].helplines(turn.chain, states, now)
                self._listed[key] = listed
            return listed
        if turn.kind == SILENT:
            return ""
        shown = self.renderer.hidden(turn.node or self.renderer.settings.home)
        return self._fixed(turn.kind, turn.place.lang, turn.node, shown)

    def _compose(self, kind: str, lang: str, node: str, hidden: frozenset[str]) -> str:
        replies = self.replies[lang]
        if kind == WELCOME:
            return replies.welcome(hidden)
        if kind == MENU_AGAIN:
            return replies.restart(hidden)
        if kind == NODE:
            return replies.node(node, hidden)
        assert kind == INVALID, kind
        return replies.invalid()


@lru_cache(maxsize=1024)
def message(text: str) -> bytes:
    """The TwiML that sends text ("": a response that sends nothing)."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response).encode()


class TextLine:
    """WSGI: Twilio's messaging webhook answered here; every other path goes on.

    Only POSTs signed with our token are answered (other methods 405, unsigned 403);
    whatever fails inside, the texter is sent 999 and the 24/7 line's number.
    """

    def __init__(
        self,
        app: Any,
        line: Line,
        secret: str,
        before: Callable[[], None] = lambda: None,
        after: Told | None = None,
    ) -> None:
        self.app = app
        self.line = line
        self.places = Places(secret)
        self.before = before
        self.after = after  # told of each text answered (the report counts it)
        self._parts: TextParts | None = None

    def parts(self) -> TextParts:
        """The text line's parts for the menu the line runs now (made once per menu)."""
        parts = self._parts
        if parts is None or parts.renderer is not self.line.renderer:
            parts = TextParts(self.line.renderer)
            self._parts = parts
        return parts

    def __call__(self, environ: Environ, start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH:
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        self.before()
        line = self.line
        headers = [("Content-Type", XML_HEADERS)]
        lang = ""
        try:
            if not signed_by_twilio(environ, line.validator, line.public_base_url):
                return refused(PATH)(environ, start_response)
            if environ.get("REQUEST_METHOD") != "POST":
                return MethodNotAllowed(["POST"])(environ, start_response)
            p = Params.of(environ)
            secure = _secure(line.public_base_url or str(environ.get("wsgi.url_scheme")))
            parts = self.parts()
            saved = self.places.read(environ)
            place = parts.conversation.place(*saved) if saved else None
            lang = place.lang if place else ""
            turn = parts.conversation.answer(place, p("Body"))
            body = message(parts.reply(turn))
            if turn.kind != SILENT:
                headers.append(("Set-Cookie", self.places.cookie(turn.place, secure)))
            if self.after is not None:
                self._tell(p, environ, turn.counts)
        except Exception:  # noqa: BLE001 - a texter never gets an application error
            log.exception("the text webhook failed; the texter was sent 999 and the 24/7 line")
            body = message(self.failsafe(lang))
        headers.append(("Content-Length", str(len(body))))
        start_response("200 OK", headers)
        return [body]

    def failsafe(self, lang: str) -> str:
        """999 and the 24/7 line's number, in the texter's language if that can be made."""
        try:
            parts = self.parts()
            return parts.replies.get(lang, parts.replies[""]).failsafe()
        except Exception:  # noqa: BLE001
            log.exception("the text line's own fail-safe failed")
        try:
            operator = self.line.renderer.menu.operator
            return f"{LAST_RESORT}\n{operator.name}: {operator.number}"
        except Exception:  # noqa: BLE001
            return LAST_RESORT

    def _tell(self, p: Params, environ: Environ, counts: Counts) -> None:
        """Whatever goes wrong in counting, the texter's reply stands."""
        try:
            self.after(p, environ, counts)  # type: ignore[misc]
        except Exception:  # noqa: BLE001
            log.exception("counting a text failed; the reply stands")


def _secure(url: str) -> bool:
    """A cookie for an https webhook is sent back over https only."""
    return url.startswith("https")
