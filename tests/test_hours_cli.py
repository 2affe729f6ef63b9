"""`ivr hours`: staff close and open helplines; everyone can see who is open when."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.commands import hours as hours_cli
from ivr.commands.main import main
from ivr.commands.options import cli_store
from tests.helpers import NOON, TEST_DATABASE_URL


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., object]:
    monkeypatch.setattr(hours_cli, "utc_now", lambda: NOON)
    monkeypatch.setenv("DATABASE_URL", TEST_DATABASE_URL or f"sqlite:///{tmp_path / 's.db'}")

    def run(*args: str) -> object:
        return CliRunner().invoke(main, ["hours", *args])

    return run


def test_who_is_open_on_a_saturday(run: Callable[..., object]) -> None:
    result = run("--at", "2026-11-28 12:00")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "at Saturday 28 November 2026 12:00 (London)"
    assert "national_24h     open   24/7" in lines
    assert "mankind          closed opens on Monday at 10 am (hours not confirmed)" in lines
    assert "elm_helpline     closed opens on Monday at 8 am (hours not confirmed)" in lines
    assert "refuge_derby     open   hours unknown: always tried" in lines
    assert not any(line.startswith("elm_text") for line in lines)  # a text line is never dialled


def test_close_then_open_then_clear(run: Callable[..., object]) -> None:
    result = run(
        "close", "mankind", "--until", "2026-11-24 15:00", "--reason", "for staff training"
    )
    assert (result.exit_code, result.output) == (
        0,
        "mankind: closed until Tuesday 24 November 15:00\n",
    )
    listing = run("--at", "2026-11-24T12:00")
    assert (
        "mankind          closed opens today at 3 pm (override: closed until Tuesday "
        "24 November 15:00; for staff training; hours not confirmed)" in listing.output
    )
    result = run("open", "mankind")
    assert result.output == "mankind: normal hours\n"
    assert (
        "mankind          open   closes today at 4 pm (hours not confirmed)"
        in run("--at", "2026-11-24 12:00").output
    )
    result = run("open", "respect", "--until", "2026-11-24 20:00")
    assert result.output == "respect: open until Tuesday 24 November 20:00\n"
    assert (
        "respect          open   closes today at 8 pm (override: open until Tuesday "
        "24 November 20:00)" in run("--at", "2026-11-24 12:00").output
    )
    assert run("clear").output == "all helplines: normal hours\n"
    # Each change is in the audit log, with who made it and from where
    store = cli_store()
    kinds = [(e.channel, e.kind, e.subject) for e in reversed(store.audit())]
    assert kinds == [
        ("cli", "hours", "mankind"),
        ("cli", "hours", "mankind"),
        ("cli", "hours", "respect"),
        ("cli", "hours", "all helplines"),
    ]
    assert (
        "respect          open   hours unknown: always tried"
        in run("--at", "2026-11-24 12:00").output
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("close", "nobody", "--until", "2026-12-01"), "unknown helpline 'nobody' (known: "),
        (
            ("close", "national_24h", "--until", "2026-12-01"),
            "the 24/7 line is never skipped, so it cannot be closed",
        ),
        (
            ("close", "mankind", "--until", "2026-11-01"),
            "Sunday 1 November 00:00 has already passed",
        ),
        (
            ("open", "mankind", "--until", "2026-11-24 11:59"),
            "Tuesday 24 November 11:59 has already passed",
        ),
        (
            ("close", "mankind", "--until", "9999-12-31"),
            "Friday 31 December 9999 00:00 is more than a year away: close or open a helpline "
            "for a year at most, or change its hours in the menu",
        ),
        (
            ("open", "mankind", "--until", "2027-11-26 09:00"),
            "Friday 26 November 2027 09:00 is more than a year away",
        ),
        (
            ("close", "elm_text", "--until", "2026-12-01"),
            "'elm_text' is never dialled (dial: false), so it cannot be closed or opened "
            "(dialled helplines: ",
        ),
        (
            ("close", "mankind", "--until", "next week"),
            "'next week' is not a date and time like 2026-12-24 09:00",
        ),
        (("close", "mankind"), "Missing option '--until'"),
    ],
)
def test_refusals(run: Callable[..., object], args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_next_years_date_says_its_year(run: Callable[..., object]) -> None:
    result = run("close", "mankind", "--until", "2027-01-04 10:00", "--reason", "for the holiday")
    assert (result.exit_code, result.output) == (
        0,
        "mankind: closed until Monday 4 January 2027 10:00\n",
    )


def test_a_time_with_an_offset_is_taken_as_given(run: Callable[..., object]) -> None:
    result = run("close", "mankind", "--until", "2026-11-24T15:00:00+00:00")
    assert result.output == "mankind: closed until Tuesday 24 November 15:00\n"


def test_a_broken_menu(run: Callable[..., object], write_menu: Callable[[str], Path]) -> None:
    result = run("--menu", str(write_menu("menus: {}\n")))
    assert result.exit_code == 1
    assert result.output.startswith("Error: menus.yaml:1: missing 'helplines:'")


def test_simulate_at_a_time(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["simulate", "--keys", "4, 1", "--at", "2026-11-28 12:00"])
    assert result.exit_code == 0, result.output
    assert (
        "[say] The ManKind Initiative is closed now. It opens on Monday at 10 am." in result.output
    )
    assert result.output.splitlines()[-1] == "call ended: bridged"
