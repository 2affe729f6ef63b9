"""Times in British Summer Time are kept as staff wrote them, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.commands import hours as hours_cli
from ivr.commands.main import main
from ivr.menu.hours import LONDON
from ivr.store.changes import Store
from ivr.store.db import shared_engine, upgrade
from ivr.store.rows import ClosureRow, Who
from tests.helpers import NOON, TEST_DATABASE_URL


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(hours_cli, "utc_now", lambda: NOON)  # a Tuesday in November
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 's.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    upgrade(url)
    return url


def test_a_closure_until_a_summer_morning_written_in_winter_ends_then(url: str) -> None:
    result = CliRunner().invoke(
        main, ["hours", "close", "respect", "--until", "2027-04-05 09:00", "--reason", "moving"]
    )
    assert result.exit_code == 0, result.output
    assert result.output == "respect: closed until Monday 5 April 2027 09:00\n"
    closures = Store(shared_engine(url)).snapshot().closures
    until = closures["respect"].until
    assert until == datetime(2027, 4, 5, 8, 0, tzinfo=UTC)  # 09:00 BST
    assert until.astimezone(LONDON).hour == 9
    listing = CliRunner().invoke(main, ["hours", "--at", "2027-04-05 08:30"]).output
    assert "closed opens today at 9 am (override: closed until Monday 5 April 09:00" in listing


def test_any_moment_the_store_keeps_comes_back_as_the_same_moment(url: str) -> None:
    store = Store(shared_engine(url))
    summer = datetime(2027, 7, 1, 23, 30, tzinfo=LONDON)
    store.set_closure("respect", ClosureRow("closed", summer, "a summer night"), Who("T", "cli"))
    kept = store.snapshot().closures["respect"].until
    assert kept == summer and kept.tzinfo is not None
