"""Database work a caller waits on, given up on after a deadline.

A server that is down refuses at once, but one that hangs (paused, swapping, a network
that drops packets) may never answer: the driver's own timeouts cannot all help (a
paused server's kernel still acknowledges every packet, and libpq waits at least 2 s to
connect). So the work runs on a thread of its own and the caller waits for it at most
`seconds`; work that overruns is left to finish or fail on its own. While STUCK_THREADS
are still waiting on the database, more work is refused at once rather than piled up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
# A caller's webhook waits this long for the database, so it is answered within 2 s
CALL_SECONDS = 1.0
STUCK_THREADS = 8


class NoAnswer(TimeoutError):
    """The database did not answer in time (or was already not answering)."""


class Deadline:
    """Runs database work and waits for it at most `seconds`."""

    def __init__(self, seconds: float = CALL_SECONDS, stuck_threads: int = STUCK_THREADS) -> None:
        self.seconds = seconds
        self.stuck_threads = stuck_threads
        self.running = 0
        self._lock = threading.Lock()

    def run(self, work: Callable[[], T], what: str) -> T:
        """work's result, or its exception; NoAnswer if it takes longer than seconds."""
        with self._lock:
            if self.running >= self.stuck_threads:
                raise NoAnswer(
                    f"{what}: not tried, {self.running} earlier tries still wait on the database"
                )
            self.running += 1
        outcome: list[T] = []
        failure: list[BaseException] = []
        done = threading.Event()

        def attempt() -> None:
            try:
                outcome.append(work())
            except BaseException as e:  # noqa: BLE001 - handed to the waiting caller
                failure.append(e)
            finally:
                with self._lock:
                    self.running -= 1
                done.set()

        threading.Thread(target=attempt, name="ivr-deadline", daemon=True).start()
        if not done.wait(self.seconds):
            raise NoAnswer(f"{what}: the database did not answer within {self.seconds:g} s")
        if failure:
            raise failure[0]
        return outcome[0]
