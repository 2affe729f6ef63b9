"""Opening hours in Europe/London: weekly spans, England's bank holidays, extra dates."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from ivr.errors import IvrError

LONDON = ZoneInfo("Europe/London")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_GROUPS = {"daily": DAYS, "weekdays": DAYS[:5], "weekends": DAYS[5:]}
ALWAYS = "24/7"
SPAN = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})( next day)?$")
HOURS_KEYS = ("weekly", "confirmed", "bank_holidays", "closed_dates", "open_dates")
LOOK_AHEAD = 15  # days searched for the next opening

# (start minute, end minute) from the start of a day; end may pass 1440 (next day)
Span = tuple[int, int]


@dataclass(frozen=True)
class Hours:
    """When a helpline answers; always is the 24/7 case."""

    always: bool = False
    weekly: dict[int, tuple[Span, ...]] = field(default_factory=dict)
    confirmed: bool = False
    bank_holidays_open: bool = False
    closed_dates: frozenset[date] = frozenset()
    open_dates: dict[date, tuple[Span, ...]] = field(default_factory=dict)

    def spans_on(self, day: date) -> tuple[Span, ...]:
        """The spans that start on a day, after holidays and extra dates."""
        if day in self.open_dates:
            return self.open_dates[day]
        if day in self.closed_dates:
            return ()
        if not self.bank_holidays_open and day in bank_holidays(day.year):
            return ()
        return self.weekly.get(day.weekday(), ())

    def intervals(self, at: datetime) -> list[tuple[datetime, datetime]]:
        """Open intervals (UTC) from the day before `at` to LOOK_AHEAD days after."""
        today = at.astimezone(LONDON).date()
        found = []
        for offset in range(-1, LOOK_AHEAD + 1):
            day = today + timedelta(days=offset)
            for start, end in self.spans_on(day):
                found.append((_instant(day, start), _instant(day, end)))
        return found

    def is_open(self, at: datetime) -> bool:
        """Open at this instant (wall-clock time in London decides)."""
        at = at.astimezone(UTC)
        return self.always or any(s <= at < e for s, e in self.intervals(at))

    def next_change(self, at: datetime) -> datetime | None:
        """When it next opens (if closed) or closes (if open); None if not within reach."""
        if self.always:
            return None
        at = at.astimezone(UTC)
        intervals = sorted(self.intervals(at))
        if self.is_open(at):
            # Follow spans that touch or overlap, so 22:00-24:00 + 00:00-06:00 is one night
            end = at
            for s, e in intervals:
                if s <= end < e or s == end:
                    end = max(end, e)
            return end
        return next((s for s, _ in intervals if s > at), None)


def _instant(day: date, minute: int) -> datetime:
    extra, minute = divmod(minute, 1440)
    wall = datetime.combine(day + timedelta(days=extra), time(minute // 60, minute % 60))
    # Aware datetimes sharing a tzinfo compare by wall clock, wrong across the autumn
    # change: every instant here is UTC
    return wall.replace(tzinfo=LONDON).astimezone(UTC)


@cache
def bank_holidays(year: int) -> frozenset[date]:
    """England's bank holidays in a year."""
    import holidays  # slow to import, and only needed once a year is asked for

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def parse_span(text: str) -> tuple[Span | None, str]:
    """'08:00-19:00' or '22:00-02:00 next day' -> minutes, or None and why not."""
    match = SPAN.match(text.strip())
    if not match:
        return None, f"'{text}' is not a time span (write like 08:00-19:00)"
    h1, m1, h2, m2, overnight = match.groups()
    start, end = int(h1) * 60 + int(m1), int(h2) * 60 + int(m2)
    if int(h1) > 23 or int(m1) > 59 or int(h2) > 24 or int(m2) > 59 or end > 1440:
        return None, f"'{text}' has a time that does not exist"
    if overnight:
        if end >= start:
            return None, f"'{text}' says next day but ends after it starts"
        return (start, end + 1440), ""
    if end <= start:
        return (
            None,
            f"'{text}' ends before it starts (for a span past midnight write '{text} next day')",
        )
    return (start, end), ""


def parse_spans(text: Any) -> tuple[tuple[Span, ...], list[str]]:
    """A comma-separated list of spans, which must not overlap."""
    if not isinstance(text, str):
        return (), [f"expected spans like '08:00-12:00, 13:00-17:00', got {type(text).__name__}"]
    spans: list[Span] = []
    errors = []
    for part in text.split(","):
        span, error = parse_span(part)
        if span is None:
            errors.append(error)
        else:
            spans.append(span)
    spans.sort()
    errors += [
        f"{_show(a)} and {_show(b)} overlap"
        for a, b in zip(spans, spans[1:], strict=False)
        if b[0] < a[1]
    ]
    return tuple(spans), errors


def parse_days(text: str) -> tuple[list[int], str]:
    """'mon-fri', 'sat', 'weekdays' -> day numbers, or [] and why not."""
    name = text.strip().casefold()
    if name in DAY_GROUPS:
        return [DAYS.index(d) for d in DAY_GROUPS[name]], ""
    first, _, last = name.partition("-")
    if first in DAYS and (not last or last in DAYS):
        a, b = DAYS.index(first), DAYS.index(last or first)
        if a <= b:
            return list(range(a, b + 1)), ""
    allowed = ", ".join([*DAYS, *DAY_GROUPS])
    return [], f"unknown days '{text}' (allowed: {allowed}, or a range like mon-fri)"


def _show(span: Span) -> str:
    def hhmm(minute: int) -> str:
        return f"{minute // 60 % 24:02d}:{minute % 60:02d}"

    return f"{hhmm(span[0])}-{hhmm(span[1])}"


def spoken_when(at: datetime, now: datetime) -> str:
    """'today at 10 am', 'tomorrow at 8 am', 'on Monday at 10 am', 'on Monday 28 December ...'."""
    local, today = at.astimezone(LONDON), now.astimezone(LONDON).date()
    hour = local.hour % 12 or 12
    clock = f"{hour}:{local.minute:02d}" if local.minute else f"{hour}"
    clock = (
        "midnight"
        if (local.hour, local.minute) == (0, 0)
        else f"{clock} {'am' if local.hour < 12 else 'pm'}"
    )
    days = (local.date() - today).days
    if days == 0:
        return f"today at {clock}"
    if days == 1:
        return f"tomorrow at {clock}"
    if days < 7:
        return f"on {local:%A} at {clock}"
    return f"on {local:%A} {local.day} {local:%B} at {clock}"


def london_time(text: str) -> datetime:
    """'2026-12-24 09:00', '2026-12-24T09:00' or '2026-12-24', in London unless it says
    otherwise; IvrError saying how to write it."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as e:
        raise IvrError(f"'{text}' is not a date and time like 2026-12-24 09:00") from e
    return moment if moment.tzinfo else moment.replace(tzinfo=LONDON)


def written_when(at: datetime, now: datetime) -> str:
    """'Thursday 24 December 09:00'; with the year when it is not this year's."""
    local = at.astimezone(LONDON)
    year = f" {local.year}" if local.year != now.astimezone(LONDON).year else ""
    return f"{local:%A} {local.day} {local:%B}{year} {local:%H:%M}"


def as_date(value: Any) -> date | None:
    """A date as YAML gives it (2026-12-24) or as text ('2026-12-24'; keys are text)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def hours_from(data: Any) -> tuple[Hours | None, list[tuple[tuple[str, ...], str]]]:
    """menus.yaml `hours:` -> Hours, with (key path, message) for each mistake."""
    if data == ALWAYS:
        return Hours(always=True, confirmed=True), []
    if not isinstance(data, dict):
        return None, [((), f"expected '{ALWAYS}' or a mapping with weekly: (and confirmed:)")]
    errors: list[tuple[tuple[str, ...], str]] = [
        ((k,), f"unknown key '{k}' (allowed: {', '.join(HOURS_KEYS)})")
        for k in data
        if k not in HOURS_KEYS
    ]
    weekly: dict[int, tuple[Span, ...]] = {}
    given = data.get("weekly")
    if given == ALWAYS:
        return Hours(always=True, confirmed=data.get("confirmed") is True), errors
    if not isinstance(given, dict) or not given:
        errors.append(
            (("weekly",), f"expected days and spans, like mon-fri: 08:00-19:00, or '{ALWAYS}'")
        )
        given = {}
    for days_text, spans_text in given.items():
        path = ("weekly", str(days_text))
        days, error = parse_days(str(days_text))
        spans, span_errors = parse_spans(spans_text)
        errors += [(path, e) for e in ([error] if error else []) + span_errors]
        for day in days:
            if day in weekly:
                errors.append((path, f"{DAYS[day]} is given more than once"))
            weekly[day] = spans
    for flag in ("confirmed",):
        if flag in data and not isinstance(data[flag], bool):
            errors.append(((flag,), "expected true or false"))
    if data.get("bank_holidays", "closed") not in ("open", "closed"):
        errors.append((("bank_holidays",), "expected open or closed"))
    closed_given = data.get("closed_dates") or []
    closed = [as_date(d) for d in closed_given] if isinstance(closed_given, list) else [None]
    if not all(closed):
        errors.append((("closed_dates",), "expected a list of dates like 2026-12-24"))
        closed = []
    open_dates: dict[date, tuple[Span, ...]] = {}
    extra = data.get("open_dates") or {}
    if not isinstance(extra, dict):
        errors.append((("open_dates",), "expected dates with spans, like 2026-12-27: 10:00-14:00"))
        extra = {}
    for written, spans_text in extra.items():
        path = ("open_dates", str(written))
        spans, span_errors = parse_spans(spans_text)
        errors += [(path, e) for e in span_errors]
        on = as_date(written)
        if on is None:
            errors.append((path, f"'{written}' is not a date like 2026-12-27"))
        else:
            open_dates[on] = spans
    hours = Hours(
        weekly=weekly,
        confirmed=data.get("confirmed") is True,
        bank_holidays_open=data.get("bank_holidays") == "open",
        closed_dates=frozenset(d for d in closed if d),
        open_dates=open_dates,
    )
    return (None if errors else hours), errors
