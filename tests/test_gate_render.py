"""Defence in depth: a caller's answer that would not be well-formed XML is never sent.

The menu's checks and the store's refuse every text a caller could not be told; should
one ever reach a render anyway (a bug, a row an older release wrote), the caller gets the
fail-safe (the 24/7 line) and a helpline's leg hangs up, as for any other failure: never
Twilio's "an application error has occurred" on every call.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET

import pytest
from flask import Flask

from ivr.call import voice
from ivr.call.voice import NotTwiml, twiml_bytes
from tests.helpers import answer


def rendering(monkeypatch: pytest.MonkeyPatch, path: str, text: str) -> None:
    """The answer to path renders as text: past every check, as if a bug had put it there."""
    monkeypatch.setitem(voice.ANSWERS, path, lambda renderer, p: text)


@pytest.mark.parametrize("bad", ["\x01", "\x1b", "\ufffe", "\ud800"])
def test_a_menu_answer_that_would_not_parse_gives_the_failsafe(
    app: Flask, bad: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendering(monkeypatch, "/voice", f"<Response><Say>Main menu{bad}.</Say></Response>")
    with caplog.at_level(logging.ERROR):
        root = answer(app, "/voice")
    assert [v.tag for v in root] == ["Say", "Dial", "Say", "Say", "Hangup"]
    assert root[1].find("Number").text == "+448082000247"  # type: ignore[union-attr]
    assert "webhook /voice failed; the caller was sent to the 24/7 line" in caplog.text
    assert "NotTwiml" in caplog.text


def test_a_whisper_that_would_not_parse_hangs_up_the_helplines_leg(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendering(monkeypatch, "/voice/whisper", "<Response><Say>A call\x00.</Say></Response>")
    root = answer(app, "/voice/whisper?m=main&k=0&n=0")
    assert [v.tag for v in root] == ["Hangup"]


@pytest.mark.parametrize(
    "text",
    [
        "<Response><Say>Hello</Say></Response>",
        "<Response><Say>Rozłącz się \u200f اردو \U0001f49c</Say></Response>",
        "<Response><Say>tab\there\nline</Say></Response>",
        "<Response><Say>\x85 \ufdd0 \U0001fffe: odd, but XML can carry them</Say></Response>",
    ],
)
def test_what_xml_can_carry_is_sent_as_it_is(text: str) -> None:
    assert twiml_bytes(text) == text.encode()
    ET.fromstring(twiml_bytes(text))


@pytest.mark.parametrize("bad", ["\x00", "\x08", "\x0b", "\x1f", "\ufffe", "\uffff", "\udfff"])
def test_what_xml_cannot_carry_is_refused(bad: str) -> None:
    with pytest.raises(NotTwiml, match=f"U\\+{ord(bad):04X}"):
        twiml_bytes(f"<Response><Say>a{bad}</Say></Response>")
