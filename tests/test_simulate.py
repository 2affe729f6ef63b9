"""The simulated caller itself: it must fail loudly where Twilio would."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from ivr import IvrError
from ivr.simulate import Simulator, parse_script
from ivr.twiml import Renderer


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
    # No action on a Gather: the same URL again, by GET; no input: the next verb; Pause,
    # Play, a Dial without action and a Number without whisper; the end of the document.
    serving(
        monkeypatch,
        "<Response><Pause length='2'/><Play>https://example.org/x.wav</Play>"
        "<Gather method='GET' input='dtmf'><Say>a</Say></Gather>"
        "<Dial><Number>+448082000247</Number></Dial><Say>after</Say></Response>",
    )
    calls: list[Callable[[], None]] = []
    simulator = Simulator(app, {"+448082000247": "busy"})
    call = simulator.call(iter([]))
    assert call.kinds() == ["pause", "play", "say", "gather", "dial", "not-answered", "say", "end"]
    assert call.ending == "silence"
    assert not calls


def test_a_gather_answered_by_get(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    serving(
        monkeypatch, "<Response><Gather method='GET' action='/voice/choose?m=main'/></Response>"
    )
    call = Simulator(app, {"national_24h": "accept"}).call(["0"])
    assert call.urls[1] == "/voice/choose?m=main"
    assert call.bridged == "+448082000247"
