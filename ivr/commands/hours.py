"""`ivr hours`: who is open, and staff closing or opening a helpline for a while."""

from __future__ import annotations

from datetime import datetime

import click

from ivr.call.availability import (
    Availability,
    ClosureRow,
    Closures,
    check_helpline,
    check_until,
    states,
    utc_now,
)
from ivr.commands.helplines import health_note, read_health
from ivr.commands.options import MENU_OPT, cli_store, cli_who, fail, menu_or_exit, saving
from ivr.errors import IvrError
from ivr.menu.hours import LONDON, london_time, written_when
from ivr.menu.model import Menu


class When(click.ParamType[datetime]):
    """A date and time in London: '2026-12-24 09:00', '2026-12-24T09:00' or '2026-12-24'."""

    name = "DATETIME"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return london_time(str(value))
        except IvrError as e:
            self.fail(str(e), param, ctx)


WHEN = When()


def _helpline(menu: Menu, helpline_id: str, closing: bool = False) -> str:
    """A helpline that transfers can reach; anything else is refused, saying which are."""
    try:
        return check_helpline(menu, helpline_id, closing).id
    except IvrError as e:
        raise click.BadParameter(str(e)) from e


def _until(until: datetime, now: datetime) -> datetime:
    """Refuse an --until that has passed or is more than a year away."""
    try:
        return check_until(until, now)
    except IvrError as e:
        raise click.BadParameter(str(e)) from e


@click.group(invoke_without_command=True)
@click.option("--at", "at", type=WHEN, default=None, help="As if at this time (London).")
@MENU_OPT
@click.pass_context
def hours(ctx: click.Context, at: datetime | None, menu_file: str) -> None:
    """Who is open now (or --at a time), and when each next opens or closes."""
    if ctx.invoked_subcommand is not None:
        return
    menu = menu_or_exit(menu_file)
    now = at or utc_now()
    with saving():
        closures = cli_store().snapshot().closures
    health = read_health()
    availability = Availability(menu, Closures(lambda: closures), lambda: now)
    click.echo(f"at {now.astimezone(LONDON):%A %d %B %Y %H:%M} (London)")
    for state in states(availability, now):
        watched = health_note(health.get(state.helpline.id), now)
        notes = [*state.notes, watched] if watched else state.notes
        extra = f" ({'; '.join(notes)})" if notes else ""
        word = "open" if state.is_open else "closed"
        click.echo(f"{state.helpline.id:<16} {word:<6} {state.change}{extra}")


@hours.command()
@click.argument("helpline_id")
@click.option("--until", "until", type=WHEN, required=True, help="When it opens again (London).")
@click.option("--reason", default="", help="Said to callers, e.g. 'for staff training'.")
@MENU_OPT
def close(helpline_id: str, until: datetime, reason: str, menu_file: str) -> None:
    """Close a helpline until a time: transfers skip it, saying why and when it reopens."""
    menu = menu_or_exit(menu_file)
    _helpline(menu, helpline_id, closing=True)
    now = utc_now()
    _until(until, now)
    try:
        with saving():
            cli_store().set_closure(helpline_id, ClosureRow("closed", until, reason), cli_who())
    except IvrError as e:  # the store's own rules (a reason callers could not be told)
        raise fail(e) from e
    click.echo(f"{helpline_id}: closed until {written_when(until, now)}")


@hours.command("open")
@click.argument("helpline_id")
@click.option(
    "--until", "until", type=WHEN, default=None, help="Open outside its hours until then."
)
@MENU_OPT
def open_(helpline_id: str, until: datetime | None, menu_file: str) -> None:
    """Back to normal hours; with --until, open outside its hours until then."""
    _helpline(menu_or_exit(menu_file), helpline_id)
    now = utc_now()
    closure = ClosureRow("open", _until(until, now)) if until else None
    with saving():
        cli_store().set_closure(helpline_id, closure, cli_who())
    click.echo(
        f"{helpline_id}: "
        + (f"open until {written_when(until, now)}" if until else "normal hours")
    )


@hours.command()
def clear() -> None:
    """Remove every closure and opening: all helplines back to their normal hours."""
    with saving():
        cli_store().clear_closures(cli_who())
    click.echo("all helplines: normal hours")
