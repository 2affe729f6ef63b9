"""The helpline watch on today's line: a store that cannot be reached is logged once while
it lasts (the mailer ticks every 2 s), and a draft tried with `ivr simulate --menu` tells
the watch nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ivr.commands.main import main
from ivr.commands.options import cli_store
from ivr.menu.load import load_menu
from ivr.staff.alerts import Mailer
from ivr.store.changes import Store
from ivr.store.db import make_engine, upgrade
from ivr.store.health import HealthStore, Limits
from tests.helpers import NOON, REPO_MENU, TEST_DATABASE_URL, free_port
from tests.helpers.mail import mail

MENU = load_menu(REPO_MENU)


@pytest.fixture
def health(tmp_path: Path) -> HealthStore:
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'quiet.sqlite3'}"
    if not TEST_DATABASE_URL:
        upgrade(url)
    return HealthStore(Store(make_engine(url), clock=lambda: NOON))


def test_a_store_out_of_reach_is_logged_once_and_its_return_once(
    health: HealthStore, caplog: pytest.LogCaptureFixture
) -> None:
    nowhere = HealthStore(Store(make_engine("postgresql+psycopg://ivr:ivr@127.0.0.1:1/x")))
    mailer = Mailer(nowhere, mail(free_port()), lambda: MENU, lambda: NOON)
    with caplog.at_level(logging.WARNING):
        assert [mailer.tick(), mailer.tick(), mailer.tick()] == [0, 0, 0]
        mailer.store = health  # the database answers again
        assert mailer.tick() == 0 and mailer.tick() == 0
    assert [r.getMessage() for r in caplog.records] == [
        "alerts cannot be read (OperationalError): trying again shortly",
        "alerts can be read again",
    ]
    health.engine.dispose()


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    monkeypatch.setenv("DATABASE_URL", TEST_DATABASE_URL or f"sqlite:///{tmp_path / 's.db'}")
    monkeypatch.setenv("STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("PROMPTS_DIR", str(REPO_MENU.parent / "prompts"))

    def run(*args: str) -> Result:
        return CliRunner().invoke(main, list(args))

    return run


def test_a_drafts_simulated_calls_tell_the_watch_nothing(run: Callable[..., Result]) -> None:
    draft = ("simulate", "--menu", str(REPO_MENU), "--keys", "2, 1")
    for _ in range(3):  # settings.watch_failed_in_a_row: the line's own calls would fail it
        result = run(*draft, "--answer", "refuge_derby=failed")
        assert result.exit_code == 0, result.output
        assert "[not-answered] failed" in result.output
    assert HealthStore(cli_store()).states() == {}


def test_each_change_of_state_moves_the_revision_once_as_every_audited_change_does(
    health: HealthStore,
) -> None:
    """The store's rule (tests/test_fault.py): the revision counts the audited changes."""
    store = health.store
    revision, audited = store.revision(), len(store.audit(limit=1000))
    busy = [("respect", "busy", NOON + timedelta(seconds=n)) for n in range(25)]
    changes = health.record(busy, Limits())  # healthy, doubtful, failing: in one batch
    assert len(changes) == 2 and len(store.audit(limit=1000)) == audited + 2
    assert store.revision() == revision + 2
    health.engine.dispose()
