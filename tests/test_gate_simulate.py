"""`ivr simulate --menu FILE` plays that file (a draft), not the published menu."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ivr.commands.main import main
from ivr.report import events
from ivr.store.db import database_url, shared_engine
from ivr.store.models import CallCount
from tests.helpers import SMALL_MENU, TEST_DATABASE_URL

PUBLISHED = "prompts:\n  goodbye: Goodbye from the published menu.\n"
DRAFT = "prompts:\n  goodbye: Goodbye from the draft.\n"


@pytest.fixture
def env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write_menu: Callable[[str], Path]
) -> Path:
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'state' / 'ivr.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("PROMPTS_DIR", str(tmp_path / "prompts"))
    monkeypatch.setenv("IVR_MENU", str(write_menu(SMALL_MENU)))
    return tmp_path


def counts() -> int:
    """How many calls the report has (on every line, every hour)."""
    engine = shared_engine(database_url())
    with Session(engine) as session:
        calls = select(func.sum(CallCount.count)).where(CallCount.metric == events.CALL)
        return int(session.scalar(calls) or 0)


def ivr(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_simulate_plays_the_draft_given_not_the_published_menu(env: Path) -> None:
    published = env / "published.yaml"
    published.write_text(PUBLISHED + SMALL_MENU, encoding="utf-8")
    assert ivr("menu", "publish", str(published)).exit_code == 0
    draft = env / "draft.yaml"
    draft.write_text(DRAFT + SMALL_MENU, encoding="utf-8")
    tried = ivr("simulate", "--menu", str(draft), "--keys", "1")
    assert tried.exit_code == 0, tried.output
    assert "Goodbye from the draft." in tried.output
    assert "published menu" not in tried.output
    assert counts() == 0  # a draft is not the line: not counted, as in the console
    # Without --menu: what callers hear now, the published version
    live = ivr("simulate", "--keys", "1")
    assert live.exit_code == 0, live.output
    assert "Goodbye from the published menu." in live.output
    assert counts() == 1
