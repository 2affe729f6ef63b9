"""Recording prompts by phone, end to end, against a local fake of Twilio's recording API."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from flask import Flask

from ivr import create_app, staff
from ivr.simulate import ACCOUNT, Simulator
from tests.conftest import SMALL_MENU, TOKEN, config, tone

PIN = "2468"


class FakeTwilio(BaseHTTPRequestHandler):
    """Serves recordings by SID to the account's credentials only."""

    recordings: dict[str, bytes] = {}
    requests: list[str] = []

    def do_GET(self) -> None:
        self.requests.append(self.path)
        secret = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
        name = self.path.rpartition("/")[2].removesuffix(".wav")
        if self.headers.get("Authorization") != f"Basic {secret}":
            self.send_response(401)
            self.end_headers()
            return
        body = self.recordings.get(name)
        self.send_response(200 if body else 404)
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args: object) -> None:
        pass


def sid(take: str) -> str:
    return "RE" + take.encode().hex()[:32].ljust(32, "0")


@pytest.fixture
def api(tmp_path: Path) -> Iterator[str]:
    FakeTwilio.recordings = {
        sid("take"): tone(tmp_path / "take.wav").read_bytes(),
        sid("again"): tone(tmp_path / "again.wav", seconds=2).read_bytes(),
        sid("quiet"): tone(tmp_path / "quiet.wav", level=0).read_bytes(),
    }
    FakeTwilio.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTwilio)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def staff_app(tmp_path: Path, write_menu: Callable[[str], Path], api: str) -> Flask:
    menu = str(write_menu(SMALL_MENU))
    prompts = str(tmp_path / "prompts")
    return create_app(
        config(tmp_path, IVR_MENU=menu, PROMPTS_DIR=prompts, STAFF_PIN=PIN, TWILIO_API_BASE=api)
    )


def staff_call(app: Flask, inputs: list[str | None]) -> list[str]:
    call = Simulator(app).call(inputs, start="/staff")
    return [str(e) for e in call.events]


def recording(app: Flask) -> Path:
    return Path(app.config["PROMPTS_DIR"]) / "recorded" / "greeting.wav"


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
    # The take is only played back from Twilio's own https host (here a local fake)
    assert "[say] Your recording cannot be played back here." in events
    assert "[say] To keep it, press 1. To record again, press 2. To cancel, press star." in events
    assert (
        "[say] Saved. Callers now hear your recording. Enter another prompt number, or hang up."
        in events
    )
    assert recording(staff_app).is_file()
    assert FakeTwilio.requests == [f"/2010-04-01/Accounts/{ACCOUNT}/Recordings/{sid('take')}.wav"]
    log = (recording(staff_app).parent / "changes.log").read_text().splitlines()
    entry = json.loads(log[0])
    assert (entry["prompt"], entry["action"], entry["by"]) == (
        "greeting",
        "recorded",
        "phone:CA" + "0" * 31 + "1",
    )
    # Callers now hear the recording
    start = staff_app.extensions["ivr"].renderer.start()
    store = staff_app.extensions["ivr.prompts"]
    assert f"<Play>{store.audio_url('greeting')}</Play>" in start
    assert store.status("greeting") == "recorded"


def test_record_again_then_accept(staff_app: Flask) -> None:
    events = staff_call(staff_app, [PIN, "1", "take", "2", "again", "1"])
    assert events.count("[say] After the beep, say the new prompt, then press hash.") == 2
    assert FakeTwilio.requests == [f"/2010-04-01/Accounts/{ACCOUNT}/Recordings/{sid('again')}.wav"]
    assert recording(staff_app).is_file()


CANCELLED = "[say] Cancelled. Nothing was changed. Enter another prompt number, or hang up."


@pytest.mark.parametrize(
    ("answer", "heard"),
    [("*", CANCELLED), ("5", CANCELLED), (None, "[say] Nothing was entered. Goodbye.")],
)
def test_cancel_changes_nothing(staff_app: Flask, answer: str | None, heard: str) -> None:
    events = staff_call(staff_app, [PIN, "1", "take", answer])
    assert heard in events
    assert not recording(staff_app).exists()
    assert FakeTwilio.requests == []


@pytest.mark.parametrize("take", ["missing", "quiet"])
def test_a_take_that_cannot_be_saved_changes_nothing(staff_app: Flask, take: str) -> None:
    events = staff_call(staff_app, [PIN, "1", take, "1"])
    assert events[-2:] == [
        "[say] Sorry, the recording could not be saved. Nothing was changed. Goodbye.",
        "[hangup]",
    ]
    assert not recording(staff_app).exists()


def test_a_recording_from_another_account_is_refused(staff_app: Flask) -> None:
    staff_app.config["TWILIO_ACCOUNT_SID"] = "AC" + "f" * 32
    events = staff_call(staff_app, [PIN, "1", "take", "1"])
    assert "[say] Sorry, the recording could not be saved. Nothing was changed. Goodbye." in events
    assert FakeTwilio.requests == []


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


def test_lock_out_ends_by_itself(staff_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(2):
        staff_call(staff_app, ["1", "2", "3"])
    assert staff_call(staff_app, [PIN])[0].startswith("[say] Too many wrong PINs.")
    clock = staff.time.time() + staff.LOCK_SECONDS + 1
    monkeypatch.setattr(staff.time, "time", lambda: clock)
    assert (
        staff_call(staff_app, [PIN, None])[2] == "[say] Enter the prompt number, then press hash."
    )


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
    from tests.conftest import BASE, call_params, sign

    path = "/staff/review?p=zz&rec=nope"
    params = call_params(Digits="1")
    with staff_app.test_client() as client:
        response = client.post(
            path, data=params, headers={"X-Twilio-Signature": sign(BASE + path, params)}
        )
    assert "Something went wrong. Nothing was changed." in response.get_data(as_text=True)
    assert not recording(staff_app).exists()
