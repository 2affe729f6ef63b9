"""What the tests share: the made-up settings and clock, signed webhooks, sounds, local
servers, and the end of each test (tests/conftest.py holds only pytest's hooks and
fixtures). Tests import from here, never from one another or from bench/."""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import time
import wave
import weakref
import xml.etree.ElementTree as ET
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TypeVar

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator

from ivr.audio.prompts import PromptAudio
from ivr.call import watch as watch_module
from ivr.menu.hours import LONDON
from ivr.menu.model import Menu
from ivr.report import tally as tally_module
from ivr.simulate import CALLER, LINE
from ivr.staff import alerts as alerts_module
from ivr.store import repeat
from ivr.store.changes import Store
from ivr.store.db import close_engines, shared_engine, upgrade
from ivr.store.models import CallCount

T = TypeVar("T")

TOKEN = "made-up-test-token-0123456789abcdef"
# The shipped menu, wherever the tests are run from
REPO_MENU = Path(__file__).resolve().parent.parent.parent / "menus.yaml"
BASE = "http://localhost"

SMALL_MENU = """\
helplines:
  national_24h:
    name: the National Domestic Abuse Helpline
    number: 0808 2000 247
  refuge_derby:
    name: Refuge
    number: 0800 085 3481
menus:
  main:
    options:
      1:
        label: Refuge
        keywords: [refuge]
        transfer: [refuge_derby, national_24h]
"""


def spoken(app: Flask, root: ET.Element) -> list[str]:
    """What each <Say> or <Play> in a TwiML document says."""
    store = app.extensions["ivr.line"].prompts
    texts = []
    for verb in root.iter():
        if verb.tag == "Say":
            texts.append(verb.text or "")
        elif verb.tag == "Play":
            found = store.find((verb.text or "").rpartition("/")[2])
            texts.append(store.menu.prompts[found.path.stem] if found else verb.text or "")
    return texts


def call_params(**extra: str) -> dict[str, str]:
    """What Twilio posts with every webhook of a call."""
    return {"CallSid": "CA" + "0" * 32, "From": CALLER, "Caller": CALLER, "To": LINE} | extra


def sign(url: str, params: Mapping[str, str], token: str = TOKEN) -> str:
    """The X-Twilio-Signature Twilio would send."""
    return str(RequestValidator(token).compute_signature(url, dict(params)))


def answer(app: Flask, path: str, **params: str) -> ET.Element:
    """A call webhook's TwiML, as Twilio would post it (signed, with a call's values)."""
    data = call_params(**params)
    headers = {"X-Twilio-Signature": sign(BASE + path, data)}
    response = app.test_client().post(path, data=data, headers=headers)
    assert response.status_code == 200
    return ET.fromstring(response.data)


# Tests never read the real clock: a Tuesday at noon, when every helpline is open
NOON = datetime(2026, 11, 24, 12, 0, tzinfo=LONDON)


# Set by .ci/run for the second run of the suite: a real PostgreSQL server
TEST_DATABASE_URL = os.environ.get("IVR_TEST_DATABASE_URL", "")
# Set by .ci/run for the second run too: the wall clock this many days on (libfaketime
# breaks Python's timed waits; time-machine moves time.time, datetime.now and date.today
# only), so a test that depends on today's date fails in CI, not on a later day (2026-12-01)
CLOCK_SHIFT_DAYS = os.environ.get("IVR_TEST_CLOCK_SHIFT_DAYS", "")


# Threads alive when the running test began: a module's app's pollers and writers, which
# start again on its next request (each test's end stops them: stop_background_work; on
# PostgreSQL they read the same database as this test, and log when it is emptied)
EARLIER_THREADS: weakref.WeakSet[threading.Thread] = weakref.WeakSet()


class ThisTestsThreads(logging.Filter):
    """Lets through what the running test's own threads log (its apps' included), not
    what the threads of earlier tests' apps log meanwhile."""

    def filter(self, record: logging.LogRecord) -> bool:
        return threading.current_thread() not in EARLIER_THREADS


THIS_TESTS_THREADS = ThisTestsThreads()


def soon_for_processes() -> str:
    """Noon in London two days from now on the machine's own clock, as a command line
    takes a time.

    For the real processes some tests start (gunicorn, `ivr`): the shifted clock of CI's
    second pass moves this process only, and they would refuse a time a year away. Noon
    in London, not "now plus two days" on the machine's clock: that read in London time
    could fall in the hour the clocks skip in March, which exists on no day's clock.
    """
    from time_machine import escape_hatch

    real = escape_hatch.datetime.datetime if escape_hatch.is_travelling() else datetime
    day = (real.now(LONDON) + timedelta(days=2)).date()
    return f"{day.isoformat()} 12:00"


def stop_background_work() -> None:
    """What this test's apps hold is written, their threads stopped, then the connections
    of every engine made so far closed: an app dropped now leaves none to the garbage
    collector (on PostgreSQL its driver warns, and a later test failed for it), and no
    earlier app polls the store. A module's app that is asked again connects again: the
    next test's end closes those too."""
    for tally in list(tally_module._RUNNING):
        tally.flush()
    for watch in list(watch_module._RUNNING):
        watch.flush()
    for mailer in list(alerts_module._RUNNING):
        mailer.stop()
    repeat.stop_all()
    # Work a call gave up waiting for ends within the driver's 3 s (ivr/store/pg.py)
    until = time.monotonic() + 10
    for thread in threading.enumerate():
        if thread.name == "ivr-deadline":
            thread.join(max(0.0, until - time.monotonic()))
    close_engines()


def config(tmp_path: Path, **extra: object) -> dict[str, object]:
    """The app's settings for a test: made-up token, fixed clock, its own state folder."""
    return {
        "DATABASE_URL": TEST_DATABASE_URL or None,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "SECRET_KEY": "made-up-test-secret-key",
        "IVR_MENU": str(REPO_MENU),
        "PROMPTS_DIR": str(REPO_MENU.parent / "prompts"),
        "CLOCK": lambda: NOON,
        "STATE_DIR": str(tmp_path / "state"),
    } | extra


def tone(
    path: Path, seconds: float = 1.0, rate: int = 44100, channels: int = 2, level: int = 8000
) -> Path:
    """Write a WAV of a 440 Hz tone (level 0: silence), as a staff recording might be."""
    frames = int(seconds * rate)
    samples = array("h")
    for i in range(frames):
        value = int(level * math.sin(2 * math.pi * 440 * i / rate))
        samples.extend([value] * channels)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return path


def prompt_audio(menu: Menu, root: Path, state: Path | None = None) -> PromptAudio:
    """A prompt store on a store of its own (in state, else beside root), as `ivr prompts`
    makes one."""
    state = state or root.parent
    url = TEST_DATABASE_URL or f"sqlite:///{state / 'store.sqlite3'}"
    if not TEST_DATABASE_URL:
        upgrade(url)
    store = Store(shared_engine(url))
    return PromptAudio(menu, root, store, store.snapshot, state / "audio-cache")


# Every webhook the line has (all POST only, all signed)
WEBHOOKS = [
    "/voice",
    "/voice/choose",
    "/voice/dialled",
    "/voice/whisper",
    "/voice/whisper/accept",
    "/voice/numbers",
    "/staff",
    "/staff/pin",
    "/staff/prompt",
    "/staff/recorded",
    "/staff/review",
]


@contextmanager
def local_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A throwaway HTTP server on loopback (a fake of Twilio's API, a slow server…)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def within(seconds: float, action: Callable[[], T], what: str = "") -> T:
    """action's result, which must come within seconds (run aside, so a hang fails the
    test instead of stopping it; the thread ends when the database is back)."""
    result: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(action())
        except BaseException as e:  # noqa: BLE001 - raised below
            failure.append(e)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{what or 'no answer'}: not within {seconds} s"
    if failure:
        raise failure[0]
    return result[0]


def counted(app: Flask) -> Counter[tuple[str, str]]:
    """Every counter in the store, flushed first, as (metric, subject) -> count."""
    app.extensions["ivr.tally"].flush()
    with Session(app.extensions["ivr.store"].engine) as session:
        rows = session.scalars(select(CallCount))
        found: Counter[tuple[str, str]] = Counter()
        for row in rows:
            assert row.line == LINE
            assert (row.hour.minute, row.hour.second, row.hour.microsecond) == (0, 0, 0)
            found[row.metric, row.subject] += row.count
        return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on just now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
