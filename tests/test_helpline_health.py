"""The helpline watch's state machine and its store: every transition, decided once under
a lock however many instances record at once."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.call import watch as watch_module
from ivr.call.watch import Watch, drawn, limits
from ivr.errors import IvrError
from ivr.menu.load import load_menu
from ivr.menu.model import Settings
from ivr.store.changes import Store
from ivr.store.db import make_engine, upgrade
from ivr.store.health import (
    DOUBTFUL,
    FAILING,
    HEALTHY,
    SKIP,
    TRY,
    Health,
    HealthAlert,
    HealthStore,
    Limits,
    after,
    reason,
)
from ivr.store.models import AuditEntry
from ivr.store.rows import Who
from tests.helpers import NOON, REPO_MENU, TEST_DATABASE_URL

LIMITS = Limits(failed_in_a_row=3, doubtful_after=10, failing_after=25)
STAFF = Who("Ann Editor", "console")
# A database nothing answers on: connection refused at once
NOWHERE = "postgresql+psycopg://ivr:ivr@127.0.0.1:1/nothing"


def at(minutes: int) -> datetime:
    return NOON + timedelta(minutes=minutes)


def run(health: Health, results: list[str]) -> Health:
    for n, result in enumerate(results):
        health = after(health, result, NOON + timedelta(minutes=n), LIMITS)
    return health


def fresh(state: str = HEALTHY, **runs: int) -> Health:
    return Health("refuge_derby", state, NOON - timedelta(days=1), **runs)


# The rules, one transition each


@pytest.mark.parametrize(
    ("start", "results", "state"),
    [
        # healthy -> doubtful: ten transfers in a row without an accept
        (fresh(), ["busy"] * 9, HEALTHY),
        (fresh(), ["busy", "no-answer", "declined"] * 3 + ["busy"], DOUBTFUL),
        # healthy -> failing at once: three failed in a row
        (fresh(), ["failed"] * 2, HEALTHY),
        (fresh(), ["failed"] * 3, FAILING),
        # a call that was placed breaks a run of failed ones
        (fresh(), ["failed", "failed", "busy", "failed", "failed"], HEALTHY),
        # doubtful -> failing: a run of failed, or twenty-five without an accept
        (fresh(DOUBTFUL, unanswered_run=10), ["failed"] * 3, FAILING),
        (fresh(DOUBTFUL, unanswered_run=10), ["declined"] * 14, DOUBTFUL),
        (fresh(DOUBTFUL, unanswered_run=10), ["declined"] * 15, FAILING),
        # accepted -> healthy from any state
        (fresh(DOUBTFUL, unanswered_run=12), ["accepted"], HEALTHY),
        (fresh(FAILING, failed_run=3, unanswered_run=3), ["accepted"], HEALTHY),
        # failing stays failing without an accept: never back to doubtful
        (fresh(FAILING, failed_run=3, unanswered_run=3), ["busy"] * 30, FAILING),
        # healthy stays healthy with accepts between
        (fresh(), (["busy"] * 9 + ["accepted"]) * 3, HEALTHY),
    ],
)
def test_every_transition(start: Health, results: list[str], state: str) -> None:
    assert run(start, results).state == state


def test_a_change_of_state_starts_a_since_and_ends_staffs_override() -> None:
    tried = replace(fresh(FAILING, failed_run=3, unanswered_run=3), override=TRY)
    healthy = after(tried, "accepted", NOON, LIMITS)
    assert (healthy.state, healthy.since, healthy.override) == (HEALTHY, NOON, "")
    assert (healthy.failed_run, healthy.unanswered_run, healthy.last_accepted) == (0, 0, NOON)
    # No change of state: the override and the since stay
    skipped = replace(fresh(), override=SKIP)
    busy = after(skipped, "busy", NOON, LIMITS)
    assert (busy.since, busy.override, busy.unanswered_run) == (skipped.since, SKIP, 1)


def test_the_reasons_staff_read() -> None:
    assert reason(Health("x")) == "no transfers yet"
    assert reason(Health("x", last_accepted=NOON)) == "took the last call put through"
    assert reason(Health("x", failed_run=1, unanswered_run=1)) == (
        "the last one failed (Twilio could not place the call); "
        "1 transfer in a row without an accept"
    )
    assert reason(Health("x", failed_run=3, unanswered_run=12)) == (
        "3 failed in a row (Twilio could not place the call); "
        "12 transfers in a row without an accept"
    )


def test_the_thresholds_come_from_the_menus_settings() -> None:
    settings = Settings(watch_failed_in_a_row=2, watch_doubtful_after=4, watch_failing_after=6)
    assert limits(settings) == Limits(2, 4, 6)
    assert limits(Settings()) == Limits(3, 10, 25)


def test_one_ring_in_n_is_drawn_from_its_token() -> None:
    tokens = [f"{n:016x}" for n in range(2000)]
    chosen = [t for t in tokens if drawn(t, "refuge_derby", 5)]
    assert 300 < len(chosen) < 500  # about one in five
    # The same token always draws the same; another helpline draws on its own
    assert all(drawn(t, "refuge_derby", 5) for t in chosen)
    assert chosen != [t for t in tokens if drawn(t, "mankind", 5)]


# The store


@pytest.fixture
def url(tmp_path: Path) -> str:
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    made = f"sqlite:///{tmp_path / 'watch.sqlite3'}"
    upgrade(made)
    return made


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    engine = make_engine(url)
    yield Store(engine, clock=lambda: NOON)
    engine.dispose()  # (a connection left open is a warning, so an error, here)


@pytest.fixture
def health(store: Store) -> HealthStore:
    return HealthStore(store)


def audit(store: Store, kind: str = "health") -> list[tuple[str, str, str, str, str]]:
    return [(e.who, e.channel, e.subject, e.before, e.after) for e in store.audit(kind=kind)][::-1]


def test_the_store_writes_each_change_with_its_audit_entry_and_alert(
    store: Store, health: HealthStore
) -> None:
    revision = store.revision()
    failed = [("refuge_derby", "failed", NOON + timedelta(minutes=n)) for n in range(3)]
    changes = health.record([*failed, ("mankind", "busy", NOON), ("x", "nonsense", NOON)], LIMITS)
    assert [(b.state, a.state) for b, a in changes] == [(HEALTHY, FAILING)]
    assert store.revision() == revision + 1  # every worker's copy sees it within a second
    states = health.states()
    assert set(states) == {"refuge_derby", "mankind"}  # nonsense is no result
    refuge = states["refuge_derby"]
    assert (refuge.state, refuge.since, refuge.failed_run) == (FAILING, at(2), 3)
    assert refuge.alerted_at == at(2)
    assert (states["mankind"].state, states["mankind"].since) == (HEALTHY, NOON)
    assert audit(store) == [
        (
            "the watch",
            "watch",
            "refuge_derby",
            "healthy",
            "failing: 3 failed in a row (Twilio could not place the call); "
            "3 transfers in a row without an accept",
        )
    ]
    (alert,) = health.alerts()
    assert (alert.helpline_id, alert.kind, alert.made_at, alert.sent_at) == (
        "refuge_derby",
        "failing",
        at(2),
        None,
    )
    # More failures: no change, no alert, no revision bump
    health.record([("refuge_derby", "failed", at(5))], LIMITS)
    assert store.revision() == revision + 1 and len(health.alerts()) == 1
    # An accept: healthy, and a recovery alert saying what it had been
    health.record([("refuge_derby", "accepted", at(9))], LIMITS)
    assert [a.kind for a in health.alerts()] == ["recovered", "failing"]
    assert health.alerts()[0].why.startswith("4 failed in a row")
    recovered = health.states()["refuge_derby"]
    assert (recovered.state, recovered.since, recovered.alerted_at) == (HEALTHY, at(9), None)
    assert audit(store)[-1][3:] == ("failing", "healthy: " + health.alerts()[0].why)


def test_a_batch_passing_through_two_states_tells_of_both(health: HealthStore) -> None:
    busy = [("respect", "busy", at(n)) for n in range(25)]
    changes = health.record(busy, LIMITS)
    assert [(b.state, a.state) for b, a in changes] == [(HEALTHY, DOUBTFUL), (DOUBTFUL, FAILING)]
    assert [a.kind for a in health.alerts()] == ["failing", "doubtful"]


def test_the_service_refuses_an_override_the_line_cannot_take(
    store: Store, health: HealthStore
) -> None:
    """Whichever door it came by: the rules are the store's, not a page's."""
    menu = load_menu(REPO_MENU)
    revision = store.revision()
    refused = [
        ("refuge_derby", "maybe", "choose 'try it anyway', 'skip it' or 'automatic'"),
        ("national_24h", SKIP, "the 24/7 line is never skipped: it ends every transfer"),
        ("no_such_line", TRY, "choose a helpline that transfers ring"),
    ]
    for helpline_id, choice, why in refused:
        with pytest.raises(IvrError) as e:
            health.set_override(helpline_id, choice, STAFF, menu)
        assert str(e.value) == why
    assert store.revision() == revision  # nothing changed, nothing audited
    assert audit(store, "health override") == []
    health.set_override("refuge_derby", SKIP, STAFF, menu)
    assert health.states()["refuge_derby"].override == SKIP


def test_staff_override_is_audited_in_their_name_and_ends_with_a_change(
    store: Store, health: HealthStore
) -> None:
    revision = store.revision()
    health.set_override("refuge_derby", TRY, STAFF)
    assert store.revision() == revision + 1
    assert health.states()["refuge_derby"] == Health("refuge_derby", HEALTHY, NOON, override=TRY)
    health.set_override("refuge_derby", SKIP, STAFF)
    health.set_override("refuge_derby", "", STAFF)
    assert audit(store, "health override") == [
        ("Ann Editor", "console", "refuge_derby", "automatic", "try it anyway"),
        ("Ann Editor", "console", "refuge_derby", "try it anyway", "skip it"),
        ("Ann Editor", "console", "refuge_derby", "skip it", "automatic"),
    ]
    health.set_override("refuge_derby", TRY, STAFF)
    health.record([("refuge_derby", "failed", at(n)) for n in range(3)], LIMITS)
    assert health.states()["refuge_derby"].override == ""
    assert audit(store)[-1][4].endswith("; staff's 'try it anyway' ends")


def test_a_daily_summary_while_failing_is_queued_once(url: str, health: HealthStore) -> None:
    health.record([("refuge_derby", "failed", at(n)) for n in range(3)], LIMITS)
    engine = make_engine(url)
    other = HealthStore(Store(engine, clock=lambda: NOON))
    day = timedelta(days=1)
    assert health.queue_summaries(at(2) + day - timedelta(seconds=1), day) == 0
    assert health.queue_summaries(at(2) + day, day) == 1
    assert other.queue_summaries(at(2) + day, day) == 0  # another instance: already queued
    engine.dispose()
    assert [a.kind for a in health.alerts()] == ["still failing", "failing"]
    assert health.queue_summaries(at(2) + 2 * day, day) == 1
    # Recovered: no more summaries
    health.record([("refuge_derby", "accepted", at(2) + 2 * day)], LIMITS)
    assert health.queue_summaries(at(2) + 5 * day, day) == 0


def test_an_alert_is_claimed_by_exactly_one_sender(store: Store, health: HealthStore) -> None:
    health.record([("refuge_derby", "failed", at(n)) for n in range(3)], LIMITS)
    (alert,) = health.due(at(3) - timedelta(days=2))
    hold = timedelta(minutes=2)
    assert health.claim(alert.id, at(3), hold)
    assert not health.claim(alert.id, at(3), hold)  # held by the first
    # The first stopped mid-way: after the hold another may take it
    assert not health.claim(alert.id, at(4), hold)
    assert health.claim(alert.id, at(6), hold)
    health.not_sent(alert.id, "ConnectionRefusedError: no", at(10))
    assert not health.claim(alert.id, at(9), hold)  # not before its retry
    assert health.alerts()[0].attempts == 2 and health.alerts()[0].error.startswith("Conn")
    assert health.claim(alert.id, at(10), hold)
    health.sent(alert.id, at(10))
    assert not health.claim(alert.id, at(20), hold)
    assert health.due(at(0)) == []
    assert (health.alerts()[0].sent_at, health.alerts()[0].error) == (at(10), "")
    # Too old to send: left for the daily summary
    health.record([("mankind", "failed", at(n)) for n in range(3)], LIMITS)
    assert [a.helpline_id for a in health.due(at(1))] == ["mankind"]
    assert health.due(at(3)) == []


def test_what_a_worker_holds_is_written_as_it_stops(health: HealthStore) -> None:
    watch = Watch(health, clock=lambda: NOON)
    watch.start()
    for _ in range(3):
        watch.note("refuge_derby", "failed")
    watch_module._write_at_exit()  # as the process stops
    assert health.states()["refuge_derby"].state == FAILING


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_instances_recording_at_once_decide_once(tmp_path: Path, backend: str) -> None:
    """Two instances (engines of their own) record failures for one helpline at the same
    moments: every result is counted, and it becomes failing exactly once."""
    if backend == "postgresql":
        if not TEST_DATABASE_URL:
            pytest.skip("needs IVR_TEST_DATABASE_URL")
        url = TEST_DATABASE_URL
    else:
        url = f"sqlite:///{tmp_path / 'two.sqlite3'}"
        upgrade(url)
    instances = [HealthStore(Store(make_engine(url), clock=lambda: NOON)) for _ in range(2)]
    rounds = 30
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def record(instance: HealthStore) -> None:
        try:
            for n in range(rounds):
                start.wait()
                instance.record([("refuge_derby", "failed", at(n))], LIMITS)
        except BaseException as e:  # noqa: BLE001 - reported below
            failures.append(e)
            start.abort()

    threads = [threading.Thread(target=record, args=(i,)) for i in instances]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    final = instances[0].states()["refuge_derby"]
    with Session(instances[0].engine) as session:
        alerts = list(session.scalars(select(HealthAlert)))
        audits = list(session.scalars(select(AuditEntry).where(AuditEntry.kind == "health")))
    for instance in instances:
        instance.engine.dispose()
    assert (final.state, final.failed_run, final.unanswered_run) == (FAILING, 60, 60)
    assert [a.kind for a in alerts] == ["failing"] and len(audits) == 1


# This worker's side: in memory, never waiting on the database


def test_results_wait_in_memory_while_the_store_is_down(
    health: HealthStore, caplog: pytest.LogCaptureFixture
) -> None:
    down = HealthStore(Store(make_engine(NOWHERE)))
    watch = Watch(down, clock=lambda: NOON)
    assert watch.flush()  # nothing to write
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            watch.note("refuge_derby", "failed")
        assert not watch.flush()
        watch.note("refuge_derby", "busy")
        assert not watch.flush()  # said once
        assert [result for _, result, _ in watch.held] == ["failed"] * 3 + ["busy"]
        watch.store = health  # the database is back
        assert watch.flush()
    assert [r.getMessage() for r in caplog.records] == [
        "helpline results cannot be written (OperationalError): they wait in memory",
        "helpline results are written again",
    ]
    refuge = health.states()["refuge_derby"]
    assert (refuge.state, refuge.unanswered_run, refuge.failed_run) == (FAILING, 4, 0)
    assert watch.held == [] and not watch.waiting


def test_a_worker_goes_on_with_the_health_it_last_read(
    health: HealthStore, caplog: pytest.LogCaptureFixture
) -> None:
    health.record([("refuge_derby", "failed", at(n)) for n in range(3)], LIMITS)
    watch = Watch(health)
    watch.reload()
    assert watch.health["refuge_derby"].state == FAILING
    watch.store = HealthStore(Store(make_engine(NOWHERE)))
    with caplog.at_level(logging.ERROR):
        watch.reload()
        watch.reload()
    assert watch.health["refuge_derby"].state == FAILING
    assert [r.getMessage() for r in caplog.records] == [
        "helpline health cannot be read (OperationalError): using the last"
    ]
    watch.store = health
    watch.reload()
    assert watch.reading


def test_which_transfers_pass_a_helpline_by(health: HealthStore) -> None:
    tried = next(f"{n:016x}" for n in range(100) if drawn(f"{n:016x}", "refuge_derby", 5))
    passed = next(f"{n:016x}" for n in range(100) if not drawn(f"{n:016x}", "refuge_derby", 5))
    watch = Watch(health)
    watch.reload()
    assert not watch.skips("refuge_derby", passed, 5)  # never seen: healthy
    health.record([("refuge_derby", "busy", at(n)) for n in range(10)], LIMITS)
    watch.reload()
    assert not watch.skips("refuge_derby", passed, 5)  # doubtful: still tried
    health.record([("refuge_derby", "failed", at(n)) for n in range(3)], LIMITS)
    watch.reload()
    assert watch.skips("refuge_derby", passed, 5)  # failing
    assert not watch.skips("refuge_derby", tried, 5)  # but for one in five
    health.set_override("refuge_derby", TRY, STAFF)
    watch.reload()
    assert not watch.skips("refuge_derby", passed, 5)  # staff: try it anyway
    health.set_override("refuge_derby", SKIP, STAFF)
    health.set_override("mankind", SKIP, STAFF)
    watch.reload()
    assert watch.skips("refuge_derby", tried, 5)  # staff: skip it, whoever is drawn
    assert watch.skips("mankind", tried, 5)  # even a healthy one
