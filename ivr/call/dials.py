"""Helplines that pressed 1, noted by the helpline's leg for the caller's leg to read."""

from __future__ import annotations

import fcntl
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# A note outlives the longest ring by far, and is dropped once read
KEEP_SECONDS = 3 * 3600


class AcceptedDialsFile:
    """Random dial tokens (nothing about the caller) with when they were accepted.

    A file every worker on this machine shares, locked for each change.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _notes(self) -> Iterator[dict[str, float]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.with_suffix(".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                notes = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                notes = {}
            if not isinstance(notes, dict):
                notes = {}
            since = time.time() - KEEP_SECONDS
            notes = {k: v for k, v in notes.items() if isinstance(v, int | float) and v > since}
            yield notes
            self.path.write_text(json.dumps(notes), encoding="utf-8")

    def mark(self, token: str) -> None:
        """The helpline pressed 1 on this dial."""
        with self._notes() as notes:
            notes[token] = time.time()

    def taken(self, token: str) -> bool:
        """Whether the helpline pressed 1 on this dial; the note is forgotten once read."""
        with self._notes() as notes:
            return notes.pop(token, None) is not None
