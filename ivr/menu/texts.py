"""Every spoken text of the line, composed once from menus.yaml, by prompt id."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ivr.menu.languages import Language
    from ivr.menu.model import Helpline, Node, Settings

OPERATOR_CHOICE = "to speak to someone now"
# A helpline passed by while failing (the helpline watch): optional in other languages,
# so a menu published before it existed still loads
UNAVAILABLE = "unavailable"
# Said at the end of the first menu; added after menus were published without it, whose
# greetings may say it already (so it is left out where the greeting has its words)
HANG_UP = "hang_up"
# Placeholders every text may use (each helpline id too: its number, read slowly)
COMMON = (
    "service_name",
    "operator_name",
    "operator_number",
    "operator_key",
    "repeat_key",
    "back_key",
)


_NUMBER = re.compile(r"(?<!\d)(?<!\d\.)\d{3,}(?!\d|\.\d)")
# A doubled brace (a brace said as written), a {placeholder}, or a brace left unmatched
_BRACES = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def placeholders(text: str) -> list[str] | None:
    """The {names} in text, in order, as written inside the braces; None if a { or } is
    unmatched ({{ and }} are a brace itself)."""
    names = []
    for found in _BRACES.finditer(text):
        if found.group() in ("{{", "}}"):
            continue
        if found.group(1) is None:
            return None
        names.append(found.group(1))
    return names


def fill(template: str, values: Mapping[str, str]) -> str:
    """template with each {name} replaced by its value and {{ }} by a brace.

    Only bare names are filled: nothing of str.format's format specs or conversions ever
    runs (`{service_name:.>200000000}` would build 200 million characters), and a name
    not in values is a KeyError, as it would be for str.format.
    """

    def one(found: re.Match[str]) -> str:
        token = found.group()
        if found.group(1) is None:
            return token[0]  # {{ or }} (or a lone brace, which the checks refuse)
        return values[found.group(1)]

    return _BRACES.sub(one, template)


def speakable(text: str) -> str:
    """Numbers of three digits or more said digit by digit: 999 -> '9 9 9', 101 -> '1 0 1'."""
    return _NUMBER.sub(lambda m: " ".join(m.group()), " ".join(text.split()))


def spoken_estimate(text: str, words_a_minute: int) -> float:
    """Seconds text takes to say at that pace, from its words (where no audio tells)."""
    return len(text.split()) / (words_a_minute / 60)


def spoken_key(key: str) -> str:
    """How a key is said: '*' -> 'star'."""
    return {"*": "star", "#": "hash"}.get(key, key)


def whisper_id(node_id: str, key: str) -> str:
    """The prompt id of a choice's whisper; keys are spelled so ids make safe file names."""
    return f"whisper.{node_id}.{spoken_key(key)}"


# What every menu but the home menu ends with
_HINTS = ("operator_hint", "repeat_hint", "back_hint")


class Composer:
    """Fills the texts of menus.yaml with names, spoken numbers and keys."""

    def __init__(
        self, settings: Settings, helplines: Mapping[str, Helpline], texts: Mapping[str, str]
    ) -> None:
        operator = helplines[settings.operator]
        self.operator = settings.operator
        self.texts = dict(texts)
        self.common = {
            "service_name": settings.service_name,
            "operator_name": operator.name,
            "operator_number": operator.spoken,
            "operator_key": self.key(settings.operator_key),
            "repeat_key": self.key(settings.repeat_key),
            "back_key": self.key(settings.back_key),
            **{hid: h.spoken for hid, h in helplines.items()},
        }

    def key(self, key: str) -> str:
        """How a key is said in the menu's language: '*' -> 'star', 'gwiazdka'."""
        return {"*": self.texts["star"], "#": self.texts["hash"]}.get(key, key)

    def fill(self, prompt_id: str, **extra: str) -> str:
        """A fixed text with its placeholders filled."""
        return speakable(fill(self.texts[prompt_id], {**self.common, **extra}))

    def node(self, node: Node, hidden: frozenset[str] = frozenset()) -> str:
        """A menu as said: its text, each option not hidden, then the keys every menu has.

        The home menu names the key for a person first: a caller in crisis should not
        have to sit through every option to learn it. Its repeat key is said after the
        language offers (Menu.home_order), so that they follow the options at once.
        """
        home = node.parent is None
        parts = [speakable(fill(node.say, self.common))] if node.say else []
        parts += [self.fill("operator_hint")] if home else []
        options = [o for o in node.options if o.key not in hidden]
        parts += [self.fill("option", label=o.label, key=self.key(o.key)) for o in options]
        parts += [] if home else [self.fill(hint) for hint in _HINTS]
        return " ".join(parts)


def compose_prompts(
    composer: Composer,
    helplines: Mapping[str, Helpline],
    nodes: Mapping[str, Node],
    language: Language | None = None,
) -> dict[str, str]:
    """Prompt id -> the exact text a caller or helpline hears.

    In another language, a transfer also says whether the helpline can get an
    interpreter (only where the menu says it can; else that the call is in English), and
    the language has its offer for the English home menu. A language without its own
    words for a helpline passed by while failing has none (the English is said).
    """
    fill = composer.fill
    prompts = {
        name: fill(name)
        for name in ("greeting", "repeat_hint", "no_input", "invalid", "after_retries", "goodbye")
        + ("error", "numbers", "fallback_numbers")
    }
    said_in_greeting = " ".join(composer.texts.get(HANG_UP, "").split()) in prompts["greeting"]
    if HANG_UP in composer.texts and not said_in_greeting:
        prompts[HANG_UP] = fill(HANG_UP)
    for hid, h in helplines.items():
        if h.dial:
            prompts[f"connecting.{hid}"] = fill("connecting", name=h.name)
            if language:
                help_ = fill("interpreter" if h.interpreter else "in_english", name=h.name)
                prompts[f"connecting.{hid}"] = f"{help_} {prompts[f'connecting.{hid}']}"
            prompts[f"not_available.{hid}"] = fill("not_available", name=h.name)
    if language:
        prompts["offer"] = fill("offer", key=composer.key(language.key))
    prompts["whisper.operator"] = fill("whisper", choice=OPERATOR_CHOICE)
    for node in nodes.values():
        prompts[f"node.{node.id}"] = composer.node(node)
        for o in node.options:
            if o.transfer:
                choice = o.label if node.parent is None else f"{node.title}, {o.label}"
                prompts[whisper_id(node.id, o.key)] = fill("whisper", choice=choice)
    # Last, so the numbers staff record prompts by (`ivr prompts list`) stay as they were
    for hid, h in helplines.items():
        if h.dial and hid != composer.operator and UNAVAILABLE in composer.texts:
            said = fill(UNAVAILABLE, name=h.name)  # passed by while failing
            prompts[f"{UNAVAILABLE}.{hid}"] = said[:1].upper() + said[1:]
    return prompts
