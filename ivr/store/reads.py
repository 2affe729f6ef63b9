"""What the store's services read: the revision and the snapshot a worker serves calls
from, takes and their sound, published menus, and the audit log. Nothing here changes
anything (changes.py does, each change with its audit entry)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from ivr.store.models import AudioBlob, AuditEntry, Closure, LiveTake, MenuVersion, Revision, Take
from ivr.store.rows import ClosureRow, MenuRow, Snapshot, TakeRow, aware

HELD = ", not live"  # the audit's words for a take kept for review


class Reads:
    """The store's reads, on its database."""

    engine: Engine

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
            live = {t.prompt_id: take_row(t, live=True) for t in live_rows}
            generated = {
                t.source: take_row(t)
                for t in session.scalars(
                    select(Take).where(Take.kind == "generated").order_by(Take.id)
                )
            }
            newest = session.scalar(select(MenuVersion).order_by(MenuVersion.number.desc()))
            menu = menu_row(newest) if newest else None
        return Snapshot(revision, closures, live, generated, menu)

    # Takes

    def takes(self, prompt_id: str) -> list[TakeRow]:
        """Every recorded take of a prompt, newest first, the live one marked."""
        with Session(self.engine) as session:
            live = session.scalar(select(LiveTake.take_id).where(LiveTake.prompt_id == prompt_id))
            rows = session.scalars(
                select(Take)
                .where(Take.prompt_id == prompt_id, Take.kind == "recorded")
                .order_by(Take.id.desc())
            )
            return [take_row(t, live=t.id == live) for t in rows]

    def find_take(self, prompt_id: str, short: str) -> TakeRow | None:
        """A take of this prompt whose sound's hash begins with short (any age)."""
        with Session(self.engine) as session:
            take = session.scalar(
                select(Take)
                .where(Take.prompt_id == prompt_id, Take.sha256.startswith(short))
                .order_by(Take.id.desc())
            )
            return take_row(take) if take else None

    def audio(self, sha256: str) -> bytes | None:
        """A sound by its hash."""
        with Session(self.engine) as session:
            blob = session.get(AudioBlob, sha256)
            return bytes(blob.data) if blob else None

    # Menus and the audit log

    def menu(self, number: int | None = None, before: int | None = None) -> MenuRow | None:
        """A published version (the newest without number; the newest before a number)."""
        with Session(self.engine) as session:
            query = select(MenuVersion).order_by(MenuVersion.number.desc())
            if number is not None:
                query = query.where(MenuVersion.number == number)
            if before is not None:
                query = query.where(MenuVersion.number < before)
            version = session.scalar(query)
            return menu_row(version) if version else None

    def history(self) -> list[MenuRow]:
        """Every published version, newest first."""
        with Session(self.engine) as session:
            rows = session.scalars(select(MenuVersion).order_by(MenuVersion.number.desc()))
            return [menu_row(v) for v in rows]

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


def take_row(take: Take, live: bool = False) -> TakeRow:
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


def menu_row(version: MenuVersion) -> MenuRow:
    return MenuRow(
        version.number, version.text, aware(version.made_at), version.made_by, version.note
    )
