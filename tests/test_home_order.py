"""The order the first menu is heard in (Menu.home_order), one definition for the call and
its timing; and menus published before `hang_up` existed still load and say it once."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from ivr import create_app
from ivr.menu.hours import LONDON
from ivr.menu.load import menu_from_text
from ivr.simulate import Simulator
from tests.helpers import REPO_MENU, SMALL_MENU, config, spoken

SHIPPED = REPO_MENU.read_text(encoding="utf-8")


def published_before_hang_up() -> str:
    """The shipped menu as published before this release: the hang-up sentence in each
    greeting, no `hang_up:` texts."""
    text = re.sub(r"  hang_up(\.\w\w)?: >-\n    [^\n]+\n", "", SHIPPED)
    return text.replace(
        "    {service_name}. In danger? Hang up and dial 999.\n",
        "    {service_name}. In danger? Hang up and dial 999. You can hang up at any time.\n",
    )


def test_the_first_menu_then_the_languages_then_the_keys_every_menu_has() -> None:
    menu = menu_from_text(SHIPPED)
    offers = [("offer", code) for code in menu.languages]
    assert menu.home_order() == (
        ("greeting", ""),
        ("node.main", ""),
        *offers,
        ("repeat_hint", ""),
        ("hang_up", ""),
    )
    assert menu.home_order("pl", greeting=False) == (
        ("node.main", "pl"),
        ("repeat_hint", "pl"),
        ("hang_up", "pl"),
    )


def test_a_menu_published_before_hang_up_loads_and_says_it_once() -> None:
    text = published_before_hang_up()
    assert "hang_up" not in text
    menu = menu_from_text(text)  # no language's hang_up is missing as an error
    assert "hang_up" not in menu.prompts and "pl.hang_up" not in menu.prompts
    assert menu.prompts["greeting"].count("You can hang up at any time.") == 1
    assert ("hang_up", "") not in menu.home_order()
    assert ("hang_up", "pl") not in menu.home_order("pl")


def test_prompts_added_later_keep_the_numbers_staff_record_by() -> None:
    """Phone recording numbers prompts in this order: a newer prompt never moves an older."""
    before = list(menu_from_text(published_before_hang_up()).prompts)
    now = list(menu_from_text(SHIPPED).prompts)
    assert now[: len(before)] == before
    assert set(now[len(before) :]) == {
        *(f"{c}.{p}" if c else p for c in ("", "pl", "ro", "pa", "ur") for p in ("hang_up",)),
    }


def test_a_home_menu_with_an_option_hidden_keeps_its_order(
    tmp_path: Path, write_menu: Callable[[str], Path]
) -> None:
    """A closed helpline's option left out of the first menu: the menu is said (made at
    call time) in its place, then the keys and the hang-up sentence, as always."""
    text = SMALL_MENU.replace(
        "    number: 0800 085 3481\n",
        "    number: 0800 085 3481\n    hours:\n      weekly:\n        mon-fri: 09:00-17:00\n",
    ).replace(
        "        transfer: [refuge_derby, national_24h]\n",
        "        transfer: [refuge_derby, national_24h]\n        when_closed: hide\n",
    )
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=LONDON)
    app = create_app(config(tmp_path, IVR_MENU=str(write_menu(text)), CLOCK=lambda: saturday))
    root = Simulator(app).request("/voice", "POST", {})
    said = [v.text or "" for v in root.iter() if v.tag in ("Say", "Play")]
    words = spoken(app, root)
    assert "9 9 9" in words[0]  # the greeting first
    assert "Refuge" not in " ".join(words)  # hidden while closed
    assert words[1].startswith("To speak to someone, press 0.")  # the menu, made now
    assert words[-2:] == ["To hear this again, press 9.", "You can hang up at any time."]
    assert len(said) == len(words) == 4
