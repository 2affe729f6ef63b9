"""Every attribute Twilio acts on, for each kind of step: a changed one is a changed call."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from flask import Flask

from ivr.call.availability import ClosureRow
from ivr.call.failsafe import render_failsafe
from ivr.call.twiml import Renderer
from ivr.store.rows import Who
from tests.helpers import NOON

SAY = {"voice": "Polly.Amy", "language": "en-GB"}


def parse(xml: str) -> ET.Element:
    return ET.fromstring(xml)


@pytest.fixture
def renderer(app: Flask) -> Renderer:
    found: Renderer = app.extensions["ivr.line"].renderer
    return found


def test_a_menu(renderer: Renderer) -> None:
    root = parse(renderer.start())
    assert [v.tag for v in root] == ["Gather", "Redirect"]
    gather = root[0]
    hints = gather.attrib.pop("hints")
    assert gather.attrib == {
        "input": "dtmf speech",
        "action": "/voice/choose?m=main&s=0&i=0&a=ANSWEREDAT",
        "method": "POST",
        "actionOnEmptyResult": "true",
        "timeout": "8",
        "speechModel": "phone_call",
        "speechTimeout": "2",
        "finishOnKey": "",
        "numDigits": "1",
        "language": "en-GB",
    }
    assert hints.startswith("emergency, ") and ", back, go back, previous, polski, " in hints
    # The greeting, the menu, each other language offered in its own words, the key to
    # hear it again, and that the caller can hang up at any time
    assert [v.tag for v in gather] == ["Play"] * 8
    action = "/voice/choose?m=main&s=0&i=0&a=ANSWEREDAT"
    assert (root[1].text, root[1].attrib) == (action, {"method": "POST"})


def test_retries_count_in_the_url(renderer: Renderer) -> None:
    silent = parse(renderer.choose("main", 0, 0, "", ""))
    assert silent[0].get("action") == "/voice/choose?m=main&s=1&i=0&a=ANSWEREDAT"
    wrong = parse(renderer.choose("main", 1, 0, None, ""))
    assert wrong[0].get("action") == "/voice/choose?m=main&s=1&i=1&a=ANSWEREDAT"
    repeat = parse(renderer.choose("derby_city", 1, 1, "9", ""))
    assert repeat[0].get("action") == "/voice/choose?m=derby_city&s=0&i=0&a=ANSWEREDAT"
    back = parse(renderer.choose("derby_city", 1, 1, "*", ""))
    assert back[0].get("action") == "/voice/choose?m=main&s=0&i=0&a=ANSWEREDAT"


def test_after_the_retries_a_person(renderer: Renderer) -> None:
    root = parse(renderer.choose("main", 2, 0, "", "+441632960001"))
    assert [v.tag for v in root] == ["Play", "Play", "Dial"]
    assert root[2].find("Number").text == "+448082000247"  # type: ignore[union-attr]
    root = parse(renderer.choose("main", 0, 2, None, "+441632960001"))
    assert root[2].find("Number").text == "+448082000247"  # type: ignore[union-attr]


def test_a_transfer(renderer: Renderer) -> None:
    root = parse(renderer.choose("derby_city", 0, 0, "1", "+441632960001"))
    assert [v.tag for v in root] == ["Play", "Dial"]
    dial = root[1]
    token = dial.get("action", "").partition("t=")[2].partition("&")[0]
    assert len(token) == 16
    assert dial.attrib == {
        "action": f"/voice/dialled?m=derby_city&k=1&n=0&t={token}&a=ANSWEREDAT",
        "method": "POST",
        "answerOnBridge": "true",
        "ringTone": "uk",
        "timeout": "20",
        "callerId": "+441632960001",
    }
    number = dial[0]
    assert (number.tag, number.text) == ("Number", "+448000853481")
    assert number.attrib == {
        "url": f"/voice/whisper?m=derby_city&k=1&n=0&t={token}&a=ANSWEREDAT&l=%2B441632960001",
        "method": "POST",
    }
    # A fresh token for every ring
    again = parse(renderer.choose("derby_city", 0, 0, "1", "+441632960001"))
    assert again[1].get("action") != dial.get("action")


def test_the_whisper(renderer: Renderer) -> None:
    root = parse(renderer.whisper("derby_city", "1", 0, "0123456789abcdef"))
    assert [v.tag for v in root] == ["Gather", "Hangup"]
    assert root[0].attrib == {
        "input": "dtmf",
        "action": "/voice/whisper/accept?t=0123456789abcdef",
        "method": "POST",
        "numDigits": "1",
        "timeout": "6",
    }
    assert [v.tag for v in root[0]] == ["Play", "Play"]
    assert root[0][0].text == root[0][1].text
    # With the call's answer time: passed on to the accept, with the helpline and line
    line = "+441632960001"
    timed = parse(renderer.whisper("derby_city", "1", 0, "0123456789abcdef", "1795521600", line))
    assert timed[0].get("action") == (
        "/voice/whisper/accept?t=0123456789abcdef&h=refuge_derby&a=1795521600&l=%2B441632960001"
    )
    bad = parse(renderer.whisper("derby_city", "1", 0, "not a token"))
    assert bad[0].get("action") == "/voice/whisper/accept"


def test_the_numbers_read_out(renderer: Renderer) -> None:
    root = parse(renderer.numbers(0))
    assert [v.tag for v in root] == ["Gather", "Play", "Hangup"]
    assert root[0].attrib == {
        "input": "dtmf speech",
        "action": "/voice/numbers?r=1",
        "method": "POST",
        "numDigits": "1",
        "timeout": "8",
        "speechModel": "phone_call",
        "speechTimeout": "2",
        "finishOnKey": "",
        "language": "en-GB",
    }
    last = parse(renderer.numbers(3))
    assert [v.tag for v in last] == ["Play", "Hangup"]


def test_a_closed_helpline_is_said_in_the_lines_voice(app: Flask, renderer: Renderer) -> None:
    closure = ClosureRow("closed", NOON + timedelta(hours=2), "for training")
    app.extensions["ivr.store"].set_closure("mankind", closure, Who("test", "cli"))
    app.extensions["ivr.live"].refresh()
    root = parse(renderer.choose("men", 0, 0, "1", ""))
    say = root.find("Say")
    assert say is not None and say.attrib == SAY
    assert (
        say.text == "The ManKind Initiative is closed now: for training. It opens today at 2 pm."
    )


def test_the_fail_safe(renderer: Renderer) -> None:
    root = parse(render_failsafe(renderer.menu, "+441632960001"))
    assert [(v.tag, v.attrib) for v in root] == [
        ("Say", SAY),
        (
            "Dial",
            {
                "answerOnBridge": "true",
                "ringTone": "uk",
                "timeout": "20",
                "callerId": "+441632960001",
            },
        ),
        ("Say", SAY),
        ("Say", SAY),
        ("Hangup", {}),
    ]
    assert root[1][0].text == "+448082000247"
    texts = [v.text for v in root if v.tag == "Say"]
    assert texts == [
        renderer.menu.prompts["error"],
        renderer.menu.prompts["fallback_numbers"],
        renderer.menu.prompts["goodbye"],
    ]


@pytest.mark.parametrize(
    ("node_id", "no_input", "invalid", "key"),
    [
        ("main", 0, 0, "0"),  # the operator key
        ("derby_city", 0, 0, "1"),  # an option's chain
        ("main", 2, 0, ""),  # silent to the end
        ("derby_city", 0, 2, None),  # wrong to the end
    ],
    ids=["operator key", "option", "after silences", "after wrong keys"],
)
def test_every_transfer_shows_the_line_not_the_caller(
    renderer: Renderer, node_id: str, no_input: int, invalid: int, key: str | None
) -> None:
    root = parse(renderer.choose(node_id, no_input, invalid, key, "+441632960001"))
    dial = root.find("Dial")
    assert dial is not None and dial.get("callerId") == "+441632960001"
    assert dial.get("action", "").startswith(f"/voice/dialled?m={node_id}&k=")


def test_a_submenu_starts_its_counts_afresh(renderer: Renderer) -> None:
    root = parse(renderer.choose("main", 1, 1, "2", ""))
    assert root[0].get("action") == "/voice/choose?m=derby_city&s=0&i=0&a=ANSWEREDAT"


def test_the_next_in_a_chain_keeps_the_lines_number(renderer: Renderer) -> None:
    root = parse(renderer.dialled("derby_city", "1", 0, False, "+441632960001"))
    dial = root.find("Dial")
    assert dial is not None and dial.get("callerId") == "+441632960001"
    assert dial.get("action", "").startswith("/voice/dialled?m=derby_city&k=1&n=1&t=")
