"""Outgoing HTTP with a deadline: a slow server can never hold a webhook past Twilio's wait."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

# Well inside gunicorn's --timeout 10 and Twilio's 15 s, with time left to convert
DEADLINE_SECONDS = 5.0
LIMIT_BYTES = 20_000_000
CHUNK = 64 * 1024
# One wait on the socket: the whole fetch ends at most this long after its deadline
WAIT_SECONDS = 2.0
NOT_READY = 404  # Twilio's recording is not there yet: try again shortly
RETRY_PAUSE = 0.5


class FetchFailed(Exception):
    """Nothing usable arrived before the deadline."""


def fetch(url: str, headers: dict[str, str], deadline: float = DEADLINE_SECONDS) -> bytes:
    """GET url's body within deadline seconds in all, or raise FetchFailed.

    Each wait on the socket is bounded (WAIT_SECONDS) and the download is checked against
    the deadline after every chunk, so it ends by deadline + WAIT_SECONDS at the latest.
    A 404 (a recording not ready yet) is tried again until the deadline.
    """
    ends = time.monotonic() + deadline
    while True:
        left = ends - time.monotonic()
        if left <= 0:
            raise FetchFailed(f"no answer within {deadline:.0f} s")
        try:
            request = urllib.request.Request(url, headers=headers)
            return _read(request, ends, min(left, WAIT_SECONDS))
        except urllib.error.HTTPError as e:
            e.close()  # it holds the connection open until closed
            if e.code != NOT_READY or ends - time.monotonic() < RETRY_PAUSE:
                raise FetchFailed(f"the server answered {e.code}") from e
            time.sleep(RETRY_PAUSE)
        except (OSError, TimeoutError) as e:
            raise FetchFailed(f"could not fetch it: {e}") from e


def _read(request: urllib.request.Request, ends: float, wait: float) -> bytes:
    body = bytearray()
    with urllib.request.urlopen(request, timeout=wait) as answer:
        # read1: one wait on the socket; read(n) would wait for all n bytes of a trickle
        while chunk := answer.read1(CHUNK):
            body += chunk
            if len(body) > LIMIT_BYTES:
                raise FetchFailed(f"more than {LIMIT_BYTES // 1_000_000} MB")
            if time.monotonic() > ends:
                raise FetchFailed("it came too slowly")
    return bytes(body)
