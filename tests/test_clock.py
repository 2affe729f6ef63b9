"""The line's clock is the app's CLOCK everywhere: counts, the report's days and hours."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr import create_app
from ivr.menu.hours import LONDON
from ivr.report.summary import read
from ivr.simulate import Simulator
from ivr.store.models import CallCount
from ivr.store.rows import aware
from tests.helpers import config

# Far from any day the suite is run on, and in British Summer Time
SUMMER_NIGHT = datetime(2031, 7, 15, 23, 30, tzinfo=LONDON)


def test_calls_are_counted_at_the_apps_hour_not_the_wall_clocks(tmp_path: Path) -> None:
    app = create_app(config(tmp_path, CLOCK=lambda: SUMMER_NIGHT))
    Simulator(app).call(["hangup"])
    app.extensions["ivr.tally"].flush()
    with Session(app.extensions["ivr.store"].engine) as session:
        hours = {aware(c.hour) for c in session.scalars(select(CallCount))}
    assert hours == {datetime(2031, 7, 15, 22, 0, tzinfo=UTC)}  # 23:00 London is 22:00 UTC


def test_a_london_day_in_summer_holds_its_late_evening(tmp_path: Path) -> None:
    app = create_app(config(tmp_path, CLOCK=lambda: SUMMER_NIGHT))
    Simulator(app).call(["hangup"])
    app.extensions["ivr.tally"].flush()
    engine = app.extensions["ivr.store"].engine
    assert read(engine, date(2031, 7, 15), date(2031, 7, 15))
    assert not read(engine, date(2031, 7, 16), date(2031, 7, 16))
