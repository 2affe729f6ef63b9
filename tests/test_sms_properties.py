"""Hostile texts against the text line: a signed text always gets TwiML (a reply of at
most 3 segments, or nothing after an opt-out) and never the fail-safe; unsigned get 403."""

from __future__ import annotations

import logging
import os
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from itsdangerous import Signer

from ivr import create_app
from ivr.call.conversation import OPT_OUT
from ivr.call.sms import COOKIE, PATH, SALT, TextLine
from ivr.menu import speech
from ivr.menu.segments import MAX_SEGMENTS, segments
from ivr.simulate import CALLER, LINE
from tests.helpers import BASE, NOON, REPO_MENU, THIS_TESTS_THREADS, TOKEN, sign

EXAMPLES = int(os.environ.get("IVR_HYPOTHESIS_EXAMPLES", "2000")) // 4
SIGNATURE = "X-Twilio-Signature"
WORDS = st.sampled_from(
    [
        "",
        " ",
        "0",
        "21",
        "2 1",
        "999",
        "9999999999999999999999",
        "*#*#",
        "2*1",
        "7",
        "#",
        "MENU",
        "menu please",
        "STOP",
        "stop now",
        "Stop!",
        "polski",
        "ROMÂNĂ",
        "اردو",
        "ਪੰਜਾਬੀ",
        "english",
        "derby city",
        "someone",
        "back",
        "\u0661\u0662",
        "１",
        "<Message>x</Message>",
        "]]>",
        "&amp;",
        "\x00\x1b\x7f",
        "😀" * 40,
    ]
)
BODY = st.one_of(
    WORDS,
    st.lists(WORDS, max_size=4).map(" ".join),
    st.text(max_size=60),
    st.text(st.characters(codec="utf-8"), min_size=1000, max_size=1600),
)


SECRET_KEY = "made-up-test-secret-key"
SIGNER = Signer(SECRET_KEY, salt=SALT)  # as the line signs a texter's place
PLACES = st.tuples(
    st.sampled_from(["main", "derby_city", "other", "gone", "", "main~"]),
    st.sampled_from(["", "pl", "ro", "pa", "ur", "de", "pl~x"]),
).map(lambda place: SIGNER.sign(f"{place[0]}~{place[1]}").decode())
COOKIES = st.one_of(st.none(), PLACES, st.text(max_size=80), st.just("x" * 400))


class Failures(logging.Handler):
    """What the text line logs when it sends its fail-safe."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []
        self.addFilter(THIS_TESTS_THREADS)

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(scope="module")
def text_line() -> Iterator[tuple[Flask, Failures]]:
    """The line every example texts (one for the module, dropped after it: an app kept
    for the session would poll the store through every later test), and what it logs."""
    app = create_app(
        {
            "TWILIO_AUTH_TOKEN": TOKEN,
            "SECRET_KEY": SECRET_KEY,
            "IVR_MENU": str(REPO_MENU),
            "PROMPTS_DIR": str(REPO_MENU.parent / "prompts"),
            "CLOCK": lambda: NOON,
            "STATE_DIR": str(Path(tempfile.mkdtemp()) / "state"),
            "DATABASE_URL": os.environ.get("IVR_TEST_DATABASE_URL") or None,
        }
    )
    assert isinstance(app.wsgi_app, TextLine)
    assert app.wsgi_app.places.signer.sign("main~") == SIGNER.sign("main~")
    failures = Failures()
    logger = logging.getLogger("ivr.call.sms")
    logger.addHandler(failures)
    try:
        yield app, failures
    finally:
        logger.removeHandler(failures)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=BODY,
    cookie=COOKIES,
    query=st.dictionaries(st.sampled_from(["m", "g", "s"]), st.text(max_size=10), max_size=2),
    method=st.sampled_from(["POST", "POST", "POST", "GET", "PUT"]),
    signed=st.booleans(),
)
def test_every_text_is_answered_with_a_short_reply_or_refused(
    text_line: tuple[Flask, Failures],
    body: str,
    cookie: str | None,
    query: dict[str, str],
    method: str,
    signed: bool,
) -> None:
    app, failures = text_line
    failures.messages.clear()
    path = PATH + (f"?{urlencode(query, quote_via=quote)}" if query else "")
    params = {"MessageSid": "SM" + "3" * 32, "From": CALLER, "To": LINE, "Body": body}
    client = app.test_client()
    if cookie is not None:
        client.set_cookie(COOKIE, cookie, path=PATH)
    if method == "POST":
        signature = sign(BASE + path, params) if signed else "forged"
        response = client.post(path, data=params, headers={SIGNATURE: signature})
    else:
        signature = sign(BASE + path, {}) if signed else "forged"
        response = client.open(path, method=method, headers={SIGNATURE: signature})
    if not signed:
        assert response.status_code == 403
        return
    if method != "POST":
        assert response.status_code == 405
        return
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.get_data(as_text=True))
    assert root.tag == "Response"
    assert not failures.messages, "the fail-safe was sent"
    words = speech.tokens(body)
    if words and words[0] in OPT_OUT:
        assert len(root) == 0  # an opt-out: nothing is sent
        assert "Set-Cookie" not in response.headers
        return
    (message,) = root
    assert message.tag == "Message" and len(message) == 0
    text = message.text or ""
    assert text.strip()
    assert segments(text).count <= MAX_SEGMENTS
    assert CALLER[3:] not in text and CALLER[3:] not in response.headers.get("Set-Cookie", "")
