"""A texter's number and words appear in no log line, no table, no report and no cookie:
the app's log, the store, `ivr report`, and gunicorn's access log."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.call.sms import TextParts
from ivr.commands.main import main
from ivr.report.summary import read, tables, write_csv
from ivr.simulate import LINE
from ivr.simulate_text import Texter
from ivr.store.models import Base
from tests.helpers import NOON, TEST_DATABASE_URL, sign
from tests.helpers.gunicorn import TOKEN as BENCH_TOKEN
from tests.helpers.gunicorn import gunicorn

TEXTERS = [f"+4477009002{n:02d}" for n in range(20)]
# Words only a texter writes: none may be kept anywhere
SECRET = "my husband hurt me again tonight"


def national(number: str) -> str:
    return number.removeprefix("+44")


def every_row(app: Flask) -> str:
    """Every value of every table of the store, as text."""
    found = []
    with Session(app.extensions["ivr.store"].engine) as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                found.append(" ".join(str(value) for value in row))
    return "\n".join(found)


def test_many_texters_leave_no_trace(
    app: Flask,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    cookies = []
    for n, number in enumerate(TEXTERS):
        texter = Texter(app, texter=number)
        for body in ("hi", SECRET, "2", "1", number, national(number), "polski", "21", "stop"):
            texter.send(body)
        cookies += [c.value for c in texter.client._cookies.values()]
        if n == 0:  # a failure is logged, with nothing of the texter
            with monkeypatch.context() as patched:
                patched.setattr(TextParts, "reply", lambda self, turn: 1 / 0)
                assert "999" in texter.send(SECRET).text
        app.test_client().post("/sms", data={"From": number, "Body": SECRET})  # refused
    assert "refused a request to /sms" in caplog.text
    assert "the text webhook failed" in caplog.text
    app.extensions["ivr.tally"].flush()
    stored = every_row(app)
    assert "text choice" in stored  # texts were counted
    counts = read(app.extensions["ivr.store"].engine, NOON.date(), NOON.date())
    report = tmp_path / "report.csv"
    with report.open("w") as out:
        write_csv(tables(counts, "hour"), out)
    csv = report.read_text()
    assert "Texts" in csv and "Text menu choices (menu × key)" in csv
    for number in TEXTERS:
        for kept in (caplog.text, stored, csv, *cookies):
            assert national(number) not in kept
            assert national(number)[-6:] not in kept
    for kept in (caplog.text, stored, csv, *cookies):
        assert "husband" not in kept
    assert LINE in stored  # counts are by the line's own number


def test_the_report_command_shows_texts_with_small_numbers_hidden(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in TEXTERS[:6]:
        Texter(app, texter=number).conversation(["hi", "2", "1"])
    Texter(app, texter=TEXTERS[6]).conversation(["hi", "3"])
    app.extensions["ivr.tally"].flush()
    monkeypatch.setenv("STATE_DIR", str(tmp_path / "state"))
    if TEST_DATABASE_URL:
        monkeypatch.setenv("DATABASE_URL", TEST_DATABASE_URL)
    day = NOON.date().isoformat()
    result = CliRunner().invoke(main, ["report", "--by", "month", "--from", day, "--to", day])
    assert result.exit_code == 0, result.output
    blocks = result.output.split("\n\n")
    texts = next(b for b in blocks if b.startswith("Texts "))
    heading, row = texts.splitlines()[:2]
    assert heading.split()[1:] == [
        "texts",
        "conversations",
        "choices",
        "not",
        "understood",
        "opt-outs",
    ]
    assert row.split()[1:] == ["20", "7", "13", "0", "0"]
    choices = next(b for b in blocks if b.startswith("Text menu choices"))
    # 3 chosen once shows as <5; cells that would give it away from the totals are hidden
    assert [line.split() for line in choices.splitlines()[1:]] == [
        ["derby_city", "*", "0", "0", "*"],
        ["main", "0", "*", "<5", "*"],
        ["total", "*", "*", "<5", "13"],
    ]
    for number in TEXTERS:
        assert national(number) not in result.output


def test_gunicorns_access_log_never_holds_a_texters_number(tmp_path: Path) -> None:
    log = tmp_path / "gunicorn.log"
    with gunicorn("ivr:create_app()", log) as port:
        url = f"http://127.0.0.1:{port}/sms"
        for number in TEXTERS[:5]:
            params = {"MessageSid": "SM" + "1" * 32, "From": number, "To": LINE, "Body": SECRET}
            signature = sign(url, params, token=BENCH_TOKEN)
            request = urllib.request.Request(
                url, data=urlencode(params).encode(), headers={"X-Twilio-Signature": signature}
            )
            with urllib.request.urlopen(request, timeout=5) as answer:
                assert answer.status == 200
                assert "999" in answer.read().decode()
            forged = urllib.request.Request(url, data=urlencode(params).encode())
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(forged, timeout=5)
            refused.value.close()
    text = log.read_text()
    assert text.count('"POST /sms" 200') == 5
    assert text.count('"POST /sms" 403') == 5
    for number in TEXTERS:
        assert national(number) not in text
    assert "husband" not in text
