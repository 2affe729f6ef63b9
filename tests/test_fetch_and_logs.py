"""Outgoing fetches are bounded; log lines never hold a phone number."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from ivr import fetch, logs
from tests.helpers import local_server


class Big(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"x" * 5000)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    with local_server(Big) as url:
        yield url + "/"


def test_a_body_over_the_limit_is_refused(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch, "LIMIT_BYTES", 1000)
    monkeypatch.setattr(fetch, "CHUNK", 100)
    with pytest.raises(fetch.FetchFailed) as refused:
        fetch.fetch(server, {})
    assert str(refused.value) == "more than 0 MB"


def test_nothing_listening_fails_at_once() -> None:
    started = time.monotonic()
    with pytest.raises(fetch.FetchFailed) as refused:
        fetch.fetch("http://127.0.0.1:9/", {})
    assert str(refused.value).startswith("could not fetch it: ")
    assert time.monotonic() - started < 2


def test_no_time_left_fails_without_asking() -> None:
    with pytest.raises(fetch.FetchFailed) as refused:
        fetch.fetch("http://127.0.0.1:9/", {}, deadline=0)
    assert str(refused.value) == "no answer within 0 s"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("/voice?From=%2B447700900123", "/voice?From=[number hidden]"),
        ("caller 07700 900123 said", "caller [number hidden] said"),
        ("(01332) 985111", "[number hidden]"),
        ("/voice/choose?m=main&s=0&i=0", "/voice/choose?m=main&s=0&i=0"),
        ("at 2026-11-25 15:24:12 pid 6982", "at 2026-11-25 15:24:12 pid 6982"),
        ("http://127.0.0.1:5077 (6982)", "http://127.0.0.1:5077 (6982)"),
    ],
)
def test_redact(text: str, shown: str) -> None:
    assert logs.redact(text) == shown


def access_atoms(raw_uri: str, path_info: str, query: str = "") -> dict[str, object]:
    """The values of gunicorn's access line for a GET answered 404."""
    logger = logs.RedactingLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": raw_uri,
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    response = SimpleNamespace(status="404 NOT FOUND", sent=12, headers=[])
    atoms: dict[str, object] = logger.atoms(
        response, SimpleNamespace(headers=[]), environ, timedelta(0, 0, 1500)
    )
    return atoms


def test_gunicorns_access_values_are_redacted() -> None:
    atoms = access_atoms(
        "/voice?From=%2B447700900123", "/audio/07700900123.wav", "From=%2B447700900123"
    )
    assert atoms["U"] == "/audio/[number hidden].wav"
    assert atoms["q"] == "From=[number hidden]"
    assert "7700900123" not in str(atoms)
    assert atoms["s"] == "404"


def test_the_apps_own_log_is_filtered(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("ivr.test_logs")
    logs.install(logger)
    logs.install(logger)  # once is enough
    assert sum(isinstance(f, logs.RedactingFilter) for f in logger.filters) == 1
    with caplog.at_level(logging.INFO, logger="ivr.test_logs"):
        logger.info("a call from %s", "+447700900123")
    assert caplog.records[0].getMessage() == "a call from [number hidden]"


@pytest.mark.parametrize("control", ["\n", "\r\n", "\x1b[2J", "\x00", "\u2028", "\x85"])
def test_no_value_can_start_a_log_line_of_its_own(control: str) -> None:
    forged = f'/healthz{control}127.0.0.1 "GET /console/" 200'
    shown = logs.redact(forged)
    assert "\n" not in shown and "\r" not in shown and shown.isprintable()
    assert shown.startswith("/healthz\\x")


def test_a_path_with_an_encoded_newline_is_one_access_line() -> None:
    atoms = access_atoms("/healthz%0a127.0.0.1", '/healthz\n127.0.0.1 "GET /console/" 200')
    assert atoms["U"] == '/healthz\\x0a127.0.0.1 "GET /console/" 200'


def test_the_apps_own_log_lines_stay_one_line(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("ivr.test_logs_lines")
    logs.install(logger)
    with caplog.at_level(logging.INFO, logger="ivr.test_logs_lines"):
        logger.info("a reason: %s", "closed\nERROR forged line")
    assert caplog.records[0].getMessage() == "a reason: closed\\x0aERROR forged line"
