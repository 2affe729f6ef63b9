"""The `ivr` command: exit codes and messages, as staff see them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from ivr.commands.main import main
from tests.helpers import SMALL_MENU, TOKEN


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    # A store of its own: what a simulated call's helplines did is kept (the helpline
    # watch), and must not build up from one run of the suite to the next
    monkeypatch.setenv("STATE_DIR", str(tmp_path / "state"))
    return CliRunner()


def test_check_the_shipped_menu(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == (
        "menus.yaml: OK (12 menus, 10 helplines, 258 prompts, 305 warning(s))"
    )


def test_check_reports_every_error_and_exits_1(
    runner: CliRunner, write_menu: Callable[[str], Path]
) -> None:
    path = write_menu(
        SMALL_MENU.replace("0800 085 3481", "0800 08").replace(
            "transfer: [refuge_derby,", "transfer: [x,"
        )
    )
    result = runner.invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    assert result.output == (
        "menus.yaml:7: helplines.refuge_derby.number: '0800 08' is not a valid UK phone number\n"
        "menus.yaml:14: menus.main.options.1.transfer.0: unknown helpline 'x' "
        "(known: national_24h, refuge_derby)\n"
        "menus.yaml: 2 error(s), 0 warning(s): not usable\n"
    )


def test_check_warnings_exit_0(runner: CliRunner, write_menu: Callable[[str], Path]) -> None:
    path = write_menu("prompts:\n  greeting: 999" + " word" * 90 + "\n" + SMALL_MENU)
    result = runner.invoke(main, ["check", str(path)])
    assert result.exit_code == 0
    # The long greeting, and the three moments it makes a caller wait for too long: the
    # key for a person, the 24/7 line ringing, Refuge ringing
    assert (
        result.output.splitlines()[-1]
        == "menus.yaml: OK (1 menus, 2 helplines, 18 prompts, 4 warning(s))"
    )


def test_check_a_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["check", str(tmp_path / "menus.yaml")])
    assert result.exit_code == 1
    assert (
        result.output == "Error: menus.yaml:1: cannot read the file: No such file or directory\n"
    )


def test_simulate_a_scripted_call(runner: CliRunner) -> None:
    result = runner.invoke(main, ["simulate", "--keys", "4, 2", "--answer", "respect=busy"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "[dial] +448088024040 (they see +441632960001; rings up to 25 s)" in lines
    assert "[not-answered] busy" in lines
    assert "[bridged] +448082000247" in lines
    assert lines[-1] == "call ended: bridged"


def test_simulate_typed_by_a_person(runner: CliRunner) -> None:
    result = runner.invoke(main, ["simulate"], input="Derby city.\n1\n")
    assert result.exit_code == 0, result.output
    assert "[bridged] +448000853481" in result.output
    assert "[gather]" not in result.output  # what was typed is not echoed twice


def test_simulate_bad_answer_flag(runner: CliRunner) -> None:
    result = runner.invoke(main, ["simulate", "--keys", "0", "--answer", "respect=maybe"])
    assert result.exit_code == 2
    assert (
        "'respect=maybe': expected HELPLINE=one of accept, decline, voicemail, busy"
        in result.output
    )


def test_simulate_a_broken_menu(runner: CliRunner, write_menu: Callable[[str], Path]) -> None:
    path = write_menu(SMALL_MENU.replace("0800 085 3481", "0800 08"))
    result = runner.invoke(main, ["simulate", "--menu", str(path), "--keys", "1"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: menus.yaml:7: helplines.refuge_derby.number: '0800 08' is not a valid UK phone number\n"
    )


def test_export_fallback(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "fallback.xml"
    result = runner.invoke(main, ["export-fallback", "-o", str(out)])
    assert (result.exit_code, result.output) == (0, "")
    root = ET.fromstring(out.read_text(encoding="utf-8"))
    assert [v.tag for v in root] == ["Say", "Dial", "Say", "Say", "Hangup"]
    assert root[1].find("Number").text == "+448082000247"  # type: ignore[union-attr]
    # No caller_id in the shipped menu: a TwiML Bin fills {{To}} with the line's own
    # number, so the 24/7 line never sees the caller's, and a withheld caller still dials
    assert root[1].get("callerId") == "{{To}}"
    # Twilio rings 5 s past a Dial's timeout: 20 + 5 = the menu's 25 s
    assert root[1].get("timeout") == "20"
    assert root[1].get("action") is None  # static: nothing may call back into a broken app
    assert "If you did not get through, please call" in (root[2].text or "")


def test_export_fallback_with_a_caller_id(
    runner: CliRunner, write_menu: Callable[[str], Path]
) -> None:
    path = write_menu("settings:\n  caller_id: 01332 985111\n" + SMALL_MENU)
    result = runner.invoke(main, ["export-fallback", "--menu", str(path)])
    assert result.exit_code == 0
    root = ET.fromstring(result.output)
    # As staff wrote it, dialled as Twilio needs it
    assert root[1].get("callerId") == "+441332985111"


def test_export_fallback_of_a_broken_menu(
    runner: CliRunner, write_menu: Callable[[str], Path]
) -> None:
    path = write_menu(SMALL_MENU.replace("0800 085 3481", "0800 08"))
    result = runner.invoke(main, ["export-fallback", "--menu", str(path)])
    assert result.exit_code == 1


@pytest.mark.parametrize("token", ["", TOKEN])
def test_serve_binds_loopback(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    seen: dict[str, object] = {}

    def run(self: Flask, host: str, port: int) -> None:
        seen.update(host=host, port=port, token=self.config["TWILIO_AUTH_TOKEN"])

    monkeypatch.setattr(Flask, "run", run)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", token)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    result = runner.invoke(main, ["serve", "--port", "5050"])
    assert result.exit_code == 0
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 5050)
    said = result.output.splitlines()
    # A one-off key signs console sessions: said, as the token is
    assert said[-2:] == [
        "warning: SECRET_KEY is not set: using a one-off key, so console sign-ins last "
        "until this stops.",
        "console: http://127.0.0.1:5050/console/",
    ]
    if token:
        assert seen["token"] == TOKEN
        assert said[:-2] == []
    else:
        assert len(str(seen["token"])) == 32
        # The one-off token is printed, so requests can be signed with it
        assert said[:-2] == [
            f"warning: TWILIO_AUTH_TOKEN is not set: using the one-off local token "
            f"{seen['token']}, so only requests signed with it are answered "
            "(Twilio's are refused)."
        ]
