"""`ivr helplines`, `ivr helplines check` (against a local fake of Twilio's Lookup API),
health in `ivr hours`, and `ivr simulate` showing a failing helpline passed by."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from click.testing import CliRunner, Result

from ivr.commands import helplines as helplines_cli
from ivr.commands import hours as hours_cli
from ivr.commands.main import main
from ivr.commands.options import cli_store
from ivr.store.changes import Store
from ivr.store.health import TRY, HealthStore, Limits
from ivr.store.rows import Who
from tests.helpers import NOON, REPO_MENU, TEST_DATABASE_URL, local_server

ACCOUNT = "AC" + "2" * 32
TOKEN = "made-up-lookup-token"
ANN = Who("ann", "cli")


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    monkeypatch.setattr(hours_cli, "utc_now", lambda: NOON)
    monkeypatch.setattr(helplines_cli, "utc_now", lambda: NOON)
    monkeypatch.setenv("DATABASE_URL", TEST_DATABASE_URL or f"sqlite:///{tmp_path / 's.db'}")
    monkeypatch.setenv("STATE_DIR", str(tmp_path / "state"))

    def run(*args: str) -> Result:
        return CliRunner().invoke(main, list(args))

    return run


def record(helpline: str, *results: str) -> None:
    times = [NOON - timedelta(hours=1, seconds=-n) for n in range(len(results))]
    store = HealthStore(cli_store())
    store.record([(helpline, r, t) for r, t in zip(results, times, strict=True)], Limits())


def test_each_helplines_health(run: Callable[..., Result]) -> None:
    record("refuge_derby", "failed", "failed", "failed")
    record("respect", *["no-answer"] * 12)
    record("mankind", "accepted")
    HealthStore(Store(cli_store().engine, lambda: NOON)).set_override("refuge_derby", TRY, ANN)
    result = run("helplines")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "helpline         health    since                      why"
    assert lines[1] == (
        "national_24h     healthy   -                          no transfers yet; the 24/7 "
        "line: never skipped"
    )
    assert (
        "refuge_derby     failing   Tuesday 24 November 11:00  3 failed in a row (Twilio could "
        "not place the call); 3 transfers in a row without an accept; staff: try it anyway"
    ) in lines
    assert (
        "respect          doubtful  Tuesday 24 November 11:00  12 transfers in a row without "
        "an accept"
    ) in lines
    assert (
        "mankind          healthy   Tuesday 24 November 11:00  took the last call put through"
    ) in lines
    assert not any(line.startswith("elm_text") for line in lines)  # never dialled


def test_ivr_hours_shows_health_where_it_is_not_plain(run: Callable[..., Result]) -> None:
    record("refuge_derby", "failed", "failed", "failed")
    record("mankind", "accepted")
    HealthStore(Store(cli_store().engine, lambda: NOON)).set_override("respect", TRY, ANN)
    lines = run("hours", "--at", "2026-11-24 12:00").output.splitlines()
    assert (
        "refuge_derby     open   hours unknown: always tried (failing since Tuesday 24 "
        "November 11:00: 3 failed in a row (Twilio could not place the call); 3 transfers in "
        "a row without an accept)"
    ) in lines
    assert "mankind          open   closes today at 4 pm (hours not confirmed)" in lines
    assert (
        "respect          open   hours unknown: always tried (healthy since Tuesday 24 "
        "November 12:00: no transfers yet; staff: try it anyway)"
    ) in lines


def test_the_database_down_is_said_plainly(
    run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://ivr:ivr@127.0.0.1:1/nothing")
    result = run("helplines")
    assert (result.exit_code, result.output) == (
        1,
        "Error: nothing was saved: the database cannot be reached (OperationalError)\n",
    )


# `ivr helplines check`: Twilio's Lookup, faked on loopback


class Lookup:
    """What the fake Lookup API knows, and what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, dict[str, str]]] = []
        self.invalid = {"+448088024040"}  # Respect: as if the number were withdrawn
        self.unprovisioned = {"+448000853481"}  # Refuge: line type unknown (60600)
        self.unknown = {"+441332000000"}
        self.refuse = False


def handler(lookup: Lookup) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _json(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            expected = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
            if lookup.refuse or self.headers.get("Authorization") != f"Basic {expected}":
                self._json(401, {"code": 20003, "message": "Authenticate", "status": 401})
                return
            url = urlsplit(self.path)
            number = unquote(url.path.removeprefix("/v2/PhoneNumbers/"))
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            lookup.asked.append((number, query))
            if number in lookup.unknown:
                self._json(404, {"code": 20404, "message": "Not found", "status": 404})
                return
            valid = number not in lookup.invalid
            body: dict[str, Any] = {
                "phone_number": number,
                "valid": valid,
                "validation_errors": [] if valid else ["INVALID_BUT_POSSIBLE"],
                "line_type_intelligence": None,
            }
            if query.get("Fields") == "line_type_intelligence":
                if number in lookup.unprovisioned:
                    body["line_type_intelligence"] = {"type": None, "error_code": 60600}
                else:
                    body["line_type_intelligence"] = {
                        "type": "tollFree" if number[:6] in ("+44800", "+44808") else "landline",
                        "carrier_name": "BT" if number.startswith("+441") else None,
                        "error_code": None,
                    }
            self._json(200, body)

    return Handler


@pytest.fixture
def lookup(monkeypatch: pytest.MonkeyPatch) -> Any:
    found = Lookup()
    with local_server(handler(found)) as base:
        monkeypatch.setenv("TWILIO_LOOKUP_BASE", base)
        monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
        monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
        yield found


def test_every_number_is_asked_about_and_a_withdrawn_one_is_a_problem(
    run: Callable[..., Result], lookup: Lookup
) -> None:
    result = run("helplines", "check")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "national_24h     0808 2000 247   a valid number"
    assert (
        "respect          0808 802 4040   PROBLEM: not a valid number (INVALID_BUT_POSSIBLE)"
    ) in lines
    assert lines[-1] == "1 number(s) to check with the service and correct in menus.yaml"
    # Each dialled helpline once, by its number only: the free lookup
    assert len(lookup.asked) == 9 and all(q == {} for _, q in lookup.asked)
    assert "+447534617252" not in [n for n, _ in lookup.asked]  # the text line: never dialled


def test_the_line_type_is_asked_for_only_when_wanted(
    run: Callable[..., Result], lookup: Lookup
) -> None:
    result = run("helplines", "check", "national_24h", "refuge_derby", "--line-type")
    assert (result.exit_code, result.output.splitlines()) == (
        1,
        [
            "national_24h     0808 2000 247   a valid number: tollFree",
            "refuge_derby     0800 085 3481   PROBLEM: Twilio could not tell its line type "
            "(error 60600): it may not be in service",
            "1 number(s) to check with the service and correct in menus.yaml",
        ],
    )
    assert [q for _, q in lookup.asked] == [{"Fields": "line_type_intelligence"}] * 2


def test_a_landline_with_its_carrier_passes(run: Callable[..., Result], lookup: Lookup) -> None:
    result = run("helplines", "check", "glow_idva", "--line-type")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("glow_idva        01332 ")
    assert result.output.rstrip().endswith("a valid number: landline (BT)")


def test_a_number_twilio_does_not_know(
    run: Callable[..., Result], lookup: Lookup, write_menu: Callable[[str], Path]
) -> None:
    path = write_menu(
        """\
        helplines:
          national_24h:
            name: the National Domestic Abuse Helpline
            number: 0808 2000 247
          derby:
            name: A Derby line
            number: 01332 000000
        menus:
          main:
            options:
              1:
                label: Derby
                transfer: [derby, national_24h]
        """
    )
    result = run("helplines", "check", "derby", "--menu", str(path))
    assert (result.exit_code, result.output) == (
        1,
        "derby            01332 000000    PROBLEM: Twilio does not know this number\n"
        "1 number(s) to check with the service and correct in menus.yaml\n",
    )


def test_what_stops_a_check_is_said_plainly(
    run: Callable[..., Result], lookup: Lookup, monkeypatch: pytest.MonkeyPatch
) -> None:
    unknown = run("helplines", "check", "nobody")
    assert unknown.exit_code == 2
    assert "unknown helpline 'nobody' (dialled helplines: national_24h, refuge_derby" in (
        unknown.output
    )
    lookup.refuse = True
    refused = run("helplines", "check", "respect")
    assert (refused.exit_code, refused.output) == (
        1,
        "Error: Twilio refused (HTTP 401) while checking respect: check TWILIO_ACCOUNT_SID "
        "and TWILIO_AUTH_TOKEN\n",
    )
    monkeypatch.setenv("TWILIO_LOOKUP_BASE", "http://127.0.0.1:1")
    down = run("helplines", "check", "respect")
    assert down.exit_code == 1
    assert down.output == (
        "Error: Twilio could not be asked about respect (ConnectionError): check the "
        "connection and try again\n"
    )
    monkeypatch.delenv("TWILIO_ACCOUNT_SID")
    missing = run("helplines", "check")
    assert (missing.exit_code, missing.output) == (
        1,
        "Error: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set to ask Twilio about "
        "numbers\n",
    )


# `ivr simulate`: Refuge's number failing, call after call


def test_simulated_calls_pass_a_failing_helpline_by_after_the_threshold(
    run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMPTS_DIR", str(REPO_MENU.parent / "prompts"))
    # The line's own menu (IVR_MENU), not a --menu draft: a draft's calls are not counted
    monkeypatch.setenv("IVR_MENU", str(REPO_MENU))
    call = ("simulate", "--keys", "2, 1")
    failed = (*call, "--answer", "refuge_derby=failed")
    sentence = "[play] Refuge in Derby City is not taking calls just now. Trying another helpline."
    for _ in range(3):  # settings.watch_failed_in_a_row
        result = run(*failed)
        assert result.exit_code == 0, result.output
        assert "[not-answered] failed" in result.output and sentence not in result.output
    heard = []
    for _ in range(12):
        lines = run(*failed).output.splitlines()
        passed = sentence in lines
        tried = "[dial] +448000853481 (they see +441632960001; rings up to 25 s)" in lines
        assert passed != tried  # passed by with the sentence, or one in five: tried
        assert lines[-1] == "call ended: bridged" and "[bridged] +448082000247" in lines
        heard.append(passed)
    assert heard.count(True) >= 3  # four in five, by the rings' own tokens
    listing = run("helplines").output
    assert "refuge_derby     failing " in listing
