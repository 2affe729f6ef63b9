from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from ivr import create_app
from ivr.menu.load import load_menu
from ivr.menu.speech import tokens
from ivr.simulate import Simulator
from tests.helpers import REPO_MENU, config

MENU = load_menu(REPO_MENU)


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("Derby city.", ("derby", "city")),
        ("I'm a man", ("im", "a", "man")),
        ("L G B T", ("lgbt",)),
        ("LGBT+ support", ("lgbt", "support")),
        ("Option two.", ("option", "2")),
        ("nine nine nine", ("999",)),
        ("Star", ("*",)),
        ("one-to-one", ("1", "to", "1")),
    ],
)
def test_tokens(said: str, expected: tuple[str, ...]) -> None:
    assert tokens(said) == expected


@pytest.fixture(scope="module")
def heard(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], str | None]:
    """What the app itself makes of words said at a menu (no confidence given)."""
    renderer = (
        create_app(config(tmp_path_factory.mktemp("speech"))).extensions["ivr.line"].renderer
    )

    def key_for(node_id: str, said: str) -> str | None:
        key: str | None = renderer.key_for(node_id, "", said, "")
        return key

    return key_for


@pytest.mark.parametrize(
    ("said", "key"),
    [
        ("Emergency.", "1"),
        ("Derby city.", "2"),
        ("DERBY CITY", "2"),
        ("derbyshire", "3"),
        ("The county please.", "3"),
        ("I'm a man", "4"),
        ("Men.", "4"),
        ("L G B T", "5"),
        ("LGBT.", "5"),
        ("Option two.", "2"),
        ("two", "2"),
        ("Number 5", "5"),
        ("Press 1 please.", "1"),
        ("Other information", "6"),
        ("Speak to someone.", "0"),
        ("Zero.", "0"),
        ("Repeat that.", "9"),
        ("Go back", "*"),
        ("Nine nine nine", "1"),
        ("Hello?", None),
        ("", ""),  # silence
        ("seven", "7"),  # Polish, offered at the main menu
        ("derbyshire men", None),  # two options at once: not a guess
        ("women", None),  # "women" is not "men"
    ],
)
def test_main_menu_speech(heard: Callable[[str, str], str | None], said: str, key: str) -> None:
    assert heard("main", said) == key


def test_labels_are_understood_too(heard: Callable[[str, str], str | None]) -> None:
    assert heard("other", "Clare's Law") == "3"
    assert heard("derby_city", "Women's Work.") == "2"


@pytest.mark.parametrize("node_id", list(MENU.nodes))
@pytest.mark.parametrize("said", ["Zero.", "Speak to someone"])
def test_the_24_7_line_by_voice_from_every_menu(app: Flask, node_id: str, said: str) -> None:
    """A whole call: the words for key 0, said at any menu, ring the 24/7 line."""
    path = f"/voice/choose?m={node_id}&s=0&i=0"
    call = Simulator(app).call([said], start=path)
    assert call.bridged == MENU.operator.e164
