"""What every `ivr` command shares: options, the menu, the store, and who is typing."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.exc import SQLAlchemyError

from ivr import paths
from ivr.errors import IvrError
from ivr.menu.load import load_menu
from ivr.menu.model import Menu
from ivr.store import trouble
from ivr.store.changes import Store
from ivr.store.db import database_url, shared_engine
from ivr.store.legacy import prepare
from ivr.store.rows import Who

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
    help="The shipped prompt audio (generated/, and recorded/ from before the store).",
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


def cli_who() -> Who:
    """The person at the terminal, for the audit log."""
    try:
        return Who(getpass.getuser(), "cli")
    except (OSError, KeyError):
        return Who("unknown", "cli")


@contextmanager
def saving() -> Iterator[None]:
    """Any database failure as a plain message: whether the change was saved, and why not."""
    try:
        yield
    except SQLAlchemyError as e:
        raise click.ClickException(trouble.at_terminal(e)) from e


def cli_store() -> Store:
    """The store every instance shares (an SQLite file is made on first use)."""
    url = database_url()
    with saving():
        store = Store(shared_engine(url))
        if url.startswith("sqlite"):
            for line in prepare(url, store, paths.state_dir(), paths.prompts_dir()):
                click.echo(line, err=True)
        return store
