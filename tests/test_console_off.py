"""Calls come first: without SECRET_KEY the line answers calls and the console says it is
off and why (issue 20, item 16); a console page the database fails says so plainly."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from flask import Flask

from ivr import create_app
from ivr.staff.console.off import NO_SECRET_KEY
from tests.helpers import BASE, call_params, config, sign

DEAD_DATABASE = "postgresql+psycopg://nobody:x@127.0.0.1:9/none"  # nothing listens on 9
HEADERS = ("Content-Security-Policy", "Cache-Control", "X-Frame-Options")


def console_paths(app: Flask) -> list[tuple[str, str]]:
    """Every console route (made up values for its parts), with each method it takes."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("console.") and rule.endpoint != "console.static":
            path = rule.rule.replace("<int:number>", "1").replace("<path:key>", "greeting")
            path = path.replace("<prompt_id>", "greeting")
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                found.append((method, path))
    return found


def test_without_a_secret_key_calls_are_answered_and_the_console_says_it_is_off(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        app = create_app(config(tmp_path, SECRET_KEY=""))
    # Said loudly, once, as the line starts
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        (
            "CRITICAL",
            "SECRET_KEY is not set: the staff console is OFF (every /console page answers "
            "503) until it is set and the line restarted; calls are answered as usual",
        )
    ]
    client = app.test_client()
    data = call_params()
    answer = client.post(
        "/voice", data=data, headers={"X-Twilio-Signature": sign(BASE + "/voice", data)}
    )
    assert answer.status_code == 200
    assert ET.fromstring(answer.data).find("Gather") is not None
    paths = console_paths(app)
    assert len(paths) > 25  # every page, every form
    for method, path in [*paths, ("GET", "/console"), ("GET", "/console/no-such-page")]:
        page = client.open(path, method=method)
        assert page.status_code == 503, (method, path)
        assert NO_SECRET_KEY.replace("'", "&#39;") in page.get_data(as_text=True), path
        assert all(h in page.headers for h in HEADERS), path
    # Its style still loads, and the platform's health check is fine
    with client.get("/console/static/console.css") as css:
        assert css.status_code == 200
    assert client.get("/healthz").status_code == 200


def test_a_console_page_the_database_fails_says_so_plainly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(config(tmp_path, DATABASE_URL=DEAD_DATABASE))
    client = app.test_client()
    form = client.get("/console/sign-in")
    token = form.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    with caplog.at_level(logging.WARNING):
        page = client.post(
            "/console/sign-in",
            data={"csrf_token": token, "email": "ada@example.org", "password": "x" * 12},
        )
    assert page.status_code == 503
    said = page.get_data(as_text=True)
    assert (
        "Not available just now: the database cannot be reached, so nothing was shown or "
        "changed. Try again in a minute. Calls are not affected: every call is answered as "
        "usual."
    ) in said
    assert all(h in page.headers for h in HEADERS)
    assert caplog.records[-1].getMessage().startswith("console page /console/sign-in: ")
    assert not caplog.records[-1].exc_info
