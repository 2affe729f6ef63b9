"""One decision, rendered and counted: for every menu of the shipped line, in every
language, every key, silence and words not understood, with retries left and at the
limit, what the caller hears next and what the report counts say the same thing."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask

from ivr.call import twiml, voice
from ivr.call.decide import SILENCE, Means, decide
from ivr.call.form import Params
from ivr.call.state import CallState
from ivr.call.twiml import Renderer
from ivr.report import events
from ivr.report.events import HEARD, LANGUAGE, NUMBERS, RETRY_LIMIT, SKIPPED, SKIPPED_FAILING

KEYS = [*"0123456789*#", SILENCE, None]


def answers(renderer: Renderer) -> Iterator[tuple[str, str, str | None, int]]:
    """(menu, language, key, retries spent) for every reachable answer."""
    menu = renderer.menu
    for lang in ["", *menu.languages]:
        for node_id in menu.nodes:
            for key in KEYS:
                for spent in (
                    0,
                    max(menu.settings.no_input_retries, menu.settings.invalid_retries),
                ):
                    yield node_id, lang, key, spent


def params(node_id: str, lang: str, key: str | None, spent: int) -> Params:
    state = CallState(node_id, spent, spent, answered="1795521600", lang=lang)
    query = state.url("", "node", "silences", "invalids", "answered", "lang").lstrip("?")
    if key is None:
        form = [("SpeechResult", "purple elephants"), ("Confidence", "0.9")]
    else:
        form = [("Digits", key)] if key else []
    return Params([*form, ("To", "+441632960001")], query)


def heard_next(root: ET.Element) -> CallState | None:
    """The state of the menu the TwiML gathers an answer in, if it does."""
    for gather in root.iter("Gather"):
        action = urlsplit(gather.get("action", ""))
        if action.path == twiml.CHOOSE:
            return CallState.of(Params([], action.query))
    return None


def rung(root: ET.Element) -> CallState | None:
    for dial in root.iter("Dial"):
        return CallState.of(Params([], urlsplit(dial.get("action", "")).query))
    return None


@pytest.fixture(scope="module")
def renderer(tmp_path_factory: pytest.TempPathFactory) -> Renderer:
    from ivr import create_app
    from tests.helpers import config

    # The shipped menu, not whatever an earlier test published in a shared store (on
    # PostgreSQL, one database: this module's app is made before the store is emptied)
    app: Flask = create_app(config(tmp_path_factory.mktemp("decide"), FOLLOW_PUBLISHED=False))
    return app.extensions["ivr.line"].renderer  # type: ignore[no-any-return]


def test_what_is_heard_next_is_what_is_counted(renderer: Renderer) -> None:
    checked = 0
    for node_id, lang, key, spent in answers(renderer):
        p = params(node_id, lang, key, spent)
        root = ET.fromstring(voice.choose(renderer, p))
        counts = events.choose(renderer, p)
        choice = voice.decided(renderer, p)
        where = f"{node_id} {lang or 'en'} {key!r} after {spent}"
        menus_heard = [subject for metric, subject in counts if metric == HEARD]
        gathered = heard_next(root)
        if choice.spent:
            assert (RETRY_LIMIT, node_id) in counts, where
            assert gathered is None, where  # a person, or goodbye
            continue
        if choice.means in (Means.SILENT, Means.NOT_AN_OPTION, Means.MENU, Means.LANGUAGE):
            assert gathered is not None, where
            assert menus_heard == [gathered.node], where
            assert gathered.lang == (choice.language or lang), where
            if choice.means is Means.LANGUAGE:
                name = renderer.menu.languages[choice.language].name
                assert (LANGUAGE, name) in counts, where
        else:
            assert choice.means is Means.TRANSFER, where
            assert menus_heard == [], where
            skipped = [c for c in counts if c[0] in (SKIPPED, SKIPPED_FAILING)]
            dialled = rung(root)
            if dialled is None:  # every helpline of the chain closed: the numbers
                assert (NUMBERS, "") in counts, where
            else:
                assert (dialled.key, dialled.step) == (choice.chain, len(skipped)), where
        checked += 1
    assert checked > 500


def test_what_answers_mean_in_the_shipped_menu(renderer: Renderer) -> None:
    """decide() pinned on its own: what each kind of answer means at the home menu and in
    Derby City's (0 a person, 9 again, * back; at the home menu 7 8 * # are languages)."""
    menu = renderer.menu
    limit = menu.settings.no_input_retries

    def means(node: str, key: str | None, spent: int = 0, hidden: str = "") -> tuple[object, ...]:
        c = decide(menu, node, spent, spent, key, frozenset(hidden))
        assert (c.node, c.key) == (node, key)  # (the counts name the menu left and the key)
        return (c.means, c.spent, c.menu, c.language, c.chain)

    assert means("main", "2") == (Means.MENU, False, "derby_city", "", "")
    assert means("main", "0") == (Means.TRANSFER, False, "", "", "0")
    assert means("main", "7") == (Means.LANGUAGE, False, "main", "pl", "")
    assert means("derby_city", "7")[0] is Means.NOT_AN_OPTION  # languages: home menu only
    assert means("main", "*") == (Means.LANGUAGE, False, "main", "pa", "")  # not back
    assert means("main", "9") == (Means.MENU, False, "main", "", "")
    assert means("derby_city", "9") == (Means.MENU, False, "derby_city", "", "")
    assert means("derby_city", "*") == (Means.MENU, False, "main", "", "")
    assert means("text_line", "*") == (Means.MENU, False, "derbyshire", "", "")  # one up
    assert means("derby_city", "0") == (Means.TRANSFER, False, "", "", "0")
    assert means("derby_city", "#")[0] is Means.NOT_AN_OPTION
    assert means("derby_city", "1")[0] is Means.TRANSFER
    assert means("derby_city", "1", hidden="1")[0] is Means.NOT_AN_OPTION
    assert means("main", SILENCE) == (Means.SILENT, False, "main", "", "")
    assert means("main", SILENCE, limit) == (Means.SILENT, True, "main", "", "")
    assert means("main", None) == (Means.NOT_AN_OPTION, False, "main", "", "")
    assert means("main", None, limit)[:2] == (Means.NOT_AN_OPTION, True)
    assert means("nowhere", "1")[0] is Means.UNKNOWN_MENU


def test_an_unknown_menu_starts_the_call_again_and_counts_nothing(renderer: Renderer) -> None:
    p = params("nowhere", "", "1", 0)
    assert events.choose(renderer, p) == []
    assert voice.decided(renderer, p).means is Means.UNKNOWN_MENU
    assert voice.choose(renderer, p) == twiml.stamp(renderer.start(), "1795521600")
