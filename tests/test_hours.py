"""Opening hours against a table of instants: boundaries, bank holidays, both clock changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr import create_app
from ivr.call.availability import Availability, ClosureRow
from ivr.commands.main import main
from ivr.menu.hours import LONDON, Hours, hours_from, spoken_when
from ivr.simulate import Simulator
from ivr.store.rows import Who
from tests.helpers import SMALL_MENU, config


def london(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def make(data: object) -> Hours:
    hours, errors = hours_from(data)
    assert errors == [] and hours is not None
    return hours


WEEKDAYS = make({"weekly": {"mon-fri": "08:00-19:00"}, "confirmed": True})
NIGHTS = make(
    {
        "weekly": {"sat": "22:00-06:00 next day", "sun": "09:00-12:00, 13:00-17:00"},
        "bank_holidays": "open",
    }
)


@pytest.mark.parametrize(
    ("hours", "at", "is_open"),
    [
        (WEEKDAYS, london("2026-11-24 12:00"), True),  # a Tuesday
        (WEEKDAYS, london("2026-11-24 07:59"), False),
        (WEEKDAYS, london("2026-11-24 08:00"), True),
        (WEEKDAYS, london("2026-11-24 18:59"), True),
        (WEEKDAYS, london("2026-11-24 19:00"), False),
        (WEEKDAYS, london("2026-11-28 12:00"), False),  # Saturday
        (WEEKDAYS, london("2026-12-25 12:00"), False),  # Christmas Day, a Friday
        (WEEKDAYS, london("2026-12-28 12:00"), False),  # Boxing Day's substitute Monday
        (WEEKDAYS, london("2026-08-31 12:00"), False),  # Summer bank holiday (England)
        (WEEKDAYS, london("2026-12-29 08:00"), True),
        (NIGHTS, london("2026-11-28 21:59"), False),
        (NIGHTS, london("2026-11-28 22:00"), True),
        (NIGHTS, london("2026-11-29 05:59"), True),  # past midnight, Sunday morning
        (NIGHTS, london("2026-11-29 06:00"), False),
        (NIGHTS, london("2026-11-29 12:30"), False),  # the lunch gap
        (NIGHTS, london("2026-11-29 13:00"), True),
        (NIGHTS, london("2026-12-26 23:00"), True),  # Boxing Day: this line opens on them
        # Spring forward, Sunday 29 March 2026: 01:00 GMT becomes 02:00 BST
        (NIGHTS, utc("2026-03-29 00:59"), True),  # 00:59 GMT
        (NIGHTS, utc("2026-03-29 01:00"), True),  # 02:00 BST: the missing hour is skipped
        (NIGHTS, utc("2026-03-29 04:59"), True),  # 05:59 BST
        (NIGHTS, utc("2026-03-29 05:00"), False),  # 06:00 BST
        # Fall back, Sunday 25 October 2026: 02:00 BST becomes 01:00 GMT; 06:00 is GMT
        (NIGHTS, utc("2026-10-25 00:30"), True),  # the first 01:30
        (NIGHTS, utc("2026-10-25 01:30"), True),  # the second 01:30
        (NIGHTS, utc("2026-10-25 05:59"), True),  # 05:59 GMT
        (NIGHTS, utc("2026-10-25 06:00"), False),  # 06:00 GMT
    ],
)
def test_open_at(hours: Hours, at: datetime, is_open: bool) -> None:
    assert hours.is_open(at) is is_open


@pytest.mark.parametrize(
    ("hours", "at", "change", "spoken"),
    [
        (WEEKDAYS, london("2026-11-28 12:00"), london("2026-11-30 08:00"), "on Monday at 8 am"),
        (WEEKDAYS, london("2026-11-24 12:00"), london("2026-11-24 19:00"), "today at 7 pm"),
        (WEEKDAYS, london("2026-11-24 20:00"), london("2026-11-25 08:00"), "tomorrow at 8 am"),
        # Christmas Eve evening: Christmas, the weekend and Boxing Day's substitute are closed
        (WEEKDAYS, london("2026-12-24 20:00"), london("2026-12-29 08:00"), "on Tuesday at 8 am"),
        (NIGHTS, london("2026-11-28 23:00"), london("2026-11-29 06:00"), "tomorrow at 6 am"),
        (NIGHTS, london("2026-11-29 12:00"), london("2026-11-29 13:00"), "today at 1 pm"),
    ],
)
def test_next_change(hours: Hours, at: datetime, change: datetime, spoken: str) -> None:
    assert hours.next_change(at) == change
    assert spoken_when(change, at) == spoken


def test_spoken_when_far_ahead_and_at_midnight() -> None:
    now = london("2026-11-24 12:00")
    assert spoken_when(london("2026-12-07 09:30"), now) == "on Monday 7 December at 9:30 am"
    assert spoken_when(london("2026-11-25 00:00"), now) == "tomorrow at midnight"
    assert spoken_when(london("2026-11-24 12:00"), now) == "today at 12 pm"


def test_always_and_extra_dates() -> None:
    assert make("24/7").is_open(london("2026-12-25 03:00"))
    assert make("24/7").next_change(london("2026-12-25 03:00")) is None
    special = make(
        {
            "weekly": {"mon-fri": "09:00-17:00"},
            "closed_dates": [datetime(2026, 11, 25).date()],
            "open_dates": {datetime(2026, 12, 25).date(): "10:00-12:00"},
        }
    )
    assert not special.is_open(london("2026-11-25 12:00"))
    assert special.is_open(london("2026-12-25 11:00"))
    assert not special.is_open(london("2026-12-25 13:00"))


ERRORS = {
    "not a mapping": (["x"], [((), "expected '24/7' or a mapping with weekly: (and confirmed:)")]),
    "no weekly": (
        {"confirmed": True},
        [(("weekly",), "expected days and spans, like mon-fri: 08:00-19:00, or '24/7'")],
    ),
    "unknown day": (
        {"weekly": {"mon-fry": "08:00-19:00"}},
        [
            (
                ("weekly", "mon-fry"),
                "unknown days 'mon-fry' (allowed: mon, tue, wed, thu, fri, sat, sun, daily, weekdays, weekends, or a range like mon-fri)",
            )
        ],
    ),
    "end before start": (
        {"weekly": {"sat": "22:00-02:00"}},
        [
            (
                ("weekly", "sat"),
                "'22:00-02:00' ends before it starts (for a span past midnight write '22:00-02:00 next day')",
            )
        ],
    ),
    "overlap": (
        {"weekly": {"mon": "08:00-12:00, 11:00-13:00"}},
        [(("weekly", "mon"), "08:00-12:00 and 11:00-13:00 overlap")],
    ),
    "day twice": (
        {"weekly": {"mon-fri": "08:00-12:00", "wed": "13:00-14:00"}},
        [(("weekly", "wed"), "wed is given more than once")],
    ),
    "bad time": (
        {"weekly": {"mon": "25:00-26:00"}},
        [(("weekly", "mon"), "'25:00-26:00' has a time that does not exist")],
    ),
    "not a span": (
        {"weekly": {"mon": "9 to 5"}},
        [(("weekly", "mon"), "'9 to 5' is not a time span (write like 08:00-19:00)")],
    ),
    "not text": (
        {"weekly": {"mon": 5}},
        [(("weekly", "mon"), "expected spans like '08:00-12:00, 13:00-17:00', got int")],
    ),
    "odd next day": (
        {"weekly": {"mon": "08:00-09:00 next day"}},
        [(("weekly", "mon"), "'08:00-09:00 next day' says next day but ends after it starts")],
    ),
    "other keys": (
        {
            "weekly": {"mon": "08:00-09:00"},
            "confirmed": "yes",
            "bank_holidays": "maybe",
            "closed_dates": "xmas",
            "open_dates": [1],
            "hours": 1,
        },
        [
            (
                ("hours",),
                "unknown key 'hours' (allowed: weekly, confirmed, bank_holidays, closed_dates, open_dates)",
            ),
            (("confirmed",), "expected true or false"),
            (("bank_holidays",), "expected open or closed"),
            (("closed_dates",), "expected a list of dates like 2026-12-24"),
            (("open_dates",), "expected dates with spans, like 2026-12-27: 10:00-14:00"),
        ],
    ),
    "open date not a date": (
        {"weekly": {"mon": "08:00-09:00"}, "open_dates": {"xmas": "10:00-11:00"}},
        [(("open_dates", "xmas"), "'xmas' is not a date like 2026-12-27")],
    ),
}


@pytest.mark.parametrize(("data", "errors"), ERRORS.values(), ids=list(ERRORS))
def test_impossible_hours(data: object, errors: list[tuple[tuple[str, ...], str]]) -> None:
    hours, found = hours_from(data)
    assert hours is None
    assert found == errors


def test_checker_locates_hours_errors(write_menu: Callable[[str], Path]) -> None:
    text = SMALL_MENU.replace(
        "    number: 0800 085 3481\n",
        "    number: 0800 085 3481\n    hours:\n      weekly:\n        sat: 22:00-02:00\n",
    )
    result = CliRunner().invoke(main, ["check", str(write_menu(text))])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "menus.yaml:10: helplines.refuge_derby.hours.weekly.sat: '22:00-02:00' ends before it "
        "starts (for a span past midnight write '22:00-02:00 next day')"
    )


HOURS_MENU = SMALL_MENU.replace(
    "    number: 0800 085 3481\n",
    "    number: 0800 085 3481\n    hours:\n      weekly:\n        mon-fri: 08:00-19:00\n"
    "      confirmed: true\n",
)


def call_at(
    tmp_path: Path, write_menu: Callable[[str], Path], at: datetime, text: str = HOURS_MENU
) -> Simulator:
    app = create_app(
        config(
            tmp_path,
            IVR_MENU=str(write_menu(text)),
            PROMPTS_DIR=str(tmp_path / "p"),
            CLOCK=lambda: at,
        )
    )
    return Simulator(app)


def test_a_bank_holiday_call_skips_the_closed_line(
    tmp_path: Path, write_menu: Callable[[str], Path]
) -> None:
    call = call_at(tmp_path, write_menu, london("2026-12-25 12:00")).call(["1"])
    heard = call.heard()
    assert "Refuge is closed now. It opens on Tuesday at 8 am." in heard
    assert "Connecting you to Refuge" not in heard
    assert call.bridged == "+448082000247"


def test_an_open_line_is_tried(tmp_path: Path, write_menu: Callable[[str], Path]) -> None:
    call = call_at(tmp_path, write_menu, london("2026-12-29 08:00")).call(["1"])
    assert call.bridged == "+448000853481"


def test_hidden_options_while_closed(tmp_path: Path, write_menu: Callable[[str], Path]) -> None:
    text = HOURS_MENU.replace(
        "        transfer: [refuge_derby, national_24h]\n",
        "        transfer: [refuge_derby, national_24h]\n        when_closed: hide\n",
    )
    closed = call_at(tmp_path, write_menu, london("2026-11-28 12:00"), text).call(["1", "1", "1"])
    assert "For Refuge, press 1." not in closed.heard()
    assert closed.heard().count("Sorry, I did not understand that.") == 2
    opened = call_at(tmp_path, write_menu, london("2026-11-27 12:00"), text).call(["1"])
    assert "For Refuge, press 1." in opened.heard()
    assert opened.bridged == "+448000853481"


def close(simulator: Simulator, helpline_id: str, closure: ClosureRow | None) -> None:
    """Through the store, as every channel does; then this worker looks at once."""
    app = simulator.app
    app.extensions["ivr.store"].set_closure(helpline_id, closure, Who("test", "cli"))
    live = app.extensions["ivr.live"]
    live.refresh()  # (its own poller may have read it first)
    assert live.snapshot.revision == app.extensions["ivr.store"].revision()


def test_closures_close_with_a_reason_and_expire(
    tmp_path: Path, write_menu: Callable[[str], Path]
) -> None:
    simulator = call_at(tmp_path, write_menu, london("2026-11-24 12:00"))
    until = london("2026-11-24 14:00")
    close(simulator, "refuge_derby", ClosureRow("closed", until, "for staff training"))
    call = simulator.call(["1"])
    assert "Refuge is closed now: for staff training. It opens today at 2 pm." in call.heard()
    assert call.bridged == "+448082000247"
    menu = simulator.menu
    closures = simulator.app.extensions["ivr.line"].renderer.availability.closures
    later = Availability(menu, closures, lambda: london("2026-11-24 14:00"))
    assert later.is_open(menu.helplines["refuge_derby"])
    # Closed until a time outside its hours: it opens when its hours next begin
    close(simulator, "refuge_derby", ClosureRow("closed", london("2026-11-24 20:00")))
    now = Availability(menu, closures, lambda: london("2026-11-24 12:00"))
    assert now.reopens(menu.helplines["refuge_derby"]) == london("2026-11-25 08:00")
    close(simulator, "refuge_derby", ClosureRow("open", london("2026-11-28 23:00")))
    weekend = Availability(menu, closures, lambda: london("2026-11-28 22:00"))
    assert weekend.is_open(menu.helplines["refuge_derby"])
    close(simulator, "refuge_derby", None)
    assert not weekend.is_open(menu.helplines["refuge_derby"])


def test_the_24_7_line_is_never_skipped(tmp_path: Path, write_menu: Callable[[str], Path]) -> None:
    simulator = call_at(tmp_path, write_menu, london("2026-12-25 03:00"))
    close(simulator, "national_24h", ClosureRow("closed", london("2026-12-26 00:00")))
    assert simulator.call(["0"]).bridged == "+448082000247"
