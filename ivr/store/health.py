"""Each helpline's health, from how its transfers ended: healthy, doubtful or failing.

Kept in the store, so every instance agrees, and decided under a lock (the helpline's
row, SELECT ... FOR UPDATE on PostgreSQL; SQLite's one write lock), so two workers
recording at once cannot both count from the same figures. Nothing here names a caller:
a result is a helpline, how its ring ended, and when.

The rules (`after`), with the thresholds of menus.yaml `settings:`:

- accepted (the helpline pressed 1): healthy, from any state; its runs start again.
- failed (Twilio could not place the call) `failed_in_a_row` times in a row: failing.
- `failing_after` transfers in a row without an accept: failing.
- `doubtful_after` transfers in a row without an accept: doubtful (a healthy helpline).
- A failing helpline stays failing until it accepts a call: never back to doubtful.

Every change of state is written with an audit entry, a revision bump (so every
worker's copy sees it within a second) and an alert waiting to be emailed, in the
transaction that decided it. Staff may override either way ("try it anyway" / "skip
it"); an override holds until the helpline's state next changes or staff end it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, Text, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from ivr.errors import IvrError
from ivr.menu.model import Menu
from ivr.store.changes import Store
from ivr.store.models import AuditEntry, Base, Moment, Revision
from ivr.store.rows import Who, aware

HEALTHY, DOUBTFUL, FAILING = "healthy", "doubtful", "failing"
STATES = (HEALTHY, DOUBTFUL, FAILING)
# How a transfer ended, as the watch counts it (a caller hanging up while it rang, or a
# dial Twilio reports without saying whether it was bridged, says nothing of a helpline)
ACCEPTED = "accepted"
RESULTS = (ACCEPTED, "declined", "busy", "no-answer", "failed")
TRY, SKIP, AUTOMATIC = "try", "skip", ""
OVERRIDES = {TRY: "try it anyway", SKIP: "skip it", AUTOMATIC: "automatic"}
# Alerts: a change to one of the states, and the daily word while one stays failing
RECOVERED, STILL_FAILING = "recovered", "still failing"
WATCH = Who("the watch", "watch")  # the audit's name for a change the watch decided
AUDIT_KIND = "health"
OVERRIDE_KIND = "health override"
Result = tuple[str, str, datetime]  # helpline id, how its ring ended, when


class HelplineHealth(Base):
    """A helpline's health: its state since when, the runs behind it, staff's override."""

    __tablename__ = "helpline_health"

    helpline_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    state: Mapped[str] = mapped_column(String(10))
    since: Mapped[datetime] = mapped_column(Moment())
    failed_run: Mapped[int] = mapped_column(Integer, default=0)
    unanswered_run: Mapped[int] = mapped_column(Integer, default=0)
    last_accepted: Mapped[datetime | None] = mapped_column(Moment(), nullable=True)
    override: Mapped[str] = mapped_column(String(10), default="")
    # When staff were last told while it is not healthy (a change, or a daily summary)
    alerted_at: Mapped[datetime | None] = mapped_column(Moment(), nullable=True)


class HealthAlert(Base):
    """An alert to email: made with the change it tells of, sent once, retried until."""

    __tablename__ = "health_alert"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    helpline_id: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))  # doubtful, failing, recovered, still...
    why: Mapped[str] = mapped_column(Text, default="")
    made_at: Mapped[datetime] = mapped_column(Moment(), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(Moment(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Not to be tried before: an instance sending it holds it until then, a failure too
    retry_at: Mapped[datetime | None] = mapped_column(Moment(), nullable=True)
    error: Mapped[str] = mapped_column(String(200), default="")


@dataclass(frozen=True)
class Limits:
    """The thresholds of menus.yaml `settings:` (watch_*), with their defaults."""

    failed_in_a_row: int = 3
    doubtful_after: int = 10
    failing_after: int = 25


@dataclass(frozen=True)
class Health:
    """A helpline's health as the store holds it (a helpline never seen: healthy, since
    its first transfer)."""

    helpline_id: str
    state: str = HEALTHY
    since: datetime | None = None
    failed_run: int = 0
    unanswered_run: int = 0
    last_accepted: datetime | None = None
    override: str = AUTOMATIC
    alerted_at: datetime | None = None

    @property
    def skipped(self) -> bool:
        """Whether transfers pass it by (but for the one caller in N a failing one gets)."""
        return self.override == SKIP or (self.state == FAILING and self.override != TRY)


@dataclass(frozen=True)
class Alert:
    """An alert as the store holds it."""

    id: int
    helpline_id: str
    kind: str
    why: str
    made_at: datetime
    sent_at: datetime | None = None
    attempts: int = 0
    error: str = ""


def after(health: Health, result: str, at: datetime, limits: Limits) -> Health:
    """The health after one more transfer result (the rules above)."""
    if result == ACCEPTED:
        state = HEALTHY
        health = replace(health, failed_run=0, unanswered_run=0, last_accepted=at)
    else:
        failed = health.failed_run + 1 if result == "failed" else 0
        unanswered = health.unanswered_run + 1
        health = replace(health, failed_run=failed, unanswered_run=unanswered)
        state = health.state
        if failed >= limits.failed_in_a_row or unanswered >= limits.failing_after:
            state = FAILING
        elif unanswered >= limits.doubtful_after and state == HEALTHY:
            state = DOUBTFUL
    if state == health.state:
        return health
    # A change of state ends staff's override: their judgement was about the old one
    return replace(health, state=state, since=at, override=AUTOMATIC)


def reason(health: Health) -> str:
    """The counts behind a state, as staff read them (no caller, no time of day)."""
    parts = []
    if health.failed_run:
        parts.append(
            f"{health.failed_run} failed in a row (Twilio could not place the call)"
            if health.failed_run > 1
            else "the last one failed (Twilio could not place the call)"
        )
    if health.unanswered_run:
        n = health.unanswered_run
        parts.append(f"{n} transfer{'s' * (n != 1)} in a row without an accept")
    if not parts:
        return "took the last call put through" if health.last_accepted else "no transfers yet"
    return "; ".join(parts)


class HealthStore:
    """The store's side of the watch: results in, states and alerts out."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine

    def record(self, results: Iterable[Result], limits: Limits) -> list[tuple[Health, Health]]:
        """Apply results in order, each helpline under its lock; the changes of state made."""
        by_helpline: dict[str, list[tuple[str, datetime]]] = {}
        for helpline_id, result, at in results:
            if result in RESULTS:
                by_helpline.setdefault(helpline_id, []).append((result, at))
        changes = []
        for helpline_id in sorted(by_helpline):
            changes += self._record(helpline_id, by_helpline[helpline_id], limits)
        return changes

    def _record(
        self, helpline_id: str, results: list[tuple[str, datetime]], limits: Limits
    ) -> list[tuple[Health, Health]]:
        with Session(self.engine) as session, session.begin():
            row = self._locked(session, helpline_id, results[0][1])
            health = _health(row) if row.state else Health(helpline_id, since=results[0][1])
            changes = []
            for result, at in results:
                before, health = health, after(health, result, at, limits)
                if health.state != before.state:
                    changes.append((before, health))
            for before, now in changes:
                self._tell(session, before, now)
            if changes:
                health = replace(health, alerted_at=changes[-1][1].since)
                # Once per change, as every audited change does (the revision counts them)
                bump = Revision.number + len(changes)
                session.execute(update(Revision).values(number=bump))
            _write(row, health)
        return changes

    def _locked(self, session: Session, helpline_id: str, at: datetime) -> HelplineHealth:
        """The helpline's row, locked until the transaction ends (made if it is new)."""
        dialect = self.engine.dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        # The insert also takes SQLite's write lock before anything is read
        session.execute(
            insert(HelplineHealth)
            .values(helpline_id=helpline_id, state="", since=at)
            .on_conflict_do_nothing(index_elements=["helpline_id"])
        )
        query = select(HelplineHealth).where(HelplineHealth.helpline_id == helpline_id)
        row = session.scalar(query.with_for_update().execution_options(populate_existing=True))
        assert row is not None  # made just above if it was not there
        return row

    def _tell(self, session: Session, before: Health, now: Health) -> None:
        """A change of state: its audit entry and its alert, in the deciding transaction."""
        at = now.since or self.store.clock()
        why = reason(before if now.state == HEALTHY else now)
        ended = f"; staff's '{OVERRIDES[before.override]}' ends" if before.override else ""
        session.add(
            AuditEntry(
                at=at,
                who=WATCH.name,
                channel=WATCH.channel,
                kind=AUDIT_KIND,
                subject=now.helpline_id,
                before=before.state,
                after=f"{now.state}: {why}{ended}",
            )
        )
        kind = RECOVERED if now.state == HEALTHY else now.state
        session.add(HealthAlert(helpline_id=now.helpline_id, kind=kind, why=why, made_at=at))

    def states(self) -> dict[str, Health]:
        """Every helpline the watch has seen, by id."""
        with Session(self.engine) as session:
            rows = session.scalars(select(HelplineHealth).where(HelplineHealth.state != ""))
            return {row.helpline_id: _health(row) for row in rows}

    def set_override(
        self, helpline_id: str, override: str, who: Who, menu: Menu | None = None
    ) -> Health:
        """Staff's "try it anyway" (TRY), "skip it" (SKIP) or back to AUTOMATIC; IvrError,
        saying why, for any other choice, or (by menu, the line's: every door that staff
        use passes it) for a helpline transfers do not ring or for the 24/7 line, which
        ends every transfer. Without a menu (the store's own tests) only the choice is
        checked."""
        if override not in OVERRIDES:
            raise IvrError("choose 'try it anyway', 'skip it' or 'automatic'")
        if menu is not None:
            helpline = menu.helplines.get(helpline_id)
            if helpline is None or not helpline.dial:
                raise IvrError("choose a helpline that transfers ring")
            if helpline_id == menu.settings.operator:
                raise IvrError("the 24/7 line is never skipped: it ends every transfer")
        old = self.states().get(helpline_id, Health(helpline_id))
        before, after_ = OVERRIDES[old.override], OVERRIDES[override]
        now = self.store.clock()
        with self.store.change(who, OVERRIDE_KIND, helpline_id, before, after_) as session:
            row = self._locked(session, helpline_id, now)
            health = _health(row) if row.state else Health(helpline_id, since=now)
            health = replace(health, override=override)
            _write(row, health)
        return health

    def queue_summaries(self, now: datetime, every: timedelta) -> int:
        """A 'still failing' alert for each helpline failing and not told of for `every`;
        how many were queued. One conditional update takes them: whichever instance asks
        first, each is queued once (a second update waits for the first, then finds none)."""
        due = now - every
        with Session(self.engine) as session, session.begin():
            taken = session.scalars(
                update(HelplineHealth)
                .where(HelplineHealth.state == FAILING, HelplineHealth.alerted_at <= due)
                .values(alerted_at=now)
                .returning(HelplineHealth)
                .execution_options(synchronize_session=False)
            ).all()
            for row in taken:
                why = reason(_health(row))
                session.add(
                    HealthAlert(
                        helpline_id=row.helpline_id, kind=STILL_FAILING, why=why, made_at=now
                    )
                )
        return len(taken)

    def due(self, oldest: datetime) -> list[Alert]:
        """Alerts not yet sent, made after oldest, oldest first (`claim` says whether one
        may be tried now)."""
        with Session(self.engine) as session:
            rows = session.scalars(
                select(HealthAlert)
                .where(HealthAlert.sent_at.is_(None), HealthAlert.made_at > oldest)
                .order_by(HealthAlert.id)
            )
            return [_alert(row) for row in rows]

    def claim(self, alert_id: int, now: datetime, hold: timedelta) -> bool:
        """Take an alert to send it: True for exactly one instance, which holds it for
        `hold` (should it stop before saying how it went, another takes it after)."""
        with Session(self.engine) as session, session.begin():
            taken = session.execute(
                update(HealthAlert)
                .where(
                    HealthAlert.id == alert_id,
                    HealthAlert.sent_at.is_(None),
                    (HealthAlert.retry_at.is_(None)) | (HealthAlert.retry_at <= now),
                )
                .values(retry_at=now + hold, attempts=HealthAlert.attempts + 1)
            )
            return bool(taken.rowcount)  # type: ignore[attr-defined]

    def sent(self, alert_id: int, now: datetime) -> None:
        """The alert was handed to the mail server."""
        with Session(self.engine) as session, session.begin():
            session.execute(
                update(HealthAlert)
                .where(HealthAlert.id == alert_id)
                .values(sent_at=now, retry_at=None, error="")
            )

    def not_sent(self, alert_id: int, error: str, retry_at: datetime) -> None:
        """Sending failed: why, and when to try again."""
        with Session(self.engine) as session, session.begin():
            session.execute(
                update(HealthAlert)
                .where(HealthAlert.id == alert_id)
                .values(error=error[:200], retry_at=retry_at)
            )

    def alerts(self, limit: int = 20) -> list[Alert]:
        """The newest alerts, sent or waiting."""
        with Session(self.engine) as session:
            rows = session.scalars(
                select(HealthAlert).order_by(HealthAlert.id.desc()).limit(limit)
            )
            return [_alert(row) for row in rows]


def _health(row: HelplineHealth) -> Health:
    return Health(
        row.helpline_id,
        row.state,
        aware(row.since),
        row.failed_run,
        row.unanswered_run,
        aware(row.last_accepted) if row.last_accepted else None,
        row.override,
        aware(row.alerted_at) if row.alerted_at else None,
    )


def _write(row: HelplineHealth, health: Health) -> None:
    row.state = health.state
    row.since = health.since or row.since
    row.failed_run = health.failed_run
    row.unanswered_run = health.unanswered_run
    row.last_accepted = health.last_accepted
    row.override = health.override
    row.alerted_at = None if health.state == HEALTHY else health.alerted_at


def _alert(row: HealthAlert) -> Alert:
    return Alert(
        row.id,
        row.helpline_id,
        row.kind,
        row.why,
        aware(row.made_at),
        aware(row.sent_at) if row.sent_at else None,
        row.attempts,
        row.error,
    )
