"""The caller's number appears in no log line and no URL: the app's log and gunicorn's."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from flask import Flask

from ivr.simulate import Simulator
from tests.helpers import sign
from tests.helpers.gunicorn import TOKEN as BENCH_TOKEN
from tests.helpers.gunicorn import gunicorn

CALLERS = [f"+4477009001{n:02d}" for n in range(20)]


def national(number: str) -> str:
    return number.removeprefix("+44")


def test_many_calls_leave_no_trace_in_the_apps_log(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    seen_urls: list[str] = []
    for n, number in enumerate(CALLERS):
        answers = {"refuge_derby": ["busy", "decline", "voicemail", "failed"][n % 4]}
        simulator = Simulator(app, answers, caller=number)
        call = simulator.call(["2", "1", "9", None])
        seen_urls += call.urls
        # The helpline saw the line's number, never the caller's
        assert not any(national(number) in e.text for e in call.events)
    app.test_client().post("/voice", data={"From": CALLERS[0]})  # refused, and logged as such
    assert "refused a request to /voice" in caplog.text
    for number in CALLERS:
        assert national(number) not in caplog.text
        assert not any(national(number) in url for url in seen_urls)


def test_gunicorns_access_log_never_holds_the_callers_number(tmp_path: Path) -> None:
    log = tmp_path / "gunicorn.log"
    # The Procfile's own command, as the benchmarks run it
    with gunicorn("ivr:create_app()", log) as port:
        for number in CALLERS[:5]:
            for path, extra in [("/voice", {}), ("/voice/choose?m=main&s=0&i=0", {"Digits": "2"})]:
                params = {"CallSid": "CA" + "1" * 32, "From": number, "Caller": number} | extra
                url = f"http://127.0.0.1:{port}{path}"
                signature = sign(url, params, token=BENCH_TOKEN)
                request = urllib.request.Request(
                    url, data=urlencode(params).encode(), headers={"X-Twilio-Signature": signature}
                )
                with urllib.request.urlopen(request, timeout=5) as answer:
                    assert answer.status == 200
            forged = urllib.request.Request(
                f"http://127.0.0.1:{port}/voice", data=urlencode({"From": number}).encode()
            )
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(forged, timeout=5)
            refused.value.close()
            # A GET, signed or not, carries its parameters in the query string; and a
            # path may hold a number too
            query = urlencode({"From": number, "Caller": number})
            signed_get = f"http://127.0.0.1:{port}/voice?{query}"
            for url in (signed_get, f"http://127.0.0.1:{port}/audio/{quote(number)}.wav"):
                get = urllib.request.Request(
                    url, headers={"X-Twilio-Signature": sign(url, {}, token=BENCH_TOKEN)}
                )
                with pytest.raises(urllib.error.HTTPError) as refused:
                    urllib.request.urlopen(get, timeout=5)
                assert refused.value.code in (404, 405)
                refused.value.close()
    text = log.read_text()
    assert text.count('"POST /voice" 200') == 5
    assert text.count('"POST /voice" 403') == 5
    assert text.count('"GET /voice" 405') == 5
    assert text.count('"GET /audio/[number hidden].wav" 404') == 5
    assert '"POST /voice/choose" 200' in text
    for number in CALLERS:
        assert national(number) not in text
        assert national(number)[-6:] not in text


def test_a_path_cannot_forge_a_line_of_gunicorns_access_log(tmp_path: Path) -> None:
    log = tmp_path / "gunicorn.log"
    forged = '127.0.0.1 "POST /console/staff" 200'
    with gunicorn("ivr:create_app()", log) as port:
        url = f"http://127.0.0.1:{port}/healthz%0a{quote(forged)}"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=5)
        refused.value.close()
    lines = log.read_text().splitlines()
    assert not any(line.startswith(forged) for line in lines)
    assert any("/healthz\\x0a127.0.0.1" in line for line in lines)
