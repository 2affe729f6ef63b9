"""Staff closing or opening a helpline for a while, in a file every worker reads."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from ivr.hours import LONDON, Hours
from ivr.menu import Helpline, Menu

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock; tests and `--at` pass their own."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Override:
    """Closed (or open) until a time, for a reason staff gave."""

    state: str  # closed or open
    until: datetime
    reason: str = ""


class Overrides:
    """The override file: read again only when it changed; expired entries are ignored."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: int | None = None
        self._entries: dict[str, Override] = {}

    def _read(self) -> dict[str, Override]:
        try:
            stamp = self.path.stat().st_mtime_ns
        except OSError:
            return {}
        if stamp != self._stamp:
            try:
                raw = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                raw = {}  # a damaged file must not take the line down: normal hours apply
            entries = {}
            for hid, written in raw.items() if isinstance(raw, dict) else ():
                entry = _entry(written)
                if entry is not None:  # a damaged entry is skipped, the others stand
                    entries[hid] = entry
            self._entries, self._stamp = entries, stamp
        return self._entries

    def get(self, helpline_id: str, now: datetime) -> Override | None:
        """The override in force now, if any."""
        entry = self._read().get(helpline_id)
        return entry if entry and now < entry.until else None

    def all(self, now: datetime) -> dict[str, Override]:
        """Every override still in force."""
        return {hid: o for hid, o in self._read().items() if now < o.until}

    def change(self, helpline_id: str, override: Override | None, now: datetime) -> None:
        """Set (or with None, clear) one helpline's override; drops expired ones too."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.with_suffix(".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._stamp = None
            entries = self.all(now)
            entries.pop(helpline_id, None)
            if override is not None:
                entries[helpline_id] = override
            data = {
                hid: asdict(o) | {"until": o.until.isoformat()}
                for hid, o in sorted(entries.items())
            }
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
            os.replace(temporary, self.path)

    def clear(self) -> None:
        """Remove every override."""
        self.path.unlink(missing_ok=True)
        self._stamp = None


def _entry(written: object) -> Override | None:
    """One override as the file holds it; None if it is damaged.

    A time without an offset (a hand edit) is London time; comparing it as written with
    the clock would fail on every call.
    """
    try:
        assert isinstance(written, dict)
        until = datetime.fromisoformat(written["until"])
        state, reason = written["state"], str(written.get("reason", ""))
        assert state in ("open", "closed")
    except (AssertionError, KeyError, TypeError, ValueError):
        return None
    return Override(state, until if until.tzinfo else until.replace(tzinfo=LONDON), reason)


@dataclass(frozen=True)
class Availability:
    """Who is open now: hours, bank holidays and overrides, on an injected clock."""

    menu: Menu
    overrides: Overrides
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
