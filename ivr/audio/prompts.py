"""Prompt audio: staff takes beat generated speech; stale audio never plays.

A call is only ever handed the URL of audio this instance holds on its own disk, and that
URL answers without the database: a take is copied into the local cache before any call
here can hear it, and until it is there the prompt plays its generated speech (or is said).
"""

from __future__ import annotations

import json
import logging
import os
import stat
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from ivr.audio.decode import one_at_a_time, telephony_take
from ivr.audio.files import (
    KEEP_OLD_SECONDS,
    Audio,
    Kept,
    Manifest,
    copy_beside,
    file_hash,
    forget_older,
    named,
    source_key,
    wav_seconds,
)
from ivr.errors import IvrError
from ivr.menu.model import Menu
from ivr.menu.texts import spoken_estimate
from ivr.store.changes import Store
from ivr.store.rows import Snapshot, Who

log = logging.getLogger(__name__)
# Beside the audio cache: held while a staff take is decoded (one at a time per instance)
DECODING_LOCK = "decoding.lock"


class PromptAudio:
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
        self._playing: dict[str, Audio] = {}
        # path -> ((mtime, size, inode), sha256) of the shipped files hashed so far
        self._hashes: dict[Path, tuple[tuple[int, int, int], str]] = {}

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
        known = self._hashes.get(path)
        if known is None or known[0] != seen:
            known = self._hashes[path] = (seen, file_hash(path))
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

    def local(self, audio: Audio) -> Audio:
        """The audio with its file on this machine: copied from the store the first time."""
        if not audio.path.is_file():
            data = self.store.audio(audio.sha256)
            if data is None:
                raise IvrError(f"the store has no sound {audio.sha256[:16]}")
            self._keep_here(audio.sha256, data)
        return audio

    def _keep_here(self, sha256: str, data: bytes) -> None:
        """Write a sound into this instance's cache: whole, or not at all."""
        self.cache.mkdir(parents=True, exist_ok=True)
        target = self.cache / f"{sha256}.wav"
        # Each worker and thread its own temporary file: two may fetch the same sound
        temporary = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, target)

    def cache_takes(self, snapshot: Snapshot) -> None:
        """Copy every sound the snapshot has calls play into this instance's cache.

        Run by the worker's poller before the snapshot is used, so a take is here before
        a call is handed its URL. A database failure propagates (the poller keeps the
        snapshot it had, and tries again); a disk that cannot take the sound is logged, and
        the prompt plays its generated speech here until the sound can be kept.
        """
        wanted = {take.sha256: take.prompt_id for take in snapshot.live.values()}
        for prompt_id in self.menu.prompts:
            built = snapshot.generated.get(self.key(prompt_id))
            if built is not None:
                wanted.setdefault(built.sha256, prompt_id)
        for sha256, prompt_id in wanted.items():
            try:
                self.local(self._cached(sha256, "take", prompt_id))
            except OSError as e:
                log.error(
                    "the audio of %s cannot be kept in %s (%s): calls on this instance "
                    "hear its generated speech until it can",
                    prompt_id,
                    self.cache,
                    e,
                )

    def find(self, name: str) -> Audio | None:
        """The audio behind a URL's last part: current, or any take or build it ever named.

        A call may hold a URL handed out just before a new take went live: every take is
        kept in the store, and a build's replaced files for a day. Whatever this instance
        hands out is found without the database; if the database is needed and cannot be
        reached, the sound is taken from this instance's cache, else the prompt's own
        audio now stands in: a call never hears an error for a <Play>.
        """
        parts = named(name)
        if parts is None:
            return None
        prompt_id, short = parts
        playing = self.playing().get(prompt_id)
        if playing and playing.sha256[:16] == short:
            return playing
        try:
            return self._look_up(prompt_id, short)
        except Exception as e:  # noqa: BLE001 - the store is down: a stand-in, never an error
            log.warning(
                "audio %s: the store cannot be reached (%s); served from this instance",
                name,
                type(e).__name__,
            )
            return self._cached_here(prompt_id, short) or self.stand_in(name)

    def stand_in(self, name: str) -> Audio | None:
        """What plays now for the prompt an audio URL names, when its own sound cannot be
        had (None: a name no prompt has, or a prompt with nothing to play)."""
        parts = named(name)
        return self.playing().get(parts[0]) if parts else None

    def _cached_here(self, prompt_id: str, short: str) -> Audio | None:
        if prompt_id not in self.menu.prompts:
            return None
        path = next(iter(sorted(self.cache.glob(f"{short}*.wav"))), None)
        return Audio(path, path.stem, "cached", prompt_id) if path else None

    def _look_up(self, prompt_id: str, short: str) -> Audio | None:
        name = f"{prompt_id}.{short}.wav"
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
            copy_beside(audio.path, target)
        os.utime(target)  # retired now: kept for a day from now
        forget_older(self.archive)

    def hold(self, prompt_id: str, source: Path, who: Who, name: str = "") -> Kept:
        """Check a staff file and keep it as a take to hear before it goes live.

        name: the file's name as the member of staff knows it (else source's own).
        """
        return self._keep(prompt_id, source, name or source.name, who, live=False)

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

    def install(self, prompt_id: str, source: Path, who: Who, name: str = "") -> Kept:
        """Check a staff file and make it the live recording: one transaction with its
        audit entry."""
        return self._keep(prompt_id, source, name or source.name, who, live=True)

    def one_take_at_a_time(self) -> AbstractContextManager[None]:
        """Held while a take is read, decoded and stored: one at a time on this instance
        (a door may take it early, before it reads the upload); IvrError if another
        take holds it for longer than a moment."""
        return one_at_a_time(self.cache.parent / DECODING_LOCK)

    def _keep(self, prompt_id: str, source: Path, name: str, who: Who, live: bool) -> Kept:
        """The one gate for staff takes, whichever door they come by (console, `ivr
        prompts import`, phone): decoded one at a time, checked, stored, and kept here."""
        self.check_id(prompt_id)
        with self.one_take_at_a_time():
            take = telephony_take(source, name, self.spoken_seconds(prompt_id))
        row = self.store.add_take(prompt_id, take.wav, take.seconds, who, live=live)
        try:
            self._keep_here(row.sha256, take.wav)  # this instance has it before it is live
        except OSError as e:
            log.error("a new take of %s cannot be kept in %s (%s)", prompt_id, self.cache, e)
        return Kept(row, take.seconds)

    def revert(self, prompt_id: str, who: Who) -> bool:
        """Go back to generated speech; False if there was no recording."""
        self.check_id(prompt_id)
        return self.store.revert(prompt_id, who)
