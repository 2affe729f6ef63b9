"""The text line's replies: the menus of menus.yaml read as text, one reply per text.

Every word a texter reads comes from menus.yaml: the `sms_` prompts, each menu's `sms:`
(else its `say:`), each option's `sms:` (else its label), the helplines' names, and
their numbers as staff write them ("0808 2000 247", never spaced out for speaking). A
menu is short lines, each option with its keys from the home menu ("21 Refuge"), so a
reply of those keys works wherever the texter is. ivr/call/sms.py sends the replies;
ivr/menu/check_sms.py counts the SMS segments of every one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from ivr.menu.hours import spoken_when
from ivr.menu.languages import Language, spoken_when_in
from ivr.menu.model import Menu, Node
from ivr.menu.segments import MAX_SEGMENTS, is_gsm, plain, segments

OPEN, CLOSED, UNKNOWN = "open", "closed", "unknown"


@dataclass(frozen=True)
class Status:
    """A helpline as a texter is told of it now: open, closed (and when it next opens,
    and the reason staff gave), or of unknown hours (its number alone)."""

    state: str = UNKNOWN
    opens: datetime | None = None
    reason: str = ""


def key_paths(menu: Menu) -> dict[str, str]:
    """Each menu's keys from the home menu: "" for the home menu, "2" for the menu its
    option 2 leads to (first reached breadth first, as each menu's parent is)."""
    home = menu.settings.home
    paths = {home: ""}
    queue = [home]
    while queue:
        node = menu.nodes[queue.pop(0)]
        for option in node.options:
            if option.goto and option.goto not in paths:
                paths[option.goto] = paths[node.id] + option.key
                queue.append(option.goto)
    return paths


def capital(text: str) -> str:
    """text with its first letter in capitals (a name that starts a line: 'The 24-hour…')."""
    return text[:1].upper() + text[1:]


def offer_word(language: Language) -> str:
    """How a language is offered in the English home menu: its first word that GSM-7 can
    send ('Romana', not 'Română'), so the offers cost the English reply no UCS-2."""
    word = next((w for w in (*language.words, language.native) if is_gsm(w)), language.native)
    return capital(word)


class TextReplies:
    """Every reply of the text line in one language of a menu ("" for English).

    A language marked `sms_plain: true` is sent without accents (segments.plain), so its
    replies go in GSM-7, as most Polish and Romanian texters write.
    """

    def __init__(self, menu: Menu, code: str = "") -> None:
        self.english = menu
        self.menu = menu.speaking(code)
        self.code = code if self.menu is not menu else ""
        language = menu.languages.get(self.code)
        self.plain = bool(language and language.sms_plain)
        self.paths = key_paths(menu)
        settings = menu.settings
        operator = self.menu.helplines[settings.operator]
        self.values = {
            "service_name": settings.service_name,
            "operator_name": operator.sms or operator.name,
            "operator_number": operator.number,
            "operator_key": settings.operator_key,
            "repeat_key": settings.repeat_key,
            "back_key": settings.back_key,
            **{hid: h.number for hid, h in self.menu.helplines.items()},
        }

    def fill(self, prompt_id: str, **extra: str) -> str:
        """A text of menus.yaml with its placeholders filled, numbers as written."""
        text = self.menu.composer.texts[prompt_id].format_map({**self.values, **extra})
        return " ".join(text.split())

    def said(self, node: Node) -> str:
        """What a menu or page says by text: its `sms:`, else its `say:`."""
        return " ".join((node.sms or node.say).format_map(self.values).split())

    def sent(self, text: str) -> str:
        """A reply as it is sent: without accents in a language that asks for that."""
        return plain(text) if self.plain else text

    def welcome(self, hidden: frozenset[str] = frozenset()) -> str:
        """The first reply: who this is and 999, how to delete these texts, then the home
        menu; where all that would take over MAX_SEGMENTS (a language in UCS-2), how to
        ask for it instead (sms_menu: a language sent in UCS-2 rarely has room)."""
        lead = [self.fill("sms_greeting"), self.fill("sms_safety")]
        if not self.welcome_holds_menu:
            return self.sent("\n".join([*lead, self.fill("sms_menu")]))
        return self.sent("\n".join([*lead, self._node(self.english.settings.home, hidden)]))

    @cached_property
    def welcome_holds_menu(self) -> bool:
        """Whether the first reply has room for the whole home menu."""
        lead = [self.fill("sms_greeting"), self.fill("sms_safety")]
        whole = "\n".join([*lead, self._node(self.english.settings.home, frozenset())])
        return segments(self.sent(whole)).count <= MAX_SEGMENTS

    def restart(self, hidden: frozenset[str] = frozenset()) -> str:
        """MENU: the first reply again where it holds the home menu, else the menu."""
        return (
            self.welcome(hidden)
            if self.welcome_holds_menu
            else self.node(self.english.settings.home, hidden)
        )

    def node(self, node_id: str, hidden: frozenset[str] = frozenset()) -> str:
        """A menu (each option not hidden on a line of its own) or a page, then what to
        send; the English home menu also offers each other language."""
        return self.sent(self._node(node_id, hidden))

    def _node(self, node_id: str, hidden: frozenset[str]) -> str:
        node = self.menu.nodes[node_id]
        home = node.parent is None
        lines = [self.said(node)] if node.sms or node.say else []
        path = self.paths.get(node_id, "")
        lines += [
            f"{path}{o.key} {capital(o.sms or o.label)}"
            for o in node.options
            if o.key not in hidden
        ]
        lines.append(self.fill("sms_home_keys" if home else "sms_keys"))
        if home and not self.code and self.english.languages:
            languages = self.english.languages.values()
            lines.append(", ".join(f"{lang.key} {offer_word(lang)}" for lang in languages))
        return "\n".join(lines)

    def helplines(
        self, chain: Sequence[str], states: Sequence[Status], now: datetime | None = None
    ) -> str:
        """An option that transfers on the voice line: each helpline of its chain with its
        number and whether it is open now (and when it next opens), and the text number
        for deaf callers where a helpline has one. A reason staff gave for a closure is
        left out where it would take the reply over MAX_SEGMENTS."""
        text = self.sent(self._helplines(chain, states, now, reasons=True))
        if any(s.reason for s in states) and segments(text).count > MAX_SEGMENTS:
            text = self.sent(self._helplines(chain, states, now, reasons=False))
        return text

    def _helplines(
        self, chain: Sequence[str], states: Sequence[Status], now: datetime | None, reasons: bool
    ) -> str:
        lines: list[str] = []
        for hid, state in zip(chain, states, strict=True):
            lines.append(self.helpline(hid, state, now, reasons))
            text_line = self.menu.helplines[hid].text_line
            listed = self.helpline(text_line, Status()) if text_line else ""
            if listed and listed not in lines:
                lines.append(listed)
        return "\n".join(lines)

    def helpline(
        self, helpline_id: str, state: Status, now: datetime | None = None, reason: bool = True
    ) -> str:
        """One helpline on a line of its own: name, number and whether it is open."""
        helpline = self.menu.helplines[helpline_id]
        named = {"name": helpline.sms or helpline.name, "number": helpline.number}
        if state.state == OPEN:
            return capital(self.fill("sms_open", **named))
        if state.state == CLOSED:
            opens = ""
            if state.opens is not None and now is not None:
                opens = self.fill("opens", when=self.when(state.opens, now))
            why = f": {state.reason}" if reason and state.reason else ""
            return capital(self.fill("sms_closed", **named, reason=why, opens=opens))
        return capital(f"{named['name']}: {helpline.number}")

    def when(self, at: datetime, now: datetime) -> str:
        """When a helpline opens, as the voice line says it in this language."""
        return spoken_when_in(self.code, at, now) if self.code else spoken_when(at, now)

    def invalid(self) -> str:
        """The answer to a text that is not understood: what to send."""
        return self.sent(self.fill("sms_invalid"))

    def failsafe(self) -> str:
        """The answer when the line itself fails: 999, and the 24/7 line's number."""
        operator = self.english.settings.operator
        lines = [self.fill("sms_greeting"), self.helpline(operator, Status(OPEN))]
        return self.sent("\n".join(lines))


def every_language(menu: Menu) -> Mapping[str, TextReplies]:
    """The replies in English ("") and in each other language of the menu."""
    codes: Iterable[str] = ("", *menu.languages)
    return {code: TextReplies(menu, code) for code in codes}
