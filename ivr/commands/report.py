"""`ivr report`: how the line was used, anonymous, small numbers suppressed."""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta

import click

from ivr.commands.options import cli_store, saving
from ivr.menu.hours import LONDON
from ivr.report.summary import PERIODS, Table, read, tables, week_by_hour, write_csv


def _day(value: str | None, default: date) -> date:
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise click.BadParameter(f"'{value}' is not a date like 2026-12-24") from e


@click.command()
@click.option("--from", "first", default=None, help="First London day (default: 28 days ago).")
@click.option("--to", "last", default=None, help="Last London day (default: today).")
@click.option("--by", type=click.Choice(PERIODS), default="day", show_default=True)
@click.option("--csv", "as_csv", is_flag=True, help="CSV on standard output.")
def report(first: str | None, last: str | None, by: str, as_csv: bool) -> None:
    """Calls, choices and transfers per period; counts 1-4 shown as <5 (and * where a
    second cell is hidden so they cannot be worked out)."""
    today = datetime.now(LONDON).date()
    end = _day(last, today)
    start = _day(first, end - timedelta(days=27))
    if start > end:
        raise click.BadParameter(f"--from {start} is after --to {end}")
    with saving():
        counts = read(cli_store().engine, start, end)
    found = [*tables(counts, by), week_by_hour(counts)]
    if as_csv:
        write_csv(found, sys.stdout)
        return
    click.echo(f"{start} to {end} (London), by {by}; counts 1-4 shown as <5, * hidden with them")
    for table in found:
        click.echo("")
        _print(table)


def _print(table: Table) -> None:
    names = [*table.rows, "total"]
    first = max(len(table.title), *(len(n) for n in names))
    widths = [
        max(len(column), *(len(row[j]) for row in table.shown))
        for j, column in enumerate(table.columns)
    ]
    heading = "  ".join(f"{c:>{w}}" for c, w in zip(table.columns, widths, strict=True))
    click.echo(f"{table.title:<{first}}  {heading}")
    for name, row in zip(names, table.shown, strict=True):
        values = "  ".join(f"{v:>{w}}" for v, w in zip(row, widths, strict=True))
        click.echo(f"{name:<{first}}  {values}")
