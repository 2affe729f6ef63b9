"""Webhook throughput and latency: the line vs a bare Flask app, same gunicorn settings.

Run: python bench/webhooks.py [seconds] [SCENARIO...]   (needs wrk: sudo apt-get install wrk)
seconds: what each app gets, a row (default 12).
SCENARIO: the start of the scenarios' names to run ("text" for the text line's); all else.
The line's store is DATABASE_URL if set (PostgreSQL, as in production), else an SQLite
file in a temporary folder; the bench says which.
Targets: throughput >= 0.85 of the bare app's (the text line's, /sms: >= 1.0); p99 <= 1.5x
the bare app's at 16 connections; p99 < 5 ms at 1 connection.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile

from common import (
    SECRET_KEY,
    call_params,
    cpu_seconds,
    gunicorn_process,
    need_wrk,
    text_params,
    wrk,
)
from itsdangerous import Signer

# A conversation in the main menu, as Twilio sends its cookie back (ivr/call/sms.py)
PLACE = Signer(SECRET_KEY, salt="ivr.sms.place").sign("main~").decode()
IN_MAIN = {"Cookie": f"ivr_place={PLACE}"}
SCENARIOS = {
    "greeting": ("/voice", call_params(), {}),
    "menu choice": ("/voice/choose?m=main&s=0&i=0", call_params(Digits="2"), {}),
    "transfer action": (
        "/voice/dialled?m=derby_city&k=1&n=0",
        call_params(DialCallStatus="busy", DialBridged="false", CallStatus="in-progress"),
        {},
    ),
    "text: first": ("/sms", text_params("DVS"), {}),
    "text: choice": ("/sms", text_params("2"), IN_MAIN),
    "text: helplines": ("/sms", text_params("21"), IN_MAIN),
}


ROUNDS = 6  # each app's share of a scenario, in rounds taken in turn: line, bare, bare, line...


def main() -> None:
    need_wrk()
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    chosen = {
        name: scenario
        for name, scenario in SCENARIOS.items()
        if not sys.argv[2:] or name.startswith(tuple(sys.argv[2:]))
    }
    state = tempfile.mkdtemp()
    env = {"STATE_DIR": state}
    database = os.environ.get("DATABASE_URL", "")
    print(f"store: {database.split('@')[-1] if database else 'SQLite in ' + state}")
    print(
        f"each app: {seconds} s a row, in {ROUNDS} rounds taken in turn with the other app's "
        "(both servers up throughout, so a burst of other load on the machine falls on both)"
    )
    round_seconds = max(1, seconds // ROUNDS)
    rows: list[Row] = []
    with (
        gunicorn_process("ivr:create_app()", env=env) as line,
        gunicorn_process("bench.bare_app:create_app()", env=env) as bare,
    ):
        servers = {"line": line, "bare": bare}
        for name, (path, params, headers) in chosen.items():
            for port, _ in servers.values():
                wrk(port, path, params, 4, 2, headers)  # warm up
            for connections in (16, 1):
                rounds: dict[str, list[dict[str, float]]] = {"line": [], "bare": []}
                cpu = dict.fromkeys(servers, 0.0)
                for turn in range(ROUNDS):
                    order = ("line", "bare") if turn % 4 in (0, 3) else ("bare", "line")
                    for app in order:
                        port, pid = servers[app]
                        before = cpu_seconds(pid)
                        found = wrk(port, path, params, connections, round_seconds, headers)
                        cpu[app] += cpu_seconds(pid) - before
                        rounds[app].append(found)
                rows.append(Row(name, connections, rounds, cpu, round_seconds))
    print(
        f"{'scenario':<16} {'conns':>5} {'line rps':>9} {'bare rps':>9} {'ratio':>6} "
        f"{'line cpu':>9} {'bare cpu':>9} {'ratio':>6} "
        f"{'line p50':>9} {'line p99':>9} {'bare p99':>9} {'p99 x':>6}"
    )
    for row in rows:
        print(row)
    errors = sum(r["errors"] for row in rows for app in row.rounds.values() for r in app)
    print(
        "rps: requests over the rounds' time; cpu: gunicorn's CPU time (master and workers) "
        "per request, in us, and its ratio bare / line (> 1: the line costs less); p50, p99: "
        "the median over the rounds"
    )
    print(f"errors: {errors}")


class Row:
    """One scenario at one number of connections, both apps."""

    def __init__(
        self,
        name: str,
        connections: int,
        rounds: dict[str, list[dict[str, float]]],
        cpu: dict[str, float],
        round_seconds: int,
    ) -> None:
        self.name, self.connections, self.rounds = name, connections, rounds
        requests = {app: sum(r["requests"] for r in found) for app, found in rounds.items()}
        self.rps = {app: requests[app] / (round_seconds * ROUNDS) for app in rounds}
        self.cpu_us = {app: cpu[app] / max(1, requests[app]) * 1e6 for app in rounds}

    def median(self, app: str, key: str) -> float:
        return statistics.median(r[key] for r in self.rounds[app])

    def __str__(self) -> str:
        rps, cpu = self.rps, self.cpu_us
        p99 = {app: self.median(app, "p99") for app in self.rounds}
        return (
            f"{self.name:<16} {self.connections:>5} {rps['line']:>9.0f} {rps['bare']:>9.0f} "
            f"{rps['line'] / rps['bare']:>6.2f} {cpu['line']:>7.0f}us {cpu['bare']:>7.0f}us "
            f"{cpu['bare'] / cpu['line']:>6.2f} {self.median('line', 'p50'):>7.2f}ms "
            f"{p99['line']:>7.2f}ms {p99['bare']:>7.2f}ms {p99['line'] / p99['bare']:>6.2f}"
        )


if __name__ == "__main__":
    main()
