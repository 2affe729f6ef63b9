"""This worker's side of the helpline watch: results noted in memory, decisions from a copy.

A call never waits on the database for the watch. `heard` appends a transfer's result to
a queue on the call's request; a thread hands what has built up to the store every
second, and the store decides changes of state under its lock (ivr.store.health). Whether
a transfer passes a helpline by is read from this worker's copy of every helpline's
health, read again whenever the store's revision moves (each change of state and each
staff override bumps it), so every instance agrees within about a second.

One caller in N (settings.watch_retry_one_in) still tries a failing helpline, so it can
recover by itself: an accept makes it healthy. Which caller is drawn from the ring's own
token, the random name a ring carries in its URLs (`t=`), made once per request
(`voice.ring`): a helpline is tried when the CRC-32 of the token and its id is divisible
by N. So nothing about any caller is remembered anywhere, every instance decides alike,
the answer and its counts draw the same, and the next URL shows why.
"""

from __future__ import annotations

import atexit
import logging
import threading
import weakref
import zlib
from collections import deque
from collections.abc import Callable
from datetime import datetime

from ivr.menu.model import Settings
from ivr.store.health import SKIP, Health, HealthStore, Limits, Result
from ivr.store.repeat import Repeat
from ivr.store.rows import utc_now

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 1.0
MAX_WAITING = 10_000  # results held while the database is down (the newest are kept)


def limits(settings: Settings) -> Limits:
    """The watch's thresholds, from menus.yaml `settings:` (watch_*)."""
    return Limits(
        settings.watch_failed_in_a_row, settings.watch_doubtful_after, settings.watch_failing_after
    )


def drawn(ring: str, helpline_id: str, one_in: int) -> bool:
    """Whether the ring named `ring` is the one in `one_in` that tries a failing helpline."""
    return zlib.crc32(f"{ring}.{helpline_id}".encode()) % one_in == 0


class Watch:
    """Transfer results for the store, buffered in this worker; the health it read back."""

    def __init__(
        self,
        store: HealthStore,
        limits: Callable[[], Limits] = Limits,
        clock: Callable[[], datetime] = utc_now,
        interval: float = INTERVAL_SECONDS,
    ) -> None:
        self.store = store
        self.limits = limits  # the live menu's thresholds, read at each write
        self.clock = clock
        self.waiting: deque[Result] = deque(maxlen=MAX_WAITING)
        self.held: list[Result] = []  # taken, but the store could not be reached
        self.health: dict[str, Health] = {}  # replaced whole: a reader never sees half
        self.writing = True  # the last write reached the store
        self.reading = True  # the last read did
        self._flushing = threading.Lock()
        self._writer = Repeat(Watch.flush, interval)

    def note(self, helpline_id: str, result: str) -> None:
        """A transfer ended (the hot path: one append, no database)."""
        self.waiting.append((helpline_id, result, self.clock()))

    def skips(self, helpline_id: str, ring: str, one_in: int) -> bool:
        """Whether a transfer named `ring` passes this helpline by (staff's "skip it", or
        failing and not drawn); the 24/7 line is the caller's to spare (availability)."""
        health = self.health.get(helpline_id)
        if health is None or not health.skipped:
            return False
        return health.override == SKIP or not drawn(ring, helpline_id, one_in)

    def flush(self) -> bool:
        """Hand what has built up to the store; keep it if that fails. Never raises."""
        with self._flushing:
            taken, self.held = self.held, []
            while self.waiting:
                taken.append(self.waiting.popleft())
            if not taken:
                return True
            try:
                self.store.record(taken, self.limits())
            except Exception as e:  # noqa: BLE001 - results wait; calls never notice
                self.held = taken[-MAX_WAITING:]
                if self.writing:
                    log.error(
                        "helpline results cannot be written (%s): they wait in memory",
                        type(e).__name__,
                    )
                self.writing = False
                return False
            if not self.writing:
                log.warning("helpline results are written again")
            self.writing = True
            return True

    def reload(self) -> None:
        """Read every helpline's health again (after the revision moved). Never raises:
        calls go on with the health last read."""
        try:
            self.health = self.store.states()
        except Exception as e:  # noqa: BLE001
            if self.reading:
                log.error("helpline health cannot be read (%s): using the last", type(e).__name__)
            self.reading = False
            return
        self.reading = True

    def start(self) -> None:
        """Write in the background, once per process (a fork starts its own)."""
        self._writer.start(self)
        _RUNNING.add(self)


_RUNNING: weakref.WeakSet[Watch] = weakref.WeakSet()


@atexit.register
def _write_at_exit() -> None:
    """A worker or command that stops (`ivr simulate`) writes what it still holds."""
    for watch in list(_RUNNING):
        watch.flush()
