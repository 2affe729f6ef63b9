"""`ivr helplines`: each helpline's health (the helpline watch), and Twilio's word on
whether its number is still a valid line."""

from __future__ import annotations

import os
from datetime import datetime

import click

from ivr.commands.options import MENU_OPT, cli_store, fail, menu_or_exit, saving
from ivr.errors import IvrError
from ivr.menu.hours import written_when
from ivr.menu.model import Helpline, Menu
from ivr.staff.lookup import check_numbers, lookup_client
from ivr.store.health import OVERRIDES, Health, HealthStore, reason
from ivr.store.rows import utc_now


def health_note(health: Health | None, now: datetime) -> str:
    """'failing since Tuesday 24 November 12:00: 3 failed in a row (...)', with staff's
    override; "" for a healthy helpline nobody overrode (`ivr hours` shows only these)."""
    if health is None or (health.state == "healthy" and not health.override):
        return ""
    since = f" since {written_when(health.since, now)}" if health.since else ""
    note = f"{health.state}{since}: {reason(health)}"
    if health.override:
        note += f"; staff: {OVERRIDES[health.override]}"
    return note


def read_health() -> dict[str, Health]:
    """Every helpline's health as the store holds it."""
    with saving():
        return HealthStore(cli_store()).states()


@click.group(invoke_without_command=True)
@MENU_OPT
@click.pass_context
def helplines(ctx: click.Context, menu_file: str) -> None:
    """Each dialled helpline's health, since when, and the counts behind it."""
    if ctx.invoked_subcommand is not None:
        return
    menu = menu_or_exit(menu_file)
    known, now = read_health(), utc_now()
    click.echo(f"{'helpline':<16} {'health':<9} {'since':<26} why")
    for helpline in _dialled(menu):
        health = known.get(helpline.id, Health(helpline.id))
        since = written_when(health.since, now) if health.since else "-"
        why = reason(health)
        if health.override:
            why += f"; staff: {OVERRIDES[health.override]}"
        if helpline.id == menu.settings.operator:
            why += "; the 24/7 line: never skipped"
        click.echo(f"{helpline.id:<16} {health.state:<9} {since:<26} {why}")


@helplines.command()
@click.argument("helpline_ids", nargs=-1, metavar="[ID]...")
@click.option(
    "--line-type",
    is_flag=True,
    help="Also ask for each line's type and carrier (Twilio charges for this).",
)
@MENU_OPT
def check(helpline_ids: tuple[str, ...], line_type: bool, menu_file: str) -> None:
    """Ask Twilio whether each number (or those named) is still a valid line: no call is
    made. Exit 1 if any is not. Needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN."""
    menu = menu_or_exit(menu_file)
    dialled = {h.id: h for h in _dialled(menu)}
    unknown = [hid for hid in helpline_ids if hid not in dialled]
    if unknown:
        raise click.BadParameter(
            f"unknown helpline '{unknown[0]}' (dialled helplines: {', '.join(dialled)})"
        )
    chosen = [dialled[hid] for hid in helpline_ids] if helpline_ids else list(dialled.values())
    try:
        twilio = lookup_client(
            os.environ.get("TWILIO_ACCOUNT_SID", ""),
            os.environ.get("TWILIO_AUTH_TOKEN", ""),
            os.environ.get("TWILIO_LOOKUP_BASE", ""),
        )
        checks = check_numbers(twilio, chosen, line_type)
    except IvrError as e:
        raise fail(e) from e
    for checked in checks:
        helpline = checked.helpline
        if checked.ok:
            kind = f": {checked.line_type}" if checked.line_type else ""
            carrier = f" ({checked.carrier})" if checked.carrier else ""
            said = f"a valid number{kind}{carrier}"
        else:
            said = f"PROBLEM: {checked.problem}"
        click.echo(f"{helpline.id:<16} {helpline.number:<15} {said}")
    bad = sum(not c.ok for c in checks)
    if bad:
        click.echo(
            f"{bad} number(s) to check with the service and correct in menus.yaml", err=True
        )
        raise SystemExit(1)


def _dialled(menu: Menu) -> list[Helpline]:
    return [h for h in menu.helplines.values() if h.dial]
