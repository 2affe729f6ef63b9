"""Trying the text line: `ivr simulate --sms` in the terminal, the console's Try page,
and the fallback TwiML for the number's messages."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator

from ivr import create_app
from ivr.call import sms
from ivr.commands.main import main
from ivr.errors import IvrError
from ivr.simulate_text import Texter
from ivr.store.accounts import Accounts
from ivr.store.models import CallCount
from tests.helpers import REPO_MENU, TEST_DATABASE_URL, config
from tests.helpers.browser import Browser, signed_in


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("STATE_DIR", str(tmp_path / "state"))
    if TEST_DATABASE_URL:
        monkeypatch.setenv("DATABASE_URL", TEST_DATABASE_URL)
    return CliRunner()


def test_simulate_sms_with_a_script(runner: CliRunner) -> None:
    result = runner.invoke(
        main, ["simulate", "--sms", "--keys", "hi, 41, -, stop", "--at", "2026-11-28 12:00"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "you: hi"
    assert lines[1].startswith("line: Derbyshire Victim Services. In danger now? Call 999.")
    assert "[3 SMS segment(s) (GSM-7, 396 characters)]" in lines
    # Saturday: ManKind is closed, as the voice line says
    assert (
        "line: The ManKind Initiative: 01823 334244, closed now. It opens on Monday at 10 am."
        in lines
    )
    assert "you: " in lines  # "-": an empty text (a picture alone)
    assert lines[-2:] == ["you: stop", "line: (no reply)"]


def test_simulate_sms_typed(runner: CliRunner) -> None:
    result = runner.invoke(main, ["simulate", "--sms"], input="2\n21\n\n")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "Texts to the line. Type a text and press Enter; Enter alone ends."
    )
    assert "line: 21 Refuge for men and women" in result.output
    assert "line: Refuge in Derby City: 0800 085 3481" in result.output


def test_simulate_sms_refuses_what_is_for_calls(runner: CliRunner) -> None:
    result = runner.invoke(main, ["simulate", "--sms", "--answer", "respect=busy"])
    assert result.exit_code == 2
    assert "--answer and --quirk are for calls, not --sms" in result.output


def test_export_fallback_for_messages(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "fallback.xml"
    result = runner.invoke(main, ["export-fallback", "--sms", "-o", str(out)])
    assert result.exit_code == 0, result.output
    root = ET.fromstring(out.read_text(encoding="utf-8"))
    assert [verb.tag for verb in root] == ["Message"]
    text = root[0].text or ""
    assert text.startswith("Derbyshire Victim Services. In danger now? Call 999.")
    assert text.endswith("The 24-hour National Domestic Abuse Helpline: 0808 2000 247, open now.")


def test_the_texter_refuses_what_twilio_could_not_send(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    texter = Texter(app)
    texter.validator = RequestValidator("another-token")  # signed with the wrong token
    with pytest.raises(IvrError, match="POST /sms answered 403 text/html"):
        texter.send("hi")
    monkeypatch.setattr(sms, "message", lambda text: b"<Response><Say>hi</Say></Response>")
    with pytest.raises(IvrError, match=r"answered <Response> with \['Say'\], not <Message>s"):
        Texter(app).send("hi")


@pytest.fixture
def console_app(tmp_path: Path) -> Flask:
    return create_app(config(tmp_path, SESSION_COOKIE_SECURE=False))


@pytest.fixture
def viewer(console_app: Flask) -> Browser:
    return signed_in(console_app, Accounts(console_app.extensions["ivr.store"]), "viewer")


def test_try_the_text_line_in_the_console(console_app: Flask, viewer: Browser) -> None:
    page = viewer.text(viewer.get("/console/try/text"))
    assert "<h1>Try the text line</h1>" in page and "the live menu" in page
    assert "/console/try/text" in viewer.text(viewer.get("/console/try"))
    first = viewer.text(viewer.post("/console/try/text", {"text": "hi"}))
    assert "In danger now? Call 999." in first
    assert "3 SMS segment(s) (GSM-7, 396 characters)" in first
    assert '<input type="hidden" name="texts" value="hi">' in first
    second = viewer.text(viewer.post("/console/try/text", {"texts": "hi", "text": " 2 "}))
    assert "21 Refuge for men and women<br>" in second
    assert 'value="hi\n2"' in second
    stop = viewer.text(viewer.post("/console/try/text", {"texts": "hi\n2", "text": "STOP"}))
    assert "(no reply)" in stop
    again = viewer.text(viewer.post("/console/try/text", {"texts": "hi\n2", "restart": "1"}))
    assert "In danger now?" not in again and 'name="texts" value=""' in again
    # Nothing tried in the console is counted
    console_app.extensions["ivr.tally"].flush()
    with Session(console_app.extensions["ivr.store"].engine) as session:
        assert Counter(row.metric for row in session.scalars(select(CallCount))) == Counter()


def test_try_a_draft_by_text(console_app: Flask, viewer: Browser) -> None:
    text = REPO_MENU.read_text(encoding="utf-8").replace(
        "        label: Derby City\n", "        label: Derby City and around\n"
    )
    page = viewer.text(viewer.post("/console/try/text", {"draft": text, "text": "hi"}))
    assert "the draft menu" in page and "2 Derby City and around" in page
    bad = viewer.text(viewer.post("/console/try/text", {"draft": "menus: [", "text": "hi"}))
    assert 'class="problems"' in bad
    long = text.replace(
        "  clares_law:\n    title: Clare's Law\n",
        "  clares_law:\n    title: Clare's Law\n    sms.pl: " + "Zapytaj policję. " * 40 + "\n",
    )
    refused = viewer.text(viewer.post("/console/try/text", {"draft": long, "text": "hi"}))
    assert "menus.clares_law.sms.pl: by text in Polish, this page&#39;s reply takes" in refused


def test_a_conversation_that_fails_says_why(
    console_app: Flask, viewer: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fails(self: Texter, texts: list[str]) -> None:
        raise IvrError("POST /sms answered 500 text/html")

    monkeypatch.setattr(Texter, "conversation", fails)
    page = viewer.text(viewer.post("/console/try/text", {"text": "hi"}))
    assert "<li>POST /sms answered 500 text/html</li>" in page
