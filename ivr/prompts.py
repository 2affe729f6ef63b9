"""Prompt audio on disk: staff recordings beat generated speech; stale audio never plays."""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import re
import shutil
import time
import wave
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ivr.menu import Menu
from ivr.source import IvrError

PROMPT_ID = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_*#]+)*$")
HASH16 = re.compile(r"^[0-9a-f]{16}$")
AUDIO_PATH = "/audio"
# A call may hold a URL handed out just before a new take went live: every URL keeps
# answering for a day after its audio stopped being current
KEEP_OLD_SECONDS = 24 * 3600
Manifest = dict[str, dict[str, object]]


def source_key(text: str, voice: str, rate: int) -> str:
    """What generated audio was made from; a new text, voice or rate gives a new key."""
    return hashlib.sha256(f"{voice}\n{rate}\n{text}".encode()).hexdigest()


def file_hash(path: Path) -> str:
    """The content hash that names a file's URL."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wav_seconds(path: Path) -> float:
    """A PCM WAV file's length in seconds."""
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()


@dataclass(frozen=True)
class Audio:
    """The audio a prompt plays now."""

    path: Path
    sha256: str
    kind: str  # recorded or generated

    prompt_id: str = ""

    @property
    def name(self) -> str:
        """The URL's last part: prompt id and content hash."""
        return f"{self.prompt_id or self.path.stem}.{self.sha256[:16]}.wav"

    @property
    def url(self) -> str:
        """Content-hashed: a new recording or text gives a new URL, so caches never lie."""
        return f"{AUDIO_PATH}/{self.name}"


class PromptStore:
    """prompts/generated (TTS, with a manifest of sources) and prompts/recorded (staff)."""

    def __init__(self, menu: Menu, root: Path) -> None:
        self.menu = menu
        self.root = root
        self.generated = root / "generated"
        self.recorded = root / "recorded"
        # Audio no longer current, kept while calls may still hold its URL
        self.archive = root / "archive"
        # Staff takes heard back before they go live (or never)
        self.pending = root / "pending"
        self.manifest_path = self.generated / "manifest.json"
        self._seen: tuple[int, int] | None = None
        self._audio: dict[str, Audio] = {}

    def key(self, prompt_id: str) -> str:
        """The source key the prompt's generated audio must have."""
        settings = self.menu.settings
        return source_key(self.menu.prompts[prompt_id], settings.tts_voice, settings.speech_rate)

    def manifest(self) -> Manifest:
        """Generated audio: prompt id -> source key, file hash, seconds, bytes."""
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _stamp(self) -> tuple[int, int]:
        def mtime(path: Path) -> int:
            try:
                return path.stat().st_mtime_ns
            except OSError:
                return 0

        return mtime(self.recorded), mtime(self.manifest_path)

    def current(self) -> dict[str, Audio]:
        """Prompt id -> the audio it plays; re-read only when a recording or build changed it."""
        stamp = self._stamp()
        if stamp != self._seen:
            self._audio = self._scan()
            self._seen = stamp
        return self._audio

    def _scan(self) -> dict[str, Audio]:
        audio: dict[str, Audio] = {}
        manifest = self.manifest()
        for prompt_id in self.menu.prompts:
            recorded = self.recorded / f"{prompt_id}.wav"
            if recorded.is_file():
                audio[prompt_id] = Audio(recorded, file_hash(recorded), "recorded", prompt_id)
            elif generated := self.generated_audio(prompt_id, manifest):
                audio[prompt_id] = generated
        return audio

    def generated_audio(
        self, prompt_id: str, manifest: dict[str, dict[str, object]]
    ) -> Audio | None:
        """Generated audio made from the prompt's current text, voice and rate, if any."""
        path = self.generated / f"{prompt_id}.wav"
        entry = manifest.get(prompt_id, {})
        if not path.is_file() or entry.get("source") != self.key(prompt_id):
            return None
        sha = file_hash(path)
        return Audio(path, sha, "generated", prompt_id) if sha == entry.get("sha256") else None

    def version(self) -> tuple[int, int] | None:
        """Changes whenever the audio any prompt plays changes."""
        self.current()
        return self._seen

    def audio_url(self, prompt_id: str) -> str | None:
        """The URL to <Play>, or None: then the current text is said."""
        audio = self.current().get(prompt_id)
        return audio.url if audio else None

    def find(self, name: str) -> Audio | None:
        """The audio behind a URL's last part: current, pending review, or retired today."""
        prompt_id, _, rest = name.rpartition(".")
        prompt_id, _, short = prompt_id.rpartition(".")
        if rest != "wav" or not PROMPT_ID.match(prompt_id) or not HASH16.match(short):
            return None
        audio = self.current().get(prompt_id)
        if audio and audio.sha256[:16] == short:
            return audio
        for folder, kind in ((self.pending, "pending"), (self.archive, "archived")):
            path = folder / name
            if path.is_file() and path.stat().st_mtime > time.time() - KEEP_OLD_SECONDS:
                return Audio(path, file_hash(path), kind, prompt_id)
        return None

    def retire(self, prompt_id: str) -> None:
        """Keep a prompt's current audio answering at its URL after it is replaced."""
        audio = self.current().get(prompt_id)
        if audio is None:
            return
        self.archive.mkdir(parents=True, exist_ok=True)
        target = self.archive / audio.name
        if not target.exists():
            _copy_beside(audio.path, target)
        os.utime(target)  # retired now: kept for a day from now
        _forget_older(self.archive)

    def hold(self, prompt_id: str, wav: Path) -> Audio:
        """Keep a take for the member of staff to hear before it goes live."""
        self.check_id(prompt_id)
        self.pending.mkdir(parents=True, exist_ok=True)
        _forget_older(self.pending)
        sha = file_hash(wav)
        target = self.pending / f"{prompt_id}.{sha[:16]}.wav"
        _copy_beside(wav, target)
        return Audio(target, sha, "pending", prompt_id)

    def spoken_seconds(self, prompt_id: str) -> float:
        """How long the prompt's words take: its generated speech, else an estimate."""
        generated = self.generated_audio(prompt_id, self.manifest())
        if generated:
            return wav_seconds(generated.path)
        words = len(self.menu.prompts[prompt_id].split())
        return words / (self.menu.settings.speech_rate / 60)

    def status(self, prompt_id: str) -> str:
        """recorded, generated, stale (made from an older text) or missing."""
        audio = self.current().get(prompt_id)
        if audio:
            return audio.kind
        return "stale" if (self.generated / f"{prompt_id}.wav").is_file() else "missing"

    def check_id(self, prompt_id: str) -> None:
        """Refuse a prompt id the menu does not have."""
        if prompt_id not in self.menu.prompts:
            raise IvrError(f"unknown prompt '{prompt_id}' (see `ivr prompts list` for the ids)")

    def install(self, prompt_id: str, wav: Path, by: str) -> Path:
        """Make a telephony WAV the live recording: temporary file, then an atomic rename."""
        self.check_id(prompt_id)
        self.recorded.mkdir(parents=True, exist_ok=True)
        target = self.recorded / f"{prompt_id}.wav"
        self.retire(prompt_id)
        _copy_beside(wav, target)
        self.log(prompt_id, "recorded", by)
        return target

    def revert(self, prompt_id: str, by: str) -> bool:
        """Go back to generated speech; False if there was no recording."""
        self.check_id(prompt_id)
        target = self.recorded / f"{prompt_id}.wav"
        if not target.exists():
            return False
        self.retire(prompt_id)
        target.unlink()
        self.log(prompt_id, "reverted", by)
        return True

    def log(self, prompt_id: str, action: str, by: str) -> None:
        """Who changed which prompt, and when: one JSON line each."""
        line = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "prompt": prompt_id}
        line |= {"action": action, "by": by}
        with (self.recorded / "changes.log").open("a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")


def whoami() -> str:
    """The person at the terminal, for the change log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return "cli:unknown"


def _copy_beside(source: Path, target: Path) -> None:
    """Copy by a temporary file beside target, then an atomic rename: never half a file.

    Beside it, not in the temp folder, which may be another filesystem (no rename there).
    """
    temporary = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, temporary)
    os.replace(temporary, target)


def _forget_older(folder: Path) -> None:
    """Delete files in folder untouched for longer than KEEP_OLD_SECONDS."""
    since = time.time() - KEEP_OLD_SECONDS
    for path in folder.glob("*.wav"):
        if path.stat().st_mtime < since:
            path.unlink(missing_ok=True)
