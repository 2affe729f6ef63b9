"""Recording prompts by phone, end to end, against a local fake of Twilio's recording API."""

from __future__ import annotations

import base64
import io
import time
import wave
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from ivr import create_app, fetch
from ivr.call import form
from ivr.simulate import ACCOUNT, Simulator
from ivr.store import pins
from ivr.store.changes import Store
from ivr.store.models import LiveTake
from ivr.store.pins import PinLockout
from ivr.store.rows import TakeRow
from tests.helpers import BASE, SMALL_MENU, TOKEN, call_params, config, local_server, sign, tone

PIN = "2468"


class FakeTwilio(BaseHTTPRequestHandler):
    """Serves recordings by SID to the account's credentials only."""

    recordings: dict[str, bytes] = {}
    requests: list[str] = []
    not_ready: dict[str, int] = {}  # recording -> how many 404s before it is there

    def do_GET(self) -> None:
        self.requests.append(self.path)
        secret = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
        name = self.path.rpartition("/")[2].removesuffix(".wav")
        if self.headers.get("Authorization") != f"Basic {secret}":
            self.send_response(401)
            self.end_headers()
            return
        body = self.recordings.get(name)
        if self.not_ready.get(name):
            self.not_ready[name] -= 1
            body = None
        self.send_response(200 if body else 404)
        self.end_headers()
        if name == sid("slow") and body:
            # A media server that trickles: a few bytes a second
            for start in range(0, len(body), 16):
                try:
                    self.wfile.write(body[start : start + 16])
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.5)
            return
        self.wfile.write(body or b"")

    def log_message(self, *args: object) -> None:
        pass


def sid(take: str) -> str:
    return "RE" + take.encode().hex()[:32].ljust(32, "0")


@pytest.fixture
def api(tmp_path: Path) -> Iterator[str]:
    # The greeting's words take about 8 s: a take needs 40 % of that at least
    FakeTwilio.recordings = {
        sid("take"): tone(tmp_path / "take.wav", seconds=4).read_bytes(),
        sid("again"): tone(tmp_path / "again.wav", seconds=5).read_bytes(),
        sid("quiet"): tone(tmp_path / "quiet.wav", seconds=4, level=0).read_bytes(),
        sid("short"): tone(tmp_path / "short.wav", seconds=1).read_bytes(),
        sid("slow"): tone(tmp_path / "slow.wav", seconds=4).read_bytes(),
        # Polish greeting's words take about 17 s
        sid("long"): tone(tmp_path / "long.wav", seconds=9, rate=8000, channels=1).read_bytes(),
    }
    FakeTwilio.requests = []
    FakeTwilio.not_ready = {}
    with local_server(FakeTwilio) as url:
        yield url


@pytest.fixture
def staff_app(tmp_path: Path, write_menu: Callable[[str], Path], api: str) -> Flask:
    menu = str(write_menu(SMALL_MENU))
    prompts = str(tmp_path / "prompts")
    return create_app(
        config(
            tmp_path,
            IVR_MENU=menu,
            PROMPTS_DIR=prompts,
            STAFF_PIN=PIN,
            TWILIO_API_BASE=api,
            FETCH_SECONDS=5.0,
        )
    )


@pytest.fixture
def languages_app(tmp_path: Path, api: str) -> Flask:
    """The shipped menu, every language in it, with recording by phone set up."""
    return create_app(config(tmp_path, STAFF_PIN=PIN, TWILIO_API_BASE=api, FETCH_SECONDS=5.0))


def number_of(app: Flask, prompt_id: str) -> str:
    """The prompt's number, as `ivr prompts list` and the console show it."""
    return str(list(app.extensions["ivr.line"].prompts.menu.prompts).index(prompt_id) + 1)


def staff_call(app: Flask, inputs: list[str | None]) -> list[str]:
    call = Simulator(app).call(inputs, start="/staff")
    return [str(e) for e in call.events]


def recording(app: Flask) -> TakeRow | None:
    """The greeting's live take, if any."""
    store: Store = app.extensions["ivr.store"]
    return store.snapshot().live.get("greeting")


def test_record_listen_accept(staff_app: Flask) -> None:
    events = staff_call(staff_app, [PIN, "1", "take", "1"])
    assert events[:3] == [
        "[say] Prompt recording. Enter your PIN, then press hash.",
        "[gather] 2468",
        "[say] Enter the prompt number, then press hash.",
    ]
    assert "[say] Prompt 1. Callers now hear:" in events
    assert any(
        e.startswith("[say] Derbyshire Victim Services. If you are in danger") for e in events
    )
    assert "[say] After the beep, say the new prompt, then press hash." in events
    assert "[record] take" in events
    # The app's own converted copy is played back, from the app (not Twilio's URL)
    heard = events.index("[say] You recorded:")
    assert events[heard + 1] == "[play] (the take of greeting just recorded)"
    assert events[heard + 2 : heard + 4] == [
        "[say] To keep it, press 1. To record again, press 2. To cancel, press star.",
        "[gather] 1",
    ]
    assert (
        "[say] Saved. Callers now hear your recording. Enter another prompt number, or hang up."
        in events
    )
    assert recording(staff_app) is not None
    assert FakeTwilio.requests == [f"/2010-04-01/Accounts/{ACCOUNT}/Recordings/{sid('take')}.wav"]
    entries = [(e.who, e.channel, e.subject) for e in staff_app.extensions["ivr.store"].audit()]
    # No call SID is kept, the staff member's no more than a caller's
    assert entries[:2] == [("phone", "phone", "greeting")] * 2  # held, then made live
    # Callers now hear the recording
    start = staff_app.extensions["ivr.line"].renderer.start()
    store = staff_app.extensions["ivr.line"].prompts
    assert f"<Play>{store.audio_url('greeting')}</Play>" in start
    assert store.status("greeting") == "recorded"


def test_the_review_takes_one_key(staff_app: Flask) -> None:
    call = Simulator(staff_app).call([PIN, "1", "take", None], start="/staff")
    review = [u for u in call.urls if u.startswith("/staff/recorded")]
    assert len(review) == 1
    answer = staff_app.test_client().post(
        review[0],
        data={"RecordingSid": sid("take"), "AccountSid": ACCOUNT},
        headers={
            "X-Twilio-Signature": sign(
                BASE + review[0], {"RecordingSid": sid("take"), "AccountSid": ACCOUNT}
            )
        },
    )
    gather = ET.fromstring(answer.get_data(as_text=True)).find("Gather")
    assert gather is not None and gather.get("numDigits") == "1"
    assert recording(staff_app) is None


def test_record_again_then_accept(staff_app: Flask) -> None:
    events = staff_call(staff_app, [PIN, "1", "take", "2", "again", "1"])
    assert events.count("[say] After the beep, say the new prompt, then press hash.") == 2
    assert FakeTwilio.requests == [
        f"/2010-04-01/Accounts/{ACCOUNT}/Recordings/{sid('take')}.wav",
        f"/2010-04-01/Accounts/{ACCOUNT}/Recordings/{sid('again')}.wav",
    ]
    store: Store = staff_app.extensions["ivr.store"]
    takes = store.takes("greeting")
    assert [t.live for t in takes] == [True, False]  # the second take, not the first
    live = recording(staff_app)
    assert live is not None and live.id == takes[0].id
    sound = store.audio(live.sha256)
    assert sound is not None
    with wave.open(io.BytesIO(sound), "rb") as w:
        assert w.getnframes() / w.getframerate() == pytest.approx(5.0, abs=0.01)


CANCELLED = "[say] Cancelled. Nothing was changed. Enter another prompt number, or hang up."


@pytest.mark.parametrize(
    ("answer", "heard"),
    [
        ("*", CANCELLED),
        ("5", CANCELLED),
        (None, "[say] Nothing was pressed, so nothing has changed. Goodbye."),
    ],
)
def test_cancel_changes_nothing(staff_app: Flask, answer: str | None, heard: str) -> None:
    events = staff_call(staff_app, [PIN, "1", "take", answer])
    assert heard in events
    assert recording(staff_app) is None


@pytest.mark.parametrize(
    ("take", "heard"),
    [
        ("missing", "That could not be fetched, please try again. Nothing has changed."),
        ("slow", "That could not be fetched, please try again. Nothing has changed."),
        ("quiet", "That recording was silent. Nothing has changed."),
        (
            "short",
            "That recording was too short for the words of this prompt. Nothing has changed.",
        ),
    ],
)
def test_a_take_that_cannot_be_used_changes_nothing(
    staff_app: Flask, take: str, heard: str
) -> None:
    staff_app.config["FETCH_SECONDS"] = 1.0  # the failures are waited for in full
    started = time.monotonic()
    events = staff_call(staff_app, [PIN, "1", take, None])
    # Bounded: well inside gunicorn's 10 s and Twilio's 15 s, however slow the server
    assert time.monotonic() - started < staff_app.config["FETCH_SECONDS"] + fetch.WAIT_SECONDS + 1
    # Said, then straight back to recording the same prompt
    assert f"[say] {heard}" in events
    after = events[events.index(f"[say] {heard}") + 1]
    assert after == "[say] Prompt 1. Callers now hear:"
    assert recording(staff_app) is None


def test_a_recording_not_ready_yet_is_fetched_when_it_is(staff_app: Flask) -> None:
    FakeTwilio.not_ready[sid("take")] = 2  # two 404s, as Twilio gives while it finishes
    events = staff_call(staff_app, [PIN, "1", "take", "1"])
    assert "[play] (the take of greeting just recorded)" in events
    assert len(FakeTwilio.requests) == 3
    assert recording(staff_app) is not None


def test_a_recording_from_another_account_is_refused(staff_app: Flask) -> None:
    staff_app.config["TWILIO_ACCOUNT_SID"] = "AC" + "f" * 32
    events = staff_call(staff_app, [PIN, "1", "take", None])
    assert "[say] That recording was refused. Nothing has changed." in events
    assert FakeTwilio.requests == []


def test_a_store_that_cannot_be_written_hangs_up_saying_so(staff_app: Flask) -> None:
    """Never the 24/7 line's fail-safe: this is a member of staff, not a caller."""

    # The database refuses the step that makes a take live
    def refuse(*args: object) -> None:
        raise OperationalError("INSERT", {}, Exception("the database went away"))

    event.listen(LiveTake, "before_insert", refuse)
    try:
        call = Simulator(staff_app).call([PIN, "1", "take", "1"], start="/staff")
    finally:
        event.remove(LiveTake, "before_insert", refuse)
    assert recording(staff_app) is None
    assert [str(e) for e in call.events[-2:]] == [
        "[say] Sorry, that could not be saved. Nothing has changed. Goodbye.",
        "[hangup]",
    ]
    assert not any(e.kind == "dial" for e in call.events)


def test_unknown_prompt_number_and_silent_recording(staff_app: Flask) -> None:
    events = staff_call(staff_app, [PIN, "99", "1", None, None])
    assert "[say] There is no prompt 99. Enter the prompt number, then press hash." in events
    assert "[say] Nothing was recorded. Enter the prompt number, then press hash." in events
    assert events[-2:] == ["[say] Nothing was entered. Goodbye.", "[hangup]"]


def test_wrong_pins_end_the_call_then_lock_out(staff_app: Flask) -> None:
    events = staff_call(staff_app, ["1111", "2222", "3333"])
    assert events.count("[say] That PIN is not right. Enter your PIN, then press hash.") == 2
    assert events[-2:] == ["[say] That PIN is not right. Goodbye.", "[hangup]"]
    staff_call(staff_app, ["4444", "5555"])  # five wrong PINs in all
    locked = staff_call(staff_app, [PIN])
    assert locked == [
        "[say] Too many wrong PINs. Recording by phone is locked for a while. Goodbye.",
        "[hangup]",
    ]


def test_lock_out_ends_by_itself(staff_app: Flask) -> None:
    lockout: PinLockout = staff_app.extensions["ivr.pins"]
    start = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    lockout.clock = lambda: start
    for _ in range(2):
        staff_call(staff_app, ["1", "2", "3"])
    assert staff_call(staff_app, [PIN])[0].startswith("[say] Too many wrong PINs.")
    lockout.clock = lambda: start + pins.LOCK_FOR + timedelta(seconds=1)
    assert (
        staff_call(staff_app, [PIN, None])[2] == "[say] Enter the prompt number, then press hash."
    )


def test_five_wrong_pins_in_fourteen_minutes_lock_for_fifteen_from_the_fifth(
    staff_app: Flask,
) -> None:
    """It once locked for about a minute: the lock ran from the first failure."""
    lockout: PinLockout = staff_app.extensions["ivr.pins"]
    start = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    for minute in (0, 4, 8, 12, 14):
        lockout.clock = lambda minute=minute: start + timedelta(minutes=minute)
        staff_call(staff_app, ["1", None])
    lockout.clock = lambda: start + timedelta(minutes=14 + 14)
    assert staff_call(staff_app, [PIN])[0].startswith("[say] Too many wrong PINs.")
    lockout.clock = lambda: start + timedelta(minutes=14 + 15, seconds=1)
    assert staff_call(staff_app, [PIN, None])[2].startswith("[say] Enter the prompt number")


def test_wrong_pins_spread_wider_than_the_window_do_not_lock(staff_app: Flask) -> None:
    lockout: PinLockout = staff_app.extensions["ivr.pins"]
    start = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    for minute in (0, 5, 10, 15, 20, 25):
        lockout.clock = lambda minute=minute: start + timedelta(minutes=minute)
        staff_call(staff_app, ["1", None])
    assert not lockout.locked()


def test_a_right_pin_clears_earlier_failures(staff_app: Flask) -> None:
    staff_call(staff_app, ["1", "2", "3"])
    staff_call(staff_app, ["1", PIN, None])
    staff_call(staff_app, ["1", "2", "3"])
    assert (
        staff_call(staff_app, [PIN, None])[2] == "[say] Enter the prompt number, then press hash."
    )


def test_not_set_up_without_a_pin(small_app: Flask) -> None:
    assert staff_call(small_app, [PIN]) == [
        "[say] Recording prompts by phone is not set up on this line. Goodbye.",
        "[hangup]",
    ]


def test_garbage_review_state(staff_app: Flask) -> None:
    for path in ("/staff/review?p=zz&take=nope", "/staff/review?p=1&take=0123456789abcdef"):
        params = call_params(Digits="1")
        with staff_app.test_client() as client:
            response = client.post(
                path, data=params, headers={"X-Twilio-Signature": sign(BASE + path, params)}
            )
        assert "That recording is no longer here. Nothing has changed." in response.get_data(
            as_text=True
        )
    assert recording(staff_app) is None


def test_a_right_pin_during_a_lock_out_does_not_get_in(staff_app: Flask) -> None:
    """Straight to the PIN step, as a call that began before the lock-out would."""
    for _ in range(2):
        staff_call(staff_app, ["1", "2", "3"])
    params = call_params(Digits=PIN)
    path = "/staff/pin?f=0"
    response = staff_app.test_client().post(
        path, data=params, headers={"X-Twilio-Signature": sign(BASE + path, params)}
    )
    text = response.get_data(as_text=True)
    assert "Too many wrong PINs. Recording by phone is locked for a while." in text
    assert "Enter the prompt number" not in text


def test_a_prompt_in_another_language_is_recorded_by_phone(languages_app: Flask) -> None:
    number = number_of(languages_app, "pl.greeting")
    events = staff_call(languages_app, [PIN, number, "long", "1"])
    assert f"[say] Prompt {number}. Callers now hear:" in events
    assert "[play] (the take of pl.greeting just recorded)" in events
    store = languages_app.extensions["ivr.line"].prompts
    assert store.status("pl.greeting") == "recorded"
    assert store.status("greeting") == "generated"  # the English greeting is untouched
    # A caller who chooses Polish hears the take; an English caller does not
    polish = Simulator(languages_app).call([store.menu.languages["pl"].key])
    heard = [e.url for e in polish.events if e.kind == "play"]
    assert store.audio_url("pl.greeting") in heard
    english = languages_app.extensions["ivr.line"].renderer.start()
    assert store.audio_url("pl.greeting") not in english


@pytest.mark.parametrize(
    ("prompt_id", "voice", "said"),
    [
        ("pl.greeting", ("Polly.Ewa", "pl-PL"), "W razie zagrożenia"),
        ("pa.greeting", ("Google.pa-IN-Standard-A", "pa-IN"), "ਜੇ ਤੁਸੀਂ"),
        ("ur.greeting", ("Polly.Amy", "en-GB"), "Nothing yet: this prompt has no audio"),
    ],
)
def test_a_prompt_without_audio_is_said_in_its_own_languages_voice(
    tmp_path: Path, api: str, prompt_id: str, voice: tuple[str, str], said: str
) -> None:
    app = create_app(
        config(tmp_path, STAFF_PIN=PIN, TWILIO_API_BASE=api, PROMPTS_DIR=str(tmp_path / "none"))
    )
    path = "/staff/prompt"
    data = call_params(Digits=number_of(app, prompt_id))
    answer = app.test_client().post(
        path, data=data, headers={"X-Twilio-Signature": sign(BASE + path, data)}
    )
    says = ET.fromstring(answer.get_data(as_text=True)).findall("Say")
    heard = says[1]  # after "Prompt N. Callers now hear:"
    assert (heard.get("voice"), heard.get("language")) == voice
    assert heard.text is not None and heard.text.startswith(said)


def test_the_staff_line_checks_twilios_signature_against_the_public_url(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Deployed behind a proxy, Twilio signs the public URL: that one is let in, and a
    signature for any other URL is refused and logged (the path only)."""
    app = create_app(config(tmp_path, STAFF_PIN=PIN, PUBLIC_BASE_URL="https://line.example.org"))
    path = "/staff/pin?f=0"
    params = call_params(Digits=PIN)
    for url, status in (("https://line.example.org" + path, 200), (BASE + path, 403)):
        response = app.test_client().post(
            path, data=params, headers={"X-Twilio-Signature": sign(url, params)}
        )
        assert response.status_code == status
    assert "Enter the prompt number" not in response.get_data(as_text=True)
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        "refused a request to /staff/pin: missing or wrong X-Twilio-Signature"
    ]


def test_a_multipart_post_to_the_staff_line_is_signed_whole_and_read_by_the_view(
    staff_app: Flask,
) -> None:
    """The signature check reads the form through the view's own request (werkzeug's
    parser, every value of a repeated name): the view still has it to read."""
    path = "/staff/pin?f=0"
    fields = [*call_params(Digits=PIN).items(), ("Repeated", "a"), ("Repeated", "b")]
    signed = form.SignedForm({k: [v] for k, v in call_params(Digits=PIN).items()})
    signed["Repeated"] = ["a", "b"]
    signature = RequestValidator(TOKEN).compute_signature(BASE + path, signed)
    response = staff_app.test_client().post(
        path,
        data=MultiDict(fields),
        content_type="multipart/form-data",
        headers={"X-Twilio-Signature": signature},
    )
    assert response.status_code == 200
    assert "Enter the prompt number, then press hash." in response.get_data(as_text=True)
