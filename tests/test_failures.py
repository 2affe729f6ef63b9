"""What the call flow does, and says in the log, when a part of it fails or is handed a
URL no call of its own would make: pins what mutation testing found unpinned."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from ivr import create_app
from ivr.call.twiml import Renderer
from ivr.menu.hours import LONDON
from ivr.menu.load import load_menu
from ivr.simulate import LINE
from tests.helpers import BASE, REPO_MENU, answer, config

MENU = load_menu(REPO_MENU)
SATURDAY = datetime(2026, 11, 28, 12, 0, tzinfo=LONDON)  # ManKind (mon-fri) is closed


def test_a_failure_to_count_is_logged_and_the_call_goes_on(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("disk on fire")

    app.extensions["ivr.tally"].add_all = broken  # what a webhook's counts go through
    with caplog.at_level(logging.ERROR):
        root = answer(app, "/voice/choose?m=main&s=0&i=0", Digits="2")
    assert root.find("Gather") is not None  # Derby City's menu, as if nothing happened
    assert [r.getMessage() for r in caplog.records] == [
        "counting /voice/choose failed; the call goes on"
    ]


def test_a_note_that_cannot_be_written_or_read_is_logged(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:

    class Broken:
        def mark(self, token: str) -> None:
            raise RuntimeError("store down")

        def taken(self, token: str) -> bool:
            raise RuntimeError("store down")

    # (the notes are the webhook layer's, on the line: rendering reads and writes nothing)
    app.extensions["ivr.line"].accepted = Broken()
    with caplog.at_level(logging.ERROR):
        accepted = answer(app, "/voice/whisper/accept?t=0123456789abcdef", Digits="1")
        assert list(accepted) == []  # still bridged: DialBridged usually tells the caller
        state = "m=derby_city&k=1&n=0&t=0123456789abcdef"
        after = answer(app, f"/voice/dialled?{state}", DialCallStatus="completed")
    # Not known whether Refuge took the call: the caller is offered the next one
    assert after.find("Dial/Number").text == MENU.operator.e164  # type: ignore[union-attr]
    assert [r.getMessage() for r in caplog.records] == [
        "could not note that a helpline accepted",
        "could not read whether a helpline accepted; trying the next one",
    ]


@pytest.mark.parametrize(
    ("said", "reads"),
    [
        ({"DialBridged": "true"}, 0),  # Twilio said: no note is read
        ({"DialBridged": "false"}, 0),
        ({"DialBridged": "TRUE"}, 0),  # (in any case)
        ({"DialBridged": "False"}, 0),
        ({"CallStatus": "in-progress"}, 1),  # not said, the caller still there: the note
        ({}, 1),
        ({"CallStatus": "completed"}, 0),  # the caller has gone: nothing to decide
        ({"CallStatus": "canceled"}, 0),
    ],
)
def test_a_dial_action_reads_the_helplines_note_only_when_twilio_did_not_say(
    app: Flask, said: dict[str, str], reads: int
) -> None:
    """A note is a read of the store on a caller's request: made only when it decides."""

    class Counted:
        read = 0

        def mark(self, token: str) -> None:
            raise AssertionError("a dial's end writes no note")

        def taken(self, token: str) -> bool:
            self.read += 1
            return False

    notes = Counted()
    app.extensions["ivr.line"].accepted = notes
    state = "m=derby_city&k=1&n=0&t=0123456789abcdef"
    answer(app, f"/voice/dialled?{state}", DialCallStatus="completed", **said)
    assert notes.read == reads


def test_a_dial_action_past_the_end_of_its_chain_reads_the_numbers(app: Flask) -> None:
    """A URL no ring of ours makes (its step past the chain): the numbers, never an error."""
    root = answer(app, "/voice/dialled?m=derby_city&k=1&n=2", DialCallStatus="busy")
    gather = root.find("Gather")
    assert gather is not None and gather.get("action", "").startswith("/voice/numbers?r=1")
    assert [v.tag for v in root] == ["Gather", "Play", "Hangup"]


def test_a_whisper_past_the_end_of_its_chain_counts_nothing(app: Flask) -> None:
    path = f"/voice/whisper?m=derby_city&k=1&n=2&t=0123456789abcdef&a=1795521600&l={LINE}"
    root = answer(app, path.replace("+", "%2B"), Direction="outbound-dial")
    gather = root.find("Gather")
    assert gather is not None
    assert gather.get("action") == "/voice/whisper/accept?t=0123456789abcdef"


@pytest.mark.parametrize("lead", [(), ("after_retries",)])
def test_a_closed_helpline_is_skipped_with_its_reason_then_the_next_rings(
    tmp_path: Path, lead: tuple[str, ...]
) -> None:
    app = create_app(config(tmp_path, CLOCK=lambda: SATURDAY))
    renderer: Renderer = app.extensions["ivr.line"].renderer
    root = ET.fromstring(renderer.transfer("men", "1", 0, LINE, lead))
    tags = [v.tag for v in root]
    assert tags == ["Play"] * len(lead) + ["Say", "Play", "Dial"]
    said = root.findall("Say")[0].text
    assert said == "The ManKind Initiative is closed now. It opens on Monday at 10 am."
    plays = [p.text or "" for p in root.findall("Play")]
    store = app.extensions["ivr.line"].prompts
    expected = [*(store.audio_url(p) for p in lead), store.audio_url("connecting.national_24h")]
    assert plays == expected
    dial = root.find("Dial")
    assert dial is not None and dial.get("callerId") == LINE
    number = dial.find("Number")
    assert number is not None and number.text == MENU.operator.e164
    assert "m=men&k=1&n=1&" in dial.get("action", "")  # the step after the one skipped


def test_new_audio_is_heard_at_once_in_menus_and_transfers(app: Flask, tmp_path: Path) -> None:
    """What is rendered is cached with the audio's version: a new take changes it."""
    from ivr.store.rows import Who
    from tests.helpers import tone

    renderer: Renderer = app.extensions["ivr.line"].renderer
    store = app.extensions["ivr.line"].prompts
    before_menu, before_ring = (
        renderer.node("derby_city", 0, 0),
        renderer.transfer("derby_city", "1", 0, LINE),
    )
    for prompt_id in ("node.derby_city", "connecting.refuge_derby"):
        store.install(prompt_id, tone(tmp_path / f"{prompt_id}.wav", seconds=12), Who("t", "cli"))
    app.extensions["ivr.live"].refresh()  # as the worker's poll would, within a second
    after_menu = renderer.node("derby_city", 0, 0)
    after_ring = renderer.transfer("derby_city", "1", 0, LINE)
    assert store.audio_url("node.derby_city") in after_menu
    assert store.audio_url("node.derby_city") not in before_menu
    assert store.audio_url("connecting.refuge_derby") in after_ring
    assert store.audio_url("connecting.refuge_derby") not in before_ring


def test_audio_that_fails_is_a_plain_error_never_twiml(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    store = app.extensions["ivr.line"].prompts

    def broken(name: str) -> None:
        raise RuntimeError("disk on fire")

    # Neither the audio nor the prompt's stand-in can be found (media.py serves that)
    monkeypatch.setattr(store, "find", broken)
    monkeypatch.setattr(store, "stand_in", broken)
    response = app.test_client().get("/audio/greeting.abcdefabcdefabcd.wav")
    assert response.status_code == 500
    assert b"<Response>" not in response.data
    assert "/audio/greeting.abcdefabcdefabcd.wav failed\n" in caplog.text


def test_a_console_page_that_fails_is_logged_as_one(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from ivr.store.accounts import Accounts
    from tests.helpers.browser import signed_in

    editor = signed_in(app, Accounts(app.extensions["ivr.store"]), "editor")

    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("ivr.staff.console.now.states", broken)
    with caplog.at_level(logging.ERROR):
        assert editor.get("/console/").status_code == 500
    assert [r.getMessage() for r in caplog.records] == ["console page /console/ failed"]


def test_the_staff_line_reads_every_value_of_a_repeated_name(app: Flask) -> None:
    """Flask's side signs with every value of a name, as Twilio does."""
    data = [("CallSid", "CA" + "0" * 32), ("AccountSid", "AC" + "0" * 32), ("Digits", "1")]
    data += [("Extra", "a"), ("Extra", "b")]
    params: dict[str, list[str]] = {}
    for name, value in data:
        params.setdefault(name, []).append(value)
    from twilio.request_validator import RequestValidator

    from tests.helpers import TOKEN

    class Multi(dict[str, list[str]]):
        def getall(self, name: str) -> list[str]:
            return self[name]

    signature = RequestValidator(TOKEN).compute_signature(BASE + "/staff", Multi(params))
    response = app.test_client().post(
        "/staff", data=MultiDict(data), headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200
    assert b"<Response>" in response.data


def test_a_media_path_that_no_audio_has_is_a_plain_404(app: Flask) -> None:
    """Under /audio/ every answer is plain HTTP (Twilio skips a <Play> it cannot fetch):
    a nested path no prompt has is a 404, never a call's TwiML."""
    response = app.test_client().get("/audio/prompts/greeting.wav")
    assert response.status_code == 404
    assert b"<Response>" not in response.data


def test_a_dial_with_no_sound_token_and_no_dialbridged_is_not_taken_as_bridged(
    app: Flask,
) -> None:
    root = answer(
        app, "/voice/dialled?m=derby_city&k=1&n=0&t=nonsense", DialCallStatus="completed"
    )
    number = root.find("Dial/Number")
    assert number is not None and number.text == MENU.operator.e164


def test_confidence_at_the_minimum_is_enough(app: Flask) -> None:
    minimum = str(MENU.settings.min_confidence)
    root = answer(
        app, "/voice/choose?m=main&s=0&i=0", SpeechResult="Derby city", Confidence=minimum
    )
    gather = root.find("Gather")
    assert gather is not None and "m=derby_city" in gather.get("action", "")


def test_a_failure_on_a_helpline_path_hangs_up_even_without_twilios_leg_markers(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> str:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Renderer, "whisper", broken)
    root = answer(app, "/voice/whisper?m=derby_city&k=1&n=0")  # no Direction, no ParentCallSid
    assert [v.tag for v in root] == ["Hangup"]


def test_a_helpline_that_asked_for_the_callers_number_gets_no_caller_id(
    tmp_path: Path,
) -> None:
    text = REPO_MENU.read_text(encoding="utf-8").replace(
        "    name: Refuge in Derby City\n",
        "    name: Refuge in Derby City\n    show_caller_number: true\n",
    )
    menu = tmp_path / "menus.yaml"
    menu.write_text(text, encoding="utf-8")
    app = create_app(config(tmp_path, IVR_MENU=str(menu)))
    renderer: Renderer = app.extensions["ivr.line"].renderer
    refuge = ET.fromstring(renderer.transfer("derby_city", "1", 0, LINE)).find("Dial")
    assert refuge is not None and refuge.get("callerId") is None
    other = ET.fromstring(renderer.transfer("derby_city", "2", 0, LINE)).find("Dial")
    assert other is not None and other.get("callerId") == LINE
