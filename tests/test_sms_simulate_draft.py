"""`ivr simulate --sms --menu FILE` texts that file (a draft), not the published menu,
and counts nothing, as `ivr simulate --menu FILE` does for a call since issue 20."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ivr.call import conversation
from ivr.commands.main import main
from ivr.store.db import database_url, shared_engine
from ivr.store.models import CallCount
from tests.helpers import SMALL_MENU, TEST_DATABASE_URL

LABEL = "        label: Refuge\n"
PUBLISHED = SMALL_MENU.replace(LABEL, "        label: Refuge, as published\n")
DRAFT = SMALL_MENU.replace(LABEL, "        label: Refuge, in the draft\n")


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


def texts_counted() -> int:
    """How many texts the report has (on every line, every hour)."""
    engine = shared_engine(database_url())
    with Session(engine) as session:
        texts = select(func.sum(CallCount.count)).where(CallCount.metric == conversation.TEXT)
        return int(session.scalar(texts) or 0)


def ivr(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_simulate_sms_texts_the_draft_given_and_counts_nothing(env: Path) -> None:
    assert PUBLISHED != SMALL_MENU != DRAFT
    published = env / "published.yaml"
    published.write_text(PUBLISHED, encoding="utf-8")
    assert ivr("menu", "publish", str(published)).exit_code == 0
    draft = env / "draft.yaml"
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
