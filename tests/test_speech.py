from __future__ import annotations

import pytest

from ivr.menu import load_menu
from ivr.speech import match, tokens

MENU = load_menu()


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


def key_for(node_id: str, said: str) -> str | None:
    node = MENU.nodes[node_id]
    keys = {o.key for o in node.options} | {"0", "9", "*"}
    return match(said, node.phrases, keys)


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
        ("", None),
        ("seven", None),
        ("derbyshire men", None),  # two options at once: not a guess
        ("women", None),  # "women" is not "men"
    ],
)
def test_main_menu_speech(said: str, key: str | None) -> None:
    assert key_for("main", said) == key


def test_labels_are_understood_too() -> None:
    assert key_for("other", "Clare's Law") == "3"
    assert key_for("derby_city", "Women's Work.") == "2"
