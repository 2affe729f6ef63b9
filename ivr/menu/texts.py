"""Every spoken text of the line, composed once from menus.yaml, by prompt id."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ivr.menu.languages import Language
    from ivr.menu.model import Helpline, Node, Settings

OPERATOR_CHOICE = "to speak to someone now"
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


class Composer:
    """Fills the texts of menus.yaml with names, spoken numbers and keys."""

    def __init__(
        self, settings: Settings, helplines: Mapping[str, Helpline], texts: Mapping[str, str]
    ) -> None:
        operator = helplines[settings.operator]
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
        return speakable(self.texts[prompt_id].format_map({**self.common, **extra}))

    def node(self, node: Node, hidden: frozenset[str] = frozenset()) -> str:
        """A menu as said: its text, each option not hidden, then the keys every menu has.

        The home menu names the key for a person first: a caller in crisis should not
        have to sit through every option to learn it.
        """
        home = node.parent is None
        parts = [speakable(node.say.format_map(self.common))] if node.say else []
        parts += [self.fill("operator_hint")] if home else []
        options = [o for o in node.options if o.key not in hidden]
        parts += [self.fill("option", label=o.label, key=self.key(o.key)) for o in options]
        parts += [] if home else [self.fill("operator_hint")]
        parts.append(self.fill("repeat_hint"))
        parts += [] if home else [self.fill("back_hint")]
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
    the language has its offer for the English home menu.
    """
    fill = composer.fill
    prompts = {
        name: fill(name)
        for name in ("greeting", "no_input", "invalid", "after_retries", "goodbye")
        + ("error", "numbers", "fallback_numbers")
    }
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
    return prompts
