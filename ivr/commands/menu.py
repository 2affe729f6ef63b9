"""`ivr menu`: publish a checked menu to every instance, see and roll back versions."""

from __future__ import annotations

from pathlib import Path

import click

from ivr import paths
from ivr.commands.options import cli_store, cli_who, saving
from ivr.errors import IvrError
from ivr.line import REPOSITORY, running_version
from ivr.menu.hours import LONDON
from ivr.menu.source import MenuError, read_source
from ivr.staff.publish import publish as publish_menu
from ivr.store.changes import Store
from ivr.store.rows import MenuRow


@click.group()
def menu() -> None:
    """Published versions of the menu, shared by every instance of the line."""


def _publish(store: Store, text: str, name: str, note: str) -> MenuRow:
    """Check, build speech for changed texts, then publish: or exit 1 with every error."""
    try:
        done = publish_menu(
            store, text, name, cli_who(), note, paths.prompts_dir(), paths.state_dir() / "audio"
        )
    except MenuError as e:
        for problem in e.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(
            f"{name}: {len(e.problems)} error(s): not published; the live menu is unchanged"
        ) from e
    except IvrError as e:  # the note
        raise click.ClickException(f"{e}: not published; the live menu is unchanged") from e
    if done.built:
        click.echo(f"speech built for {len(done.built)} changed prompt(s)")
    if done.warning:
        click.echo(f"warning: {done.warning}", err=True)
    return done.version


@menu.command()
@click.argument("menu_file", metavar="FILE", type=click.Path(dir_okay=False))
@click.option("--note", default="", help="Why, for the history (e.g. 'new county number').")
def publish(menu_file: str, note: str) -> None:
    """Check FILE as `ivr check` does and, only if it passes, make it live everywhere."""
    try:
        read_source(Path(menu_file))  # the same located errors for an unreadable file
    except MenuError as e:
        raise click.ClickException(str(e)) from e
    text = Path(menu_file).read_text(encoding="utf-8")
    store = cli_store()
    with saving():
        version = _publish(store, text, Path(menu_file).name, note)
    click.echo(f"published version {version.number}: live on every instance within seconds")


@menu.command()
def history() -> None:
    """Every published version, newest first: who and when, and which one the line runs
    (the newest that passes today's checks: a version that does not is marked)."""
    with saving():
        store = cli_store()
        versions = store.history()
        running = running_version(store)
    if not versions:
        click.echo("no version published: the repository's menus.yaml is live")
        return
    for v in versions:
        when = f"{v.made_at.astimezone(LONDON):%Y-%m-%d %H:%M}"
        live = "  (live)" if v.number == running.number else ""
        refused = running.refused.get(v.number)
        if refused:
            live = f"  (not run: {refused.why})"
        note = f"  {v.note}" if v.note else ""
        click.echo(f"{v.number:>4}  {when}  {v.made_by}{note}{live}")
    if running.number == REPOSITORY:
        click.echo("   0  the repository's menus.yaml  (live)")


@menu.command()
@click.argument("version", type=int, required=False)
def show(version: int | None) -> None:
    """Print a version's menus.yaml (default: the one the line runs)."""
    with saving():
        store = cli_store()
        if version is None:
            version = running_version(store).number
        found = store.menu(version) if version != REPOSITORY else None
    if found is None and version in (None, REPOSITORY):
        click.echo(paths.menu_file().read_text(encoding="utf-8"), nl=False)
        return
    if found is None:
        raise click.ClickException(f"there is no version {version} (see `ivr menu history`)")
    click.echo(found.text, nl=False)


@menu.command()
@click.argument("version", type=int, required=False)
def rollback(version: int | None) -> None:
    """Make an earlier version live again (default: the one before the newest).

    Version 0 is the repository's menus.yaml. The rollback is itself a new version, so
    nothing is ever lost from the history.
    """
    store = cli_store()
    with saving():
        live = store.menu()
        if live is None:
            raise click.ClickException("no version is published: nothing to roll back")
        target = live.number - 1 if version is None else version
        if target == REPOSITORY:
            text = paths.menu_file().read_text(encoding="utf-8")
        else:
            found = store.menu(target)
            if found is None:
                raise click.ClickException(
                    f"there is no version {target} (see `ivr menu history`)"
                )
            text = found.text
        made = _publish(store, text, f"version {target}", f"rollback to version {target}")
    click.echo(f"published version {made.number}: the same as version {target}")
