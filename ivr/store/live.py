"""A worker's copy of the store: calls are served from it, never from the database.

A thread asks for the revision number about once a second (one tiny query) and reads a
new snapshot only when it changed. If the database is down or slow, calls carry on with
the last snapshot, and the log says so once (and once more when it is back).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ivr.store.changes import Store
from ivr.store.repeat import Repeat
from ivr.store.rows import Snapshot

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 1.0
# Before the store has ever answered: nothing from it (the repository's menu and audio)
EMPTY = Snapshot(revision=-1)


class Live:
    """The newest snapshot this worker has; on_change runs with each new one."""

    def __init__(
        self,
        store: Store,
        on_change: Callable[[Snapshot], None] = lambda snapshot: None,
        interval: float = INTERVAL_SECONDS,
    ) -> None:
        self.store = store
        self.on_change = on_change
        self.interval = interval
        self.snapshot = EMPTY
        self.reachable = True
        self._poller = Repeat(Live.refresh, interval)
        self._lock = threading.Lock()
        self.refresh()

    def refresh(self) -> bool:
        """Read a new snapshot if the revision moved; True if it did. Never raises."""
        with self._lock:
            try:
                revision = self.store.revision()
                if revision == self.snapshot.revision:
                    self._reached()
                    return False
                snapshot = self.store.snapshot()
            except Exception as e:  # noqa: BLE001 - whatever the database says, calls go on
                if self.reachable:
                    reason = str(getattr(e, "orig", None) or e).strip().splitlines()
                    log.error(
                        "the store cannot be reached (%s: %s): calls go on with revision %s",
                        type(e).__name__,
                        reason[0] if reason else "no reason given",
                        self.snapshot.revision,
                    )
                self.reachable = False
                return False
            self._reached()
            try:
                self.on_change(snapshot)
            except Exception:  # noqa: BLE001 - a snapshot the line cannot use is not used
                log.exception(
                    "revision %s could not be used; keeping %s", revision, self.snapshot.revision
                )
                return False
            self.snapshot = snapshot
            return True

    def _reached(self) -> None:
        if not self.reachable:
            log.warning("the store is back (revision %s)", self.snapshot.revision)
        self.reachable = True

    def start(self) -> None:
        """Start looking for changes in the background, once per process.

        The app starts it as it is built (in each worker, so an idle worker's first call is
        already up to date); every request calls it too, which costs one comparison and
        gives a worker forked after the build (gunicorn --preload) a thread of its own.
        """
        self._poller.start(self)

    @property
    def _thread(self) -> threading.Thread | None:
        return self._poller.thread
