"""Webhook throughput and latency: the line vs a bare Flask app, same gunicorn settings.

Run: python bench/webhooks.py [seconds]   (needs wrk: sudo apt-get install wrk)
The line's store is DATABASE_URL if set (PostgreSQL, as in production), else an SQLite
file in a temporary folder; the bench says which.
Targets: throughput >= 0.85 of the bare app's; p99 <= 1.5x the bare app's at 16
connections; p99 < 5 ms at 1 connection.
"""

from __future__ import annotations

import os
import sys
import tempfile

from common import call_params, gunicorn, need_wrk, wrk

SCENARIOS = {
    "greeting": ("/voice", call_params()),
    "menu choice": ("/voice/choose?m=main&s=0&i=0", call_params(Digits="2")),
    "transfer action": (
        "/voice/dialled?m=derby_city&k=1&n=0",
        call_params(DialCallStatus="busy", DialBridged="false", CallStatus="in-progress"),
    ),
}


def main() -> None:
    need_wrk()
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    results: dict[tuple[str, str, int], dict[str, float]] = {}
    state = tempfile.mkdtemp()
    env = {"STATE_DIR": state}
    database = os.environ.get("DATABASE_URL", "")
    print(f"store: {database.split('@')[-1] if database else 'SQLite in ' + state}")
    for app, target in (("line", "ivr:create_app()"), ("bare", "bench.bare_app:create_app()")):
        with gunicorn(target, env=env) as port:
            for name, (path, params) in SCENARIOS.items():
                wrk(port, path, params, 4, 2)  # warm up
                for connections in (16, 1):
                    results[app, name, connections] = wrk(port, path, params, connections, seconds)
    print(
        f"{'scenario':<16} {'conns':>5} {'line rps':>9} {'bare rps':>9} {'ratio':>6} "
        f"{'line p50':>9} {'line p99':>9} {'bare p99':>9} {'p99 x':>6}"
    )
    for name in SCENARIOS:
        for connections in (16, 1):
            line, bare = results["line", name, connections], results["bare", name, connections]
            print(
                f"{name:<16} {connections:>5} {line['rps']:>9.0f} {bare['rps']:>9.0f} "
                f"{line['rps'] / bare['rps']:>6.2f} {line['p50']:>7.2f}ms {line['p99']:>7.2f}ms "
                f"{bare['p99']:>7.2f}ms {line['p99'] / bare['p99']:>6.2f}"
            )
    errors = sum(r["errors"] for r in results.values())
    print(f"errors: {errors}")


if __name__ == "__main__":
    main()
