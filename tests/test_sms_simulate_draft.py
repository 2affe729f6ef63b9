"""`ivr simulate --sms --menu FILE` texts that file (a draft), not the published menu,
and counts nothing, as `ivr simulate --menu FILE` does for a call since issue 20."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ivr.call import conversation
from ivr.commands.main import main
from ivr.store.db import database_url, shared_engine
from ivr.store.models import CallCount
from tests.helpers import SMALL_MENU

LABEL = "        label: Refuge\n"
PUBLISHED = SMALL_MENU.replace(LABEL, "        label: Refuge, as published\n")
DRAFT = SMALL_MENU.replace(LABEL, "        label: Refuge, in the draft\n")


def texts_counted() -> int:
    """How many texts the report has (on every line, every hour)."""
    engine = shared_engine(database_url())
    with Session(engine) as session:
        texts = select(func.sum(CallCount.count)).where(CallCount.metric == conversation.TEXT)
        return int(session.scalar(texts) or 0)


def ivr(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_simulate_sms_texts_the_draft_given_and_counts_nothing(small_line: Path) -> None:
    assert PUBLISHED != SMALL_MENU != DRAFT
    published = small_line / "published.yaml"
    published.write_text(PUBLISHED, encoding="utf-8")
    assert ivr("menu", "publish", str(published)).exit_code == 0
    draft = small_line / "draft.yaml"
    draft.write_text(DRAFT, encoding="utf-8")
    tried = ivr("simulate", "--sms", "--menu", str(draft), "--keys", "hi")
    assert tried.exit_code == 0, tried.output
    assert "1 Refuge, in the draft" in tried.output
    assert "as published" not in tried.output
    assert texts_counted() == 0  # a draft is not the line
    # Without --menu: what texters get now, the published version, counted
    live = ivr("simulate", "--sms", "--keys", "hi, 1")
    assert live.exit_code == 0, live.output
    assert "1 Refuge, as published" in live.output
    assert texts_counted() == 2
