"""Offline speech, converted by sox to telephony WAV.

Two engines: pyttsx3 driving espeak-ng (a formant synthesiser: every language, installs
anywhere) and Flite (voices made from recorded speech, far clearer on a phone line:
bench/intelligibility.py). menus.yaml's settings choose: `tts_engine`, `tts_voice`.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import wave
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ivr.audio.prompts import PromptStore, file_hash, wav_seconds
from ivr.menu.engines import engine_problem
from ivr.menu.model import Menu, Settings
from ivr.menu.source import IvrError
from ivr.store.changes import Who

RATE = 8000  # Twilio plays 8 kHz mono WAV without transcoding
MAX_SECONDS = 120
QUIET_PEAK = 328  # 1 % of full scale: below this a recording is silence
CLIPPED = 32000  # samples this loud have been cut off
MAX_CLIPPED = 0.005  # more than 0.5 % of them: distorted on a phone line
# A take under this share of the generated speech's length has lost words
SHORTEST_SHARE = 0.4
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


class Pyttsx3Speaker:
    """pyttsx3 with the espeak-ng driver, one utterance per runAndWait()."""

    # espeak-ng pauses long at every full stop: silence at the start cut, pauses to 0.3 s
    pauses: tuple[str, ...] = ("silence", "-l", "1", "0.05", "0.5%", "-1", "0.3", "0.5%")

    def __init__(self, voice: str, rate: int) -> None:
        if shutil.which("espeak-ng") is None:
            raise IvrError(ESPEAK_MISSING)
        import pyttsx3

        try:
            self.engine: Any = pyttsx3.init("espeak")
        except (OSError, RuntimeError) as e:
            raise IvrError(ESPEAK_MISSING) from e
        self.engine.setProperty("voice", voice)
        self.engine.setProperty("rate", rate)
        self.finished = False
        self.engine.connect("finished-utterance", self._finished)

    def _finished(self, name: object, completed: bool) -> None:
        self.finished = completed

    def synthesise(self, text: str, out: Path) -> None:
        """Speak text into out; runAndWait() can return before writing, so wait for the event."""
        for _ in range(3):
            self.finished = False
            out.unlink(missing_ok=True)
            # pyttsx3 prints "Audio saved to ..." for every file
            with contextlib.redirect_stdout(io.StringIO()):
                self.engine.save_to_file(text, str(out))
                self.engine.runAndWait()
            if self.finished and out.is_file() and out.stat().st_size > 44:
                return
        raise IvrError(f"espeak-ng wrote no audio for: {text[:60]!r}")


class FreshSpeaker:
    """Each text spoken by a new process's engine.

    espeak-ng carries state from one utterance to the next: the same text spoken twice
    in one process comes out a few samples different each time. A fresh engine per
    prompt makes the audio depend on its text alone, so rebuilds are byte-identical.
    """

    pauses = Pyttsx3Speaker.pauses

    def __init__(self, voice: str, rate: int, timeout: float = 60) -> None:
        if shutil.which("espeak-ng") is None:
            raise IvrError(ESPEAK_MISSING)
        self.voice, self.rate, self.timeout = voice, rate, timeout

    def synthesise(self, text: str, out: Path) -> None:
        """Speak text into out, in a child process."""
        command = [sys.executable, "-m", "ivr.audio.tts", self.voice, str(self.rate), str(out)]
        try:
            # pyttsx3's loop never returns if the driver fails inside it: bound the wait
            result = subprocess.run(
                command, input=text, capture_output=True, text=True, timeout=self.timeout
            )
        except subprocess.TimeoutExpired as e:
            raise IvrError(f"espeak-ng did not finish within {self.timeout:.0f} s") from e
        if result.returncode != 0:
            reason = (result.stderr.strip().splitlines() or ["no reason given"])[-1]
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
    return FreshSpeaker(settings.tts_voice, settings.speech_rate)


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


def check_recording(wav: Path, name: str, spoken_seconds: float = 0.0) -> float:
    """A converted recording's seconds; refuse silent, clipped, too short or too long takes.

    spoken_seconds: how long the prompt's words take in generated speech.
    """
    with wave.open(str(wav), "rb") as w:
        samples = array("h", w.readframes(w.getnframes()))
    seconds = len(samples) / RATE
    if seconds > MAX_SECONDS:
        raise IvrError(f"{name} lasts {seconds:.0f} s: a prompt may last {MAX_SECONDS} s at most")
    if not samples or max(max(samples), -min(samples)) < QUIET_PEAK:
        raise IvrError(f"{name} is silent: nothing was changed")
    clipped = sum(1 for s in samples if s >= CLIPPED or s <= -CLIPPED) / len(samples)
    if clipped > MAX_CLIPPED:
        raise IvrError(
            f"{name} is clipped: {clipped:.0%} of it is too loud and cut off; record it "
            "again a little further from the microphone. Nothing was changed"
        )
    if seconds < SHORTEST_SHARE * spoken_seconds:
        raise IvrError(
            f"{name} lasts {seconds:.1f} s, but its words take about {spoken_seconds:.0f} s "
            f"to say (at least {SHORTEST_SHARE * spoken_seconds:.1f} s needed): words are "
            "missing. Nothing was changed"
        )
    return seconds


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
    store: PromptStore,
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


def build_into_store(prompts: PromptStore, speaker: Callable[[], Speaker], who: Who) -> list[str]:
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


if __name__ == "__main__":  # pragma: no cover - runs in FreshSpeaker's child process
    try:
        Pyttsx3Speaker(sys.argv[1], int(sys.argv[2])).synthesise(
            sys.stdin.read(), Path(sys.argv[3])
        )
    except IvrError as e:
        sys.exit(str(e))
