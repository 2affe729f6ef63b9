"""Who is open now: hours, bank holidays, and what staff closed or opened for a while."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from ivr.menu.hours import Hours
from ivr.menu.model import Helpline, Menu
from ivr.store.changes import ClosureRow as Override
from ivr.store.changes import utc_now

__all__ = ["Availability", "Closures", "Override", "utc_now"]

Clock = Callable[[], datetime]


class Closures:
    """Closures and openings in force: from the worker's snapshot of the store."""

    def __init__(self, source: Callable[[], Mapping[str, Override]]) -> None:
        self.source = source

    def get(self, helpline_id: str, now: datetime) -> Override | None:
        """The override in force now, if any."""
        entry = self.source().get(helpline_id)
        return entry if entry and now < entry.until else None

    def all(self, now: datetime) -> dict[str, Override]:
        """Every override still in force."""
        return {hid: o for hid, o in self.source().items() if now < o.until}


@dataclass(frozen=True)
class Availability:
    """Who is open now: hours, bank holidays and overrides, on an injected clock."""

    menu: Menu
    overrides: Closures
    clock: Clock = utc_now

    def is_open(self, helpline: Helpline, now: datetime | None = None) -> bool:
        """Open now; the 24/7 operator line is never skipped, unknown hours mean always try."""
        now = now or self.clock()
        if helpline.id == self.menu.settings.operator:
            return True
        override = self.overrides.get(helpline.id, now)
        if override is not None:
            return override.state == "open"
        return helpline.hours is None or helpline.hours.is_open(now)

    def reopens(self, helpline: Helpline, now: datetime | None = None) -> datetime | None:
        """When a closed helpline next opens, if within reach."""
        now = now or self.clock()
        override = self.overrides.get(helpline.id, now)
        hours: Hours | None = helpline.hours
        if override is not None and override.state == "closed":
            after = override.until
            if hours is None or hours.is_open(after):
                return after
            return hours.next_change(after)
        return hours.next_change(now) if hours is not None else None
