"""What Twilio really does, and what the line does about it: each through a simulated call."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask

from ivr import IvrError
from ivr.call.twiml import Renderer
from ivr.simulate import LINE, Simulator
from ivr.store.deadline import Deadline
from ivr.store.dials import DialNotes
from ivr.store.rows import Who
from tests.helpers import BASE, call_params, sign, spoken, tone

OPERATOR = "+448082000247"
REFUGE = "+448000853481"


def fail(*args: object, **kwargs: object) -> str:
    raise RuntimeError("a bug")


def test_the_fail_safe_shows_the_line_never_the_caller(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """settings.caller_id is empty in the shipped menu: the line's own number (To) is shown."""
    monkeypatch.setattr(Renderer, "choose", fail)
    call = Simulator(app).call(["2"])
    dial = next(e.text for e in call.events if e.kind == "dial")
    assert dial == f"{OPERATOR} (they see {LINE}; rings up to 25 s)"
    assert call.bridged == OPERATOR
    assert "Sorry, something has gone wrong on this line." in call.heard()


@pytest.mark.parametrize("handler", ["whisper", "accept"])
def test_a_failure_on_the_helplines_leg_hangs_it_up(
    app: Flask, monkeypatch: pytest.MonkeyPatch, handler: str
) -> None:
    """The helpline's phone never dials anyone; the caller moves on down the chain."""
    monkeypatch.setattr(Renderer, handler, fail)
    call = Simulator(app).call(["2", "1"])
    dials = [e.text.split()[0] for e in call.events if e.kind == "dial"]
    assert dials == [REFUGE, OPERATOR]
    whisper = [e.text for e in call.events if e.kind == "whisper"]
    assert "hangup" in whisper
    assert not any("dial" in w for w in whisper)
    assert call.bridged is None
    assert "Sorry, Refuge in Derby City could not take your call." in call.heard()


def test_an_unknown_path_on_the_helplines_leg_hangs_up(app: Flask) -> None:
    params = call_params(Direction="outbound-dial", ParentCallSid="CA" + "1" * 32)
    path = "/voice/whisper/nowhere"
    answer = app.test_client().post(
        path, data=params, headers={"X-Twilio-Signature": sign(BASE + path, params)}
    )
    assert answer.get_data(as_text=True).endswith("<Response><Hangup /></Response>")


def test_menus_pin_a_speech_model_with_whole_seconds(app: Flask) -> None:
    root = ET.fromstring(app.extensions["ivr.line"].renderer.start())
    gather = root.find("Gather")
    assert gather is not None
    # Twilio refuses speechTimeout="auto" with a model (warning 13335)
    assert (gather.get("speechModel"), gather.get("speechTimeout")) == ("phone_call", "2")


@pytest.mark.parametrize("quirk", ["confidence-0", "no-confidence"])
def test_speech_without_a_confidence_is_matched(app: Flask, quirk: str) -> None:
    call = Simulator(app, quirks=frozenset({quirk})).call(["derby city", "refuge"])
    assert call.bridged == REFUGE


@pytest.mark.parametrize(("answer", "bridged"), [("accept", REFUGE), ("decline", OPERATOR)])
def test_no_dial_bridged_asks_the_helplines_leg(
    app: Flask, answer: str, bridged: str | None
) -> None:
    # What the deadline does on a slow store is test_deadlines' to test: here, a loaded CI
    # machine must not turn a note written late into a second helpline
    app.extensions["ivr.line"].accepted = DialNotes(app.extensions["ivr.store"], Deadline(30))
    simulator = Simulator(app, {"refuge_derby": answer}, quirks=frozenset({"no-dial-bridged"}))
    call = simulator.call(["2", "1"])
    assert call.bridged == bridged
    if answer == "accept":
        # Bridged and finished: a goodbye, never a second helpline
        assert [e.kind for e in call.events].count("dial") == 1
        assert call.events[-2].text.startswith("Thank you for calling")
    else:
        assert "Sorry, Refuge in Derby City could not take your call." in call.heard()


def test_an_unknown_dial_token_is_not_taken_as_bridged(app: Flask) -> None:
    params = call_params(DialCallStatus="completed")
    path = "/voice/dialled?m=derby_city&k=1&n=0&t=0123456789abcdef"
    answer = app.test_client().post(
        path, data=params, headers={"X-Twilio-Signature": sign(BASE + path, params)}
    )
    said = spoken(app, ET.fromstring(answer.get_data(as_text=True)))
    assert said[0] == "Sorry, Refuge in Derby City could not take your call."


def test_a_note_is_read_once_and_old_ones_are_dropped(app: Flask) -> None:
    from ivr.store.dials import KEEP, DialNotes

    store = app.extensions["ivr.store"]
    notes = DialNotes(store)
    notes.mark("0123456789abcdef")
    assert notes.taken("0123456789abcdef")
    assert not notes.taken("0123456789abcdef")
    notes.mark("aaaaaaaaaaaaaaaa")
    real = store.clock
    store.clock = lambda: real() + KEEP + timedelta(minutes=1)
    try:
        notes.mark("bbbbbbbbbbbbbbbb")  # each note clears those past KEEP
        assert not notes.taken("aaaaaaaaaaaaaaaa")
        assert notes.taken("bbbbbbbbbbbbbbbb")
    finally:
        store.clock = real


def test_hash_at_a_menu_is_a_wrong_key_not_silence(app: Flask) -> None:
    """With no finishOnKey, # reaches the app; Twilio's default would have swallowed it."""
    call = Simulator(app).call(["2", "#", "0"])
    assert "Sorry, I did not understand that." in call.heard()
    assert "Sorry, I did not hear anything." not in call.heard()


def test_a_helpline_rings_for_the_time_the_menu_says(app: Flask) -> None:
    call = Simulator(app).call(["2", "1"])
    assert next(e for e in call.events if e.kind == "dial").text.endswith("rings up to 25 s)")


def test_audio_that_cannot_be_fetched_fails_the_call(app: Flask) -> None:
    """Twilio does not skip a <Play> it cannot fetch: it says its application error and
    hangs up (the simulator used to skip it, as if that were safe)."""
    call = Simulator(app, quirks=frozenset({"audio-404"})).call(["2", "1"])
    assert call.ending == "application error"
    assert call.kinds()[-1] == "application-error"
    assert call.events[-1].text.endswith(
        "could not be fetched; Twilio says \"We're sorry, an application error has occurred. "
        'Goodbye." and hangs up'
    )
    assert call.bridged is None
    assert [e.kind for e in call.events].count("gather") == 0  # the greeting was its end
    # A <Play> outside a <Gather> too: the staff line plays a prompt before recording
    app.config["STAFF_PIN"] = "2468"
    staff = Simulator(app, quirks=frozenset({"audio-404"})).call(["2468", "1"], start="/staff")
    assert staff.kinds()[-2:] == ["say", "application-error"]
    assert staff.ending == "application error"


def test_a_caller_may_hang_up_mid_prompt(app: Flask) -> None:
    call = Simulator(app).call(["2", "hangup"])
    assert call.ending == "caller hung up"


def test_an_old_audio_url_keeps_answering_after_a_new_take(
    small_app: Flask, tmp_path: Path
) -> None:
    """A call may hold a URL handed out before a new take went live: every take is kept."""
    store = small_app.extensions["ivr.line"].prompts
    live = small_app.extensions["ivr.live"]
    client = small_app.test_client()
    who = Who("test", "cli")
    store.install("goodbye", _telephony(tmp_path / "one.wav", 2), who)
    live.refresh()
    old = store.audio_url("goodbye")
    store.install("goodbye", _telephony(tmp_path / "two.wav", 3), who)
    live.refresh()
    new = store.audio_url("goodbye")
    assert new != old
    store.revert("goodbye", who)
    live.refresh()
    for url in (old, new):
        with client.get(url) as answer:
            assert (answer.status_code, answer.mimetype) == (200, "audio/wav")
    with client.get(new.replace(new.rpartition(".")[0][-16:], "f" * 16)) as answer:
        assert answer.status_code == 404


def _telephony(path: Path, seconds: float) -> Path:
    return tone(path, seconds=seconds, rate=8000, channels=1)


class BrokenNotes:
    def mark(self, token: str) -> None:
        raise OSError("the disk is full")

    def taken(self, token: str) -> bool:
        raise OSError("the disk is gone")


def test_a_store_of_notes_that_fails_never_stops_a_call(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The helpline still gets the caller; without a note, the caller is offered the next."""
    monkeypatch.setattr(app.extensions["ivr.line"], "accepted", BrokenNotes())
    call = Simulator(app, quirks=frozenset({"no-dial-bridged"})).call(["2", "1"])
    dials = [e.text.split()[0] for e in call.events if e.kind == "dial"]
    assert dials == [REFUGE, OPERATOR]
    assert call.events[-2].text.startswith("Thank you for calling")


def test_a_redirect_by_get_is_refused_as_twilio_would_find(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        Renderer,
        "start",
        lambda self: "<Response><Redirect method='GET'>/voice</Redirect></Response>",
    )
    with pytest.raises(IvrError) as refused:
        Simulator(app).call([])
    # A GET carries the call's parameters in its URL: that is why the line refuses it
    assert str(refused.value).startswith("GET /voice?CallSid=")
    assert str(refused.value).endswith(" answered 405 text/html")


@pytest.mark.parametrize(
    ("extra", "leg"),
    [
        ({"Direction": "outbound-dial"}, "helpline"),
        ({"ParentCallSid": "CA" + "1" * 32}, "helpline"),
        ({"Direction": "outbound-dial", "ParentCallSid": "CA" + "1" * 32}, "helpline"),
        ({"Direction": "inbound"}, "caller"),
        ({}, "caller"),
    ],
)
def test_which_leg_a_failure_is_on(
    app: Flask, caplog: pytest.LogCaptureFixture, extra: dict[str, str], leg: str
) -> None:
    path = "/voice/nowhere"
    params = call_params(**extra)
    answer = app.test_client().post(
        path, data=params, headers={"X-Twilio-Signature": sign(BASE + path, params)}
    )
    root = ET.fromstring(answer.get_data(as_text=True))
    if leg == "helpline":
        assert [v.tag for v in root] == ["Hangup"]
    else:
        assert root[0].tag == "Gather"  # a caller on a path we do not have starts afresh


def test_a_failure_logged_for_each_leg(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(Renderer, "whisper", fail)
    Simulator(app).call(["2", "1"])
    monkeypatch.setattr(Renderer, "choose", fail)
    Simulator(app).call(["2"])  # the choice fails: the fail-safe rings the 24/7 line
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert messages == [
        "helpline leg /voice/whisper failed; it hangs up",
        "helpline leg /voice/whisper failed; it hangs up",  # the 24/7 line's too
        "webhook /voice/choose failed; the caller was sent to the 24/7 line",
    ]


def test_the_staff_lines_failure_is_said_in_the_lines_voice(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from ivr.staff import phone as staff

    monkeypatch.setattr(staff, "_prompt_id", fail)
    app.config["STAFF_PIN"] = "2468"
    path = "/staff/prompt"
    params = call_params(Digits="1")
    answer = app.test_client().post(
        path, data=params, headers={"X-Twilio-Signature": sign(BASE + path, params)}
    )
    root = ET.fromstring(answer.get_data(as_text=True))
    assert [(v.tag, v.attrib, v.text) for v in root] == [
        (
            "Say",
            {"voice": "Polly.Amy", "language": "en-GB"},
            "Sorry, that could not be saved. Nothing has changed. Goodbye.",
        ),
        ("Hangup", {}, None),
    ]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == [
        "staff line /staff/prompt failed; nothing was changed"
    ]


@pytest.mark.parametrize(
    ("to", "shown"),
    [
        ("+441632960001", "+441632960001"),
        ("441632960001", None),  # not E.164: nothing rather than something wrong
        ("+44163296000a", None),
        ("+4416329600011234", None),  # longer than any number
        ("", None),
    ],
)
def test_the_number_shown_is_the_line_called_when_it_is_a_number(
    app: Flask, to: str, shown: str | None
) -> None:
    path = "/voice/choose?m=main&s=0&i=0"
    params = call_params(Digits="0", To=to)
    answer = app.test_client().post(
        path, data=params, headers={"X-Twilio-Signature": sign(BASE + path, params)}
    )
    dial = ET.fromstring(answer.get_data(as_text=True)).find("Dial")
    assert dial is not None and dial.get("callerId") == shown


def test_an_audio_failure_is_logged(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(app.extensions["ivr.line"].prompts, "find", fail)
    with app.test_client().get("/audio/greeting.0a1b2c3d4e5f6a7b.wav") as answer:
        assert answer.status_code == 200
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == [
        "/audio/greeting.0a1b2c3d4e5f6a7b.wav failed; the prompt's audio now was served instead"
    ]


class BrokenBody:
    """A request body the network cuts off while it is being read."""

    def read(self, size: int = -1) -> bytes:
        raise OSError("connection reset")


def test_a_body_that_cannot_be_read_still_gets_the_fail_safe(app: Flask) -> None:
    from werkzeug.test import EnvironBuilder

    params = call_params(Digits="2")
    path = "/voice/choose?m=main&s=0&i=0"
    environ = EnvironBuilder(
        path, method="POST", data=params, headers={"X-Twilio-Signature": sign(BASE + path, params)}
    ).get_environ()
    environ["wsgi.input"] = BrokenBody()
    said: list[str] = []
    body = b"".join(app.wsgi_app(environ, lambda status, headers: said.append(status)))
    assert said == ["200 OK"]
    assert b"Sorry, something has gone wrong on this line." in body
    assert b"<Dial" in body and OPERATOR.encode() in body


def test_a_failure_in_flask_on_a_callers_path_is_the_callers_fail_safe(app: Flask) -> None:
    """Anything signed that Flask answers (not a caller webhook, not staff) and fails."""
    app.add_url_rule("/voice/extra", "extra", fail, methods=["POST"])
    params = call_params(To=LINE)
    answer = app.test_client().post(
        "/voice/extra",
        data=params,
        headers={"X-Twilio-Signature": sign(BASE + "/voice/extra", params)},
    )
    assert "Sorry, something has gone wrong on this line." in answer.get_data(as_text=True)
    assert f'callerId="{LINE}"' in answer.get_data(as_text=True)


def test_every_caller_webhook_keeps_the_worker_up_to_date(app: Flask) -> None:
    """The store's poller is checked on each request (a forked worker starts its own)."""
    from ivr.call.voice import Line, Webhooks

    seen: list[str] = []
    line: Line = app.extensions["ivr.line"]
    webhooks = Webhooks(app.wsgi_app, line, before=lambda: seen.append("before"))
    app.wsgi_app = webhooks  # type: ignore[method-assign]
    params = call_params()
    app.test_client().post(
        "/voice", data=params, headers={"X-Twilio-Signature": sign(BASE + "/voice", params)}
    )
    app.test_client().get("/healthz")
    assert seen == ["before"]  # /healthz went on to Flask, whose before_request has its own
