"""What every `ivr` command shares: the --menu option, and loading it for the terminal."""

from __future__ import annotations

import click

from ivr import paths
from ivr.menu import Menu, load_menu
from ivr.source import IvrError

MENU_OPT = click.option(
    "--menu",
    "menu_file",
    default=lambda: str(paths.menu_file()),
    show_default="IVR_MENU, else ./menus.yaml",
    type=click.Path(),
    help="The menu file.",
)
DIR_OPT = click.option(
    "--dir",
    "prompts_dir",
    default=lambda: str(paths.prompts_dir()),
    show_default="PROMPTS_DIR, else ./prompts",
    type=click.Path(),
    help="The prompt store (generated/ and recorded/).",
)
FILE_OPT = click.option(
    "--file",
    "overrides_file",
    default=lambda: str(paths.overrides_file()),
    show_default="OVERRIDES_FILE, else overrides.json in STATE_DIR (./state)",
    type=click.Path(),
    help="The overrides file.",
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
