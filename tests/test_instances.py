"""Two instances of the line (processes, local folders of their own) on one database."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest

from ivr.store.live import INTERVAL_SECONDS
from tests.helpers import (
    REPO_MENU,
    TEST_DATABASE_URL,
    call_params,
    sign,
    soon_for_processes,
    tone,
)
from tests.helpers.gunicorn import TOKEN as BENCH_TOKEN
from tests.helpers.gunicorn import gunicorn
from tests.helpers.own_postgres import own_postgres

ROOT = REPO_MENU.parent
WITHIN = 3.0  # seconds from a change on one instance to calls on the other


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
        ivr(
            a,
            database,
            "hours",
            "close",
            "refuge_derby",
            "--until",
            soon_for_processes(),
            "--reason",
            "x",
        )
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


def test_calls_go_on_when_the_database_stops_or_hangs(tmp_path: Path) -> None:
    """Two instances (the Procfile's gunicorn) on a PostgreSQL server of the test's own,
    stopped and then paused (SIGSTOP): never the server other tests share."""
    with own_postgres() as server:
        database = server.database()
        a, b = tmp_path / "a", tmp_path / "b"
        for folder in (a, b):
            folder.mkdir()
        ivr(a, database, "hours", "close", "refuge_derby", "--until", soon_for_processes())
        with ExitStack() as stack:
            ports = [
                stack.enter_context(instance(f, database, tmp_path / f"{f.name}.log"))
                for f in (a, b)
            ]
            for port in ports:
                wait_until(lambda port=port: "closed now" in refuge(port))
            time.sleep(1.5)  # every worker of both has booted and read the store
            for fault in (server.stopped, server.paused):
                # Staff signing in meanwhile: two at a time on each instance, each
                # waiting on the database (as many as it has workers)
                signing_in = [sign_in_form(port) for port in ports for _ in range(2)]
                with fault():
                    staff = [threading.Thread(target=form) for form in signing_in]
                    for thread in staff:
                        thread.start()
                    time.sleep(2.5)  # every poller has met the fault
                    for n in range(8):  # enough to reach both workers of each instance
                        for port in ports:
                            # Answered from the last snapshot, the closure included
                            assert "Refuge in Derby City is closed now" in in_time(refuge, port)
                            assert "<Gather" in in_time(post, port, "/voice")
                            if n < 2:  # the helpline's 1, the dial's end without DialBridged
                                token = "t=0123456789abcdef"
                                in_time(post, port, f"/voice/whisper/accept?{token}", Digits="1")
                                state = f"m=derby_city&k=1&n=0&{token}"
                                assert "<Dial" in in_time(post, port, f"/voice/dialled?{state}")
                    for thread in staff:
                        thread.join(15)
    logs = (tmp_path / "a.log").read_text() + (tmp_path / "b.log").read_text()
    assert "the store cannot be reached" in logs


def sign_in_form(port: int) -> Callable[[], None]:
    """A sign-in to post later (its form's token and cookie got now): it answers 503
    while the database cannot be used, after waiting on it for a few seconds."""
    jar = CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    url = f"http://127.0.0.1:{port}/console/sign-in"
    with browser.open(url, timeout=5) as page:
        token = re.findall(r'name="csrf_token" value="([^"]+)"', page.read().decode())[0]
    for cookie in jar:
        # The console's cookies are Secure (served behind TLS in production); this test
        # talks plain HTTP on loopback, so the jar is told to send them anyway
        cookie.secure = False
    form = urlencode({"csrf_token": token, "email": "ada@example.org", "password": "x" * 12})

    def post() -> None:
        with pytest.raises(urllib.error.HTTPError) as refused:
            browser.open(url, data=form.encode(), timeout=15)
        refused.value.close()
        assert refused.value.code == 503

    return post


def in_time(ask: Callable[..., str], *args: str, **params: str) -> str:
    """A call's answer, which comes within 2 s whatever the database does."""
    started = time.monotonic()
    answer = ask(*args, **params)
    assert time.monotonic() - started < 2.0, args
    return answer
