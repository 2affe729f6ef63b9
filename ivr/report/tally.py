"""Each worker's counts: added in memory on the call's request, written in the background.

A call never waits on the database for a count: `add` is a dictionary increment, and a
thread writes what has built up every couple of seconds, one upsert per counter. If the
database is down the counts wait in memory (up to MAX_WAITING counters, then new ones
are dropped and the log says so once): a database that is down loses counts, never calls.
"""

from __future__ import annotations

import atexit
import logging
import threading
import weakref
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from ivr.store.counts import Counts, Key
from ivr.store.repeat import Repeat
from ivr.store.rows import aware, utc_now

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 2.0
MAX_WAITING = 10_000  # counters held while the database is down (a few days of a busy line)
KEEP_DAYS = 730  # REPORT_KEEP_DAYS: counts older than this are deleted, once a day


def hour_of(moment: datetime) -> datetime:
    """The start of moment's hour in UTC (London's offsets are whole hours: the same hour)."""
    return aware(moment).astimezone(UTC).replace(minute=0, second=0, microsecond=0)


class Tally:
    """Counts for the store, buffered in this worker."""

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime] = utc_now,
        interval: float = INTERVAL_SECONDS,
        keep_days: int = KEEP_DAYS,
    ) -> None:
        self.engine = engine
        self.counts = Counts(engine)  # the store's service for them
        self.clock = clock
        self.interval = interval
        self.keep_days = keep_days
        self.swept: date | None = None  # the day old counts were last deleted
        self.waiting: Counter[Key] = Counter()
        self._lock = threading.Lock()  # the counts waiting (held for a moment)
        self._flushing = threading.Lock()  # a write under way (held while it lasts)
        self._writer = Repeat(Tally.flush, interval)
        self.dropped = 0
        self.reachable = True

    def add(self, line: str, metric: str, subject: str = "", n: int = 1) -> None:
        """Count something that happened now (the hot path: no database)."""
        self.add_all(line, ((metric, subject),), n)

    def add_all(self, line: str, counts: Iterable[tuple[str, str]], n: int = 1) -> None:
        """Count each (metric, subject) that happened now, at one reading of the clock."""
        hour = hour_of(self.clock())
        with self._lock:
            for metric, subject in counts:
                key = (hour, line, metric, subject)
                if key not in self.waiting and len(self.waiting) >= MAX_WAITING:
                    self.dropped += n
                    continue
                self.waiting[key] += n

    def flush(self) -> bool:
        """Write what has built up; on failure keep it for the next time. Never raises.

        One flush at a time: a flush returns once everything counted before it is
        written, including what another flush (the background writer's) had taken and
        was still writing.
        """
        with self._flushing:
            return self._flush()

    def _flush(self) -> bool:
        with self._lock:
            taken, self.waiting = self.waiting, Counter()
            dropped, self.dropped = self.dropped, 0
        if dropped:
            log.warning("%s counts were dropped while the store could not be reached", dropped)
        try:
            if taken:
                self._write(taken)
            self._sweep()
        except Exception as e:  # noqa: BLE001 - counts wait; calls never notice
            with self._lock:
                self.waiting.update(taken)
                while len(self.waiting) > MAX_WAITING:
                    self.dropped += self.waiting.pop(next(iter(self.waiting)))
            if self.reachable:
                log.error("counts cannot be written (%s): they wait in memory", type(e).__name__)
            self.reachable = False
            return False
        if not self.reachable:
            log.warning("counts are written again")
        self.reachable = True
        return True

    def _sweep(self) -> None:
        """Once a day: delete counts older than keep_days."""
        today = self.clock().date()
        if self.swept == today:
            return
        self.counts.forget_before(hour_of(self.clock()) - timedelta(days=self.keep_days))
        self.swept = today

    def _write(self, counts: Counter[Key]) -> None:
        self.counts.add(counts)

    def start(self) -> None:
        """Write in the background, once per process (a fork starts its own)."""
        self._writer.start(self)
        _RUNNING.add(self)


_RUNNING: weakref.WeakSet[Tally] = weakref.WeakSet()


@atexit.register
def _write_at_exit() -> None:
    """A worker or command that stops writes what it still holds."""
    for tally in list(_RUNNING):
        tally.flush()
