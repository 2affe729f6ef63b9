"""Two instances of the line (processes, local folders of their own) on one database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bench.common import TOKEN as BENCH_TOKEN
from bench.common import gunicorn
from ivr.store.live import INTERVAL_SECONDS
from tests.conftest import REPO_MENU, TEST_DATABASE_URL, call_params, sign, tone

ROOT = REPO_MENU.parent
WITHIN = 3.0  # seconds from a change on one instance to calls on the other


@contextmanager
def stopped_postgres() -> Iterator[None]:
    """The real server stopped (as root, Debian's wrapper), and started again after."""
    version = sorted(
        os.listdir("/usr/lib/postgresql"), key=lambda v: [int(x) for x in v.split(".")]
    )[-1]
    subprocess.run(["pg_ctlcluster", version, "main", "stop", "-m", "fast"], check=True)
    try:
        yield
    finally:
        subprocess.run(["pg_ctlcluster", version, "main", "start"], check=True)


def post(port: int, path: str, **params: str) -> str:
    url = f"http://127.0.0.1:{port}{path}"
    data = call_params(**params)
    request = urllib.request.Request(
        url,
        data=urlencode(data).encode(),
        headers={"X-Twilio-Signature": sign(url, data, token=BENCH_TOKEN)},
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status == 200
        return str(answer.read().decode())


def greeting_url(port: int) -> str:
    return post(port, "/voice").split("<Play>")[1].split("</Play>")[0]


def refuge(port: int) -> str:
    """Refuge in Derby City: no hours in the menu, so only a closure closes it."""
    return post(port, "/voice/choose?m=derby_city&s=0&i=0", Digits="1")


@contextmanager
def instance(folder: Path, database: str, log: Path) -> Iterator[int]:
    """The Procfile's gunicorn with local folders of its own (prompts copied from the repo)."""
    if not (folder / "prompts").exists():
        shutil.copytree(ROOT / "prompts", folder / "prompts")
    env = {
        "DATABASE_URL": database,
        "STATE_DIR": str(folder / "state"),
        "PROMPTS_DIR": str(folder / "prompts"),
        "IVR_MENU": str(REPO_MENU),
        "PYTHONPATH": str(ROOT),
    }
    with gunicorn("ivr:create_app()", log, cwd=folder, env=env) as port:
        yield port


def ivr(folder: Path, database: str, *args: str) -> None:
    env = os.environ | {
        "DATABASE_URL": database,
        "STATE_DIR": str(folder / "state"),
        "PROMPTS_DIR": str(folder / "prompts"),
        "IVR_MENU": str(REPO_MENU),
        "PYTHONPATH": str(ROOT),  # the code under test, whatever is installed
    }
    command = [sys.executable, "-c", "from ivr.commands.main import main; main()", *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=folder)
    assert result.returncode == 0, result.stderr


def wait_until(check: Callable[[], bool], seconds: float = WITHIN) -> float:
    """Seconds until check() is first true; fails after seconds. A request reaches either
    worker of an instance, and each polls on its own, so after one poll more (both have
    polled from boot) it must be true every time: on every worker, not just the first."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > seconds:
            raise AssertionError(f"not seen within {seconds} s")
        time.sleep(0.05)
    seen = time.monotonic() - started
    time.sleep(INTERVAL_SECONDS * 1.5)
    for _ in range(8):
        assert check(), "one worker has the change and another still has not"
    return seen


@pytest.fixture
def database(tmp_path: Path) -> str:
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    url = f"sqlite:///{tmp_path / 'shared' / 'ivr.sqlite3'}"
    ivr(tmp_path, url, "db", "upgrade")
    return url


def test_a_change_through_one_instance_reaches_the_other(tmp_path: Path, database: str) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        folder.mkdir()
    with (
        instance(a, database, tmp_path / "a.log") as port_a,
        instance(b, database, tmp_path / "b.log") as port_b,
    ):
        shipped = greeting_url(port_b)
        assert "closed now" not in refuge(port_b)
        # A recording imported through A's command line
        take = tone(tmp_path / "take.wav", seconds=5)
        ivr(a, database, "prompts", "import", "greeting", str(take))
        wait_until(lambda: greeting_url(port_b) != shipped)
        new = greeting_url(port_b)
        with urllib.request.urlopen(f"http://127.0.0.1:{port_b}{new}", timeout=5) as audio:
            assert audio.headers["Content-Type"] == "audio/wav"
        # The old URL, which a call on A may still hold, still answers
        with urllib.request.urlopen(f"http://127.0.0.1:{port_a}{shipped}", timeout=5) as audio:
            assert audio.status == 200
        # A helpline closed through A's command line is skipped on B
        ivr(a, database, "hours", "close", "refuge_derby", "--until", soon(), "--reason", "x")
        wait_until(lambda: "Refuge in Derby City is closed now" in refuge(port_b))
    # Both instances' local folders wiped: a restart loses nothing
    for folder in (a, b):
        shutil.rmtree(folder)
        folder.mkdir()
    with instance(b, database, tmp_path / "b2.log") as port_b:
        assert greeting_url(port_b) == new
        with urllib.request.urlopen(f"http://127.0.0.1:{port_b}{new}", timeout=5) as audio:
            assert audio.status == 200
        assert "Refuge in Derby City is closed now" in refuge(port_b)


@pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="a server to stop: CI's PostgreSQL run (.ci/run) covers it"
)
def test_calls_go_on_when_the_database_stops(tmp_path: Path) -> None:  # pragma: no cover
    database = TEST_DATABASE_URL
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        folder.mkdir()
    ivr(a, database, "hours", "close", "refuge_derby", "--until", soon())
    with ExitStack() as stack:
        ports = [
            stack.enter_context(instance(f, database, tmp_path / f"{f.name}.log")) for f in (a, b)
        ]
        for port in ports:
            wait_until(lambda port=port: "closed now" in refuge(port))
        time.sleep(1.5)  # every worker of both has booted and read the store
        with stopped_postgres():
            time.sleep(2.5)  # every poller has met the stopped server
            for _ in range(8):  # enough to reach both workers of each instance
                for port in ports:
                    # Answered from the last snapshot, the closure included
                    assert "Refuge in Derby City is closed now" in refuge(port)
                    assert "<Gather" in post(port, "/voice")
    logs = (tmp_path / "a.log").read_text() + (tmp_path / "b.log").read_text()
    assert "the store cannot be reached" in logs


def soon() -> str:
    from datetime import datetime, timedelta

    return (datetime.now() + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
