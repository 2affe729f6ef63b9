"""What the line's own code costs a webhook, beside a bare Flask app's: both called as
WSGI apps in this process, in batches taken in turn, timed in this process's CPU time.

Run: python bench/app_cost.py [batches]   (default 40 batches of 300 requests per app)

bench/webhooks.py puts both behind the Procfile's gunicorn, whose own cost per request
is the same for both: what differs between their throughputs is this. On a machine other
work shares, a server's throughput swings by a third from one run to the next; a CPU-time
ratio over many interleaved batches in one process stays within a few per cent.
Target: the line's cost <= the bare app's (ratio bare / line >= 1.0) for every webhook.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from common import SECRET_KEY, TOKEN
from twilio.request_validator import RequestValidator
from webhooks import SCENARIOS

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.update(TWILIO_AUTH_TOKEN=TOKEN, SECRET_KEY=SECRET_KEY, STATE_DIR=tempfile.mkdtemp())

from bench.bare_app import create_app as bare_app  # noqa: E402
from ivr import create_app  # noqa: E402

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
HOST = "127.0.0.1:8000"
BATCH = 300


def environ(path: str, params: dict[str, str], headers: dict[str, str]) -> dict[str, Any]:
    """The WSGI environ gunicorn makes of Twilio's signed POST (RAW_URI as gunicorn sets it)."""
    route, _, query = path.partition("?")
    signature = RequestValidator(TOKEN).compute_signature(f"http://{HOST}{path}", params)
    found = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": route,
        "QUERY_STRING": query,
        "RAW_URI": path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": HOST,
        "wsgi.url_scheme": "http",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "HTTP_X_TWILIO_SIGNATURE": signature,
        "body": urlencode(params).encode(),
    }
    found["CONTENT_LENGTH"] = str(len(found["body"]))
    found.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()})
    return found


def answer(app: WsgiApp, request: dict[str, Any]) -> str:
    """One request through app; its status."""
    env = dict(request, **{"wsgi.input": io.BytesIO(request["body"]), "wsgi.errors": sys.stderr})
    status: list[str] = []
    b"".join(app(env, lambda s, h, e=None: status.append(s)))
    return status[0]


def batch(app: WsgiApp, request: dict[str, Any]) -> float:
    """CPU microseconds a request, over one batch."""
    started = time.process_time()
    for _ in range(BATCH):
        answer(app, request)
    return (time.process_time() - started) / BATCH * 1e6


def main() -> None:
    batches = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    apps: dict[str, WsgiApp] = {"line": create_app(), "bare": bare_app()}
    print(f"{batches} batches of {BATCH} requests per app, taken in turn; CPU time")
    print(f"{'scenario':<16} {'line us':>8} {'bare us':>8} {'ratio':>6} {'of batches':>11}")
    for name, (path, params, headers) in SCENARIOS.items():
        request = environ(path, params, headers)
        for which, app in apps.items():
            status = answer(app, request)
            assert status.startswith("200"), (which, name, status)
            batch(app, request)  # warm up
        times: dict[str, list[float]] = {"line": [], "bare": []}
        for turn in range(batches):
            for which in ("line", "bare") if turn % 2 == 0 else ("bare", "line"):
                times[which].append(batch(apps[which], request))
        line, bare = statistics.median(times["line"]), statistics.median(times["bare"])
        cheaper = sum(b >= x for x, b in zip(times["line"], times["bare"], strict=True))
        print(
            f"{name:<16} {line:>8.1f} {bare:>8.1f} {bare / line:>6.2f} "
            f"{cheaper:>4} of {batches:<4}"
        )
    print("ratio: bare / line, medians (>= 1: the line costs no more than the bare app);")
    print("of batches: the turns in which the line cost no more than the bare app")


if __name__ == "__main__":
    main()
