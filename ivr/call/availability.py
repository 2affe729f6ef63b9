"""Who is open now: hours, bank holidays, and what staff closed or opened for a while."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from ivr.errors import IvrError
from ivr.menu.hours import Hours, spoken_when, written_when
from ivr.menu.model import Helpline, Menu
from ivr.store.rows import ClosureRow, utc_now

__all__ = [
    "Availability",
    "Closures",
    "HelplineState",
    "ClosureRow",
    "check_helpline",
    "check_until",
    "states",
    "utc_now",
]
MAX_AHEAD = timedelta(days=366)

Clock = Callable[[], datetime]


class Watched(Protocol):
    """The helpline watch as a transfer asks it (ivr.call.watch.Watch)."""

    def skips(self, helpline_id: str, ring: str, one_in: int) -> bool: ...


class Unwatched:
    """No watch (the console's pages, a command): no helpline is ever passed by."""

    def skips(self, helpline_id: str, ring: str, one_in: int) -> bool:
        return False


class Closures:
    """Closures and openings in force: from the worker's snapshot of the store."""

    def __init__(self, source: Callable[[], Mapping[str, ClosureRow]]) -> None:
        self.source = source

    def get(self, helpline_id: str, now: datetime) -> ClosureRow | None:
        """The closure in force now, if any."""
        entry = self.source().get(helpline_id)
        return entry if entry and now < entry.until else None

    def all(self, now: datetime) -> dict[str, ClosureRow]:
        """Every closure still in force."""
        return {hid: o for hid, o in self.source().items() if now < o.until}


@dataclass(frozen=True)
class Availability:
    """Who is open now: hours, bank holidays and closures, on an injected clock."""

    menu: Menu
    closures: Closures
    clock: Clock = utc_now
    watch: Watched = Unwatched()

    def is_open(self, helpline: Helpline, now: datetime | None = None) -> bool:
        """Open now; the 24/7 operator line is never skipped, unknown hours mean always try."""
        now = now or self.clock()
        if helpline.id == self.menu.settings.operator:
            return True
        closure = self.closures.get(helpline.id, now)
        if closure is not None:
            return closure.state == "open"
        return helpline.hours is None or helpline.hours.is_open(now)

    def cannot_take(self, helpline: Helpline, ring: str) -> bool:
        """Passed by now though open: failing (but for one ring in N, drawn from its
        token) or skipped by staff. Never the 24/7 line: it ends every chain."""
        if helpline.id == self.menu.settings.operator:
            return False
        return self.watch.skips(helpline.id, ring, self.menu.settings.watch_retry_one_in)

    def reopens(self, helpline: Helpline, now: datetime | None = None) -> datetime | None:
        """When a closed helpline next opens, if within reach."""
        now = now or self.clock()
        closure = self.closures.get(helpline.id, now)
        hours: Hours | None = helpline.hours
        if closure is not None and closure.state == "closed":
            after = closure.until
            if hours is None or hours.is_open(after):
                return after
            return hours.next_change(after)
        return hours.next_change(now) if hours is not None else None


@dataclass(frozen=True)
class HelplineState:
    """A dialled helpline as staff see it: open or closed, until when, and why."""

    helpline: Helpline
    is_open: bool
    change: str  # "closes today at 4 pm", "opens on Monday at 10 am", "24/7"...
    closure: ClosureRow | None
    notes: tuple[str, ...]


def states(availability: Availability, now: datetime) -> list[HelplineState]:
    """Every dialled helpline's state at now (the `ivr hours` listing, and the console's)."""
    found = []
    for helpline in availability.menu.helplines.values():
        if not helpline.dial:
            continue
        is_open = availability.is_open(helpline, now)
        closure = availability.closures.get(helpline.id, now)
        if helpline.hours is None and closure is None:
            change = "hours unknown: always tried"
        elif is_open:
            closes = None if closure else helpline.hours and helpline.hours.next_change(now)
            closes = closure.until if closure else closes
            change = f"closes {spoken_when(closes, now)}" if closes else "24/7"
        else:
            opens = availability.reopens(helpline, now)
            change = f"opens {spoken_when(opens, now)}" if opens else "no opening soon"
        notes = []
        if closure:
            notes.append(f"override: {closure.state} until {written_when(closure.until, now)}")
            notes += [closure.reason] if closure.reason else []
        if helpline.hours is not None and not helpline.hours.confirmed:
            notes.append("hours not confirmed")
        found.append(HelplineState(helpline, is_open, change, closure, tuple(notes)))
    return found


def check_helpline(menu: Menu, helpline_id: str, closing: bool) -> Helpline:
    """A helpline staff may close or open; anything else refused, saying which are."""
    dialled = sorted(h.id for h in menu.helplines.values() if h.dial)
    helpline = menu.helplines.get(helpline_id)
    if helpline is None:
        raise IvrError(f"unknown helpline '{helpline_id}' (known: {', '.join(dialled)})")
    if not helpline.dial:
        raise IvrError(
            f"'{helpline_id}' is never dialled (dial: false), so it cannot be closed or "
            f"opened (dialled helplines: {', '.join(dialled)})"
        )
    if closing and helpline_id == menu.settings.operator:
        raise IvrError("the 24/7 line is never skipped, so it cannot be closed")
    return helpline


def check_until(until: datetime, now: datetime) -> datetime:
    """Refuse an end that has passed or is more than a year away."""
    if until <= now:
        raise IvrError(f"{written_when(until, now)} has already passed")
    if until > now + MAX_AHEAD:
        raise IvrError(
            f"{written_when(until, now)} is more than a year away: close or open a "
            "helpline for a year at most, or change its hours in the menu"
        )
    return until
