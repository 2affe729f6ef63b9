"""`ivr staff`: console accounts, made and managed at the terminal."""

from __future__ import annotations

import sys

import click

from ivr import paths
from ivr.commands.options import cli_store, cli_who, fail, menu_or_exit, saving
from ivr.errors import IvrError
from ivr.store.accounts import Accounts, language_codes
from ivr.store.rows import ROLES


def _accounts() -> Accounts:
    return Accounts(cli_store())


def _password(confirm: bool = True) -> str:
    """From stdin when piped (one line), else asked for twice without echo: never an argument."""
    stdin = sys.stdin
    if not stdin.isatty():
        return str(stdin.readline()).rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=confirm))


@click.group()
def staff() -> None:
    """Console accounts: add, list, disable, reset (passwords are read, never arguments)."""


@staff.command()
@click.argument("email")
@click.option("--name", required=True, help="The person's name, as the audit log shows it.")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What they may do.")
@click.option(
    "--languages",
    default="",
    help="A reviewer's languages, by code: 'pl,ro' (the menu's languages only).",
)
@click.option("--menu", "menu_file", default=None, help="The menu file whose languages count.")
def add(email: str, name: str, role: str, languages: str, menu_file: str | None) -> None:
    """Add an account; the password is read from stdin or asked for."""
    menu = menu_file or str(paths.menu_file())
    known = tuple(menu_or_exit(menu).languages) if languages else None
    password = _password()
    codes = language_codes(languages)
    try:
        with saving():
            account = _accounts().add(email, name, role, password, cli_who(), codes, known)
    except IvrError as e:
        raise fail(e) from e
    extra = " (two-factor is set up at the first sign-in)" if role == "admin" else ""
    of = f" of {', '.join(account.languages)}" if account.languages else ""
    click.echo(f"{account.email}: {account.role}{of} account added{extra}")


@staff.command("list")
def list_() -> None:
    """Every account: email, role, two-factor, enabled."""
    with saving():
        accounts = _accounts().all()
    if not accounts:
        click.echo("no accounts yet: `ivr staff add EMAIL --name NAME --role admin`")
    for a in accounts:
        state = "disabled" if a.disabled else "enabled"
        factor = "two-factor" if a.two_factor else "password only"
        click.echo(f"{a.email:<32} {a.role:<7} {factor:<14} {state:<9} {a.name}")


@staff.command()
@click.argument("email")
def disable(email: str) -> None:
    """Stop an account signing in (and sign it out everywhere)."""
    try:
        with saving():
            account = _accounts().disable(email, cli_who())
    except IvrError as e:
        raise fail(e) from e
    click.echo(f"{account.email}: disabled")


@staff.command()
@click.argument("email")
def reset(email: str) -> None:
    """A new password (read from stdin or asked for); clears two-factor; enables."""
    password = _password()
    try:
        with saving():
            account = _accounts().reset(email, password, cli_who())
    except IvrError as e:
        raise fail(e) from e
    click.echo(f"{account.email}: new password; two-factor cleared (set up again at sign-in)")
