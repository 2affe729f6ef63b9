"""`ivr twilio purge-calls` against a local fake of Twilio's REST API: calls and their
recordings, texts and their media."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from ivr.commands.main import main
from tests.helpers import local_server

ACCOUNT = "AC" + "1" * 32
TOKEN = "made-up-rest-token"
LINE = "+441632960001"  # Ofcom drama range, as every number here
HELPLINE = "+441632960002"
CALLERS = ["+447700900101", "+447700900102", "+447700900103", "+447700900104"]


def _sid(prefix: str, n: int) -> str:
    return f"{prefix}{n:032x}"


class Twilio:
    """What the fake account holds: calls (with start times) and their recordings, texts
    (with the time sent) and their media."""

    def __init__(self) -> None:
        now = datetime.now(UTC)
        old, recent = now - timedelta(days=30), now - timedelta(hours=2)
        self.calls = [
            {"sid": _sid("CA", i), "to": LINE, "from": c, "start": old}
            for i, c in enumerate(CALLERS[:3])
        ]
        self.calls += [
            {"sid": _sid("CA", 10 + i), "to": HELPLINE, "from": LINE, "start": old}
            for i in range(2)
        ]
        self.calls.append({"sid": _sid("CA", 20), "to": LINE, "from": CALLERS[3], "start": recent})
        self.recordings = [{"sid": _sid("RE", 1), "call_sid": _sid("CA", 0)}]
        # Texters' texts to the line and its replies, old and recent; one old text with a
        # picture, and a helpline's number that is not the line's
        self.messages = [
            {"sid": _sid("SM", i), "to": LINE, "from": c, "sent": old, "media": 0}
            for i, c in enumerate(CALLERS[:2])
        ]
        self.messages += [
            {"sid": _sid("SM", 10 + i), "to": c, "from": LINE, "sent": old, "media": 0}
            for i, c in enumerate(CALLERS[:2])
        ]
        self.messages[0]["media"] = 1
        self.messages.append(
            {"sid": _sid("SM", 20), "to": LINE, "from": CALLERS[3], "sent": recent, "media": 0}
        )
        self.messages.append(
            {"sid": _sid("SM", 30), "to": HELPLINE, "from": CALLERS[2], "sent": old, "media": 0}
        )
        self.media = [{"sid": _sid("ME", 1), "parent_sid": _sid("SM", 0)}]
        self.refuse = False
        self.unfinished: set[str] = set()
        self.refuse_delete = False
        self.refused: set[str] = set()  # records whose deletion is refused (403)


def handler(twilio: Twilio) -> type[BaseHTTPRequestHandler]:
    base = f"/2010-04-01/Accounts/{ACCOUNT}"

    class Handler(BaseHTTPRequestHandler):
        def _authorised(self) -> bool:
            expected = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
            if twilio.refuse or self.headers.get("Authorization") != f"Basic {expected}":
                self._json(401, {"code": 20003, "message": "Authenticate", "status": 401})
                return False
            return True

        def _json(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if not self._authorised():
                return
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == f"{base}/Calls.json":
                # A call's own legs are listed by parent alone, whenever they started
                default = (datetime.max.replace(tzinfo=UTC)).isoformat()
                before = datetime.fromisoformat(
                    query.get("StartTime<", default).replace("Z", "+00:00")
                )
                found = [
                    {
                        "sid": c["sid"],
                        "to": c["to"],
                        "from": c["from"],
                        "start_time": format_datetime(c["start"]),
                        "account_sid": ACCOUNT,
                    }
                    for c in twilio.calls
                    if c["start"] < before
                    and query.get("To", c["to"]) == c["to"]
                    and query.get("From", c["from"]) == c["from"]
                    and query.get("ParentCallSid", c.get("parent")) == c.get("parent")
                ]
                self._json(200, {"calls": found, "next_page_uri": None, "page": 0})
            elif url.path == f"{base}/Recordings.json":
                found = [r for r in twilio.recordings if r["call_sid"] == query.get("CallSid")]
                self._json(200, {"recordings": found, "next_page_uri": None, "page": 0})
            elif url.path == f"{base}/Messages.json":
                before = datetime.fromisoformat(query["DateSent<"].replace("Z", "+00:00"))
                texts = [
                    {
                        "sid": m["sid"],
                        "to": m["to"],
                        "from": m["from"],
                        "date_sent": format_datetime(m["sent"]),
                        "num_media": str(m["media"]),
                        "account_sid": ACCOUNT,
                    }
                    for m in twilio.messages
                    if m["sent"] < before
                    and query.get("To", m["to"]) == m["to"]
                    and query.get("From", m["from"]) == m["from"]
                ]
                self._json(200, {"messages": texts, "next_page_uri": None, "page": 0})
            elif match := re.fullmatch(rf"{base}/Messages/(\w+)/Media\.json", url.path):
                media = [
                    {"sid": m["sid"], "parent_sid": m["parent_sid"], "account_sid": ACCOUNT}
                    for m in twilio.media
                    if m["parent_sid"] == match.group(1)
                ]
                self._json(200, {"media_list": media, "next_page_uri": None, "page": 0})
            else:
                self._json(404, {"code": 20404, "message": "not found", "status": 404})

        def do_DELETE(self) -> None:
            if not self._authorised():
                return
            match = re.fullmatch(
                rf"{base}/(Calls|Recordings|Messages|Messages/\w+/Media)/(\w+)\.json", self.path
            )
            if not match:
                self._json(404, {"code": 20404, "message": "not found", "status": 404})
                return
            if twilio.refuse_delete or match.group(2) in twilio.refused:
                self._json(403, {"code": 20403, "message": "Forbidden", "status": 403})
                return
            if match.group(2) in twilio.unfinished:
                message = "Cannot delete this resource before it is complete"
                self._json(400, {"code": 20009, "message": message, "status": 400})
                return
            kinds = {"Calls": twilio.calls, "Recordings": twilio.recordings}
            kinds["Messages"] = twilio.messages
            kind = kinds.get(match.group(1), twilio.media)
            if kind is twilio.messages:  # Twilio deletes a text's media with it
                twilio.media[:] = [m for m in twilio.media if m["parent_sid"] != match.group(2)]
            kind[:] = [x for x in kind if x["sid"] != match.group(2)]
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def twilio(monkeypatch: pytest.MonkeyPatch) -> Iterator[Twilio]:
    account = Twilio()
    with local_server(handler(account)) as url:
        monkeypatch.setenv("TWILIO_API_BASE", url)
        monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
        monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
        monkeypatch.delenv("TWILIO_LINE_NUMBERS", raising=False)
        monkeypatch.delenv("TWILIO_STAFF_NUMBERS", raising=False)
        yield account


def purge(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["twilio", "purge-calls", *args])
    return result.exit_code, result.output


def test_a_dry_run_counts_and_deletes_nothing(twilio: Twilio) -> None:
    code, said = purge("--number", "01632 960001", "--dry-run")
    cutoff = (datetime.now(UTC) - timedelta(days=7)).date().isoformat()
    assert (code, said) == (
        0,
        f"would delete 5 call record(s) and 1 recording(s) that started before {cutoff} "
        "(UTC), on 1 line number(s)\n"
        f"would delete 4 text record(s) and 1 media file(s) sent before {cutoff} (UTC)\n",
    )
    assert len(twilio.calls) == 6 and len(twilio.recordings) == 1
    assert len(twilio.messages) == 6 and len(twilio.media) == 1


def test_old_calls_and_their_recordings_go_recent_ones_stay(
    twilio: Twilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_LINE_NUMBERS", "01632 960001")
    code, said = purge("--older-than", "7")
    assert code == 0
    assert said.startswith("deleted 5 call record(s) and 1 recording(s) that started before ")
    assert [c["from"] for c in twilio.calls] == [CALLERS[3]]  # today's call is kept
    assert twilio.recordings == []
    # Nothing of a caller, and no Twilio id, is ever printed
    for secret in [*CALLERS, "CA", "RE0"]:
        assert secret not in said
    assert purge("--number", LINE)[1].startswith("deleted 0 call record(s)")


def test_refusals_say_what_is_missing(twilio: Twilio, monkeypatch: pytest.MonkeyPatch) -> None:
    code, said = purge()
    assert code == 2 and "give the line's numbers: --number, or TWILIO_LINE_NUMBERS" in said
    code, said = purge("--number", "not a number")
    assert code == 2 and "'not a number' is not a phone number" in said
    assert purge("--number", LINE, "--older-than", "0")[0] == 2
    twilio.refuse = True
    code, said = purge("--number", LINE)
    assert (code, said) == (
        1,
        "Error: Twilio refused (HTTP 401) after 0 call record(s): check the "
        "account SID and token; run it again to go on\n",
    )
    monkeypatch.delenv("TWILIO_AUTH_TOKEN")
    code, said = purge("--number", LINE)
    assert said == (
        "Error: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set to delete Twilio's records\n"
    )


def test_a_call_from_the_line_to_itself_is_deleted_once(twilio: Twilio) -> None:
    twilio.calls.append(
        {
            "sid": _sid("CA", 30),
            "to": LINE,
            "from": LINE,
            "start": datetime(2026, 1, 1, tzinfo=UTC),
        }
    )
    # Counted once though both lists (to and from the line) hold it
    assert purge("--number", LINE, "--dry-run")[1].startswith("would delete 6 call record(s)")
    assert purge("--number", LINE)[1].startswith("deleted 6 call record(s)")


def test_the_real_api_unless_told_otherwise() -> None:
    from twilio.base.exceptions import TwilioException, TwilioRestException

    from ivr.staff.purge import _status, client

    assert client(ACCOUNT, TOKEN).api.base_url == "https://api.twilio.com"
    assert _status(TwilioException("no connection")) == "no answer"
    assert _status(TwilioRestException(404, "/Calls.json")) == "404"


def test_a_call_twilio_has_not_finished_with_is_left_for_the_next_run(twilio: Twilio) -> None:
    twilio.unfinished.add(_sid("CA", 1))
    code, said = purge("--number", LINE)
    assert code == 0
    assert said.splitlines()[1] == "1 call record(s) Twilio has not finished with: the next run"
    assert said.startswith("deleted 4 call record(s)")
    assert [c["sid"] for c in twilio.calls] == [_sid("CA", 1), _sid("CA", 20)]
    twilio.unfinished.clear()
    assert purge("--number", LINE)[1].startswith("deleted 1 call record(s)")


def test_another_refusal_to_delete_stops_the_run(twilio: Twilio) -> None:
    twilio.calls = twilio.calls[:1]
    twilio.recordings = []
    twilio.refuse_delete = True
    code, said = purge("--number", LINE)
    assert (code, said) == (
        1,
        "Error: Twilio refused (HTTP 403) after 0 call record(s): check the account SID and "
        "token; run it again to go on\n",
    )


def test_a_helpline_leg_that_showed_the_callers_number_goes_with_the_call(
    twilio: Twilio,
) -> None:
    # show_caller_number: the helpline's leg comes from the caller's number, not the line's
    old = twilio.calls[0]["start"]
    leg = {"sid": _sid("CA", 30), "to": HELPLINE, "from": CALLERS[0], "start": old}
    twilio.calls.append(leg | {"parent": _sid("CA", 0)})
    code, said = purge("--number", LINE)
    assert code == 0, said
    assert _sid("CA", 30) not in {c["sid"] for c in twilio.calls}
    assert said.startswith("deleted 6 call record(s)")


def test_the_staff_recording_lines_calls_are_purged_too(
    twilio: Twilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff_number = "+441632960009"
    old = twilio.calls[0]["start"]
    twilio.calls.append(
        {"sid": _sid("CA", 40), "to": staff_number, "from": CALLERS[1], "start": old}
    )
    twilio.recordings.append({"sid": _sid("RE", 2), "call_sid": _sid("CA", 40)})
    monkeypatch.setenv("TWILIO_LINE_NUMBERS", LINE)
    monkeypatch.setenv("TWILIO_STAFF_NUMBERS", "01632 960009")
    code, said = purge()
    assert code == 0, said
    assert _sid("CA", 40) not in {c["sid"] for c in twilio.calls}
    assert not twilio.recordings
    assert "on 2 line number(s)" in said


def test_old_texts_and_their_media_go_recent_ones_stay(twilio: Twilio) -> None:
    code, said = purge("--number", LINE)
    assert code == 0, said
    cutoff = (datetime.now(UTC) - timedelta(days=7)).date().isoformat()
    assert said.splitlines()[1] == (
        f"deleted 4 text record(s) and 1 media file(s) sent before {cutoff} (UTC)"
    )
    # Today's text stays, and a text that is not to or from the line's number
    assert [m["sid"] for m in twilio.messages] == [_sid("SM", 20), _sid("SM", 30)]
    assert twilio.media == []
    for secret in [*CALLERS, "SM0", "ME0"]:
        assert secret not in said
    assert purge("--number", LINE)[1].splitlines()[1].startswith("deleted 0 text record(s)")


def test_a_text_from_the_line_to_itself_is_deleted_once(twilio: Twilio) -> None:
    old = twilio.messages[0]["sent"]
    twilio.messages.append(
        {"sid": _sid("SM", 40), "to": LINE, "from": LINE, "sent": old, "media": 0}
    )
    # Counted once though both lists (to and from the line) hold it
    assert (
        purge("--number", LINE, "--dry-run")[1]
        .splitlines()[1]
        .startswith("would delete 5 text record(s)")
    )
    assert purge("--number", LINE)[1].splitlines()[1].startswith("deleted 5 text record(s)")


def test_a_text_still_being_sent_is_left_for_the_next_run(twilio: Twilio) -> None:
    twilio.unfinished.add(_sid("SM", 10))
    code, said = purge("--number", LINE)
    assert code == 0
    assert said.splitlines()[1].startswith("deleted 3 text record(s) and 1 media file(s)")
    assert said.splitlines()[2] == "1 text(s) still being sent: the next run"
    twilio.unfinished.clear()
    assert purge("--number", LINE)[1].splitlines()[1].startswith("deleted 1 text record(s)")


def test_a_refusal_among_the_texts_says_how_far_it_got(twilio: Twilio) -> None:
    twilio.refused.add(_sid("SM", 1))
    code, said = purge("--number", LINE)
    assert (code, said) == (
        1,
        "Error: Twilio refused (HTTP 403) after 5 call record(s) and 1 text record(s): "
        "check the account SID and token; run it again to go on\n",
    )
