"""Shared by the benchmarks: the Procfile's gunicorn on loopback (the tests' own helper,
tests/helpers/gunicorn.py), and wrk against it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as `python bench/NAME.py`: the project's own helpers
from tests.helpers.gunicorn import (  # noqa: E402
    SECRET_KEY,
    TOKEN,
    gunicorn,
    gunicorn_process,
)

__all__ = ["ROOT", "SECRET_KEY", "TOKEN", "gunicorn", "gunicorn_process"]

CALLER = "+447700900123"  # Ofcom drama range
LINE = "+441632960001"


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its children still running
    (gunicorn's master and its workers), from /proc: Linux only."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rpartition(")")[2].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:  # ended meanwhile
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        pids.extend(int(child) for child in children)
    return total


def wrk_script(
    port: int, path: str, params: dict[str, str], headers: dict[str, str] | None = None
) -> Path:
    """A wrk Lua script posting a signed webhook request (with headers, e.g. a Cookie)."""
    body = urlencode(params)
    signature = RequestValidator(TOKEN).compute_signature(f"http://127.0.0.1:{port}{path}", params)
    extra = "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in (headers or {}).items())
    script = f"""
wrk.method = "POST"
wrk.path = "{path}"
wrk.body = "{body}"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["X-Twilio-Signature"] = "{signature}"
{extra}"""
    fd, name = tempfile.mkstemp(suffix=".lua")
    os.write(fd, script.encode())
    os.close(fd)
    return Path(name)


def wrk(
    port: int,
    path: str,
    params: dict[str, str],
    connections: int,
    seconds: int,
    headers: dict[str, str] | None = None,
) -> dict[str, float]:
    """Run wrk; requests/s, latency percentiles (ms), requests, errors."""
    script = wrk_script(port, path, params, headers)
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script)]
    out = subprocess.run(
        [*command, f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True
    ).stdout
    script.unlink()

    def ms(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    failed = int(errors.group(1)) if errors else 0
    failed += sum(int(x) for x in sockets.groups()) if sockets else 0
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50": ms("50%"),
        "p90": ms("90%"),
        "p99": ms("99%"),
        "requests": total,
        "errors": failed,
    }


def call_params(**extra: str) -> dict[str, str]:
    return {
        "CallSid": "CA" + "0" * 32,
        "AccountSid": "AC" + "0" * 32,
        "From": CALLER,
        "To": LINE,
    } | extra


def text_params(body: str) -> dict[str, str]:
    """What Twilio posts to the messaging webhook ("A message comes in") for a text."""
    sid = "SM" + "0" * 32
    return {
        "ToCountry": "GB",
        "ToState": "",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ToCity": "",
        "FromZip": "",
        "SmsSid": sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": body,
        "FromCountry": "GB",
        "To": LINE,
        "ToZip": "",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": CALLER,
        "ApiVersion": "2010-04-01",
    }


def need_wrk() -> None:
    if subprocess.run(["which", "wrk"], capture_output=True).returncode != 0:
        sys.exit("wrk is not installed: sudo apt-get install wrk")
