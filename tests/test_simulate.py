"""The simulated caller itself: it must fail loudly where Twilio would."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

import pytest
from flask import Flask

from ivr import IvrError
from ivr.call.twiml import Renderer
from ivr.simulate import Simulator, parse_script
from ivr.simulate.posts import posted_input


def test_parse_script() -> None:
    assert parse_script("2, derby city, -, , *") == ["2", "derby city", None, None, "*"]


def serving(monkeypatch: pytest.MonkeyPatch, xml: str) -> None:
    monkeypatch.setattr(Renderer, "start", lambda self: xml)


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<Response><Enqueue>x</Enqueue></Response>", "the simulator does not know <Enqueue>"),
        ("<Response><Dial>+441332985111</Dial></Response>", "<Dial> without a <Number>"),
        ("<Nope/>", "POST /voice answered <Nope>, not <Response>"),
        (
            "<Response><Redirect>/voice</Redirect></Response>",
            "the call did not end after 60 requests",
        ),
    ],
)
def test_twiml_the_simulator_refuses(
    app: Flask, monkeypatch: pytest.MonkeyPatch, xml: str, message: str
) -> None:
    serving(monkeypatch, xml)
    with pytest.raises(IvrError) as raised:
        Simulator(app).call([])
    assert str(raised.value) == message


def test_a_refused_request_is_an_error(app: Flask) -> None:
    simulator = Simulator(app)
    app.config["TWILIO_AUTH_TOKEN"] = "not the token the app checks with"
    simulator.validator = Simulator(app).validator
    with pytest.raises(IvrError) as raised:
        simulator.call([])
    assert str(raised.value) == "POST /voice answered 403 text/html"


def test_follows_twiml_as_twilio_does(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    # No input: the next verb; Pause, Play, a Dial without action and a Number without
    # whisper; the end of the document.
    serving(
        monkeypatch,
        "<Response><Pause length='2'/><Play>https://example.org/x.wav</Play>"
        "<Gather input='dtmf'><Say>a</Say></Gather>"
        "<Dial timeout='20'><Number>+448082000247</Number></Dial><Say>after</Say></Response>",
    )
    call = Simulator(app, {"+448082000247": "busy"}).call(iter([]))
    assert call.kinds() == ["pause", "play", "say", "gather", "dial", "not-answered", "say", "end"]
    assert call.ending == "silence"
    assert call.urls == ["/voice"]
    # Twilio rings 5 s past the Dial's timeout
    assert call.events[4].text == "+448082000247 (they see +447700900123; rings up to 25 s)"


def test_a_gather_without_action_posts_to_its_own_url(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    serving(monkeypatch, "<Response><Gather input='dtmf'/></Response>")
    call = Simulator(app).call(["1", "1", "hangup"])
    assert call.urls == ["/voice", "/voice", "/voice"]
    assert call.ending == "caller hung up"


@pytest.mark.parametrize(
    ("finish_on_key", "pressed", "posted"),
    [
        (None, "#", []),  # Twilio's default finish key never reaches Digits
        ("#", "12#", ["12"]),
        ("", "#", ["#"]),  # no finish key: # arrives like any key
        ("*", "*", []),
    ],
)
def test_the_finish_key_is_stripped_from_digits(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    finish_on_key: str | None,
    pressed: str,
    posted: list[str],
) -> None:
    finish = "" if finish_on_key is None else f" finishOnKey='{finish_on_key}'"
    serving(monkeypatch, f"<Response><Gather action='/voice/numbers'{finish}/></Response>")
    simulator = Simulator(app)
    sent: list[str] = []
    real = simulator.request

    def request(url: str, method: str, params: Mapping[str, str]) -> ET.Element:
        if url.startswith("/voice/numbers"):
            sent.append(params["Digits"])
        return real(url, method, params)

    monkeypatch.setattr(simulator, "request", request)
    simulator.call([pressed])
    # With nothing left in Digits and no actionOnEmptyResult, the document goes on
    assert sent == posted


@pytest.mark.parametrize(
    ("quirks", "posted"),
    [
        (frozenset(), {"SpeechResult": "derby city", "Confidence": "0.92"}),
        (frozenset({"confidence-0"}), {"SpeechResult": "derby city", "Confidence": "0"}),
        (frozenset({"no-confidence"}), {"SpeechResult": "derby city"}),
    ],
)
def test_speech_as_each_engine_posts_it(
    app: Flask, quirks: frozenset[str], posted: dict[str, str]
) -> None:
    assert posted_input("derby city", "", quirks=quirks) == posted


def test_an_unknown_quirk(app: Flask) -> None:
    with pytest.raises(IvrError) as raised:
        Simulator(app, quirks=frozenset({"gremlins"}))
    assert str(raised.value).startswith("unknown quirk gremlins (known: confidence-0, ")
