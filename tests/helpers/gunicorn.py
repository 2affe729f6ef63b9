"""The line as it runs in production: the Procfile's gunicorn command, on 127.0.0.1, with a
made-up token and key (tests of real processes, and the benchmarks, start it so)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.helpers import free_port

ROOT = Path(__file__).resolve().parent.parent.parent
TOKEN = "bench-token-made-up"
SECRET_KEY = "bench-secret-key-made-up"


def procfile_command(app: str, port: int) -> tuple[list[str], dict[str, str]]:
    """The Procfile's web command, on 127.0.0.1:port, serving app; and the variables it sets.

    gunicorn runs beside this interpreter, not from PATH: `venv/bin/pytest` works without
    the venv on PATH.
    """
    (line,) = [
        x.removeprefix("web:").strip()
        for x in (ROOT / "Procfile").read_text().splitlines()
        if x.startswith("web:")
    ]
    line = line.replace("0.0.0.0:$PORT", f"127.0.0.1:{port}").replace("${WEB_CONCURRENCY:-2}", "2")
    line = line.replace("'ivr:create_app()'", shlex.quote(app))
    words = shlex.split(line)
    env: dict[str, str] = {}
    while "=" in words[0]:
        name, _, value = words.pop(0).partition("=")
        env[name] = re.sub(r"^\$\{\w+:-(.*)\}$", r"\1", value)
    assert words[0] == "gunicorn", words
    return [sys.executable, "-m", "gunicorn", *words[1:]], env


@contextmanager
def gunicorn(
    app: str,
    log: Path | None = None,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
) -> Iterator[int]:
    """Start the Procfile's gunicorn for app (in cwd, with env added); yield its port; stop it."""
    with gunicorn_process(app, log, cwd, env) as (port, _):
        yield port


@contextmanager
def gunicorn_process(
    app: str,
    log: Path | None = None,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
) -> Iterator[tuple[int, int]]:
    """As gunicorn(), yielding its port and its master's process id."""
    port = free_port()
    command, procfile_env = procfile_command(app, port)
    made_up = {"TWILIO_AUTH_TOKEN": TOKEN, "SECRET_KEY": SECRET_KEY}
    env = os.environ | procfile_env | made_up | (env or {})
    env.setdefault("PYTHONPATH", str(ROOT))
    out = open(log or os.devnull, "wb")  # noqa: SIM115
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=out)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        yield port, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        out.close()
