"""The line's counts: how often something happened in an hour, never who and never which
call. Workers add to them (report/tally.py, in the background), the report reads them,
and counts older than the report keeps are forgotten."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ivr.store.models import CallCount
from ivr.store.rows import aware

# (the hour's start in UTC, the line's own number, what is counted, of what)
Key = tuple[datetime, str, str, str]


@dataclass(frozen=True)
class CountRow:
    """One counter: in the hour from `hour` (UTC), on the line's number, metric of subject."""

    hour: datetime
    line: str
    metric: str
    subject: str
    count: int


class Counts:
    """The hourly counts in the store's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, counts: Mapping[Key, int]) -> None:
        """Add to each counter (made if new): one statement, in one transaction."""
        if not counts:
            return
        insert = postgresql_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        rows = [
            {"hour": hour, "line": line, "metric": metric, "subject": subject, "count": n}
            for (hour, line, metric, subject), n in counts.items()
        ]
        statement = insert(CallCount)
        statement = statement.on_conflict_do_update(
            index_elements=["hour", "line", "metric", "subject"],
            set_={"count": CallCount.count + statement.excluded["count"]},
        )
        with self.engine.begin() as connection:
            connection.execute(statement, rows)

    def forget_before(self, oldest: datetime) -> None:
        """Delete the counters of every hour before oldest."""
        with self.engine.begin() as connection:
            connection.execute(delete(CallCount).where(CallCount.hour < oldest))

    def between(self, since: datetime, before: datetime) -> list[CountRow]:
        """Every counter of the hours from since up to before (both in UTC: SQLite would
        drop another offset, not apply it)."""
        with Session(self.engine) as session:
            query = select(CallCount).where(CallCount.hour >= since, CallCount.hour < before)
            return [
                CountRow(aware(c.hour), c.line, c.metric, c.subject, c.count)
                for c in session.scalars(query)
            ]
