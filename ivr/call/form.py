"""What Twilio sent: its form read once, the URL's values (state.py names the call's),
the signature.

Everything here works on the WSGI environ, so the caller webhooks (answered before
Flask, see voice.Webhooks) and the staff line (inside Flask) read requests the same way.
"""

from __future__ import annotations

import hmac
import io
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_plus

from twilio.request_validator import HMAC_SHA1, RequestValidator, get_signature_algorithm
from werkzeug.wrappers import Request
from werkzeug.wsgi import get_host

MAX_FORM_BYTES = 65_536  # Twilio's posts are a few hundred bytes
URLENCODED = "application/x-www-form-urlencoded"
Environ = dict[str, Any]  # WSGI's environ
Pairs = list[tuple[str, str]]


def werkzeug_form(environ: Environ) -> Iterable[tuple[str, str]]:
    """The form as werkzeug's general parser reads it (multipart, no length, large)."""
    return Request(environ).form.items(multi=True)


def form_pairs(
    environ: Environ, slow: Callable[[Environ], Iterable[tuple[str, str]]] = werkzeug_form
) -> Pairs:
    """The posted form, parsed once per request for the signature check and the answer.

    Twilio posts a small urlencoded form: the standard library reads it in a fraction of
    the time werkzeug's general form parser takes, on every webhook. Anything else (a
    large or multipart body, or one without a length) goes to `slow`: werkzeug, with its
    limits (inside Flask, the request's own form, so the view can read it again).
    """
    cached: Pairs | None = environ.get("ivr.form")
    if cached is None:
        length = str(environ.get("CONTENT_LENGTH", ""))
        size = int(length) if length.isdigit() else -1
        urlencoded = str(environ.get("CONTENT_TYPE", "")).startswith(URLENCODED)
        if urlencoded and 0 <= size <= MAX_FORM_BYTES:
            body = environ["wsgi.input"].read(size)
            # Put back, so werkzeug can still read it (the staff views use request.values)
            environ["wsgi.input"] = io.BytesIO(body)
            cached = parse_pairs(body.decode("utf-8", "replace"))
        else:
            cached = list(slow(environ))
        environ["ivr.form"] = cached
    return cached


def parse_pairs(text: str) -> Pairs:
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

    def __init__(self, form: Pairs, query: str) -> None:
        values: dict[str, str] = {}
        for name, value in form:
            values.setdefault(name, value)  # the first of a repeated name, as werkzeug
        for name, value in parse_pairs(query.encode("latin-1").decode("utf-8", "replace")):
            values[name] = value  # the URL's state wins over anything posted
        self.values = values
        self.memo: dict[str, object] = {}  # what more than one part of a request works out

    @classmethod
    def of(cls, environ: Environ) -> Params:
        return cls(form_pairs(environ), str(environ.get("QUERY_STRING", "")))

    def __call__(self, name: str) -> str:
        return self.values.get(name, "")

    def count(self, name: str) -> int:
        """A counter from the URL; garbage counts as 0, so a bad URL starts afresh."""
        value = self(name)
        return min(int(value), 99) if value.isascii() and value.isdigit() else 0

    def line_number(self) -> str:
        """The number the caller dialled: the line's own, shown to helplines as caller ID."""
        return line_number(self("To"))

    def on_helpline_leg(self) -> bool:
        """Twilio marks the leg a <Dial> made (the helpline's phone), on any path."""
        return self("Direction").startswith("outbound-dial") or bool(self("ParentCallSid"))


def line_number(value: str) -> str:
    """value if it is a phone number as Twilio writes one (E.164), else ""."""
    plausible = value.isascii() and value[1:].isdigit() and len(value) <= 16
    return value if value.startswith("+") and plausible else ""


def public_url(environ: Environ, base: str) -> str:
    """The URL Twilio requested, as it signed it.

    Behind a proxy, scheme and host come from PUBLIC_BASE_URL, or from X-Forwarded-*
    headers only as far as werkzeug's ProxyFix trusts them (TRUSTED_PROXIES): anyone
    can send those headers, so they are never read here directly.
    """
    # As sent, not decoded: gunicorn and werkzeug both keep it
    raw = str(environ.get("RAW_URI") or environ["REQUEST_URI"])
    if base:
        return base.rstrip("/") + raw
    return f"{environ['wsgi.url_scheme']}://{get_host(environ)}{raw}"


class SignedForm(dict[str, list[str]]):
    """Every value of each name, as RequestValidator reads them (its fastest path)."""

    def getall(self, name: str) -> list[str]:
        return self[name]


def signed_by_twilio(environ: Environ, validator: RequestValidator, base: str) -> bool:
    """Whether Twilio signed this request, with our token, for this URL and form."""
    signature = str(environ.get("HTTP_X_TWILIO_SIGNATURE", ""))
    if not signature:
        return False
    settings = environ.get("HTTP_X_TWILIO_WEBHOOKS_SIGNATURE_SETTINGS")
    algorithm = get_signature_algorithm(settings)
    params = SignedForm()
    if environ.get("REQUEST_METHOD") == "POST":
        for name, value in form_pairs(environ):
            params.setdefault(name, []).append(value)
    url = public_url(environ, base)
    # The exact URL first (one HMAC); validate() also tries it with and without the port
    if algorithm == HMAC_SHA1 and hmac.compare_digest(
        validator.compute_signature(url, params), signature
    ):
        return True
    return bool(validator.validate(url, params, signature, algorithm))
