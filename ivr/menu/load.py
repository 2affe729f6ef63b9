"""Reading a menu for use: checked in full first, so a menu with errors never runs."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ivr.menu.build import build_menu
from ivr.menu.check import check_source
from ivr.menu.model import Menu
from ivr.menu.source import MenuError, parse_source, read_text


def load_menu(path: Path | str) -> Menu:
    """Read and check a menu file; raise MenuError listing every error."""
    path = Path(path)
    return menu_from_text(read_text(path), path.name)


def menu_from_text(text: str, name: str = "menus.yaml") -> Menu:
    """Check menu text (a published version, a draft); raise MenuError listing every error.

    The same text and name give the same menu, so each is checked and built once in a
    process (every instance's poller, every app a worker starts, the console's pages ask
    again): the menu handed out is shared, and nothing changes a menu once built.
    """
    return _checked(text, name)


@lru_cache(maxsize=16)
def _checked(text: str, name: str) -> Menu:
    problems, clean = check_source(parse_source(text, name))
    errors = [p for p in problems if not p.warning]
    if errors:
        raise MenuError(errors)
    return build_menu(clean, name, tuple(p for p in problems if p.warning))
