"""Every text staff can re-word, per language: where it is written and what it says now.

A text is named by its path in menus.yaml (`prompts/greeting.pl`,
`menus/main/options/2/label.pl`): the console's Words pages list and edit them, and
the Now page and `ivr prompts list` show those no fluent speaker has checked.

A language is confirmed as a whole (`confirmed: true` in menus.yaml), or text by text by
its reviewers in the console: `Confirmations` maps a text's name to the hash of the words
a reviewer confirmed and the English they translate, so a text changed since (or its
English) is unconfirmed again, with nothing to undo.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace

from ivr.menu.check import PLACEHOLDERS
from ivr.menu.check_languages import NOT_CONFIRMED, TRANSLATED_PROMPTS
from ivr.menu.languages import LANGUAGE_PROMPTS
from ivr.menu.model import DEFAULT_PROMPTS, Menu
from ivr.menu.source import Problem

# A text's name -> the text_sha256 of the text a reviewer confirmed
Confirmations = Mapping[str, str]


@dataclass(frozen=True)
class Text:
    """One text of the menu file in one language."""

    path: tuple[str, ...]  # where it is written in menus.yaml
    what: str  # for a person: "greeting", "Derby City (main menu, key 2)"
    english: str  # the English it translates ("" for a language's own texts)
    words: str  # what it says now
    placeholders: tuple[str, ...] = ()  # the {names} it may use besides the common ones
    confirmed: bool = True  # checked by a fluent speaker (English texts: always)

    @property
    def name(self) -> str:
        """The path as it goes in a URL: 'prompts/greeting.pl'."""
        return "/".join(self.path)

    @property
    def dotted(self) -> str:
        """The path as `ivr check` locates it: 'prompts.greeting.pl'."""
        return ".".join(self.path)


def text_sha256(text: Text) -> str:
    """The hash a confirmation keeps of a text: its words and the English they translate
    (spacing as YAML folds it aside), so a change to either unconfirms it."""
    english, words = (" ".join(t.split()) for t in (text.english, text.words))
    return hashlib.sha256(f"{english}\n{words}".encode()).hexdigest()


def texts(menu: Menu, code: str = "") -> list[Text]:
    """The texts of a language ("" English: the fixed texts; staff change the rest of
    English on the Menu page)."""
    if not code:
        return [
            Text(("prompts", key), key, "", menu.composer.texts[key], PLACEHOLDERS.get(key, ()))
            for key in DEFAULT_PROMPTS
        ]
    language = menu.speaking(code)
    confirmed = menu.languages[code].confirmed
    found = [
        Text(
            ("prompts", f"{key}.{code}"),
            key,
            menu.composer.texts.get(key, ""),
            language.composer.texts[key],
            PLACEHOLDERS.get(key, LANGUAGE_PROMPTS.get(key, ())),
            confirmed,
        )
        for key in TRANSLATED_PROMPTS
    ]
    for hid, helpline in menu.helplines.items():
        name = language.helplines[hid].name
        where: tuple[str, ...] = ("helplines", hid, f"name.{code}")
        found.append(Text(where, f"name of {hid}", helpline.name, name, (), confirmed))
        if language.helplines[hid].sms:  # its name by text, where it differs
            where = ("helplines", hid, f"sms.{code}")
            english = helpline.sms or helpline.name
            by_text = language.helplines[hid].sms
            found.append(Text(where, f"name of {hid} by text", english, by_text, (), confirmed))
    for nid, node in menu.nodes.items():
        said = language.nodes[nid]
        if node.say:
            where = ("menus", nid, f"say.{code}")
            what = f"{node.title}: what it says"
            found.append(Text(where, what, node.say, said.say, (), confirmed))
        if said.sms:  # by text, where it differs
            where = ("menus", nid, f"sms.{code}")
            english = node.sms or node.say
            found.append(Text(where, f"{node.title}: by text", english, said.sms, (), confirmed))
        for option, translated in zip(node.options, said.options, strict=True):
            where = ("menus", nid, "options", option.key, f"label.{code}")
            what = f"{node.title}: option {option.key}"
            found.append(Text(where, what, option.label, translated.label, (), confirmed))
            if translated.sms:
                where = ("menus", nid, "options", option.key, f"sms.{code}")
                english = option.sms or option.label
                what = f"{node.title}: option {option.key} by text"
                found.append(Text(where, what, english, translated.sms, (), confirmed))
    return found


def reviewed(menu: Menu, code: str, confirmations: Confirmations) -> list[Text]:
    """The texts of a language, each confirmed if the language is, or if a reviewer
    confirmed its words as they are now."""
    return [_as_reviewed(t, confirmations) for t in texts(menu, code)]


def _as_reviewed(text: Text, confirmations: Confirmations) -> Text:
    """text, confirmed if its language is or a reviewer confirmed it as it is now."""
    if text.confirmed:
        return text
    return replace(text, confirmed=confirmations.get(text.name) == text_sha256(text))


def without_confirmed(
    problems: list[Problem], menu: Menu, confirmations: Confirmations
) -> list[Problem]:
    """problems, less the "not yet confirmed" warnings of texts reviewers confirmed."""
    confirmed = {
        t.dotted
        for code in menu.languages
        for t in reviewed(menu, code, confirmations)
        if t.confirmed
    }
    return [
        p
        for p in problems
        if not (p.warning and p.message.startswith(NOT_CONFIRMED) and p.path in confirmed)
    ]


def find(menu: Menu, name: str) -> tuple[str, Text] | None:
    """The language and text a URL names ('greeting' is English's prompts/greeting)."""
    path = tuple(name.split("/")) if "/" in name else ("prompts", name)
    code = path[-1].rpartition(".")[2] if "." in path[-1] else ""
    if code and code not in menu.languages:
        code = ""
    return next(((code, t) for t in texts(menu, code) if t.path == path), None)


def find_reviewed(menu: Menu, name: str, confirmations: Confirmations) -> tuple[str, Text] | None:
    """find, the text confirmed if a reviewer confirmed it as it is now."""
    found = find(menu, name)
    return found and (found[0], _as_reviewed(found[1], confirmations))


def unconfirmed(menu: Menu, confirmations: Confirmations | None = None) -> dict[str, list[Text]]:
    """Each language's texts that no fluent speaker has checked, by language name."""
    found = {
        language.name: [t for t in reviewed(menu, code, confirmations or {}) if not t.confirmed]
        for code, language in menu.languages.items()
    }
    return {name: left for name, left in found.items() if left}


def progress(menu: Menu, confirmations: Confirmations) -> dict[str, tuple[int, int]]:
    """Each language's (texts confirmed, texts), by its code."""
    found = {}
    for code in menu.languages:
        all_texts = reviewed(menu, code, confirmations)
        found[code] = (sum(t.confirmed for t in all_texts), len(all_texts))
    return found


def prompt_unconfirmed(menu: Menu, prompt_id: str) -> bool:
    """Whether a prompt ('pl.greeting') is spoken from texts no fluent speaker checked."""
    code, _, rest = prompt_id.partition(".")
    language = menu.languages.get(code)
    return bool(rest) and language is not None and not language.confirmed
