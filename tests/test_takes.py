"""A staff take passes one check, whichever door it comes by (issue 20, items 8 and 9).

The same files go through the console's upload, `ivr prompts import` and a recording
made by phone: each door refuses each bad one with the same reason and stores nothing,
and stores the same sound for a good one. A file is never trusted to say how long it is:
a header that says too long is refused before decoding, and decoding stops at the limit
whatever the header says (a browser's recording says nothing).
"""

from __future__ import annotations

import array
import base64
import hashlib
import logging
import math
import re
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from fractions import Fraction
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import av
import pytest
from click.testing import CliRunner
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from ivr import create_app
from ivr.audio import decode
from ivr.audio.prompts import DECODING_LOCK, PromptAudio
from ivr.commands.main import main
from ivr.commands.options import cli_store
from ivr.errors import IvrError
from ivr.simulate import ACCOUNT, Simulator
from ivr.store.accounts import Accounts
from ivr.store.changes import Store
from tests.helpers import REPO_MENU, TEST_DATABASE_URL, TOKEN, config, local_server, tone
from tests.helpers.browser import signed_in

PIN = "2468"
RATE = 8000


def _sine(rate: int, seconds: int = 1) -> bytes:
    one = array.array(
        "h", (int(8000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(rate))
    )
    return one.tobytes() * seconds


def _encode(path: Path, seconds: int, codec: str, format: str, **options: str) -> Path:
    """seconds of a tone at 8 kHz, encoded by FFmpeg (in PyAV's wheel) as a file would be."""
    with av.open(str(path), "w", format=format, options=options) as out:
        stream = out.add_stream(codec, rate=RATE)
        stream.layout = "mono"
        stream.bit_rate = 8000
        kind = stream.codec_context.codec.audio_formats[0].name
        resampler = av.AudioResampler(format=kind, layout="mono", rate=RATE)
        second = _sine(RATE)
        for n in range(seconds):
            frame = av.AudioFrame(format="s16", layout="mono", samples=RATE)
            frame.sample_rate = RATE
            frame.planes[0].update(second)
            frame.pts, frame.time_base = n * RATE, Fraction(1, RATE)
            for converted in resampler.resample(frame):
                for packet in stream.encode(converted):
                    out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def _wav(path: Path, pcm: bytes, rate: int = RATE, size: int | None = None) -> Path:
    """A 16-bit mono WAV of pcm whose header says size bytes of data (pcm's own length)."""
    declared = len(pcm) if size is None else size
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    riff = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", declared)
    path.write_bytes(
        b"RIFF" + struct.pack("<I", min(len(riff) + declared, 2**32 - 1)) + riff + pcm
    )
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("takes")
    # Frames alone (no Xing header, no ID3 tag): copies of it make one long, clean MP3
    one_second = _encode(
        folder / "one.mp3", 1, "libmp3lame", "mp3", write_xing="0", id3v2_version="0"
    )
    twelve = _sine(RATE, 12)
    whole = _encode(folder / "whole.mp3", 12, "libmp3lame", "mp3").read_bytes()
    return {
        # The issue's: a header that says 12 s, with 7 s of sound after it
        "truncated WAV": _wav(folder / "take.wav", twelve[: 7 * RATE * 2], size=len(twelve)),
        # The MP3's own header (LAME's) says 12 s; the file stops after about 7
        "truncated MP3": _made(folder / "cut.mp3", whole[: len(whole) * 7 // 12]),
        # The issue's: a 3-hour MP3 of about 10 MB, refused by what its header says
        "3-hour MP3": _copies(folder / "take.mp3", one_second, 3 * 3600),
        # A browser's recording (MediaRecorder's WebM) says nothing of its length
        "WebM saying no length": _encode(folder / "take.webm", 125, "libopus", "webm", live="1"),
        "empty": _made(folder / "empty.wav", b""),
        "not audio": _made(folder / "notes.wav", b"These are my notes for the new greeting."),
        "no sample rate": _wav(folder / "rate0.wav", twelve, rate=0),
        "bigger than allowed": _wav(folder / "big.wav", _sine(RATE, 70)),
        # Any rate, any channels: made 8 kHz mono
        "96 kHz stereo": tone(folder / "hifi.wav", seconds=6, rate=96000, channels=2),
    }


def _copies(path: Path, one: Path, times: int) -> Path:
    path.write_bytes(one.read_bytes() * times)
    return path


def _made(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# What each door must answer for each file (NAME: the file's name, or "the recording" for
# a take made by phone); None: the take is kept
REFUSALS: dict[str, str | None] = {
    "truncated WAV": re.escape(
        "NAME is cut short: it stops after 7.0 s of the 12.0 s it says it lasts (a damaged "
        "or unfinished file); nothing was changed"
    ),
    "truncated MP3": re.escape("NAME is cut short: it stops after ")
    + r"6\.\d"
    + re.escape(
        " s of the 12.0 s it says it lasts (a damaged or unfinished file); nothing was changed"
    ),
    "3-hour MP3": r"NAME lasts 1\d{4} s: a prompt may last 120 s at most",
    "WebM saying no length": re.escape(
        "NAME lasts more than 120 s: a prompt may last 120 s at most"
    ),
    "empty": re.escape("NAME is empty: it holds no sound at all. Nothing has changed"),
    "not audio": re.escape(
        "NAME could not be read as sound (Invalid data found when processing input): use a "
        "WAV, MP3, M4A, OGG, WebM file. Nothing has changed"
    ),
    "no sample rate": re.escape("NAME could not be read as sound (") + ".*",
    "bigger than allowed": re.escape("NAME is over 1 MB: a prompt is a short recording"),
    "96 kHz stereo": None,
}


# The doors. Each takes a file and says what the member of staff is told: the refusal, or
# "" when the take was kept; and the sound of every take of the greeting it stored.

Door = Callable[[Path], tuple[str, list[bytes]]]


@pytest.fixture
def console(tmp_path: Path) -> Iterator[tuple[Door, PromptAudio]]:
    app = create_app(config(tmp_path, SESSION_COOKIE_SECURE=False))
    store: Store = app.extensions["ivr.store"]
    editor = signed_in(app, Accounts(store), "editor")

    def upload(source: Path) -> tuple[str, list[bytes]]:
        # Encoded here, in memory: the test client's own encoding of a large file leaves a
        # temporary file open
        with source.open("rb") as f:
            form = {"csrf_token": editor.token, "audio": FileStorage(f, source.name)}
            boundary, body = encode_multipart(MultiDict(form))
        answer = editor.client.post(
            "/console/prompts/greeting/takes",
            data=body,
            content_type=f"multipart/form-data; boundary={boundary}",
            headers={"Accept": "application/json"},
        )
        said = answer.get_json()
        assert (answer.status_code, set(said)) in ((400, {"error"}), (200, {"next"}))
        return said.get("error", ""), _sounds(store)

    yield upload, app.extensions["ivr.line"].prompts


@pytest.fixture
def command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Door, Path]]:
    monkeypatch.setenv("DATABASE_URL", TEST_DATABASE_URL or f"sqlite:///{tmp_path / 's.db'}")
    monkeypatch.setenv("STATE_DIR", str(tmp_path / "state"))

    def run(source: Path) -> tuple[str, list[bytes]]:
        options = ["--menu", str(REPO_MENU), "--dir", str(REPO_MENU.parent / "prompts")]
        result = CliRunner().invoke(main, ["prompts", "import", "greeting", str(source), *options])
        if result.exit_code == 0:
            assert result.output.startswith(f"greeting: now plays {source.name} (")
            return "", _sounds(cli_store())
        assert (result.exit_code, result.output[:7], result.output[-1]) == (1, "Error: ", "\n")
        return result.output[7:-1], _sounds(cli_store())

    yield run, tmp_path / "state" / DECODING_LOCK


class FakeRecordings(BaseHTTPRequestHandler):
    """Twilio's recording API, serving one file's bytes for any recording, as they are."""

    body = b""

    def do_GET(self) -> None:
        secret = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
        allowed = self.headers.get("Authorization") == f"Basic {secret}"
        self.send_response(200 if allowed else 401)
        self.send_header("Content-Length", str(len(self.body) if allowed else 0))
        self.end_headers()
        if allowed:
            self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def phone(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Iterator[tuple[Door, PromptAudio]]:
    with local_server(FakeRecordings) as api:
        app = create_app(config(tmp_path, STAFF_PIN=PIN, TWILIO_API_BASE=api, FETCH_SECONDS=5.0))
        store: Store = app.extensions["ivr.store"]
        prompts: PromptAudio = app.extensions["ivr.line"].prompts
        number = str(list(prompts.menu.prompts).index("greeting") + 1)

        def record(source: Path) -> tuple[str, list[bytes]]:
            FakeRecordings.body = source.read_bytes()
            caplog.clear()
            with caplog.at_level(logging.WARNING):
                call = Simulator(app).call([PIN, number, "take"], start="/staff")
            said = [str(e) for e in call.events]
            if "[say] You recorded:" in said:
                return "", _sounds(store)
            refused = [
                r.getMessage().removeprefix("a recording was refused: ")
                for r in caplog.records
                if r.getMessage().startswith("a recording was refused: ")
            ]
            assert len(refused) == 1, said
            # And the member of staff hears why, then may record again
            assert any(e.endswith(" Nothing has changed.") for e in said), said
            return refused[0], _sounds(store)

        yield record, prompts


def _sounds(store: Store) -> list[bytes]:
    """The sound of every take of the greeting the store has (held for review or live)."""
    return [store.audio(t.sha256) or b"" for t in store.takes("greeting")]


@pytest.mark.parametrize("door", ["console", "command", "phone"])
def test_every_door_refuses_the_same_files_for_the_same_reasons(
    door: str,
    files: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    take, _ = request.getfixturevalue(door)
    name = "the recording" if door == "phone" else None
    wrong = {}
    for case, source in files.items():
        expected = REFUSALS[case]
        with monkeypatch.context() as patch:
            if case == "bigger than allowed":
                patch.setattr(decode, "MAX_BYTES", 2**20)  # 1 MB: quicker than 20 MB
            refusal, stored = take(source)
        pattern = (expected or "").replace("NAME", re.escape(name or source.name))
        if not re.fullmatch(pattern, refusal) or bool(stored) != (expected is None):
            wrong[case] = (refusal, len(stored))
    assert wrong == {}


@pytest.mark.parametrize("door", ["console", "command", "phone"])
def test_every_door_keeps_the_same_sound_for_the_same_file(
    door: str, files: dict[str, Path], request: pytest.FixtureRequest
) -> None:
    take, _ = request.getfixturevalue(door)
    source = files["96 kHz stereo"]
    refusal, stored = take(source)
    assert refusal == ""
    expected = decode.telephony_take(source, source.name, 0.0).wav
    assert [hashlib.sha256(s).hexdigest() for s in stored] == [
        hashlib.sha256(expected).hexdigest()
    ]
    header = stored[0][:44]
    assert struct.unpack("<HHI", header[20:28]) == (1, 1, RATE)  # PCM, mono, 8 kHz
    assert header[34:36] == struct.pack("<H", 16)


@pytest.mark.parametrize("door", ["console", "command", "phone"])
def test_a_take_waits_briefly_for_another_then_is_refused(
    door: str, files: dict[str, Path], request: pytest.FixtureRequest
) -> None:
    """One take decoded at a time on an instance: a second gets a plain answer at once,
    rather than holding a second worker while calls wait."""
    take, where = request.getfixturevalue(door)
    lock = where if isinstance(where, Path) else where.cache.parent / DECODING_LOCK
    with held_elsewhere(lock):
        refusal, stored = take(files["96 kHz stereo"])
    assert (refusal, stored) == (decode.BUSY, [])
    again, stored = take(files["96 kHz stereo"])  # and once it is done, it is taken
    assert (again, len(stored)) == ("", 1)


@contextmanager
def held_elsewhere(lock: Path) -> Iterator[None]:
    """The lock held by another worker (here a thread) while a take comes in."""
    taken, finished = threading.Event(), threading.Event()

    def take_a_turn() -> None:
        with decode.one_at_a_time(lock):
            taken.set()
            finished.wait(timeout=60)

    worker = threading.Thread(target=take_a_turn)
    worker.start()
    assert taken.wait(timeout=10)
    try:
        yield
    finally:
        finished.set()
        worker.join()


def test_an_upload_waits_its_turn_before_it_is_read(tmp_path: Path) -> None:
    """The console's checks read the whole upload (its CSRF token is in the form): a second
    upload is refused before that, so it never holds a worker while the first decodes.
    Shown by a form without its token: refused as busy, not as a form gone stale."""
    app = create_app(config(tmp_path, SESSION_COOKIE_SECURE=False))
    prompts: PromptAudio = app.extensions["ivr.line"].prompts
    client = signed_in(app, Accounts(app.extensions["ivr.store"]), "editor").client
    with held_elsewhere(prompts.cache.parent / DECODING_LOCK):
        busy = client.post(
            "/console/prompts/greeting/takes", headers={"Accept": "application/json"}
        )
    assert (busy.status_code, busy.get_json()) == (400, {"error": decode.BUSY})
    stale = client.post("/console/prompts/greeting/takes", headers={"Accept": "application/json"})
    assert stale.status_code == 400 and b"This form had expired" in stale.data
    with held_elsewhere(prompts.cache.parent / DECODING_LOCK):
        page = client.post("/console/prompts/greeting/takes")  # the form, without JavaScript
    assert page.headers["Location"] == "/console/prompts/greeting"


def test_a_busy_phone_take_is_told_so(tmp_path: Path, files: dict[str, Path]) -> None:
    with local_server(FakeRecordings) as api:
        app = create_app(config(tmp_path, STAFF_PIN=PIN, TWILIO_API_BASE=api, FETCH_SECONDS=5.0))
        FakeRecordings.body = files["96 kHz stereo"].read_bytes()
        prompts: PromptAudio = app.extensions["ivr.line"].prompts
        number = str(list(prompts.menu.prompts).index("greeting") + 1)
        with held_elsewhere(prompts.cache.parent / DECODING_LOCK):
            call = Simulator(app).call([PIN, number, "take"], start="/staff")
    said = [str(e) for e in call.events]
    assert (
        "[say] Another recording is being saved. Please try again in a minute. "
        "Nothing has changed." in said
    )


def test_a_browsers_recording_says_no_length_and_is_kept(tmp_path: Path) -> None:
    webm = _encode(tmp_path / "recorded.webm", 6, "libopus", "webm", live="1")
    with av.open(str(webm)) as container:
        assert container.streams.audio[0].duration is None
    assert decode.telephony_take(webm, "recorded.webm", 8.0).seconds == pytest.approx(6, abs=0.1)


def test_decoding_stops_when_its_processor_time_is_spent(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever a file holds, it is given a few seconds of processor time at most."""
    monkeypatch.setattr(decode, "DECODE_SECONDS", 0.0)
    source = files["96 kHz stereo"]
    with pytest.raises(IvrError) as refused:
        decode.telephony_take(source, "hifi.wav", 0.0)
    assert str(refused.value) == (
        "hifi.wav took more than 0 s to read, which a prompt never does: save it again as a "
        "WAV or MP3 file. Nothing has changed"
    )


def test_a_three_hour_mp3_is_refused_by_its_header_before_any_sound_is_decoded(
    files: dict[str, Path], tmp_path: Path, console: tuple[Door, PromptAudio]
) -> None:
    """Its header is read first. The file below says three hours, but after three seconds
    of sound it holds nothing: decoding it first would find a take too short instead."""
    three_hours = files["3-hour MP3"].read_bytes()
    one_second = three_hours[: len(three_hours) // (3 * 3600)]
    claims = tmp_path / "claims.mp3"
    claims.write_bytes(one_second * 3 + bytes(len(three_hours) - 3 * len(one_second)))
    upload, _ = console
    refusal, stored = upload(claims)
    assert re.fullmatch(r"claims.mp3 lasts 1\d{4} s: a prompt may last 120 s at most", refusal)
    assert stored == []


def test_what_a_wav_header_says_of_its_length(tmp_path: Path) -> None:
    """An odd-sized chunk before the sound is padded to an even length. No length: a file
    that is not a WAV, a stream's header, a header without its format or its data chunk."""
    for other in (b"", b"OggS" + bytes(40), b"RIFF\0\0\0\0WAVEdata" + bytes(8000)):
        assert decode.wav_lengths(_made(tmp_path / "other.wav", other)) is None
    pcm = _sine(RATE, 2)
    fmt = b"fmt " + struct.pack("<I", 16) + struct.pack("<HHIIHH", 1, 1, RATE, RATE * 2, 2, 16)
    odd = b"JUNK" + struct.pack("<I", 3) + b"abc\0"
    data = b"data" + struct.pack("<I", len(pcm)) + pcm
    body = b"WAVE" + fmt + odd + data
    path = tmp_path / "tagged.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    assert decode.wav_lengths(path) == (2.0, 2.0)
    assert decode.telephony_take(path, "tagged.wav", 0.0).seconds == 2.0
    streaming = _wav(tmp_path / "stream.wav", pcm, size=0xFFFFFFFF)
    assert decode.wav_lengths(streaming) is None
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + b"WAVE" + fmt)
    assert decode.wav_lengths(path) is None
