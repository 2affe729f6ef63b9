"""What each prompt plays now: a staff take from the store, else generated speech; stale
audio never plays.

A call is only ever handed the URL of audio this instance holds on its own disk, and that
URL answers without the database: a take is copied into the local cache before any call
here can hear it, and until it is there the prompt plays its generated speech (or is said).
PromptAudio (prompts.py) adds what a URL names and the gate for staff takes.
"""

from __future__ import annotations

import json
import logging
import stat
import time
from collections.abc import Callable
from pathlib import Path

from ivr.audio.files import Audio, Manifest, file_hash, source_key, wav_seconds
from ivr.errors import IvrError
from ivr.menu.model import Menu
from ivr.menu.texts import spoken_estimate
from ivr.store.changes import Store
from ivr.store.rows import Snapshot

log = logging.getLogger(__name__)

# path -> ((mtime, size, inode), sha256) of the shipped files hashed so far in this
# process, by every app in it; forgotten whole past a bound no real prompt folder nears
_HASHES: dict[Path, tuple[tuple[int, int, int], str]] = {}
_HASHES_KEPT = 20_000


class CurrentAudio:
    """What each prompt plays now: a staff take from the store, else generated speech.

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
        self._playing: dict[str, Audio] = {}

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
        """Prompt id -> the audio it plays, as the store says; worked out again only when
        something changed."""
        self._rescan()
        return self._audio

    def playing(self) -> dict[str, Audio]:
        """Prompt id -> the audio calls on this instance are handed: the current audio if
        its file is here, else the prompt's generated speech if that is here."""
        self._rescan()
        return self._playing

    def _rescan(self) -> None:
        stamp = self._stamp()
        if stamp != self._seen:
            self._audio, self._playing = self._scan()
            self._seen = stamp

    def _scan(self) -> tuple[dict[str, Audio], dict[str, Audio]]:
        audio: dict[str, Audio] = {}
        playing: dict[str, Audio] = {}
        manifest = self.manifest()
        snapshot = self.snapshot()
        for prompt_id in self.menu.prompts:
            recorded = snapshot.live.get(prompt_id)
            built = snapshot.generated.get(self.key(prompt_id))  # made when a menu was published
            choices = [
                self._cached(recorded.sha256, "recorded", prompt_id) if recorded else None,
                self.generated_audio(prompt_id, manifest),
                self._cached(built.sha256, "generated", prompt_id) if built else None,
            ]
            present = [a for a in choices if a is not None]
            if present:
                audio[prompt_id] = present[0]
            if here := next((a for a in present if a.path.is_file()), None):
                playing[prompt_id] = here
        return audio, playing

    def _cached(self, sha256: str, kind: str, prompt_id: str) -> Audio:
        return Audio(self.cache / f"{sha256}.wav", sha256, kind, prompt_id)

    def generated_audio(
        self, prompt_id: str, manifest: dict[str, dict[str, object]]
    ) -> Audio | None:
        """Shipped generated audio made from the prompt's current text, voice and rate."""
        path = self.generated / f"{prompt_id}.wav"
        entry = manifest.get(prompt_id, {})
        if entry.get("source") != self.key(prompt_id):
            return None
        sha = self._hash_of(path)
        if sha is None or sha != entry.get("sha256"):
            return None
        return Audio(path, sha, "generated", prompt_id)

    def _hash_of(self, path: Path) -> str | None:
        """file_hash(path), None if there is no such file; read again only when the file's
        size or time changed (every change of the store, a staff closure too, looks at all
        the prompts again: not every shipped file is read and hashed again then)."""
        try:
            found = path.stat()
        except OSError:
            return None
        if not stat.S_ISREG(found.st_mode):
            return None
        seen = (found.st_mtime_ns, found.st_size, found.st_ino)
        known = _HASHES.get(path)
        if known is None or known[0] != seen:
            if len(_HASHES) >= _HASHES_KEPT:
                _HASHES.clear()
            known = _HASHES[path] = (seen, file_hash(path))
        return known[1]

    def version(self) -> tuple[int, int, int] | None:
        """Changes whenever the audio any prompt plays changes."""
        self._rescan()
        return self._seen

    def audio_url(self, prompt_id: str) -> str | None:
        """The URL to <Play>, or None: then the current text is said.

        Only audio whose file is on this instance: its URL answers without the database.
        """
        audio = self.playing().get(prompt_id)
        return audio.url if audio else None

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
