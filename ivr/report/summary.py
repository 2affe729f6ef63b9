"""Counts read back for a period, as tables with small numbers suppressed.

Counts of 1 to 4 are shown as "<5". So that one cannot be worked out from a total, any
row or column (with its total) left with exactly one hidden cell has a second cell
hidden too, shown as "*", the smallest non-zero one, or else its total; this is repeated
until no row or column gives one away, as health and crime statistics do.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TextIO

from sqlalchemy import Engine

from ivr.call import conversation as texts
from ivr.menu.hours import LONDON
from ivr.report import events
from ivr.store.counts import CountRow, Counts
from ivr.store.rows import aware

SMALLEST_SHOWN = 5
PERIODS = ("hour", "day", "week", "month")
HEADLINE = (
    (events.CALL, "calls"),
    (events.ENDED, "ended"),
    (events.HUNG_UP_GREETING, "hung up in greeting"),
    (events.MISSED, "not answered"),
    (events.CHOICE, "choices"),
    (events.DIALLED, "transfers"),
    ("accepted", "accepted"),
    (events.SILENT, "silences"),
    (events.WRONG_KEY, "wrong keys"),
    (events.NOT_UNDERSTOOD, "not understood"),
    (events.RETRY_LIMIT, "retry limits"),
    (events.NUMBERS, "numbers read"),
)
# Time-to-connect metrics and their column headings ("connected <30 s": "<30 s")
WAITS = {events.CONNECTED + band: band for band in events.WAIT_BANDS}
OUTCOMES = ("accepted", "declined", "answered", "busy", "no-answer", "failed", "canceled")
HOW_CHOSEN = ((events.BY_KEY, "by key"), (events.BY_SPEECH, "by speech"))
# A cell a spreadsheet would run as a formula: "=HYPERLINK(...)" as a language's name
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_HEADLINE = (
    (texts.TEXT, "texts"),
    (texts.STARTED, "conversations"),
    (texts.CHOICE, "choices"),
    (texts.NOT_UNDERSTOOD, "not understood"),
    (texts.OPTED_OUT, "opt-outs"),
)


@dataclass(frozen=True)
class Table:
    """Rows × columns of counts, with totals; `shown` is what any output may print."""

    title: str
    rows: list[str]
    columns: list[str]
    shown: list[list[str]]  # (rows + total) × (columns + total)


def suppress(cells: list[list[int]], row_totals: bool = True) -> list[list[str]]:
    """The cells with a total row (and a total column, if row_totals), as text, small
    numbers hidden. Without row totals (columns of different things) rows give nothing
    away, and only columns are checked."""
    width = len(cells[0]) if cells else 0
    full = [[*row, sum(row)] for row in cells]
    full.append([sum(row[j] for row in full) for j in range(width + 1)])
    hidden = {
        (i, j) for i, row in enumerate(full) for j, n in enumerate(row) if 0 < n < SMALLEST_SHOWN
    }
    lines = [[(i, j) for i in range(len(full))] for j in range(width + 1)]
    if row_totals:
        lines += [[(i, j) for j in range(width + 1)] for i in range(len(full))]
    else:
        hidden = {(i, j) for i, j in hidden if j < width}
        lines = lines[:width]
    primary = set(hidden)
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(cell in hidden for cell in line) != 1:
                continue
            total = line[-1]
            choices = [c for c in line[:-1] if c not in hidden and full[c[0]][c[1]] > 0]
            # (a hidden total has a hidden cell under it: never the one hidden in a line)
            pick = min(choices, key=lambda c: full[c[0]][c[1]]) if choices else total
            if pick not in hidden:
                hidden.add(pick)
                changed = True
    return [
        [
            "<5" if (i, j) in primary else "*" if (i, j) in hidden else str(n)
            for j, n in enumerate(row if row_totals else row[:-1])
        ]
        for i, row in enumerate(full)
    ]


def _start_of(moment: datetime, by: str) -> datetime:
    local = moment.astimezone(LONDON)
    if by == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    day = local.date()
    if by == "week":
        day -= timedelta(days=day.weekday())
    elif by == "month":
        day = day.replace(day=1)
    return datetime.combine(day, time(), LONDON)


def _label(start: datetime, by: str) -> str:
    if by == "hour":
        return f"{start:%Y-%m-%d %H:00}"
    if by == "month":
        return f"{start:%Y-%m}"
    return f"{start:%Y-%m-%d}" + (" (week)" if by == "week" else "")


def read(engine: Engine, first: date, last: date) -> list[CountRow]:
    """Every counter of the London days first to last."""
    # In UTC, as the counts are kept: SQLite would drop a London offset, not apply it
    since = datetime.combine(first, time(), LONDON).astimezone(UTC)
    before = datetime.combine(last + timedelta(days=1), time(), LONDON).astimezone(UTC)
    return Counts(engine).between(since, before)


def tables(counts: Sequence[CountRow], by: str) -> list[Table]:
    """The report: headline counts per period, transfers per helpline, menu choices."""
    periods: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    helplines: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    choices: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    menus: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    waits: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    languages: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    how: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    starts: dict[str, datetime] = {}
    for c in counts:
        start = _start_of(aware(c.hour), by)
        label = _label(start, by)
        starts[label] = start
        periods[label][c.metric] += c.count
        if c.metric in OUTCOMES:
            helplines[c.subject][c.metric] += c.count
        elif c.metric == events.CHOICE:
            menu, _, key = c.subject.rpartition(".")
            choices[menu][key] += c.count
        elif c.metric in (events.HEARD, events.LEFT, events.HUNG_UP_GREETING):
            menus[c.subject][c.metric] += c.count
        elif c.metric in WAITS:
            waits[c.subject][c.metric] += c.count
        elif c.metric == events.LANGUAGE:
            languages[label][c.subject] += c.count
        elif c.metric in (events.BY_KEY, events.BY_SPEECH):
            how[c.subject][c.metric] += c.count
    found = []
    rows = sorted(periods, key=lambda label: starts[label])
    found.append(
        _table(
            "Calls",
            rows,
            [name for _, name in HEADLINE],
            [[periods[r][m] for m, _ in HEADLINE] for r in rows],
            row_totals=False,  # calls, choices and transfers do not add up
        )
    )
    rows = sorted(helplines)
    found.append(
        _table(
            "Transfers per helpline",
            rows,
            list(OUTCOMES),
            [[helplines[r][o] for o in OUTCOMES] for r in rows],
        )
    )
    rows = sorted(choices)
    keys = sorted({k for menu in choices.values() for k in menu})
    found.append(
        _table(
            "Menu choices (menu × key)", rows, keys, [[choices[r][k] for k in keys] for r in rows]
        )
    )
    rows = sorted(menus)
    cells = [
        [menus[r][events.LEFT], menus[r][events.HUNG_UP_GREETING], gave_up(menus[r])] for r in rows
    ]
    columns = ["went on", "hung up in the greeting", "hung up"]
    found.append(_table("Where callers hang up (menu heard)", rows, columns, cells))
    rows = sorted(waits)
    found.append(
        _table(
            "Time to connect (answer to a helpline pressing 1)",
            rows,
            list(WAITS.values()),
            [[waits[r][metric] for metric in WAITS] for r in rows],
        )
    )
    rows = sorted(languages, key=lambda label: starts[label])
    names = sorted({name for period in languages.values() for name in period})
    found.append(
        _table(
            "Calls in another language (chosen at the main menu)",
            rows,
            names,
            [[languages[r][name] for name in names] for r in rows],
        )
    )
    rows = sorted(how)
    found.append(
        _table(
            "Menu choices by key and by speech (menu)",
            rows,
            [name for _, name in HOW_CHOSEN],
            [[how[r][metric] for metric, _ in HOW_CHOSEN] for r in rows],
        )
    )
    return found + text_tables(counts, by)


def text_tables(counts: Sequence[CountRow], by: str) -> list[Table]:
    """The text line: texts per period, options chosen by text, languages chosen."""
    periods: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    choices: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    languages: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    starts: dict[str, datetime] = {}
    for c in counts:
        if c.metric not in {metric for metric, _ in TEXT_HEADLINE} | {texts.LANGUAGE}:
            continue
        start = _start_of(aware(c.hour), by)
        label = _label(start, by)
        starts[label] = start
        periods[label][c.metric] += c.count
        if c.metric == texts.CHOICE:
            menu, _, key = c.subject.rpartition(".")
            choices[menu][key] += c.count
        elif c.metric == texts.LANGUAGE:
            languages[label][c.subject] += c.count
    rows = sorted(periods, key=lambda label: starts[label])
    found = [
        _table(
            "Texts",
            rows,
            [name for _, name in TEXT_HEADLINE],
            [[periods[r][m] for m, _ in TEXT_HEADLINE] for r in rows],
            row_totals=False,  # texts, conversations and choices do not add up
        )
    ]
    rows = sorted(choices)
    keys = sorted({k for menu in choices.values() for k in menu})
    found.append(
        _table(
            "Text menu choices (menu × key)",
            rows,
            keys,
            [[choices[r][k] for k in keys] for r in rows],
        )
    )
    rows = sorted(languages, key=lambda label: starts[label])
    names = sorted({name for period in languages.values() for name in period})
    found.append(
        _table(
            "Texts in another language (chosen by text)",
            rows,
            names,
            [[languages[r][name] for name in names] for r in rows],
        )
    )
    return found


def gave_up(menu: dict[str, int]) -> int:
    """Times a menu was heard and never left: the caller hung up while in it (the home
    menu's first hearing is counted as the call is answered: less those who hung up
    during the greeting before it, as the status callback told)."""
    return max(menu[events.HEARD] - menu[events.LEFT] - menu[events.HUNG_UP_GREETING], 0)


def _table(
    title: str,
    rows: list[str],
    columns: list[str],
    cells: list[list[int]],
    row_totals: bool = True,
) -> Table:
    width = len(columns) + (1 if row_totals else 0)
    shown = suppress(cells, row_totals) if rows else [["0"] * width]
    return Table(title, rows, columns + (["total"] if row_totals else []), shown)


DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def week_by_hour(counts: Sequence[CountRow]) -> Table:
    """Calls by London weekday × hour of the day, over the whole period."""
    cells = [[0] * 24 for _ in DAYS]
    for c in counts:
        if c.metric == events.CALL:
            local = aware(c.hour).astimezone(LONDON)
            cells[local.weekday()][local.hour] += c.count
    return _table("Calls by day and hour", list(DAYS), [f"{h:02d}" for h in range(24)], cells)


def spreadsheet_cell(text: str) -> str:
    """A value as a spreadsheet shows it, never as a formula it would run: a quote before
    anything that starts like one."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(found: list[Table], out: TextIO) -> None:
    """Tables as CSV, one after another: what both the command and the console export.

    Names come from menus.yaml (a language's name, a helpline's id): none is ever run as
    a spreadsheet's formula.
    """
    writer = csv.writer(out)
    for table in found:
        writer.writerow([spreadsheet_cell(c) for c in (table.title, *table.columns)])
        for name, row in zip([*table.rows, "total"], table.shown, strict=True):
            writer.writerow([spreadsheet_cell(c) for c in (name, *row)])
        writer.writerow([])
