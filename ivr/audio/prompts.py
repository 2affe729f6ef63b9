"""Prompt audio: what each prompt plays (current.py), the audio behind any URL the line
ever handed out, and the one gate for staff takes, whichever door they come by.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from contextlib import AbstractContextManager
from pathlib import Path

from ivr.audio.current import CurrentAudio
from ivr.audio.decode import one_at_a_time, telephony_take
from ivr.audio.files import (
    KEEP_OLD_SECONDS,
    Audio,
    Kept,
    copy_beside,
    file_hash,
    forget_older,
    named,
)
from ivr.errors import IvrError
from ivr.store.rows import Snapshot, Who

log = logging.getLogger(__name__)
# Beside the audio cache: held while a staff take is decoded (one at a time per instance)
DECODING_LOCK = "decoding.lock"


class PromptAudio(CurrentAudio):
    """What each prompt plays (CurrentAudio), what an audio URL names (a call may hold one
    handed out before a change), and staff takes: decoded one at a time, checked, kept.
    """

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
