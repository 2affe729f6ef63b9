"""`ivr simulate --menu FILE` plays that file (a draft), not the published menu."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ivr.commands.main import main
from ivr.report import events
from ivr.store.db import database_url, shared_engine
from ivr.store.models import CallCount
from tests.helpers import SMALL_MENU

PUBLISHED = "prompts:\n  goodbye: Goodbye from the published menu.\n"
DRAFT = "prompts:\n  goodbye: Goodbye from the draft.\n"


def counts() -> int:
    """How many calls the report has (on every line, every hour)."""
    engine = shared_engine(database_url())
    with Session(engine) as session:
        calls = select(func.sum(CallCount.count)).where(CallCount.metric == events.CALL)
        return int(session.scalar(calls) or 0)


def ivr(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_simulate_plays_the_draft_given_not_the_published_menu(small_line: Path) -> None:
    published = small_line / "published.yaml"
    published.write_text(PUBLISHED + SMALL_MENU, encoding="utf-8")
    assert ivr("menu", "publish", str(published)).exit_code == 0
    draft = small_line / "draft.yaml"
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
