"""A load run: 64 connections for 60 s against the Procfile's gunicorn, a mix of webhooks.

Run: python bench/load.py [seconds] [connections]   (needs wrk)
Target: 0 errors.
"""

from __future__ import annotations

import sys

from common import call_params, gunicorn, need_wrk, wrk


def main() -> None:
    need_wrk()
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    connections = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    path, params = "/voice/choose?m=main&s=0&i=0", call_params(Digits="2")
    with gunicorn("ivr:create_app()") as port:
        r = wrk(port, path, params, connections, seconds)
    print(f"load: {connections} connections, {seconds} s, menu choice webhook")
    print(f"requests: {r['requests']:.0f} ({r['rps']:.0f}/s), errors: {r['errors']:.0f}")
    print(f"latency p50 {r['p50']:.2f} ms, p90 {r['p90']:.2f} ms, p99 {r['p99']:.2f} ms")


if __name__ == "__main__":
    main()
