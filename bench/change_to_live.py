"""Seconds from a change committed to the store until a call on another instance has it.

Run: python bench/change_to_live.py [TIMES]   (default 20)
Two instances of the line (the Procfile's gunicorn, 2 workers each, local folders of
their own) on one database: DATABASE_URL if set (PostgreSQL), else a shared SQLite file.
Each round closes or reopens Refuge in Derby City through the store, then asks instance
B every 20 ms until its answer says so. Target: worst under 3 s (the poller looks once a
second).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from common import ROOT, TOKEN, call_params, gunicorn

sys.path.insert(0, str(ROOT))

from twilio.request_validator import RequestValidator  # noqa: E402

from ivr.store.changes import Store
from ivr.store.db import shared_engine, upgrade  # noqa: E402
from ivr.store.rows import ClosureRow, Who

PATH = "/voice/choose?m=derby_city&s=0&i=0"


def closed(port: int) -> bool:
    url = f"http://127.0.0.1:{port}{PATH}"
    params = call_params(Digits="1")
    signature = RequestValidator(TOKEN).compute_signature(url, params)
    request = urllib.request.Request(
        url, data=urlencode(params).encode(), headers={"X-Twilio-Signature": signature}
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        return b"is closed now" in answer.read()


def main() -> None:
    times = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    tmp = Path(tempfile.mkdtemp())
    database = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp / 'shared.sqlite3'}"
    if database.startswith("sqlite"):
        upgrade(database)
    store = Store(shared_engine(database))
    who = Who("bench", "cli")
    print(f"store: {database.split('@')[-1]}")
    envs = [
        {"DATABASE_URL": database, "STATE_DIR": str(tmp / name), "PYTHONPATH": str(ROOT)}
        for name in ("a", "b")
    ]
    seen: list[float] = []
    with (
        gunicorn("ivr:create_app()", env=envs[0]),
        gunicorn("ivr:create_app()", env=envs[1]) as port_b,
    ):
        for round_ in range(times):
            closing = round_ % 2 == 0
            until = datetime.now(UTC) + timedelta(hours=1)
            closure = ClosureRow("closed", until, "bench") if closing else None
            store.set_closure("refuge_derby", closure, who)
            started = time.monotonic()
            # Both of B's workers must have it: ask until several answers in a row agree
            agreed = 0
            while agreed < 4:
                agreed = agreed + 1 if closed(port_b) == closing else 0
                if time.monotonic() - started > 10:
                    sys.exit(f"round {round_}: not live on the other instance after 10 s")
                time.sleep(0.02)
            seen.append(time.monotonic() - started)
    print(f"change -> live on the other instance, {times} rounds:")
    print(f"  median {statistics.median(seen):.2f} s, worst {max(seen):.2f} s (target 3 s)")


if __name__ == "__main__":
    main()
