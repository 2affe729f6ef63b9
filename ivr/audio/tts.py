"""Offline speech, converted by sox to telephony WAV.

Two engines: espeak-ng (a formant synthesiser: every language, installs
anywhere) and Flite (voices made from recorded speech, far clearer on a phone line:
bench/intelligibility.py). menus.yaml's settings choose: `tts_engine`, `tts_voice`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import wave
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ivr.audio.decode import RATE
from ivr.audio.files import file_hash, wav_seconds
from ivr.audio.prompts import PromptAudio
from ivr.errors import IvrError
from ivr.menu.engines import engine_problem, espeak_voices
from ivr.menu.model import Menu, Settings
from ivr.store.rows import Who

# sox's words for a file that stops before its own header says it ends
CUT_SHORT = ("premature eof", "truncated", "unexpected end")
ESPEAK_MISSING = (
    "espeak-ng is not installed, so prompts cannot be generated. Install it with "
    "`sudo apt-get install espeak-ng` (Debian, Ubuntu) or `brew install espeak-ng` (macOS), "
    "then run `ivr prompts build` again. Until then the line says prompts with Twilio's <Say>."
)
SOX_MISSING = "sox is not installed: install it with `sudo apt-get install sox libsox-fmt-mp3`"
FLITE_MISSING = (
    "Flite is not installed, so prompts cannot be generated in its voices. Install it with "
    "`sudo apt-get install flite` (Debian, Ubuntu) or `brew install flite` (macOS), then "
    "run `ivr prompts build` again. Until then the line says changed prompts with <Say>."
)
# Flite's voices speak at about this many words a minute; speech_rate stretches them
FLITE_WORDS_PER_MINUTE = 175
# The phone band, and the level every generated prompt is brought to (16-bit RMS, about
# -20 dBFS, with peaks kept below -1 dBFS): the same loudness prompt after prompt
# (two-pole filters: a brick wall rings, and was heard worse; bench/intelligibility.py)
PHONE_BAND = ("highpass", "300", "lowpass", "3400")
TARGET_RMS = 3277
MAX_PEAK = 29204


class Speaker(Protocol):
    """Writes speech for a text to a WAV file (any rate)."""

    # sox's silence effect that shortens this engine's pauses (see to_telephony)
    pauses: tuple[str, ...]

    def synthesise(self, text: str, out: Path) -> None: ...


class EspeakSpeaker:
    """espeak-ng, one process per text: its output depends on text, voice and pace alone.

    (Driven through pyttsx3 in one process, as it was, the same text came out a few
    samples longer or shorter from run to run: rebuilds were not byte-identical.)
    """

    # espeak-ng pauses long at every full stop: silence at the start cut, pauses to 0.3 s
    pauses: tuple[str, ...] = ("silence", "-l", "1", "0.05", "0.5%", "-1", "0.3", "0.5%")

    def __init__(self, voice: str, rate: int, timeout: float = 60) -> None:
        if shutil.which("espeak-ng") is None:
            raise IvrError(ESPEAK_MISSING)
        # espeak-ng speaks an unknown voice in its default one, without a word: refuse it
        if voice not in espeak_voices():
            raise IvrError(f"tts_voice '{voice}' is not an espeak-ng voice here")
        self.voice, self.rate, self.timeout = voice, rate, timeout

    def synthesise(self, text: str, out: Path) -> None:
        """Speak text into out (read from stdin: no text is taken as an option)."""
        command = ["espeak-ng", "-v", self.voice, "-s", str(self.rate), "-w", str(out), "--stdin"]
        try:
            result = subprocess.run(
                command, input=text, capture_output=True, text=True, timeout=self.timeout
            )
        except subprocess.TimeoutExpired as e:
            raise IvrError(f"espeak-ng did not finish within {self.timeout:.0f} s") from e
        # It says "Can't write to: ..." and still exits 0
        failed = result.returncode != 0 or result.stderr.strip()
        if failed or not out.is_file() or out.stat().st_size <= 44:
            reason = (result.stderr.strip().splitlines() or ["it wrote no audio"])[-1]
            raise IvrError(f"espeak-ng failed: {reason}")


class FliteSpeaker:
    """Flite, one process per text: its output depends on text, voice and pace alone."""

    # Pauses to 0.2 s, its start left alone: cutting into it cost words heard (the bench)
    pauses: tuple[str, ...] = ("silence", "-l", "0", "-1", "0.2", "0.5%")

    def __init__(self, voice: str, rate: int, timeout: float = 60) -> None:
        if shutil.which("flite") is None:
            raise IvrError(FLITE_MISSING)
        # Flite says an unknown voice in its default one, without a word: refuse it here
        if problem := engine_problem("flite", voice):
            raise IvrError(problem)
        self.voice, self.timeout = voice, timeout
        self.stretch = f"{FLITE_WORDS_PER_MINUTE / rate:.3f}"

    def synthesise(self, text: str, out: Path) -> None:
        """Speak text into out (Flite reads it from a file: no text is taken as an option)."""
        command = ["flite", "-voice", self.voice, "--setf", f"duration_stretch={self.stretch}"]
        with tempfile.TemporaryDirectory() as tmp:
            words = Path(tmp) / "text.txt"
            words.write_text(text, encoding="utf-8")
            try:
                result = subprocess.run(
                    [*command, "-f", str(words), "-o", str(out)],
                    capture_output=True,
                    text=True,
                    timeout=self.timeout,
                )
            except subprocess.TimeoutExpired as e:
                raise IvrError(f"flite did not finish within {self.timeout:.0f} s") from e
        if result.returncode != 0 or not out.is_file() or out.stat().st_size <= 44:
            reason = (result.stderr.strip().splitlines() or ["it wrote no audio"])[-1]
            raise IvrError(f"flite failed: {reason}")


def speaker_for(settings: Settings) -> Speaker:
    """The engine menus.yaml's settings name, with their voice and pace."""
    if settings.tts_engine == "flite":
        return FliteSpeaker(settings.tts_voice, settings.speech_rate)
    return EspeakSpeaker(settings.tts_voice, settings.speech_rate)


def to_telephony(source: Path, target: Path, spoken_by: Speaker | None = None) -> None:
    """Any audio sox reads -> 8 kHz mono 16-bit WAV; -D (no dither) keeps it byte-identical.

    spoken_by: the engine that made this speech, which is then shaped for the ear on a
    phone: its pauses shortened (callers wait through every one of them), the phone band
    kept (what the network drops would only blur the rest), and brought to one level.
    """
    if shutil.which("sox") is None:
        raise IvrError(SOX_MISSING)
    # -V2: warnings too, so a file cut short is noticed, not quietly padded
    command = [
        "sox",
        "-D",
        "-V2",
        str(source),
        "-t",
        "wav",
        "-r",
        str(RATE),
        "-c",
        "1",
        "-b",
        "16",
    ]
    effects = [*spoken_by.pauses, *PHONE_BAND] if spoken_by is not None else []
    result = subprocess.run(
        [*command, "-e", "signed-integer", str(target), *effects], capture_output=True, text=True
    )
    if result.returncode != 0:
        fails = [w for w in result.stderr.splitlines() if " FAIL " in w]
        reason = (fails or result.stderr.strip().splitlines() or ["unknown format"])[-1]
        raise IvrError(f"{source.name} is not audio that can be converted ({reason})")
    if any(words in result.stderr.lower() for words in CUT_SHORT):
        target.unlink(missing_ok=True)
        raise IvrError(
            f"{source.name} is cut short: it stops before its end (a damaged or unfinished "
            "file); nothing was changed"
        )
    if spoken_by is not None:
        level(target)


def level(wav: Path) -> None:
    """Bring a WAV to TARGET_RMS, peaks no higher than MAX_PEAK (integer maths: the same
    file in gives the same file out)."""
    with wave.open(str(wav), "rb") as w:
        params = w.getparams()
        samples = array("h", w.readframes(w.getnframes()))
    if not samples:
        return
    rms = (sum(s * s for s in samples) / len(samples)) ** 0.5
    peak = max(max(samples), -min(samples))
    if rms == 0 or peak == 0:
        return
    gain = min(TARGET_RMS / rms, MAX_PEAK / peak)
    leveled = array("h", (round(s * gain) for s in samples))
    with wave.open(str(wav), "wb") as w:
        w.setparams(params)
        w.writeframes(leveled.tobytes())


@dataclass(frozen=True)
class Built:
    """One row of the build's closing table."""

    prompt_id: str
    seconds: float
    size: int
    action: str  # built, kept, removed


def _voices(menu: Menu, speaker: Callable[[], Speaker]) -> Callable[[str], Speaker]:
    """The speaker for each prompt, each made once: `speaker` for English, the language's
    own espeak-ng voice for another language's prompts ('pl.greeting')."""
    made: dict[tuple[str, str, int], Speaker] = {}

    def voice(prompt_id: str) -> Speaker:
        settings = menu.settings_for(prompt_id)
        key = (settings.tts_engine, settings.tts_voice, settings.speech_rate)
        if key not in made:
            english = settings is menu.settings
            made[key] = speaker() if english else speaker_for(settings)
        return made[key]

    return voice


def build(
    store: PromptAudio,
    speaker: Callable[[], Speaker],
    force: bool = False,
    progress: Callable[[str], None] = lambda prompt_id: None,
) -> list[Built]:
    """Generate audio for every prompt whose text, voice or rate changed (all with force)."""
    manifest = store.manifest()
    # Recorded prompts get generated audio too, so `ivr prompts revert` has something to play
    todo = [p for p in store.menu.prompts if force or not store.generated_audio(p, manifest)]
    voice = _voices(store.menu, speaker)
    store.generated.mkdir(parents=True, exist_ok=True)
    rows: list[Built] = []
    with tempfile.TemporaryDirectory() as tmp:
        for prompt_id in store.menu.prompts:
            progress(prompt_id)
            target = store.generated / f"{prompt_id}.wav"
            if prompt_id in todo:
                engine = voice(prompt_id)
                raw = Path(tmp) / "speech.wav"
                engine.synthesise(store.menu.prompts[prompt_id], raw)
                # Converted beside its target: a rename across filesystems fails
                temporary = store.generated / f".{prompt_id}.wav.tmp"
                to_telephony(raw, temporary, engine)
                if store.status(prompt_id) == "generated":
                    store.retire(prompt_id)
                os.replace(temporary, target)
                manifest[prompt_id] = {
                    "source": store.key(prompt_id),
                    "sha256": file_hash(target),
                    "seconds": round(wav_seconds(target), 3),
                    "bytes": target.stat().st_size,
                }
                action = "built"
            else:
                action = "kept"
            entry = manifest[prompt_id]
            rows.append(
                Built(prompt_id, float(str(entry["seconds"])), int(str(entry["bytes"])), action)
            )
    for orphan in sorted(set(manifest) - set(store.menu.prompts)):
        (store.generated / f"{orphan}.wav").unlink(missing_ok=True)
        del manifest[orphan]
        rows.append(Built(orphan, 0.0, 0, "removed"))
    text = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
    temporary = store.manifest_path.with_suffix(".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, store.manifest_path)
    store.rebuilt()
    return rows


def build_into_store(prompts: PromptAudio, speaker: Callable[[], Speaker], who: Who) -> list[str]:
    """Speech for every prompt that has none for its current text, kept in the store.

    For a menu about to be published: what ships in prompts/generated and what the store
    already holds are used as they are. The prompt ids built are returned.
    """
    manifest = prompts.manifest()
    held = prompts.store.snapshot().generated
    todo = [
        p
        for p in prompts.menu.prompts
        if prompts.generated_audio(p, manifest) is None and prompts.key(p) not in held
    ]
    if not todo:
        return []
    voice = _voices(prompts.menu, speaker)
    with tempfile.TemporaryDirectory() as tmp:
        for prompt_id in todo:
            engine = voice(prompt_id)
            raw, wav = Path(tmp) / "speech.wav", Path(tmp) / "telephony.wav"
            engine.synthesise(prompts.menu.prompts[prompt_id], raw)
            to_telephony(raw, wav, engine)
            prompts.store.add_take(
                prompt_id,
                wav.read_bytes(),
                wav_seconds(wav),
                who,
                kind="generated",
                source=prompts.key(prompt_id),
                live=False,
            )
    return todo
