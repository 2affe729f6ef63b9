"""Phrase books: sentences callers say at a menu, each with the option it must reach, run
through the line's own matcher (`ivr check --phrases FILE`, and tests/phrases/).

A phrase book is YAML:

    language: pl            # a code under the menu's `languages:`; en (or "") for English
    menus:
      main:                 # a menu's id
        "1":                # the key of the option each sentence must reach
          - jestem w niebezpieczeństwie
        ask again:          # sentences that must reach no option
          - kiedy jesteście otwarci
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ivr.menu.model import Menu, Node
from ivr.menu.source import Problem, Source, read_source

ASK_AGAIN = "ask again"


@dataclass(frozen=True)
class Phrase:
    """One sentence of a phrase book and where it must lead."""

    line: int
    path: str
    node_id: str
    expected: str | None  # a key, or None: asked again
    said: str


def read_phrase_book(path: Path, menu: Menu) -> tuple[str, list[Phrase], list[Problem]]:
    """The book's language, its sentences, and what is wrong with the book itself."""
    source = read_source(path)
    problems = list(source.problems)
    data = source.data if isinstance(source.data, dict) else {}
    if not data and not problems:
        problems.append(_problem(source, (), "expected a mapping with language: and menus:"))
    code = str(data.get("language") or "")
    code = "" if code == "en" else code
    if code and code not in menu.languages:
        known = ", ".join(["en", *menu.languages])
        problems.append(
            _problem(source, ("language",), f"'{code}' is not a language of the menu ({known})")
        )
        return code, [], problems
    phrases: list[Phrase] = []
    menus = data.get("menus")
    if not isinstance(menus, dict):
        problems.append(_problem(source, ("menus",), "expected a mapping of menu ids"))
        return code, [], problems
    for node_id, keys in menus.items():
        node = menu.nodes.get(str(node_id))
        where: tuple[str, ...] = ("menus", str(node_id))
        if node is None or not isinstance(keys, dict):
            why = "not a menu of the line" if node is None else "expected a mapping of keys"
            problems.append(_problem(source, where, f"'{node_id}': {why}"))
            continue
        for key, sentences in keys.items():
            key = str(key)
            allowed = menu.spoken_keys(node)
            if key != ASK_AGAIN and key not in allowed:
                choices = ", ".join(sorted(allowed))
                problems.append(
                    _problem(
                        source,
                        (*where, key),
                        f"'{key}' is not a key of {node_id} ({choices}, or {ASK_AGAIN})",
                    )
                )
                continue
            if not isinstance(sentences, list):
                problems.append(_problem(source, (*where, key), "expected a list of sentences"))
                continue
            expected = None if key == ASK_AGAIN else key
            for i, said in enumerate(sentences):
                at = (*where, key, str(i))
                phrases.append(
                    Phrase(source.line(at), ".".join(at), str(node_id), expected, str(said))
                )
    return code, phrases, problems


def wrong_phrases(path: Path, menu: Menu) -> tuple[int, list[Problem]]:
    """How many sentences the book holds, and each that goes wrong (or the book's own
    problems), one located line each."""
    code, phrases, problems = read_phrase_book(path, menu)
    spoken = menu.speaking(code)
    for phrase in phrases:
        node = spoken.nodes[phrase.node_id]
        got = spoken.key_for_words(node, phrase.said)
        node = menu.nodes[phrase.node_id]  # named for staff in English
        if got == phrase.expected:
            continue
        if phrase.expected is None:
            found = _named(menu, node, got or "")
            message = f"'{phrase.said}' reaches {found}: it should be asked again"
        elif got is None:
            wanted = _named(menu, node, phrase.expected)
            message = f"'{phrase.said}' is asked again, where it should reach {wanted}"
        else:
            wanted = _named(menu, node, phrase.expected)
            message = f"'{phrase.said}' reaches {_named(menu, node, got)}, not {wanted}"
        problems.append(Problem(path.name, phrase.line, phrase.path, message))
    return len(phrases), problems


def _named(menu: Menu, node: Node, key: str) -> str:
    """'option 1 (emergencies)', as staff read it (in English)."""
    option = node.option(key)
    if option is not None:
        return f"option {key} ({option.label})"
    language = menu.language_of(key)
    if language is not None and node.parent is None:
        return f"key {key} ({language.name})"
    settings = menu.settings
    for action in ("operator", "repeat", "back"):
        if key == getattr(settings, f"{action}_key"):
            return f"key {key} (the {action} key)"
    return f"key {key}"  # pragma: no cover - spoken_keys holds no other


def _problem(source: Source, path: tuple[str, ...], message: str) -> Problem:
    return Problem(source.name, source.line(path), ".".join(path), message)
