"""Hostile input against every webhook: signed requests always get TwiML, unsigned get 403."""

from __future__ import annotations

import functools
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote, urlencode

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivr import create_app
from ivr.menu.build import build_menu
from ivr.menu.check import check_source
from ivr.menu.source import parse_source
from tests.helpers import BASE, NOON, SMALL_MENU, TOKEN, WEBHOOKS, sign

SIGNATURE = "X-Twilio-Signature"

ROUTES = [*WEBHOOKS, "/voice/no-such-page"]
STATE_KEYS = ["m", "s", "i", "k", "n", "r", "p", "take", "f", "t"]
TWILIO_KEYS = [
    "CallSid",
    "From",
    "To",
    "Digits",
    "SpeechResult",
    "Confidence",
    "CallStatus",
    "DialCallStatus",
    "DialBridged",
    "RecordingSid",
    "RecordingUrl",
    "AccountSid",
    "Caller",
    "Direction",
    "ParentCallSid",
]
HEADERS = st.dictionaries(
    st.sampled_from(
        ["X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-For", "Host", "Content-Type"]
    ),
    st.one_of(
        st.sampled_from(["https", "evil.example", "line.example.org:443", "text/plain"]),
        st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30),
    ),
    max_size=3,
)
HOSTILE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "0",
            "1",
            "9",
            "*",
            "#",
            "-1",
            "99999999999999999999",
            "nan",
            "inf",
            "main",
            "derby_city",
            "national_24h",
            "true",
            "completed",
            "\u0661",
            "\u00b2",
            "１",
            "<Say>x</Say>",
            "]]>",
            "&amp;",
            "../../etc/passwd",
            "%00",
            "RE" + "a" * 32,
            "0123456789abcdef",
            "outbound-dial",
        ]
    ),
    st.text(st.characters(codec="utf-8"), min_size=1000, max_size=5000),
    st.text(st.characters(max_codepoint=31), max_size=20),
)
EXAMPLES = int(os.environ.get("IVR_HYPOTHESIS_EXAMPLES", "2000"))


@functools.cache
def line() -> Flask:
    """The app every property runs against: built at the first test, not when pytest
    collects this module (collection builds no app)."""
    root = Path(__file__).resolve().parent.parent
    import tempfile

    state = Path(tempfile.mkdtemp())
    return create_app(
        {
            "TWILIO_AUTH_TOKEN": TOKEN,
            "SECRET_KEY": "made-up-test-secret-key",
            "IVR_MENU": str(root / "menus.yaml"),
            "CLOCK": lambda: NOON,
            "STATE_DIR": str(state),
            "DATABASE_URL": os.environ.get("IVR_TEST_DATABASE_URL") or None,
            "PROMPTS_DIR": str(root / "prompts"),
            "STAFF_PIN": "2468",
            "TWILIO_API_BASE": "http://127.0.0.1:9",  # nothing listens: fetches fail fast
        }
    )


def _parsed(response_text: str) -> ET.Element:
    root = ET.fromstring(response_text)
    assert root.tag == "Response"
    return root


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    route=st.sampled_from(ROUTES),
    state=st.dictionaries(st.sampled_from(STATE_KEYS), HOSTILE, max_size=5),
    params=st.dictionaries(st.sampled_from(TWILIO_KEYS), HOSTILE, max_size=8),
    method=st.sampled_from(["POST", "GET", "PUT", "DELETE", "PATCH"]),
    signed=st.booleans(),
    headers=HEADERS,
)
def test_every_webhook_answers_twiml_or_403(
    route: str,
    state: dict[str, str],
    params: dict[str, str],
    method: str,
    signed: bool,
    headers: dict[str, str],
) -> None:
    query = urlencode(state, quote_via=quote)
    path = route + (f"?{query}" if query else "")
    client = line().test_client()
    if signed:
        headers.pop("Host", None)  # the URL signed names the host
    if method != "POST":
        query = urlencode({**state, **params}, quote_via=quote)
        path = route + (f"?{query}" if query else "")
        signature = sign(BASE + path, {}) if signed else "forged"
        response = client.open(path, method=method, headers=headers | {SIGNATURE: signature})
    else:
        signature = sign(BASE + path, params) if signed else "forged"
        headers.pop("Content-Type", None)
        response = client.post(path, data=params, headers=headers | {SIGNATURE: signature})
    if not signed:
        assert response.status_code == 403
        return
    if method != "POST" and route != "/voice/no-such-page":
        # Webhooks are POST only: a GET would put the caller's number in a query string
        assert response.status_code == 405
        return
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/xml"
    root = _parsed(response.get_data(as_text=True))
    # A caller never hears an application error: every document does something
    assert len(root) > 0 or route == "/voice/whisper/accept"
    helpline_leg = route.startswith("/voice/whisper") or (
        params.get("Direction", "").startswith("outbound-dial")
        or bool(params.get("ParentCallSid"))
    )
    if helpline_leg:
        # Whatever goes wrong there, the helpline's phone never dials anyone
        assert root.find(".//Dial") is None


@settings(max_examples=300, deadline=None)
@given(name=st.text(max_size=80))
def test_audio_answers_only_200_or_404(name: str) -> None:
    with line().test_client().get("/audio/" + quote(name, safe="")) as response:
        assert response.status_code in (200, 404)


MENU_LINES = SMALL_MENU.splitlines() + [
    "settings:",
    "  timeout: !!int abc",
    "  caller_id: 01332 985111",
    "  speech_timeout: auto",
    "    hours: {weekly: {mon-fri: 08:00-19:00}, open_dates: {2026-12-27: 10:00-14:00}}",
    "    hours: 24/7",
    "      closed_dates: [2026-11-31, '2026-12-24']",
    "a: &a [x, x, x, x, x, x, x, x]",
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a]",
    "c: [*b, *b, *b, *b, *b, *b, *b, *b]",
    "  <<: *a",
    "x: !!python/object/apply:os.system ['true']",
    "y: !custom value",
    "z: !!binary aGVsbG8=",
    "? [complex, key]",
    ": value",
    "- - -",
    "{[",
    "'unterminated",
    "      1: {label: x, goto: main}",
    "      '#': {label: y, transfer: national_24h}",
]
PIECES = st.one_of(
    st.sampled_from(MENU_LINES),
    st.text(max_size=30),
    st.text(st.characters(max_codepoint=40), max_size=10),
)
CHECK_EXAMPLES = int(os.environ.get("IVR_CHECK_EXAMPLES", "1500"))


@settings(max_examples=CHECK_EXAMPLES, deadline=None)
@given(lines=st.lists(st.tuples(st.integers(0, 8), PIECES), max_size=30))
def test_ivr_check_never_crashes(lines: list[tuple[int, str]]) -> None:
    """Any text at all: located problems or a menu, never a traceback."""
    text = "\n".join(" " * indent + line for indent, line in lines)
    problems, clean = check_source(parse_source(text))
    for problem in problems:
        assert str(problem).startswith("menus.yaml:")
    if not any(not p.warning for p in problems):
        build_menu(clean, "menus.yaml")
