"""The `ivr` command: check, simulate, serve, export-fallback."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ivr import create_app, paths
from ivr.call.failsafe import render_failsafe
from ivr.call.sms import message
from ivr.commands import db as db_cli
from ivr.commands import helplines as helplines_cli
from ivr.commands import hours as hours_cli
from ivr.commands import menu as menu_cli
from ivr.commands import prompts as prompts_cli
from ivr.commands import report as report_cli
from ivr.commands import staff as staff_cli
from ivr.commands import twilio as twilio_cli
from ivr.commands.options import MENU_OPT, fail, menu_or_exit
from ivr.errors import IvrError
from ivr.menu.build import build_menu
from ivr.menu.model import Menu
from ivr.menu.sms import TextReplies
from ivr.menu.source import MenuError, read_source
from ivr.menu.translations import without_confirmed
from ivr.simulate import ANSWERS, QUIRKS, Event, Simulator, parse_script
from ivr.simulate_text import Texter

if TYPE_CHECKING:
    from flask import Flask

# A TwiML Bin replaces {{To}} with the number the caller dialled: the line's own
TWIML_BIN_TO = "{{To}}"
MENU_ARG = click.argument(
    "menu_file",
    metavar="[FILE]",
    required=False,
    default=lambda: str(paths.menu_file()),
    type=click.Path(),
)


@click.group()
def main() -> None:
    """Derbyshire Victim Services phone line."""


@main.command()
@MENU_ARG
@click.option(
    "--phrases",
    "phrase_books",
    multiple=True,
    type=click.Path(dir_okay=False),
    metavar="BOOK",
    help="A phrase book (YAML: sentences callers say, each with the option it must reach): "
    "each sentence that goes wrong is listed. May be given more than once.",
)
def check(menu_file: str, phrase_books: tuple[str, ...]) -> None:
    """List every problem in a menu file, one located line each (exit 1 on errors).

    A usable menu is also timed, by the shipped audio in PROMPTS_DIR (else an estimate from
    the words): each moment of a caller's journey later than its target is a warning.
    """
    from ivr.audio.journeys import shipped_seconds
    from ivr.menu.check import check_source
    from ivr.menu.check_times import check_times

    try:
        source = read_source(Path(menu_file))
    except MenuError as e:
        raise fail(e) from e
    problems, clean = check_source(source)
    if not any(not p.warning for p in problems):
        menu = build_menu(clean, source.name)
        problems += check_times(source, menu, shipped_seconds(menu, paths.prompts_dir()))
        if menu.languages:
            problems = without_confirmed(problems, menu, _confirmations())
    for problem in problems:
        click.echo(str(problem), err=not problem.warning)
    errors = sum(not p.warning for p in problems)
    warnings = len(problems) - errors
    if errors:
        click.echo(
            f"{source.name}: {errors} error(s), {warnings} warning(s): not usable", err=True
        )
        raise SystemExit(1)
    click.echo(
        f"{source.name}: OK ({len(menu.nodes)} menus, {len(menu.helplines)} helplines, "
        f"{len(menu.prompts)} prompts, {warnings} warning(s))"
    )
    if phrase_books and not _phrase_books_pass(menu, phrase_books):
        raise SystemExit(1)


def _confirmations() -> dict[str, str]:
    """The texts reviewers confirmed in the console, from the store if there is one (read
    only: `ivr check` makes no store); none, with a note, if it cannot be read."""
    from sqlalchemy import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from ivr.store.changes import Store
    from ivr.store.db import database_url, shared_engine
    from ivr.store.reviews import Reviews

    url = make_url(database_url())
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return {}  # no store (an in-memory one is empty): nothing confirmed, nothing made
    try:
        return Reviews(
            Store(shared_engine(url.render_as_string(hide_password=False)))
        ).confirmations()
    except SQLAlchemyError as e:
        click.echo(
            f"note: the texts reviewers confirmed could not be read from the store "
            f"({type(e).__name__}; if the store is older than this release, `ivr db upgrade`)",
            err=True,
        )
        return {}


def _phrase_books_pass(menu: Menu, books: tuple[str, ...]) -> bool:
    """Run each book's sentences through the line's matcher; report each that goes wrong."""
    from ivr.menu.phrases import wrong_phrases

    passed = True
    for book in books:
        try:
            count, problems = wrong_phrases(Path(book), menu)
        except MenuError as e:
            raise fail(e) from e
        for problem in problems:
            click.echo(str(problem), err=True)
        if problems:
            click.echo(f"{Path(book).name}: {len(problems)} of {count} sentence(s) go wrong")
            passed = False
        else:
            click.echo(f"{Path(book).name}: all {count} sentence(s) reach their option")
    return passed


def _local_app(
    menu_file: str,
    token: str | None = None,
    clock: Callable[[], datetime] | None = None,
    draft: bool = False,
) -> tuple[Flask, str]:
    """The app on 127.0.0.1; draft: on menu_file alone, never the published menu."""
    token = token or secrets.token_hex(16)
    config: dict[str, Any] = {
        "TWILIO_AUTH_TOKEN": token,
        "IVR_MENU": menu_file,
        # One-off: sessions last as long as this process; served on 127.0.0.1 only
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_hex(32),
        "SESSION_COOKIE_SECURE": False,
        # A draft is not the line: its menu is never replaced by the published one, and
        # its calls are not counted (as for a draft tried in the console)
        "FOLLOW_PUBLISHED": not draft,
    }
    if clock:
        config["CLOCK"] = clock
    try:
        return create_app(config), token
    except IvrError as e:
        raise fail(e) from e


@main.command()
@MENU_OPT
@click.option(
    "--keys",
    "script",
    default=None,
    help="Scripted inputs: '2, derby city, -, 1' ('-' is silence).",
)
@click.option(
    "--answer",
    "answers",
    multiple=True,
    metavar="HELPLINE=HOW",
    help=f"How a helpline (id or +44 number) answers: {', '.join(ANSWERS)} (default accept).",
)
@click.option("--at", "at", type=hours_cli.WHEN, default=None, help="As if at this time (London).")
@click.option(
    "--quirk",
    "quirks",
    multiple=True,
    type=click.Choice(list(QUIRKS)),
    help="A Twilio behaviour to show: " + "; ".join(f"{k}: {v}" for k, v in QUIRKS.items()),
)
@click.option("--sms", "by_text", is_flag=True, help="Text the line instead of calling it.")
def simulate(
    menu_file: str,
    script: str | None,
    answers: tuple[str, ...],
    at: datetime | None,
    quirks: tuple[str, ...],
    by_text: bool,
) -> None:
    """A call in the terminal: the real app, signed requests, TwiML followed as Twilio does.

    Without --menu, the menu callers hear now (the newest published version, else the
    repository's); with --menu FILE, that file, as a draft. With --sms, a text conversation:
    each text signed, its cookies sent back, as Twilio does for the line's number ("A message
    comes in").
    """
    given = click.get_current_context().get_parameter_source("menu_file")
    draft = given is click.core.ParameterSource.COMMANDLINE
    if by_text:
        if answers or quirks:
            raise click.UsageError("--answer and --quirk are for calls, not --sms")
        _text(menu_file, script, at, draft)
        return
    how: dict[str, str] = {}
    for item in answers:
        name, _, value = item.partition("=")
        if value not in ANSWERS:
            raise click.BadParameter(f"'{item}': expected HELPLINE=one of {', '.join(ANSWERS)}")
        how[name] = value
    app, _ = _local_app(menu_file, clock=(lambda: at) if at else None, draft=draft)

    def show(event: Event) -> None:
        if event.kind != "gather" or script is not None:
            click.echo(str(event))

    simulator = Simulator(app, how, on_event=show, quirks=frozenset(quirks))
    if script is not None:
        inputs: Any = parse_script(script)
    else:
        click.echo(
            "A call to the line. At each menu press keys or type words; Enter alone is silence."
        )
        inputs = _typed()
    call = simulator.call(inputs)
    click.echo(f"call ended: {call.ending}")
    if not draft:
        app.extensions["ivr.tally"].flush()  # counted as a call (`ivr report`)
        app.extensions["ivr.watch"].flush()  # and how its transfers ended (`ivr helplines`)


def _text(menu_file: str, script: str | None, at: datetime | None, draft: bool) -> None:
    """A text conversation with the line in the terminal (ivr simulate --sms); a draft's
    texts are not counted, as a draft's calls are not."""
    app, _ = _local_app(menu_file, clock=(lambda: at) if at else None, draft=draft)
    texter = Texter(app)
    if script is not None:
        texts: Any = (text or "" for text in parse_script(script))
    else:
        click.echo("Texts to the line. Type a text and press Enter; Enter alone ends.")
        texts = iter(lambda: click.prompt("you", default="", show_default=False).strip(), "")
    for text in texts:
        if script is not None:
            click.echo(f"you: {text}")
        click.echo(f"line: {texter.send(text)}")
    if not draft:
        app.extensions["ivr.tally"].flush()  # counted as texts (`ivr report`)


def _typed() -> Any:
    while True:
        typed: str = click.prompt("you", default="", show_default=False)
        yield typed.strip() or None  # type: Input


@main.command()
@MENU_OPT
@click.option("--port", default=5000, show_default=True, help="Port on 127.0.0.1.")
def serve(menu_file: str, port: int) -> None:
    """Serve the line and console on 127.0.0.1 only (production: gunicorn, the Procfile)."""
    token = os.environ.get("TWILIO_AUTH_TOKEN", "")
    if not token:
        token = secrets.token_hex(16)
        click.echo(
            f"warning: TWILIO_AUTH_TOKEN is not set: using the one-off local token {token}, "
            "so only requests signed with it are answered (Twilio's are refused).",
            err=True,
        )
    if not os.environ.get("SECRET_KEY"):
        click.echo(
            "warning: SECRET_KEY is not set: using a one-off key, so console sign-ins "
            "last until this stops.",
            err=True,
        )
    app, _ = _local_app(menu_file, token)
    click.echo(f"console: http://127.0.0.1:{port}/console/", err=True)
    app.run(host="127.0.0.1", port=port)


@main.command("export-fallback")
@MENU_OPT
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default="-",
    help="File to write (default: stdout).",
)
@click.option("--sms", "by_text", is_flag=True, help="The text line's: 999 and the 24/7 line.")
def export_fallback(menu_file: str, output: str, by_text: bool) -> None:
    """Write the static TwiML for the number's Fallback URL (apologise, dial the 24/7 line).

    The 24/7 line is shown the line's own number, never the caller's: settings.caller_id,
    else the number called ({{To}}, which a TwiML Bin fills in). With --sms, the text
    line's ("Primary handler fails" for messages): a reply with 999 and the 24/7 line.
    """
    menu = menu_or_exit(menu_file)
    twiml = message(TextReplies(menu).failsafe()).decode() if by_text else ""
    with click.open_file(output, "w") as f:
        f.write((twiml or render_failsafe(menu, TWIML_BIN_TO)) + "\n")


main.add_command(prompts_cli.prompts)
main.add_command(hours_cli.hours)
main.add_command(helplines_cli.helplines)
main.add_command(db_cli.db)
main.add_command(menu_cli.menu)
main.add_command(staff_cli.staff)
main.add_command(twilio_cli.twilio)
main.add_command(report_cli.report)
