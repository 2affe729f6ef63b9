"""What every `ivr` command shares: the --menu option, and loading it for the terminal."""

from __future__ import annotations

import click

from ivr.menu import DEFAULT_MENU, Menu, load_menu
from ivr.source import IvrError

MENU_OPT = click.option(
    "--menu",
    "menu_file",
    default=str(DEFAULT_MENU),
    show_default=True,
    type=click.Path(),
    help="The menu file.",
)


def fail(error: IvrError) -> click.ClickException:
    """A user's mistake as a one-line message and exit code 1, never a traceback."""
    return click.ClickException(str(error))


def menu_or_exit(menu_file: str) -> Menu:
    """The checked menu, or exit 1 with every error in it."""
    try:
        return load_menu(menu_file)
    except IvrError as e:
        raise fail(e) from e
