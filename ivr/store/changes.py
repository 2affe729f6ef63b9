"""Every change staff make: the change, its audit entry and the revision bump, together.

One transaction each, so a change never goes live without its audit entry (and an audit
entry never names a change that did not happen). The call flow reads what is here only
through Snapshot, made by a worker's poller, never while a caller waits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

from ivr.store.models import (
    AudioBlob,
    AuditEntry,
    Closure,
    LiveTake,
    MenuVersion,
    Revision,
    Take,
)

Clock = Callable[[], datetime]
HELD = ", not live"  # the audit's words for a take kept for review


def utc_now() -> datetime:
    """The real clock; tests pass their own."""
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """SQLite gives back what it was given without the offset: it was UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Who:
    """Who made a change, and through which channel (cli, phone or console)."""

    name: str
    channel: str

    def __str__(self) -> str:
        return self.name if self.name == self.channel else f"{self.channel}:{self.name}"


@dataclass(frozen=True)
class ClosureRow:
    """A closure or opening as the store holds it."""

    state: str
    until: datetime
    reason: str = ""


@dataclass(frozen=True)
class TakeRow:
    """One take of a prompt: its sound's hash, what it is, who made it and when."""

    id: int
    prompt_id: str
    sha256: str
    kind: str
    source: str
    made_at: datetime
    made_by: str
    live: bool = False


@dataclass(frozen=True)
class MenuRow:
    """A published version of the menu."""

    number: int
    text: str
    made_at: datetime
    made_by: str
    note: str = ""


@dataclass(frozen=True)
class Snapshot:
    """What the line needs from the store, read in one go: calls are served from this."""

    revision: int
    closures: dict[str, ClosureRow] = field(default_factory=dict)
    live: dict[str, TakeRow] = field(default_factory=dict)  # prompt id -> recorded take
    generated: dict[str, TakeRow] = field(default_factory=dict)  # source key -> take
    menu: MenuRow | None = None


class Store:
    """The store's services; the CLI, the phone line and the console all call these."""

    def __init__(self, engine: Engine, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.clock = clock

    @contextmanager
    def change(
        self, who: Who, kind: str, subject: str, before: str, after: str
    ) -> Iterator[Session]:
        """A transaction for one change: its audit entry and the revision bump commit with it."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session
            session.add(
                AuditEntry(
                    at=self.clock(),
                    who=who.name,
                    channel=who.channel,
                    kind=kind,
                    subject=subject,
                    before=before,
                    after=after,
                )
            )
            session.execute(update(Revision).values(number=Revision.number + 1))

    def revision(self) -> int:
        """The number every change bumps: one tiny query."""
        with self.engine.connect() as connection:
            return int(connection.scalar(select(Revision.number)) or 0)

    def snapshot(self) -> Snapshot:
        """Everything the line serves from, consistent as of one revision."""
        with Session(self.engine) as session, session.begin():
            revision = int(session.scalar(select(Revision.number)) or 0)
            closures = {
                c.helpline_id: ClosureRow(c.state, aware(c.until), c.reason)
                for c in session.scalars(select(Closure))
            }
            live_rows = session.execute(
                select(Take).join(LiveTake, LiveTake.take_id == Take.id)
            ).scalars()
            live = {t.prompt_id: _take(t, live=True) for t in live_rows}
            generated = {
                t.source: _take(t)
                for t in session.scalars(
                    select(Take).where(Take.kind == "generated").order_by(Take.id)
                )
            }
            newest = session.scalar(select(MenuVersion).order_by(MenuVersion.number.desc()))
            menu = _menu(newest) if newest else None
        return Snapshot(revision, closures, live, generated, menu)

    # Closures

    def set_closure(self, helpline_id: str, closure: ClosureRow | None, who: Who) -> None:
        """Close or open a helpline until a time; None: back to its normal hours."""
        with Session(self.engine) as session:
            old = session.get(Closure, helpline_id)
            before = _describe(old)
        after = _describe(closure)
        with self.change(who, "hours", helpline_id, before, after) as session:
            session.execute(delete(Closure).where(Closure.helpline_id == helpline_id))
            if closure is not None:
                session.add(
                    Closure(
                        helpline_id=helpline_id,
                        state=closure.state,
                        until=closure.until,
                        reason=closure.reason,
                    )
                )

    def clear_closures(self, who: Who) -> int:
        """Every helpline back to its normal hours; how many closures there were."""
        with Session(self.engine) as session:
            rows = list(session.scalars(select(Closure)))
        before = "; ".join(f"{c.helpline_id}: {_describe(c)}" for c in rows)
        with self.change(who, "hours", "all helplines", before, "normal hours") as session:
            session.execute(delete(Closure))
        return len(rows)

    # Takes

    def add_take(
        self,
        prompt_id: str,
        wav: bytes,
        seconds: float,
        who: Who,
        kind: str = "recorded",
        source: str = "",
        live: bool = True,
    ) -> TakeRow:
        """Keep a take (and its sound, once); make it live unless it waits for review."""
        sha = hashlib.sha256(wav).hexdigest()
        subject = prompt_id
        after = f"{kind} {sha[:16]} ({seconds:.1f} s)" + ("" if live else HELD)
        with self.change(who, "prompt", subject, self._live_name(prompt_id), after) as session:
            if session.get(AudioBlob, sha) is None:
                session.add(AudioBlob(sha256=sha, data=wav, seconds=seconds))
            take = Take(
                prompt_id=prompt_id,
                sha256=sha,
                kind=kind,
                source=source,
                made_at=self.clock(),
                made_by=str(who),
            )
            session.add(take)
            session.flush()
            if live:
                session.merge(LiveTake(prompt_id=prompt_id, take_id=take.id))
            return _take(take, live=live)

    def make_live(self, prompt_id: str, take_id: int, who: Who) -> TakeRow | None:
        """Make an earlier (or reviewed) take of this prompt live again; None if unknown."""
        with Session(self.engine) as session:
            take = session.get(Take, take_id)
            if take is None or take.prompt_id != prompt_id or take.kind != "recorded":
                return None
            row = _take(take, live=True)
        before = self._live_name(prompt_id)
        with self.change(who, "prompt", prompt_id, before, f"recorded {row.sha256[:16]}") as s:
            s.merge(LiveTake(prompt_id=prompt_id, take_id=take_id))
        return row

    def revert(self, prompt_id: str, who: Who) -> bool:
        """Back to generated speech; False if no recording was live."""
        before = self._live_name(prompt_id)
        if before == "generated speech":
            return False
        with self.change(who, "prompt", prompt_id, before, "generated speech") as session:
            session.execute(delete(LiveTake).where(LiveTake.prompt_id == prompt_id))
        return True

    def takes(self, prompt_id: str) -> list[TakeRow]:
        """Every recorded take of a prompt, newest first, the live one marked."""
        with Session(self.engine) as session:
            live = session.scalar(select(LiveTake.take_id).where(LiveTake.prompt_id == prompt_id))
            rows = session.scalars(
                select(Take)
                .where(Take.prompt_id == prompt_id, Take.kind == "recorded")
                .order_by(Take.id.desc())
            )
            return [_take(t, live=t.id == live) for t in rows]

    def find_take(self, prompt_id: str, short: str) -> TakeRow | None:
        """A take of this prompt whose sound's hash begins with short (any age)."""
        with Session(self.engine) as session:
            take = session.scalar(
                select(Take)
                .where(Take.prompt_id == prompt_id, Take.sha256.startswith(short))
                .order_by(Take.id.desc())
            )
            return _take(take) if take else None

    def audio(self, sha256: str) -> bytes | None:
        """A sound by its hash."""
        with Session(self.engine) as session:
            blob = session.get(AudioBlob, sha256)
            return bytes(blob.data) if blob else None

    def _live_name(self, prompt_id: str) -> str:
        with Session(self.engine) as session:
            take = session.scalar(
                select(Take)
                .join(LiveTake, LiveTake.take_id == Take.id)
                .where(LiveTake.prompt_id == prompt_id)
            )
            return f"recorded {take.sha256[:16]}" if take else "generated speech"

    # Menus

    def publish(self, text: str, who: Who, note: str = "") -> MenuRow:
        """Store a checked menu as the next version: live on every instance within seconds."""
        with Session(self.engine) as session:
            current = session.scalar(select(func.max(MenuVersion.number))) or 0
        before = f"version {current}" if current else "the repository's menus.yaml"
        with self.change(who, "menu", "menus.yaml", before, f"version {current + 1}") as s:
            number = (s.scalar(select(func.max(MenuVersion.number))) or 0) + 1
            version = MenuVersion(
                number=number, text=text, made_at=self.clock(), made_by=str(who), note=note
            )
            s.add(version)
            return _menu(version)

    def menu(self, number: int | None = None) -> MenuRow | None:
        """A published version (the newest without number)."""
        with Session(self.engine) as session:
            query = select(MenuVersion).order_by(MenuVersion.number.desc())
            if number is not None:
                query = query.where(MenuVersion.number == number)
            version = session.scalar(query)
            return _menu(version) if version else None

    def history(self) -> list[MenuRow]:
        """Every published version, newest first."""
        with Session(self.engine) as session:
            rows = session.scalars(select(MenuVersion).order_by(MenuVersion.number.desc()))
            return [_menu(v) for v in rows]

    def audit(
        self,
        limit: int = 100,
        who: str = "",
        kind: str = "",
        since: datetime | None = None,
        before: datetime | None = None,
    ) -> list[AuditEntry]:
        """The newest audit entries, of one person or kind, between two times, if asked."""
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if who:
            query = query.where(AuditEntry.who == who)
        if kind:
            query = query.where(AuditEntry.kind == kind)
        if since:
            query = query.where(AuditEntry.at >= since)
        if before:
            query = query.where(AuditEntry.at < before)
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.scalars(query))

    def audit_names(self) -> tuple[list[str], list[str]]:
        """Everyone and every kind of change the audit log has, for its filters."""
        with Session(self.engine) as session:
            people = session.scalars(select(AuditEntry.who).distinct().order_by(AuditEntry.who))
            kinds = session.scalars(select(AuditEntry.kind).distinct().order_by(AuditEntry.kind))
            return list(people), list(kinds)

    def held(self) -> set[str]:
        """Prompts whose last change was a take kept for review, not yet made live."""
        with Session(self.engine) as session:
            last = (
                select(func.max(AuditEntry.id))
                .where(AuditEntry.kind == "prompt")
                .group_by(AuditEntry.subject)
            )
            rows = session.execute(
                select(AuditEntry.subject, AuditEntry.after).where(AuditEntry.id.in_(last))
            )
            return {subject for subject, after in rows if after.endswith(HELD)}


def _describe(closure: Closure | ClosureRow | None) -> str:
    if closure is None:
        return "normal hours"
    reason = f" ({closure.reason})" if closure.reason else ""
    return f"{closure.state} until {aware(closure.until).isoformat(timespec='minutes')}{reason}"


def _take(take: Take, live: bool = False) -> TakeRow:
    return TakeRow(
        take.id,
        take.prompt_id,
        take.sha256,
        take.kind,
        take.source,
        aware(take.made_at),
        take.made_by,
        live,
    )


def _menu(version: MenuVersion) -> MenuRow:
    return MenuRow(
        version.number, version.text, aware(version.made_at), version.made_by, version.note
    )
