"""Every change staff make: the change, its audit entry and the revision bump, together.

One transaction each, so a change never goes live without its audit entry (and an audit
entry never names a change that did not happen). Each takes the revision row first, so
changes happen one at a time on every instance, and what a change says it changed from
is what it found. The call flow reads what is here only through Snapshot, made by a
worker's poller, never while a caller waits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

from ivr.errors import IvrError
from ivr.store.closures import closed_helpline, closure_reason
from ivr.store.models import (
    AudioBlob,
    AuditEntry,
    Closure,
    LiveTake,
    MenuVersion,
    Revision,
    Take,
)
from ivr.store.reads import HELD, Reads, menu_row, take_row
from ivr.store.rows import ClosureRow, MenuRow, TakeRow, Who, aware, utc_now

Clock = Callable[[], datetime]


@dataclass
class Audit:
    """What the audit entry of a change under way will say it changed, from and to."""

    before: str = ""
    after: str = ""


class Conflict(IvrError):
    """Someone else changed the same thing first: nothing was saved."""


class _Unchanged(Exception):
    """Nothing to change after all: the transaction ends without a trace."""


class Store(Reads):
    """The store's services; the CLI, the phone line and the console all call these.

    What they read is in reads.py (Reads); the changes, each with its audit entry, here.
    """

    def __init__(self, engine: Engine, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.clock = clock

    @contextmanager
    def change(
        self, who: Who, kind: str, subject: str, before: str, after: str
    ) -> Iterator[Session]:
        """A transaction for one change: its audit entry and the revision bump commit with it."""
        with self.changing(who, kind, subject, before, after) as (session, _):
            yield session

    @contextmanager
    def changing(
        self, who: Who, kind: str, subject: str, before: str = "", after: str = ""
    ) -> Iterator[tuple[Session, Audit]]:
        """change, whose body reads what it changes and says so in the Audit it is given.

        The revision row is taken first (bumped at once, so the lock is the database's
        own for a write on SQLite and PostgreSQL alike): another change waits until this
        one commits or rolls back.
        """
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            session.execute(update(Revision).values(number=Revision.number + 1))
            audit = Audit(before, after)
            yield session, audit
            session.add(
                AuditEntry(
                    at=self.clock(),
                    who=who.name,
                    channel=who.channel,
                    kind=kind,
                    subject=subject,
                    before=audit.before,
                    after=audit.after,
                )
            )

    # Closures

    def set_closure(self, helpline_id: str, closure: ClosureRow | None, who: Who) -> None:
        """Close or open a helpline until a time; None: back to its normal hours.

        IvrError, and nothing saved, for a closure whose reason callers could not be told
        (too long, or a character the line cannot say): the rule of every door.
        """
        closed_helpline(helpline_id)
        if closure is not None:
            closure = replace(closure, reason=closure_reason(closure.state, closure.reason))
        after = _describe(closure)
        with self.changing(who, "hours", helpline_id, after=after) as (session, audit):
            audit.before = _describe(session.get(Closure, helpline_id))
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
        with self.changing(who, "hours", "all helplines", after="normal hours") as (s, audit):
            rows = list(s.scalars(select(Closure)))
            audit.before = "; ".join(f"{c.helpline_id}: {_describe(c)}" for c in rows)
            s.execute(delete(Closure))
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
        after = f"{kind} {sha[:16]} ({seconds:.1f} s)" + ("" if live else HELD)
        with self.changing(who, "prompt", prompt_id, after=after) as (session, audit):
            audit.before = _live_name(session, prompt_id)
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
            return take_row(take, live=live)

    def make_live(self, prompt_id: str, take_id: int, who: Who) -> TakeRow | None:
        """Make an earlier (or reviewed) take of this prompt live again; None if unknown."""
        try:
            with self.changing(who, "prompt", prompt_id) as (session, audit):
                take = session.get(Take, take_id)
                if take is None or take.prompt_id != prompt_id or take.kind != "recorded":
                    raise _Unchanged
                audit.before = _live_name(session, prompt_id)
                audit.after = f"recorded {take.sha256[:16]}"
                session.merge(LiveTake(prompt_id=prompt_id, take_id=take_id))
                return take_row(take, live=True)
        except _Unchanged:
            return None

    def revert(self, prompt_id: str, who: Who) -> bool:
        """Back to generated speech; False if no recording was live."""
        try:
            with self.changing(who, "prompt", prompt_id, after="generated speech") as (s, audit):
                audit.before = _live_name(s, prompt_id)
                if audit.before == "generated speech":
                    raise _Unchanged
                s.execute(delete(LiveTake).where(LiveTake.prompt_id == prompt_id))
        except _Unchanged:
            return False
        return True

    # Menus

    def publish(self, text: str, who: Who, note: str = "", based_on: int | None = None) -> MenuRow:
        """Store a checked menu as the next version: live on every instance within seconds.

        based_on: the version the text was made from (0: the repository's menus.yaml);
        Conflict, and nothing saved, if another has been published since.
        """
        with self.changing(who, "menu", "menus.yaml") as (s, audit):
            current = s.scalar(select(func.max(MenuVersion.number))) or 0
            if based_on is not None and current != based_on:
                raise Conflict(
                    f"someone else published version {current} while you worked on "
                    f"{_version_name(based_on)}, so nothing was saved: look at the live "
                    "menu, then try again"
                )
            audit.before, audit.after = _version_name(current), f"version {current + 1}"
            version = MenuVersion(
                number=current + 1, text=text, made_at=self.clock(), made_by=str(who), note=note
            )
            s.add(version)
            return menu_row(version)


def _version_name(number: int) -> str:
    return f"version {number}" if number else "the repository's menus.yaml"


def _live_name(session: Session, prompt_id: str) -> str:
    take = session.scalar(
        select(Take)
        .join(LiveTake, LiveTake.take_id == Take.id)
        .where(LiveTake.prompt_id == prompt_id)
    )
    return f"recorded {take.sha256[:16]}" if take else "generated speech"


def _describe(closure: Closure | ClosureRow | None) -> str:
    if closure is None:
        return "normal hours"
    reason = f" ({closure.reason})" if closure.reason else ""
    return f"{closure.state} until {aware(closure.until).isoformat(timespec='minutes')}{reason}"
