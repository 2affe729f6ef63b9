"""Reading a menu for use: checked in full first, so a menu with errors never runs."""

from __future__ import annotations

from pathlib import Path

from ivr.menu.build import build_menu
from ivr.menu.check import check_source
from ivr.menu.model import Menu
from ivr.menu.source import MenuError, parse_source, read_source


def load_menu(path: Path | str) -> Menu:
    """Read and check a menu file; raise MenuError listing every error."""
    source = read_source(Path(path))
    problems, clean = check_source(source)
    errors = [p for p in problems if not p.warning]
    if errors:
        raise MenuError(errors)
    warnings = tuple(p for p in problems if p.warning)
    return build_menu(clean, source.name, warnings)


def menu_from_text(text: str, name: str = "menus.yaml") -> Menu:
    """Check menu text (a published version, a draft); raise MenuError listing every error."""
    problems, clean = check_source(parse_source(text, name))
    errors = [p for p in problems if not p.warning]
    if errors:
        raise MenuError(errors)
    return build_menu(clean, name, tuple(p for p in problems if p.warning))
