"""What a caller's answer to a menu means: decided once, then rendered and counted.

The renderer turns a Choice into TwiML (twiml.Renderer.choose) and the report counts the
same Choice (report/events.choose): neither works out again what a key means. Pure: the
menu, the keys hidden just now (a closed helpline's option with `when_closed: hide`) and
the call's state in, a Choice out.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ivr.menu.model import Menu

SILENCE = ""  # the answer was nothing at all (Twilio's gather timed out)


class Means(Enum):
    """The kinds of answer a menu can get."""

    UNKNOWN_MENU = "unknown menu"  # a URL naming no menu: the call starts again
    SILENT = "silent"  # nothing said or pressed
    NOT_AN_OPTION = "not an option"  # a key, or words, that choose nothing here
    LANGUAGE = "language"  # a language offered at the home menu
    MENU = "menu"  # a menu heard next: a sub-menu, this one again, or the one before
    TRANSFER = "transfer"  # a helpline chain rung: an option's, or the 24/7 line's


@dataclass(frozen=True, slots=True)
class Choice:
    """A caller's answer, decided.

    spent: silent or not an option once too often (the retry limit): a person, or a
    goodbye, follows (settings.after_retries). menu: the menu heard next (MENU), or the
    one answered. language: the code chosen (LANGUAGE). chain: the key whose transfer
    chain rings (TRANSFER: an option's key, or the operator key).
    """

    means: Means
    node: str
    key: str | None
    spent: bool = False
    menu: str = ""
    language: str = ""
    chain: str = ""


def decide(
    menu: Menu, node_id: str, silences: int, invalids: int, key: str | None, hidden: frozenset[str]
) -> Choice:
    """What key (SILENCE, None for not understood, or a key) means in menu node_id, after
    this many silences and invalid answers in a row."""
    settings = menu.settings
    node = menu.nodes.get(node_id)
    if node is None:
        return Choice(Means.UNKNOWN_MENU, node_id, key)
    if key == SILENCE:
        spent = silences >= settings.no_input_retries
        return Choice(Means.SILENT, node_id, key, spent=spent, menu=node_id)
    language = menu.language_of(key or "")
    if language and node.parent is None:
        return Choice(Means.LANGUAGE, node_id, key, menu=node_id, language=language.code)
    option = node.option(key) if key and key not in hidden else None
    if key == settings.operator_key:
        return Choice(Means.TRANSFER, node_id, key, chain=key)
    if key == settings.repeat_key:
        return Choice(Means.MENU, node_id, key, menu=node_id)
    if key == settings.back_key:
        return Choice(Means.MENU, node_id, key, menu=node.parent or settings.home)
    if option is None:
        spent = invalids >= settings.invalid_retries
        return Choice(Means.NOT_AN_OPTION, node_id, key, spent=spent, menu=node_id)
    if option.goto:
        return Choice(Means.MENU, node_id, key, menu=option.goto)
    return Choice(Means.TRANSFER, node_id, key, chain=option.key)
