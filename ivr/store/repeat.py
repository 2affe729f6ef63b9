"""A method run every few seconds on a background thread: one per process, for as long as
its object lives (or until it is stopped). Each worker's store poller, its count writer,
the helpline watch's writer and the alert sender use it."""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable
from typing import Any

# How long stop() waits for a run under way (a query waits for the database 3 s at most)
STOP_SECONDS = 10.0


class Repeat:
    """Runs `method(owner)` every interval seconds once started, in each process that
    starts it (a worker forked after start-up starts its own); stops when owner is gone,
    or when stopped (a later start() starts it again)."""

    def __init__(self, method: Callable[[Any], object], interval: float) -> None:
        self.method = method
        self.interval = interval
        self.thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._pid = 0
        self._lock = threading.Lock()

    def start(self, owner: object) -> None:
        """Cheap to call on every request: one comparison once running."""
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():
                self._stop = threading.Event()
                self.thread = threading.Thread(
                    target=_run,
                    args=(weakref.ref(owner), self.method, self.interval, self._stop),
                    daemon=True,
                )
                self.thread.start()
                self._pid = os.getpid()
                _RUNNING.add(self)

    def stop(self, seconds: float = STOP_SECONDS) -> None:
        """Run no more, waiting up to `seconds` for a run under way to end."""
        with self._lock:
            if self._pid != os.getpid():
                return
            self._pid = 0
            self._stop.set()
            thread = self.thread
            _RUNNING.discard(self)
        if thread is not None and thread is not threading.current_thread():
            thread.join(seconds)


_RUNNING: weakref.WeakSet[Repeat] = weakref.WeakSet()


def stop_all(seconds: float = STOP_SECONDS) -> None:
    """Stop every background thread this process runs (tests, between themselves: an
    earlier test's app then opens no connection after its database was closed)."""
    for repeat in list(_RUNNING):
        repeat.stop(seconds)


def _run(
    ref: weakref.ref[Any], method: Callable[[Any], object], interval: float, stop: threading.Event
) -> None:
    while not stop.wait(interval):
        owner = ref()
        if owner is None:
            return
        method(owner)
        del owner
