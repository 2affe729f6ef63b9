"""Fixtures: the app built from the shipped menu, a signed client, a simulated caller."""

from __future__ import annotations

import gc
import os
import textwrap
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from _pytest.logging import caplog_handler_key
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from ivr import create_app
from ivr.call import watch as watch_module
from ivr.report import tally as tally_module
from ivr.simulate import Simulator
from ivr.staff import alerts as alerts_module
from ivr.store.db import make_engine, upgrade
from ivr.store.models import Base
from tests.helpers import (
    BASE,
    CLOCK_SHIFT_DAYS,
    EARLIER_THREADS,
    SMALL_MENU,
    TEST_DATABASE_URL,
    THIS_TESTS_THREADS,
    TOKEN,
    call_params,
    config,
    sign,
    stop_background_work,
)
from tests.helpers.chromium import CHROMIUM, chromium

# Test modules whose paths through the store are the same on any database: the call flow,
# speech and hours, the menu's checks, audio and documents, and the browser tests (the
# store behind each page is tested on PostgreSQL through the console's own tests). CI's
# PostgreSQL pass leaves them out (`pytest -m database`). The rule that keeps it honest:
# every line of ivr/store (where all SQL is) that the whole suite runs on PostgreSQL, the
# pass still runs there (measured with coverage's test contexts; bench/README.md, "CI
# wall time"). A new module runs on both.
WITHOUT_DATABASE = {
    "test_call_state",
    "test_calls",
    "test_check",
    "test_clock",
    "test_clock_words",
    "test_console",  # Chromium, driven by Playwright
    "test_console_times",
    "test_decide",
    "test_docs",
    "test_failures",
    "test_fetch_and_logs",
    "test_form",
    "test_gate_menu",
    "test_gate_render",
    "test_gate_simulate",
    "test_gate_trial",
    "test_home_order",
    "test_hot_path",
    "test_hours",
    "test_imports",
    "test_install",
    "test_languages",
    "test_log_capture",
    "test_matching",
    "test_media",
    "test_phrase_books",
    "test_properties",
    "test_purge",
    "test_simulate",
    "test_sms",
    "test_sms_check",
    "test_sms_confirmed",
    "test_sms_properties",
    "test_sms_segments",
    "test_sms_simulate_draft",
    "test_speech",
    "test_speech_confirmed",
    "test_timing",
    "test_tts",
    "test_twilio_quirks",
    "test_twiml_shape",
    "test_voice",
    "test_walk",
    "test_watch_alerts",
    "test_watch_calls",
    "test_watch_console",
    "test_watch_settings",
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


def pytest_sessionstart(session: pytest.Session) -> None:
    """.ci/run starts its PostgreSQL pass once the README's test command is under way
    (its install done): this says so, in the file it names."""
    started = os.environ.get("IVR_CI_STARTED")
    if started:
        Path(started).touch()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        # (or one test of a module that otherwise reaches it, marked without_database)
        if item.path.stem not in WITHOUT_DATABASE and not item.get_closest_marker(
            "without_database"
        ):
            item.add_marker(pytest.mark.database)
        if item.path.stem in SLOW:
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    EARLIER_THREADS.clear()
    EARLIER_THREADS.update(t for t in threading.enumerate() if t is not threading.main_thread())


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    # caplog's records for the test's body: from its own threads only
    item.stash[caplog_handler_key].addFilter(THIS_TESTS_THREADS)


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
        # Apps earlier tests dropped are collected first (their threads were stopped at
        # each test's end; once they polled on, and took the pool's every connection)
        gc.collect()
        engine = make_engine(TEST_DATABASE_URL)
        with engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                if table.name != "revision":
                    connection.execute(table.delete())
        engine.dispose()
    yield
    stop_background_work()


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


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, once for the session (Playwright's sync API runs one at a time)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium: `apt-get install chromium` (.ci/run does)")
    with chromium() as launched:
        yield launched


@pytest.fixture
def small_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write_menu: Callable[[str], Path]
) -> Path:
    """The small menu as the commands and the app find it: one store, one repository
    menu, from the environment (as `ivr` reads them); the test's folder."""
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'state' / 'ivr.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("PROMPTS_DIR", str(tmp_path / "prompts"))
    monkeypatch.setenv("IVR_MENU", str(write_menu(SMALL_MENU)))
    return tmp_path
