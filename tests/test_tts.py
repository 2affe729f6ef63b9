"""Generated speech: a real espeak-ng build, incremental, byte-identical."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import wave
from array import array
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from ivr import IvrError, create_app
from ivr.audio import tts
from ivr.audio.decode import check_take
from ivr.audio.files import source_key, wav_seconds
from ivr.audio.prompts import PromptAudio
from ivr.audio.tts import (
    EspeakSpeaker,
    FliteSpeaker,
    build,
    speaker_for,
    to_telephony,
)
from ivr.commands.main import main
from ivr.menu.load import load_menu
from tests.helpers import REPO_MENU, SMALL_MENU, TOKEN, prompt_audio, tone


class FakeSpeaker:
    """Writes a tone whose length follows the text; counts what it was asked to say."""

    pauses: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.said: list[str] = []

    def synthesise(self, text: str, out: Path) -> None:
        self.said.append(text)
        tone(out, seconds=len(text) / 100, rate=22050, channels=1)


def no_speaker() -> FakeSpeaker:
    raise AssertionError("nothing should need speaking")


@pytest.fixture
def store(tmp_path: Path, write_menu: Callable[[str], Path]) -> PromptAudio:
    return prompt_audio(load_menu(write_menu(SMALL_MENU)), tmp_path / "prompts")


def test_real_espeak_build(store: PromptAudio) -> None:
    settings = store.menu.settings
    rows = build(store, lambda: EspeakSpeaker(settings.tts_voice, settings.speech_rate))
    assert {r.action for r in rows} == {"built"}
    assert len(rows) == len(store.menu.prompts)
    with wave.open(str(store.generated / "greeting.wav"), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
        seconds = w.getnframes() / w.getframerate()
    # "Derbyshire Victim Services. If you are in danger now, hang up and dial 9 9 9. ..."
    assert 4 < seconds < 15
    check_take(samples_of(store.generated / "greeting.wav"), "greeting")  # not silent
    manifest = json.loads(store.manifest_path.read_text())
    assert manifest["greeting"]["seconds"] == pytest.approx(seconds, abs=0.001)
    assert store.status("greeting") == "generated"
    assert (
        store.audio_url("greeting") == f"/audio/greeting.{manifest['greeting']['sha256'][:16]}.wav"
    )


def test_real_espeak_is_byte_identical_whatever_came_before(store: PromptAudio) -> None:
    # One engine speaking the same text twice gives different bytes; a fresh one does not
    settings = store.menu.settings
    speaker = EspeakSpeaker(settings.tts_voice, settings.speech_rate)
    build(store, lambda: speaker)
    first = (store.generated / "goodbye.wav").read_bytes()
    manifest = json.loads(store.manifest_path.read_text())
    del manifest["goodbye"]
    store.manifest_path.write_text(json.dumps(manifest))
    rows = build(store, lambda: speaker)
    assert [r.prompt_id for r in rows if r.action == "built"] == ["goodbye"]
    assert (store.generated / "goodbye.wav").read_bytes() == first


def test_a_failing_espeak_is_reported(tmp_path: Path) -> None:
    speaker = EspeakSpeaker("gmw/en", 175)
    with pytest.raises(IvrError) as raised:
        speaker.synthesise("Hello", tmp_path / "no such folder" / "out.wav")
    assert str(raised.value).startswith("espeak-ng failed: Can't write to: ")
    # espeak-ng itself would say it in its default voice
    with pytest.raises(IvrError) as raised:
        EspeakSpeaker("no-such-voice", 175)
    assert str(raised.value) == "tts_voice 'no-such-voice' is not an espeak-ng voice here"


def test_a_hanging_espeak_is_bounded(tmp_path: Path) -> None:
    speaker = EspeakSpeaker("gmw/en", 175, timeout=0.001)
    with pytest.raises(IvrError) as raised:
        speaker.synthesise("Hello " * 200, tmp_path / "out.wav")
    assert str(raised.value) == "espeak-ng did not finish within 0 s"


def test_build_is_incremental_and_byte_identical(
    store: PromptAudio, write_menu: Callable[[str], Path]
) -> None:
    speaker = FakeSpeaker()
    build(store, lambda: speaker)
    first = (store.generated / "goodbye.wav").read_bytes()
    assert {r.action for r in build(store, no_speaker)} == {"kept"}
    # Re-word one prompt: only it is rebuilt
    edited = write_menu("prompts:\n  goodbye: Bye for now.\n" + SMALL_MENU)
    store2 = prompt_audio(load_menu(edited), store.root)
    speaker2 = FakeSpeaker()
    rows = build(store2, lambda: speaker2)
    assert [r.prompt_id for r in rows if r.action == "built"] == ["goodbye"]
    assert speaker2.said == ["Bye for now."]
    # --force rebuilds everything, and the same text gives the same bytes
    build(store, lambda: FakeSpeaker(), force=True)
    assert (store.generated / "goodbye.wav").read_bytes() == first


def test_prompts_no_longer_in_the_menu_are_removed(store: PromptAudio, tmp_path: Path) -> None:
    build(store, FakeSpeaker)
    manifest = json.loads(store.manifest_path.read_text())
    manifest["node.gone"] = manifest["greeting"]
    store.manifest_path.write_text(json.dumps(manifest))
    (store.generated / "node.gone.wav").write_bytes(b"x")
    rows = build(store, no_speaker)
    assert rows[-1].prompt_id == "node.gone" and rows[-1].action == "removed"
    assert not (store.generated / "node.gone.wav").exists()


def test_stale_audio_is_never_played(tmp_path: Path, write_menu: Callable[[str], Path]) -> None:
    prompts = tmp_path / "prompts"
    build(prompt_audio(load_menu(write_menu(SMALL_MENU)), prompts), FakeSpeaker)
    # Staff re-word the goodbye but nobody rebuilds: callers hear the new text, said
    menu = write_menu("prompts:\n  goodbye: Goodbye, and take care.\n" + SMALL_MENU)
    app = create_app(
        {
            "TWILIO_AUTH_TOKEN": TOKEN,
            "SECRET_KEY": "made-up-test-secret-key",
            "IVR_MENU": str(menu),
            "PROMPTS_DIR": str(prompts),
            "STATE_DIR": str(tmp_path / "state"),
        }
    )
    renderer = app.extensions["ivr.line"].renderer
    xml = renderer.goodbye()
    assert "<Say" in xml and "Goodbye, and take care." in xml and "<Play" not in xml
    assert "<Play>/audio/greeting." in renderer.start()
    assert app.extensions["ivr.line"].prompts.status("goodbye") == "stale"


def test_a_tampered_file_is_not_played(store: PromptAudio) -> None:
    build(store, FakeSpeaker)
    (store.generated / "greeting.wav").write_bytes(b"RIFF not what was built")
    assert store.audio_url("greeting") is None


def test_espeak_missing_is_explained(
    store: PromptAudio, monkeypatch: pytest.MonkeyPatch, write_menu: Callable[[str], Path]
) -> None:
    monkeypatch.setattr(tts.shutil, "which", lambda name: None)
    result = CliRunner().invoke(
        main, ["prompts", "build", "--menu", str(write_menu(SMALL_MENU)), "--dir", str(store.root)]
    )
    assert result.exit_code == 1
    assert result.output.endswith(f"Error: {tts.ESPEAK_MISSING}\n")
    with pytest.raises(IvrError) as raised:
        to_telephony(Path("x.wav"), Path("y.wav"))
    assert str(raised.value) == tts.SOX_MISSING


def test_build_cli_prints_a_table(small_app: Flask, write_menu: Callable[[str], Path]) -> None:
    root = small_app.extensions["ivr.line"].prompts.root
    result = CliRunner().invoke(
        main, ["prompts", "build", "--menu", str(write_menu(SMALL_MENU)), "--dir", str(root)]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # with the watch's "unavailable" prompt, the first menu's "repeat_hint" and "hang_up"
    assert lines[-1] == "18 built, 0 unchanged"
    assert lines[-20].split() == ["prompt", "seconds", "bytes", "done"]
    assert lines[-19].split()[0] == "greeting" and lines[-19].split()[-1] == "built"


def test_the_shipped_audio_matches_the_shipped_menu(tmp_path: Path) -> None:
    # A deploy needs no speech engine: every prompt of menus.yaml has current audio in
    # prompts/generated. Edit a text without `ivr prompts build` and this fails.
    store = prompt_audio(load_menu(REPO_MENU), REPO_MENU.parent / "prompts", tmp_path)
    stale = [p for p in store.menu.prompts if store.status(p) != "generated"]
    assert stale == []
    manifest = json.loads(store.manifest_path.read_text())
    assert sorted(manifest) == sorted(store.menu.prompts)
    for prompt_id, entry in manifest.items():
        with wave.open(str(store.generated / f"{prompt_id}.wav"), "rb") as w:
            assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
            assert w.getnframes() / 8000 == pytest.approx(entry["seconds"], abs=0.001)


def test_build_works_when_temp_is_another_filesystem(
    store: PromptAudio, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A rename from the temp folder into the store would fail with EXDEV there."""
    shm = Path("/dev/shm")
    if not shm.is_dir():  # pragma: no cover - Linux has it
        pytest.skip("no tmpfs at /dev/shm here")
    temp = Path(tempfile.mkdtemp(dir=shm))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    store.root.mkdir(parents=True)
    assert temp.stat().st_dev != store.root.stat().st_dev  # two filesystems, truly
    rows = build(store, FakeSpeaker)
    assert {r.action for r in rows} == {"built"}
    assert store.status("greeting") == "generated"


def test_rebuilt_audio_keeps_its_old_url_answering(store: PromptAudio) -> None:
    build(store, FakeSpeaker)
    old = store.audio_url("greeting")
    assert old is not None

    class Louder(FakeSpeaker):
        def synthesise(self, text: str, out: Path) -> None:
            tone(out, seconds=len(text) / 90, rate=22050, channels=1)

    build(store, Louder, force=True)
    assert store.audio_url("greeting") != old
    assert store.find(old.rpartition("/")[2]) is not None


needs_flite = pytest.mark.skipif(
    shutil.which("flite") is None, reason="Flite: `apt-get install flite` (.ci/run does)"
)


def flite_store(
    tmp_path: Path, write_menu: Callable[[str], Path], voice: str = "awb"
) -> PromptAudio:
    settings = f"settings:\n  tts_engine: flite\n  tts_voice: {voice}\n"
    return prompt_audio(load_menu(write_menu(settings + SMALL_MENU)), tmp_path / "prompts")


def samples_of(wav: Path) -> array[int]:
    with wave.open(str(wav), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
        return array("h", w.readframes(w.getnframes()))


@needs_flite
def test_real_flite_build_is_phone_audio_at_one_level(
    tmp_path: Path, write_menu: Callable[[str], Path]
) -> None:
    store = flite_store(tmp_path, write_menu)
    rows = build(store, lambda: speaker_for(store.menu.settings))
    assert {r.action for r in rows} == {"built"}
    for prompt_id in ("greeting", "numbers"):
        wav = store.generated / f"{prompt_id}.wav"
        samples = samples_of(wav)
        check_take(samples, prompt_id)  # not silent, not clipped
        rms = (sum(x * x for x in samples) / len(samples)) ** 0.5
        # One level (a little under where peaks allow it), peaks under -1 dBFS
        assert tts.TARGET_RMS * 0.6 < rms <= tts.TARGET_RMS * 1.01
        assert max(max(samples), -min(samples)) <= tts.MAX_PEAK
        # 8 kHz 16-bit: 16 kB a second, and no more
        assert wav.stat().st_size / wav_seconds(wav) <= 16_000 + 100
    # The greeting says "999" within its first six seconds: a real voice, not a tone
    assert 4 < wav_seconds(store.generated / "greeting.wav") < 12


def low_share(wav: Path) -> float:
    """The share of a WAV's energy below 200 Hz (sox's own filter, asked separately)."""
    low = wav.with_suffix(".low.wav")
    subprocess.run(["sox", str(wav), str(low), "lowpass", "200", "lowpass", "200"], check=True)
    energy = sum(x * x for x in samples_of(wav))
    return sum(x * x for x in samples_of(low)) / energy


@needs_flite
def test_generated_speech_keeps_to_the_phone_band(tmp_path: Path) -> None:
    raw = tmp_path / "raw.wav"
    FliteSpeaker("awb", 175).synthesise("Call 0808 2000 247.", raw)
    plain, phone = tmp_path / "plain.wav", tmp_path / "phone.wav"
    to_telephony(raw, plain)
    to_telephony(raw, phone, FliteSpeaker("awb", 175))
    assert low_share(phone) < low_share(plain) / 3


@needs_flite
def test_real_flite_is_byte_identical_and_a_new_voice_rebuilds_it(
    tmp_path: Path, write_menu: Callable[[str], Path]
) -> None:
    store = flite_store(tmp_path, write_menu)
    build(store, lambda: speaker_for(store.menu.settings))
    first = {p: (store.generated / f"{p}.wav").read_bytes() for p in store.menu.prompts}
    again = build(store, lambda: speaker_for(store.menu.settings), force=True)
    assert {r.action for r in again} == {"built"}
    assert {p: (store.generated / f"{p}.wav").read_bytes() for p in store.menu.prompts} == first
    # Another voice: every prompt is stale until built in it, and then differs
    other = flite_store(tmp_path, write_menu, voice="kal16")
    assert {other.status(p) for p in other.menu.prompts} == {"stale"}
    build(other, lambda: speaker_for(other.menu.settings))
    assert (other.generated / "greeting.wav").read_bytes() != first["greeting"]


def test_the_engine_is_part_of_the_source_key() -> None:
    keys = {
        source_key("Hello.", "awb", 175, "flite"),
        source_key("Hello.", "awb", 175, "espeak"),
        source_key("Hello.", "kal16", 175, "flite"),
        source_key("Hello.", "awb", 160, "flite"),
        source_key("Hello!", "awb", 175, "flite"),
    }
    assert len(keys) == 5


def test_flite_missing_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tts.shutil, "which", lambda name: None)
    with pytest.raises(IvrError, match="apt-get install flite"):
        FliteSpeaker("awb", 175)


@needs_flite
def test_a_flite_failure_is_reported(tmp_path: Path) -> None:
    with pytest.raises(IvrError, match="'no_such_voice' is not a flite voice"):
        FliteSpeaker("no_such_voice", 175)
    # Flite exits 0 when it cannot write; the missing file tells
    with pytest.raises(IvrError, match="flite failed: .*can.t open file"):
        FliteSpeaker("awb", 175).synthesise("Hello.", tmp_path / "nowhere" / "out.wav")


def test_the_engine_named_in_settings_speaks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tts.shutil, "which", lambda name: f"/usr/bin/{name}")
    menu = load_menu(REPO_MENU)
    assert isinstance(speaker_for(menu.settings), FliteSpeaker)
    espeak = replace(menu.settings, tts_engine="espeak", tts_voice="gmw/en")
    assert isinstance(speaker_for(espeak), EspeakSpeaker)
