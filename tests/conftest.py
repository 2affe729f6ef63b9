"""Fixtures: the app built from the shipped menu, a signed client, a simulated caller."""

from __future__ import annotations

import gc
import logging
import math
import os
import textwrap
import threading
import time
import wave
import weakref
import xml.etree.ElementTree as ET
from array import array
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from _pytest.logging import caplog_handler_key
from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from ivr import create_app
from ivr.audio.prompts import PromptStore
from ivr.call import watch as watch_module
from ivr.menu.hours import LONDON
from ivr.menu.model import Menu
from ivr.report import tally as tally_module
from ivr.simulate import CALLER, LINE, Simulator
from ivr.staff import alerts as alerts_module
from ivr.store import repeat
from ivr.store.changes import Store
from ivr.store.db import close_shared_engines, make_engine, shared_engine, upgrade
from ivr.store.models import Base

TOKEN = "made-up-test-token-0123456789abcdef"
# The shipped menu, wherever the tests are run from
REPO_MENU = Path(__file__).resolve().parent.parent / "menus.yaml"
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
    store = app.extensions["ivr.prompts"]
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


# Tests never read the real clock: a Tuesday at noon, when every helpline is open
NOON = datetime(2026, 11, 24, 12, 0, tzinfo=LONDON)


# Set by .ci/run for the second run of the suite: a real PostgreSQL server
TEST_DATABASE_URL = os.environ.get("IVR_TEST_DATABASE_URL", "")
# Set by .ci/run for the second run too: the wall clock this many days on (libfaketime
# breaks Python's timed waits; time-machine moves time.time, datetime.now and date.today
# only), so a test that depends on today's date fails in CI, not on a later day (2026-12-01)
CLOCK_SHIFT_DAYS = os.environ.get("IVR_TEST_CLOCK_SHIFT_DAYS", "")


# Test modules that exercise the call flow, the menu's checks, audio and documents, whose
# paths through the store are the same on any database: CI's PostgreSQL pass leaves them
# out (`pytest -m database`), as it does the browser tests (the store behind each page is
# tested on PostgreSQL through the console's own tests). A new module runs on both.
WITHOUT_DATABASE = {
    "test_calls",
    "test_check",
    "test_console",  # Chromium, driven by Playwright
    "test_docs",
    "test_form",
    "test_gate_menu",
    "test_gate_render",
    "test_install",
    "test_languages",
    "test_media",
    "test_properties",
    "test_simulate",
    "test_sms_check",
    "test_sms_properties",
    "test_sms_segments",
    "test_speech",
    "test_tts",
    "test_twiml_shape",
    "test_voice",
    "test_walk",
}


# Modules of a minute or more each (the exhaustive walk, generated properties, Chromium,
# real processes and servers, speech engines, the linters): the pre-push hook
# (.pre-commit-config.yaml) runs the rest, `pytest -m "not slow"`; CI runs everything
SLOW = {
    "test_console",
    "test_docs",
    "test_fault",
    "test_gate_fuzz",
    "test_install",
    "test_instances",
    "test_properties",
    "test_tts",
    "test_walk",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        # (or one test of a module that otherwise reaches it, marked without_database)
        if item.path.stem not in WITHOUT_DATABASE and not item.get_closest_marker(
            "without_database"
        ):
            item.add_marker(pytest.mark.database)
        if item.path.stem in SLOW:
            item.add_marker(pytest.mark.slow)


# Threads alive when the running test began: earlier tests' apps' pollers and writers
# (each runs until the garbage collector takes its app; on PostgreSQL they read the same
# database as this test, and log when it is emptied or its server stopped)
_EARLIER_THREADS: weakref.WeakSet[threading.Thread] = weakref.WeakSet()


class ThisTestsThreads(logging.Filter):
    """Lets through what the running test's own threads log (its apps' included), not
    what the threads of earlier tests' apps log meanwhile."""

    def filter(self, record: logging.LogRecord) -> bool:
        return threading.current_thread() not in _EARLIER_THREADS


THIS_TESTS_THREADS = ThisTestsThreads()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _EARLIER_THREADS.clear()
    _EARLIER_THREADS.update(t for t in threading.enumerate() if t is not threading.main_thread())


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    # caplog's records for the test's body: from its own threads only
    item.stash[caplog_handler_key].addFilter(THIS_TESTS_THREADS)


def soon_for_processes() -> str:
    """Two days from now on the machine's own clock, as a command line takes a time.

    For the real processes some tests start (gunicorn, `ivr`): the shifted clock of CI's
    second pass moves this process only, and they would refuse a time a year away.
    """
    from time_machine import escape_hatch

    now = escape_hatch.datetime.datetime.now() if escape_hatch.is_travelling() else None
    return ((now or datetime.now()) + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")


def pytest_configure(config: pytest.Config) -> None:
    if CLOCK_SHIFT_DAYS:
        import time_machine

        later = datetime.now(UTC) + timedelta(days=int(CLOCK_SHIFT_DAYS))
        time_machine.travel(later, tick=True).start()


@pytest.fixture(scope="session", autouse=True)
def _postgres_schema() -> None:
    if TEST_DATABASE_URL:
        upgrade(TEST_DATABASE_URL)


@pytest.fixture(autouse=True)
def _empty_store() -> Iterator[None]:
    """Each test starts with an empty store; on SQLite each has a file of its own; and
    ends with its apps' background work stopped and every connection closed.

    Counts an earlier test's calls left in memory are written first (each app's tally
    writes every 2 s), so none of them lands in this test's store.
    """
    for tally in list(tally_module._RUNNING):
        tally.flush()
    for watch in list(watch_module._RUNNING):  # the helpline watch's results, likewise
        watch.flush()
    for mailer in list(alerts_module._RUNNING):  # and no earlier app sends this one's alerts
        mailer.stop()
    if TEST_DATABASE_URL:
        # Apps earlier tests dropped still poll the store (their threads end when the app
        # is collected): on PostgreSQL they share one pool of connections, and enough of
        # them at once took it all, so a test's own app waited for a connection
        gc.collect()
        engine = make_engine(TEST_DATABASE_URL)
        with engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                if table.name != "revision":
                    connection.execute(table.delete())
        engine.dispose()
    yield
    _stop_background_work()


def _stop_background_work() -> None:
    """What this test's apps hold is written, their threads stopped, then every shared
    engine's connections closed: none is left to the garbage collector (on PostgreSQL its
    driver warns, and a later test failed for it) and no earlier app polls the store."""
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
    close_shared_engines()


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


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return create_app(config(tmp_path))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def post(client: FlaskClient) -> Callable[..., TestResponse]:
    """POST a signed webhook request, as Twilio does."""

    def post(path: str, **params: str) -> TestResponse:
        data = call_params(**params)
        headers = {"X-Twilio-Signature": sign(BASE + path, data)}
        return client.post(path, data=data, headers=headers)

    return post


@pytest.fixture
def caller(app: Flask) -> Callable[..., Simulator]:
    """A simulated caller; answers say how each helpline behaves."""

    def make(**answers: str) -> Simulator:
        return Simulator(app, {k: v.replace("_", "-") for k, v in answers.items()})

    return make


@pytest.fixture
def write_menu(tmp_path: Path) -> Callable[[str], Path]:
    """Write menu text (dedented) to menus.yaml in a temporary folder."""

    def write(text: str) -> Path:
        path = tmp_path / "menus.yaml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


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


@pytest.fixture
def small_app(tmp_path: Path, write_menu: Callable[[str], Path]) -> Flask:
    """The small menu with an empty prompt store of its own."""
    menu = write_menu(SMALL_MENU)
    return create_app(
        {
            "TWILIO_AUTH_TOKEN": TOKEN,
            "SECRET_KEY": "made-up-test-secret-key",
            "IVR_MENU": str(menu),
            "PROMPTS_DIR": str(tmp_path / "prompts"),
            "STATE_DIR": str(tmp_path / "state"),
            "DATABASE_URL": TEST_DATABASE_URL or None,
        }
    )


def prompt_store(menu: Menu, root: Path, state: Path | None = None) -> PromptStore:
    """A prompt store on a store of its own (in state, else beside root), as `ivr prompts`
    makes one."""
    state = state or root.parent
    url = TEST_DATABASE_URL or f"sqlite:///{state / 'store.sqlite3'}"
    if not TEST_DATABASE_URL:
        upgrade(url)
    store = Store(shared_engine(url))
    return PromptStore(menu, root, store, store.snapshot, state / "audio-cache")


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
