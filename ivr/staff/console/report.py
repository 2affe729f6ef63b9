"""Report: how the line is used, for a period: the same counts and suppression as
`ivr report`, as tables, an SVG chart and a week × hour heat map; CSV to download."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, flash, render_template, request

from ivr.menu.hours import LONDON
from ivr.report.summary import PERIODS, Table, read, tables, week_by_hour, write_csv
from ivr.staff.console.web import needs, store

CHART_WIDTH, CHART_HEIGHT = 640, 180
NAMED_BARS = 12  # up to this many bars have their names written under them


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/report", "report", needs("viewer")(page))
    bp.add_url_rule("/report.csv", "report_csv", needs("viewer")(download))


def _day(name: str, default: date) -> date:
    text = request.args.get(name, "")
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        flash(f"'{text}' is not a date like 2026-12-24: {default} is used.", "error")
        return default


def _chosen() -> tuple[date, date, str]:
    today = current_app.config["CLOCK"]().astimezone(LONDON).date()
    end = _day("to", today)
    start = _day("from", end - timedelta(days=27))
    if start > end:
        flash(f"{start} is after {end}: the two are swapped.", "error")
        start, end = end, start
    by = request.args.get("by", "day")
    return start, end, by if by in PERIODS else "day"


def chart(title: str, names: list[str], shown: list[str], unit: str) -> dict[str, Any]:
    """Bars of shown counts, one per name, as numbers the template draws; a hidden count
    draws no bar (the table beside it says "<5" or "*")."""
    values = [int(v) if v.isdigit() else 0 for v in shown]
    top = max(values, default=0) or 1
    step = CHART_WIDTH / max(len(names), 1)
    bars = []
    for i, (name, text, v) in enumerate(zip(names, shown, values, strict=True)):
        height = round(v / top * (CHART_HEIGHT - 20), 1)
        bars.append(
            {
                "x": round(i * step + 2, 1),
                "y": round(CHART_HEIGHT - height, 1),
                "width": round(max(step - 4, 1), 1),
                "height": height,
                "label": f"{name}: {text} {unit}",
                "name": name if len(names) <= NAMED_BARS else "",
                "middle": round(i * step + step / 2, 1),
            }
        )
    return {"title": title, "bars": bars, "width": CHART_WIDTH, "height": CHART_HEIGHT, "top": top}


def charts(found: list[Table], by: str) -> list[dict[str, Any]]:
    """Calls per period, hang-ups per menu, and the time to connect (all helplines)."""
    calls, _, _, menus, waits, *_ = found
    return [
        chart(f"Calls per {by}", calls.rows, [row[0] for row in calls.shown[:-1]], "calls"),
        chart(
            "Callers who hung up, per menu",
            menus.rows,
            [row[1] for row in menus.shown[:-1]],
            "hung up",
        ),
        chart(
            "Time to connect, all helplines",
            waits.columns[:-1],
            waits.shown[-1][:-1],
            "calls connected",
        ),
    ]


def heat(value: str, top: int) -> str:
    """A cell's shade class, 0 (none) to 4 (busiest); hidden cells shade as hidden."""
    if not value.isdigit():
        return "heat-hidden"
    n = int(value)
    return f"heat-{0 if n == 0 else min(4, 1 + 3 * n // max(top, 1))}"


def page() -> str:
    start, end, by = _chosen()
    counts = read(store().engine, start, end)
    found = tables(counts, by)
    week = week_by_hour(counts)
    top = max((int(v) for row in week.shown[:-1] for v in row[:-1] if v.isdigit()), default=0)
    return render_template(
        "console/report.html",
        start=start,
        end=end,
        by=by,
        periods=PERIODS,
        tables=found,
        charts=charts(found, by),
        week=week,
        shade=lambda v: heat(v, top),
    )


def download() -> Response:
    start, end, by = _chosen()
    counts = read(store().engine, start, end)
    out = io.StringIO()
    write_csv([*tables(counts, by), week_by_hour(counts)], out)
    name = f"line-report-{start}-to-{end}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
