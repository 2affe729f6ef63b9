"""Every text staff can re-word, per language: where it is written and what it says now.

A text is named by its path in menus.yaml (`prompts/greeting.pl`,
`menus/main/options/2/label.pl`): the console's Words pages list and edit them, and
the Now page and `ivr prompts list` show those no fluent speaker has checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivr.menu.check import PLACEHOLDERS
from ivr.menu.check_languages import TRANSLATED_PROMPTS
from ivr.menu.languages import LANGUAGE_PROMPTS
from ivr.menu.model import DEFAULT_PROMPTS, Menu


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
    for nid, node in menu.nodes.items():
        said = language.nodes[nid]
        if node.say:
            where = ("menus", nid, f"say.{code}")
            what = f"{node.title}: what it says"
            found.append(Text(where, what, node.say, said.say, (), confirmed))
        for option, translated in zip(node.options, said.options, strict=True):
            where = ("menus", nid, "options", option.key, f"label.{code}")
            what = f"{node.title}: option {option.key}"
            found.append(Text(where, what, option.label, translated.label, (), confirmed))
    return found


def find(menu: Menu, name: str) -> tuple[str, Text] | None:
    """The language and text a URL names ('greeting' is English's prompts/greeting)."""
    path = tuple(name.split("/")) if "/" in name else ("prompts", name)
    code = path[-1].rpartition(".")[2] if "." in path[-1] else ""
    if code and code not in menu.languages:
        code = ""
    return next(((code, t) for t in texts(menu, code) if t.path == path), None)


def unconfirmed(menu: Menu) -> dict[str, list[Text]]:
    """Each language's texts that no fluent speaker has checked, by language name."""
    return {
        language.name: texts(menu, code)
        for code, language in menu.languages.items()
        if not language.confirmed
    }


def prompt_unconfirmed(menu: Menu, prompt_id: str) -> bool:
    """Whether a prompt ('pl.greeting') is spoken from texts no fluent speaker checked."""
    code, _, rest = prompt_id.partition(".")
    language = menu.languages.get(code)
    return bool(rest) and language is not None and not language.confirmed
