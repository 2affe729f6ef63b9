"""Prompt audio: staff takes beat generated speech; stale audio never plays."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ivr.menu.model import Menu
from ivr.menu.source import IvrError
from ivr.menu.texts import spoken_estimate
from ivr.store.changes import Snapshot, Store, TakeRow, Who

PROMPT_ID = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_*#]+)*$")
HASH16 = re.compile(r"^[0-9a-f]{16}$")
AUDIO_PATH = "/audio"
# A call may hold a URL handed out just before a new take went live: every URL keeps
# answering for a day after its audio stopped being current
KEEP_OLD_SECONDS = 24 * 3600
Manifest = dict[str, dict[str, object]]


# Bumped whenever the conversion to telephony audio changes: every prompt is rebuilt
CONVERSION = "phone-band-3"


def source_key(text: str, voice: str, rate: int, engine: str = "espeak") -> str:
    """What generated audio was made from; a new text, engine, voice, rate or conversion
    gives a new key, so exactly the prompts it changes are built again."""
    made = f"{CONVERSION}\n{engine}\n{voice}\n{rate}\n{text}"
    return hashlib.sha256(made.encode()).hexdigest()


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
    """What each prompt plays: a staff take from the store, else generated speech.

    Generated speech ships in prompts/generated (with a manifest of what it was made
    from) or is built into the store at publish time. Takes live in the store; their
    sound is copied into a local cache on first request and never changes there.
    """

    def __init__(
        self,
        menu: Menu,
        root: Path,
        store: Store,
        snapshot: Callable[[], Snapshot],
        cache: Path,
    ) -> None:
        self.menu = menu
        self.root = root
        self.store = store
        self.snapshot = snapshot
        self.cache = cache
        self.generated = root / "generated"
        # Shipped audio a build replaced, kept while calls may still hold its URL
        self.archive = root / "archive"
        self.manifest_path = self.generated / "manifest.json"
        self._seen: tuple[int, int, int] | None = None
        self._built, self._built_at = 0, -1.0
        self._audio: dict[str, Audio] = {}

    def key(self, prompt_id: str) -> str:
        """The source key the prompt's generated audio must have."""
        settings = self.menu.settings_for(prompt_id)  # 'pl.greeting': Polish's voice
        text = self.menu.prompts[prompt_id]
        return source_key(text, settings.tts_voice, settings.speech_rate, settings.tts_engine)

    def manifest(self) -> Manifest:
        """Generated audio: prompt id -> source key, file hash, seconds, bytes."""
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _stamp(self) -> tuple[int, int, int]:
        # The shipped manifest changes with a build, not while calls run: looked at once a
        # second at most, not on every request
        now = time.monotonic()
        if now - self._built_at >= 1.0:
            try:
                self._built = self.manifest_path.stat().st_mtime_ns
            except OSError:
                self._built = 0
            self._built_at = now
        return self.snapshot().revision, self._built, id(self.menu)

    def rebuilt(self) -> None:
        """A build just wrote the manifest: look at it on the next request."""
        self._built_at = -1.0

    def current(self) -> dict[str, Audio]:
        """Prompt id -> the audio it plays; worked out again only when something changed."""
        stamp = self._stamp()
        if stamp != self._seen:
            self._audio = self._scan()
            self._seen = stamp
        return self._audio

    def _scan(self) -> dict[str, Audio]:
        audio: dict[str, Audio] = {}
        manifest = self.manifest()
        snapshot = self.snapshot()
        for prompt_id in self.menu.prompts:
            recorded = snapshot.live.get(prompt_id)
            if recorded is not None:
                audio[prompt_id] = self._cached(recorded.sha256, "recorded", prompt_id)
            elif shipped := self.generated_audio(prompt_id, manifest):
                audio[prompt_id] = shipped
            elif (built := snapshot.generated.get(self.key(prompt_id))) is not None:
                # Built into the store when a menu was published
                audio[prompt_id] = self._cached(built.sha256, "generated", prompt_id)
        return audio

    def _cached(self, sha256: str, kind: str, prompt_id: str) -> Audio:
        return Audio(self.cache / f"{sha256}.wav", sha256, kind, prompt_id)

    def generated_audio(
        self, prompt_id: str, manifest: dict[str, dict[str, object]]
    ) -> Audio | None:
        """Shipped generated audio made from the prompt's current text, voice and rate."""
        path = self.generated / f"{prompt_id}.wav"
        entry = manifest.get(prompt_id, {})
        if not path.is_file() or entry.get("source") != self.key(prompt_id):
            return None
        sha = file_hash(path)
        return Audio(path, sha, "generated", prompt_id) if sha == entry.get("sha256") else None

    def version(self) -> tuple[int, int, int] | None:
        """Changes whenever the audio any prompt plays changes."""
        self.current()
        return self._seen

    def audio_url(self, prompt_id: str) -> str | None:
        """The URL to <Play>, or None: then the current text is said."""
        audio = self.current().get(prompt_id)
        return audio.url if audio else None

    def local(self, audio: Audio) -> Audio:
        """The audio with its file on this machine: copied from the store the first time."""
        if not audio.path.is_file():
            data = self.store.audio(audio.sha256)
            if data is None:
                raise IvrError(f"the store has no sound {audio.sha256[:16]}")
            self.cache.mkdir(parents=True, exist_ok=True)
            temporary = audio.path.with_name(f".{audio.path.name}.{os.getpid()}.tmp")
            temporary.write_bytes(data)
            os.replace(temporary, audio.path)
        return audio

    def find(self, name: str) -> Audio | None:
        """The audio behind a URL's last part: current, or any take or build it ever named.

        A call may hold a URL handed out just before a new take went live: every take is
        kept in the store, and a build's replaced files for a day.
        """
        prompt_id, _, rest = name.rpartition(".")
        prompt_id, _, short = prompt_id.rpartition(".")
        if rest != "wav" or not PROMPT_ID.match(prompt_id) or not HASH16.match(short):
            return None
        audio = self.current().get(prompt_id)
        if audio and audio.sha256[:16] == short:
            return self.local(audio)
        if prompt_id in self.menu.prompts:
            # Shipped speech stays answerable while a recording is live over it
            shipped = self.generated_audio(prompt_id, self.manifest())
            if shipped and shipped.sha256[:16] == short:
                return shipped
        path = self.archive / name
        if path.is_file() and path.stat().st_mtime > time.time() - KEEP_OLD_SECONDS:
            return Audio(path, file_hash(path), "archived", prompt_id)
        take = self.store.find_take(prompt_id, short)
        if take is None:
            return None
        kind = "pending" if take.kind == "recorded" else "archived"
        return self.local(self._cached(take.sha256, kind, prompt_id))

    def retire(self, prompt_id: str) -> None:
        """Keep a shipped generated file answering at its URL after a build replaces it."""
        audio = self.current().get(prompt_id)
        if audio is None or audio.path.parent != self.generated:
            return
        self.archive.mkdir(parents=True, exist_ok=True)
        target = self.archive / audio.name
        if not target.exists():
            _copy_beside(audio.path, target)
        os.utime(target)  # retired now: kept for a day from now
        _forget_older(self.archive)

    def hold(self, prompt_id: str, wav: Path, who: Who) -> TakeRow:
        """Keep a take for the member of staff to hear before it goes live."""
        self.check_id(prompt_id)
        return self.store.add_take(prompt_id, wav.read_bytes(), wav_seconds(wav), who, live=False)

    def spoken_seconds(self, prompt_id: str) -> float:
        """How long the prompt's words take: its generated speech, else an estimate."""
        generated = self.generated_audio(prompt_id, self.manifest())
        if generated:
            return wav_seconds(generated.path)
        return spoken_estimate(self.menu.prompts[prompt_id], self.menu.settings.speech_rate)

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

    def install(self, prompt_id: str, wav: Path, who: Who) -> TakeRow:
        """Make a telephony WAV the live recording: one transaction with its audit entry."""
        self.check_id(prompt_id)
        return self.store.add_take(prompt_id, wav.read_bytes(), wav_seconds(wav), who)

    def revert(self, prompt_id: str, who: Who) -> bool:
        """Go back to generated speech; False if there was no recording."""
        self.check_id(prompt_id)
        return self.store.revert(prompt_id, who)


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
