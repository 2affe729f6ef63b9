"""`ivr twilio`: keep less at Twilio (its call and message logs hold every caller's and
texter's number, and every text's words)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import click
from phonenumbers import NumberParseException

from ivr.commands.options import fail
from ivr.errors import IvrError
from ivr.menu.numbers import e164
from ivr.staff.purge import client, purge_calls


@click.group()
def twilio() -> None:
    """Twilio's own records of this line's calls and texts."""


# The line's numbers and the staff recording line's: Twilio keeps the caller's number on both
LISTED_NUMBERS = ("TWILIO_LINE_NUMBERS", "TWILIO_STAFF_NUMBERS")


@twilio.command("purge-calls")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(min=1),
    default=7,
    show_default=True,
    help="Delete call and text records that started (or were sent) more than this many days ago.",
)
@click.option(
    "--number",
    "numbers",
    multiple=True,
    help=(
        "The line's number (repeat for more); default: TWILIO_LINE_NUMBERS and "
        "TWILIO_STAFF_NUMBERS, comma-separated."
    ),
)
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
def purge_calls_command(days: int, numbers: tuple[str, ...], dry_run: bool) -> None:
    """Delete Twilio's records of calls (and their recordings) and of texts (and their
    media) to and from the line's numbers."""
    listed = ",".join(os.environ.get(name, "") for name in LISTED_NUMBERS)
    written = numbers or tuple(n for n in listed.split(",") if n.strip())
    if not written:
        raise click.UsageError(
            "give the line's numbers: --number, or TWILIO_LINE_NUMBERS (and TWILIO_STAFF_NUMBERS)"
        )
    lines = []
    for number in written:
        try:
            lines.append(e164(number.strip()))
        except NumberParseException as e:
            message = f"'{number.strip()}' is not a phone number"
            raise click.BadParameter(message, param_hint="--number") from e
    before = (datetime.now(UTC) - timedelta(days=days)).date()
    try:
        rest = client(
            os.environ.get("TWILIO_ACCOUNT_SID", ""),
            os.environ.get("TWILIO_AUTH_TOKEN", ""),
            os.environ.get("TWILIO_API_BASE", ""),
        )
        done = purge_calls(rest, lines, before, dry_run)
    except IvrError as e:
        raise fail(e) from e
    verb = "would delete" if dry_run else "deleted"
    click.echo(
        f"{verb} {done.calls} call record(s) and {done.recordings} recording(s) that started "
        f"before {before.isoformat()} (UTC), on {len(lines)} line number(s)"
    )
    if done.not_yet:
        click.echo(f"{done.not_yet} call record(s) Twilio has not finished with: the next run")
    click.echo(
        f"{verb} {done.messages} text record(s) and {done.media} media file(s) sent before "
        f"{before.isoformat()} (UTC)"
    )
    if done.messages_not_yet:
        click.echo(f"{done.messages_not_yet} text(s) still being sent: the next run")
