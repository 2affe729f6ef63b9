"""A text conversation: where the texter is, what their text asks for, and the answer.

Where the texter is (a menu and a language) travels only with the conversation: in
Twilio's messaging cookie (ivr/call/sms.py signs it) and in the keys each option is
listed with ("21 Refuge"), which work from anywhere, cookie or not. Nothing here knows
who is texting: a turn is worked out from the place and the words alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from ivr.menu import speech
from ivr.menu.model import Menu, Node

# Twilio's opt-out words (Advanced Opt-Out's defaults): Twilio stops the number texting
# that person and tells them so; the line answers nothing at all
OPT_OUT = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
)
# Words that start the conversation again, with who this is and 999 (any first text does)
GREET = frozenset({"dvs", "help", "info", "start"})
RESTART = "menu"
ENGLISH = "english"  # back to English from another language

# What the line answers with (Turn.kind)
WELCOME = "welcome"  # who this is, 999, deleting texts, the home menu
MENU_AGAIN = "menu again"  # MENU: the welcome where it holds the home menu, else the menu
NODE = "node"  # a menu or a page
HELPLINES = "helplines"  # an option that transfers on the voice line; 0
INVALID = "invalid"  # not understood: what to send
SILENT = "silent"  # an opt-out: no answer at all

# Counted (subject in brackets), as `ivr report` names them
TEXT = "text"  # every text answered (or not, after an opt-out)
STARTED = "text conversation"  # a first reply: a conversation started or started again
CHOICE = "text choice"  # (menu.key) an option, 0, back or repeat chosen by text
NOT_UNDERSTOOD = "text not understood"  # (menu)
LANGUAGE = "text language"  # (the language's English name)
OPTED_OUT = "text opt-out"

Hidden = Callable[[str], frozenset[str]]
Counts = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Place:
    """Where a texter is: a menu of the tree, in a language ("" for English)."""

    node: str
    lang: str = ""


@dataclass(frozen=True)
class Turn:
    """The line's answer to one text, and where the texter is after it."""

    kind: str
    place: Place
    node: str = ""  # the menu or page a NODE shows
    chain: tuple[str, ...] = ()  # the helplines a HELPLINES lists
    counts: Counts = ()


def _only_keys(words: tuple[str, ...], keys: str) -> str:
    """The keys a text is made of ('21', '2 1', '*'), or ""."""
    joined = "".join(words)
    return joined if joined and all(c in keys for c in joined) else ""


class Conversation:
    """The text line's answers for one menu (made again for each published menu)."""

    def __init__(self, menu: Menu, hidden: Hidden = lambda node_id: frozenset()) -> None:
        self.menu = menu
        self.hidden = hidden
        self.settings = menu.settings
        self.home = menu.settings.home
        self.keys = "".join(
            {
                *(o.key for n in menu.nodes.values() for o in n.options),
                *(lang.key for lang in menu.languages.values()),
                self.settings.operator_key,
                self.settings.repeat_key,
                self.settings.back_key,
            }
        )
        self.language_words = tuple(
            (speech.heard_as(word), code)  # as match() compares them
            for code, lang in menu.languages.items()
            for word in (*lang.words, lang.native)
        )
        # With no option hidden while its helpline is closed, the answer to a text depends
        # on the place and the words alone: worked out once for each
        options = [o for node in menu.nodes.values() for o in node.options]
        self.fixed = not any(o.when_closed == "hide" for o in options)
        self._remembered = lru_cache(maxsize=4096)(self._counted)
        # Keywords that are numbers ("999": emergencies), per language and menu: a text of
        # digits is one of these before it is keys
        self.numbers = {
            (code, node.id): {
                phrase[0]: key
                for phrase, key in node.phrases
                if len(phrase) == 1 and _only_keys(phrase, self.keys)
            }
            for code, speaking in (("", menu), *menu.translations.items())
            for node in speaking.nodes.values()
        }

    def place(self, node: str, lang: str) -> Place | None:
        """A place from a cookie, if this menu still has it."""
        ok = node in self.menu.nodes and (not lang or lang in self.menu.languages)
        return Place(node, lang) if ok else None

    def answer(self, place: Place | None, body: str) -> Turn:
        """The answer to a text, at place (None: no conversation under way)."""
        if self.fixed:
            return self._remembered(place, body)
        return self._counted(place, body)

    def _counted(self, place: Place | None, body: str) -> Turn:
        turn = self._answer(place, body)
        return Turn(turn.kind, turn.place, turn.node, turn.chain, ((TEXT, ""), *turn.counts))

    def _answer(self, place: Place | None, body: str) -> Turn:
        words = speech.tokens(body)
        lang = place.lang if place else ""
        here = place or Place(self.home, lang)
        if words and words[0] in OPT_OUT:
            return Turn(SILENT, here, counts=((OPTED_OUT, ""),))
        if len(words) == 1 and words[0] in GREET:
            return self._welcome(lang)
        if len(words) == 1 and words[0] == RESTART:
            return Turn(MENU_AGAIN, Place(self.home, lang), counts=((STARTED, ""),))
        if len(words) == 1 and words[0] == ENGLISH:
            return self._welcome("")
        keys = _only_keys(words, self.keys)
        if keys:
            # A number that is a keyword, in the texter's menu or the home menu, before
            # keys: "999" is emergencies, not 9, 9 and 9
            for node_id in dict.fromkeys((here.node, self.home)):
                key = self.numbers[lang, node_id].get(keys)
                if key is not None and len(keys) > 1:
                    return self._keys(Place(node_id, lang), key)
            return self._keys(here, keys)
        chosen = speech.match(body, self.language_words, ()) if words else None
        if chosen is not None:
            return self._language(chosen)
        if place is None:
            return self._welcome(lang)  # any first text but keys: the conversation starts
        key, at = self._said(here, body)
        if key is not None:
            return self._keys(Place(at, lang), key)
        return Turn(INVALID, here, counts=((NOT_UNDERSTOOD, here.node),))

    def _welcome(self, lang: str) -> Turn:
        return Turn(WELCOME, Place(self.home, lang), counts=((STARTED, ""),))

    def _language(self, code: str) -> Turn:
        name = self.menu.languages[code].name
        counts = ((STARTED, ""), (LANGUAGE, name))
        return Turn(WELCOME, Place(self.home, code), counts=counts)

    def _said(self, place: Place, body: str) -> tuple[str | None, str]:
        """The key words name (an option's label or keywords, 'someone', 'back'...) and
        the menu they name it in: the texter's menu, else the home menu."""
        for node_id in dict.fromkeys((place.node, self.home)):
            node = self.menu.speaking(place.lang).nodes[node_id]
            key = speech.match(body, node.phrases, self._node_keys(node), place.lang)
            if key is not None:
                return key, node_id
        return None, place.node

    def _node_keys(self, node: Node) -> set[str]:
        settings = self.settings
        keys = {o.key for o in node.options}
        return keys | {settings.operator_key, settings.repeat_key, settings.back_key}

    def _keys(self, place: Place, keys: str) -> Turn:
        """Keys pressed as on the phone: one from the texter's menu, several from the
        home menu ('21': option 2 there, then option 1 of where it leads)."""
        settings = self.settings
        node = self.menu.nodes[place.node if len(keys) == 1 else self.home]
        lang = place.lang
        counts: list[tuple[str, str]] = []
        for i, key in enumerate(keys):
            last = i == len(keys) - 1
            language = self.menu.language_of(key) if node.parent is None else None
            if language is not None and last:
                return self._language(language.code)
            if language is not None:
                lang = language.code
                counts.append((LANGUAGE, language.name))
                continue
            chosen = (CHOICE, f"{node.id}.{key}")
            if key == settings.operator_key and last:
                return self._helplines(node, lang, (settings.operator,), (*counts, chosen))
            if key in (settings.repeat_key, settings.back_key):
                if key == settings.back_key:
                    node = self.menu.nodes[node.parent or self.home]
                counts.append(chosen)
                continue
            option = node.option(key) if key not in self.hidden(node.id) else None
            if option is not None and option.goto:
                node = self.menu.nodes[option.goto]
                counts.append(chosen)
                continue
            if option is not None and last:
                return self._helplines(node, lang, option.transfer, (*counts, chosen))
            counts.append((NOT_UNDERSTOOD, node.id))
            return Turn(INVALID, Place(node.id, lang), counts=tuple(counts))
        return Turn(NODE, Place(node.id, lang), node=node.id, counts=tuple(counts))

    def _helplines(self, node: Node, lang: str, chain: tuple[str, ...], counts: Counts) -> Turn:
        """The helplines of a choice, listed; the texter stays in the menu it was made in."""
        return Turn(HELPLINES, Place(node.id, lang), chain=chain, counts=counts)
