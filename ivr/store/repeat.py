"""A method run every few seconds on a background thread: one per process, for as long as
its object lives. Each worker's store poller and its count writer use it."""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable
from typing import Any


class Repeat:
    """Runs `method(owner)` every interval seconds once started, in each process that
    starts it (a worker forked after start-up starts its own); stops when owner is gone."""

    def __init__(self, method: Callable[[Any], object], interval: float) -> None:
        self.method = method
        self.interval = interval
        self.thread: threading.Thread | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def start(self, owner: object) -> None:
        """Cheap to call on every request: one comparison once running."""
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():
                self.thread = threading.Thread(
                    target=_run, args=(weakref.ref(owner), self.method, self.interval), daemon=True
                )
                self.thread.start()
                self._pid = os.getpid()


def _run(ref: weakref.ref[Any], method: Callable[[Any], object], interval: float) -> None:
    stop = threading.Event()
    while not stop.wait(interval):
        owner = ref()
        if owner is None:
            return
        method(owner)
        del owner
