"""The tests' log capture: what an earlier test's threads log never reaches a later test.

Earlier tests' apps keep polling the store until the garbage collector takes them; on
PostgreSQL they read the database this test empties, and log. (CI's PostgreSQL pass
failed on such lines, caught by tests that expect no error.)
"""

from __future__ import annotations

import logging
import threading
import time

import pytest

log = logging.getLogger("ivr.x")
STOP = threading.Event()


def chatter() -> None:
    while not STOP.wait(0.01):
        log.error("from an earlier test's thread")


def test_an_earlier_test_leaves_a_thread_logging() -> None:
    threading.Thread(target=chatter, daemon=True).start()


def test_a_later_test_sees_only_its_own_threads(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        time.sleep(0.1)
        log.error("mine")
        t = threading.Thread(target=lambda: log.error("my thread's"))
        t.start()
        t.join()
    STOP.set()
    assert [r.getMessage() for r in caplog.records] == ["mine", "my thread's"]
