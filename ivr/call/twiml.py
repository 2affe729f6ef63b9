"""Each step of a call rendered as TwiML, from the menu and the call's state in its URL.

The Renderer is made of parts, one module each: spoken.py (what is said: a prompt's
audio or words, the numbers, the goodbye), rings.py (a transfer down a chain of helplines)
and leg.py (the helpline's whisper and its key); the menus are rendered here. Rendering
touches no database and no file: it reads the menu, the audio's URLs, the clock, and the
closures and helplines' health this worker holds in memory. The one note a call's
request keeps (that a helpline accepted) is read and written by the webhook layer
(voice.py). The webhook paths are in routes.py,
the ring's token in tokens.py, the fail-safe in failsafe.py and the closed helpline's
sentence in closed.py.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from functools import lru_cache

from twilio.twiml.voice_response import VoiceResponse

from ivr.call.availability import Availability
from ivr.call.decide import SILENCE, Choice, Means, decide
from ivr.call.leg import ACCEPT_KEY, AcceptedDials, HelplineLeg
from ivr.call.rings import DIAL_EXTRA_SECONDS, DIAL_MIN_TIMEOUT, Rings, dial_timeout
from ivr.call.routes import (
    ACCEPT,
    ANSWERED,
    CHOOSE,
    DIAL_TOKEN,
    DIALLED,
    NUMBERS,
    START,
    STATUS,
    WHISPER,
    stamp,
)
from ivr.call.spoken import AudioLookup, listening
from ivr.call.state import CallState
from ivr.menu.model import Menu, Node

# What the webhooks and the tests name by this module (each is defined where it belongs)
__all__ = [
    "ACCEPT",
    "ACCEPT_KEY",
    "ANSWERED",
    "CHOOSE",
    "DIALLED",
    "DIAL_EXTRA_SECONDS",
    "DIAL_MIN_TIMEOUT",
    "DIAL_TOKEN",
    "NUMBERS",
    "START",
    "STATUS",
    "WHISPER",
    "AcceptedDials",
    "AudioLookup",
    "Renderer",
    "dial_timeout",
    "stamp",
]


class Renderer(Rings, HelplineLeg):
    """Renders each step of a call; the call's state arrives as arguments."""

    def __init__(
        self,
        menu: Menu,
        audio: AudioLookup,
        availability: Availability,
        version: Callable[[], Hashable],
    ) -> None:
        self.menu = menu
        self.settings = menu.settings
        self.audio = audio
        # What is rendered depends on the state in the URL and on which audio is current
        # (`version` changes with it): cache it, so the hot path is a dictionary look-up
        self.version = version
        self._node = lru_cache(maxsize=4096)(self._render_node)
        self._ring = lru_cache(maxsize=4096)(self._render_ring)
        self.availability = availability
        self.hints = {
            (code, node.id): _hints(node, in_language)
            for code, in_language in (("", menu), *menu.translations.items())
            for node in in_language.nodes.values()
        }

    def start(self) -> str:
        """The answer to a new call: greeting, then the home menu."""
        return self.node(self.settings.home, 0, 0, lead=("greeting",))

    def node(
        self, node_id: str, no_input: int, invalid: int, lead: Iterable[str] = (), lang: str = ""
    ) -> str:
        """A menu that any key or word interrupts; silence comes back to CHOOSE too."""
        hidden = self.hidden(node_id)
        version = self.version()
        return self._node(node_id, no_input, invalid, tuple(lead), hidden, lang, version)

    def _render_node(
        self,
        node_id: str,
        no_input: int,
        invalid: int,
        lead: tuple[str, ...],
        hidden: frozenset[str],
        lang: str,
        version: Hashable,
    ) -> str:
        here = CallState(node_id, no_input, invalid, answered=ANSWERED, lang=lang)
        action = here.url(CHOOSE, "node", "silences", "invalids", "answered", "lang")
        menu = self.menu.speaking(lang)
        settings = menu.settings
        response = VoiceResponse()
        gather = response.gather(
            action=action,
            method="POST",
            action_on_empty_result=True,
            timeout=settings.timeout,
            # No finish key: Twilio would strip it from Digits, so "#" would arrive as
            # silence. Without one, "#" arrives and is answered as a wrong key.
            finish_on_key="",
            num_digits=1,
            **listening(menu, self.hints[(lang, node_id)]),
        )
        # The greeting is said at the home menu only, in the order home_order gives
        home = node_id == settings.home
        for prompt_id in lead:
            if not (home and prompt_id == "greeting"):
                self.speak(gather, prompt_id, lang)
        order = (
            self.menu.home_order(lang, greeting="greeting" in lead)
            if home
            else ((f"node.{node_id}", lang),)
        )
        for prompt_id, code in order:
            if prompt_id != f"node.{node_id}":
                self.speak(gather, prompt_id, code)
            elif hidden:
                voiced = self.menu.speaking(self.voiced(lang))
                said = voiced.composer.node(voiced.nodes[node_id], hidden)
                self.say(gather, said, self.voiced(lang))
            else:
                self.speak(gather, prompt_id, lang)
        # Should a Gather ever end without calling its action, the caller still moves on
        response.redirect(action, method="POST")
        return str(response)

    def hidden(self, node_id: str) -> frozenset[str]:
        """Keys of options left out now because their helpline is closed."""
        node = self.menu.nodes.get(node_id)
        options = node.options if node else ()
        return frozenset(
            o.key
            for o in options
            if o.when_closed == "hide"
            and not self.availability.is_open(self.menu.helplines[o.transfer[0]])
        )

    def key_for(
        self, node_id: str, digits: str, said: str, confidence: str, lang: str = ""
    ) -> str | None:
        """The key a caller's answer stands for: SILENCE, None (not understood) or a key."""
        digits, said = digits.strip(), said.strip()
        if digits:
            return digits if len(digits) == 1 else None
        if not said:
            return SILENCE
        menu = self.menu.speaking(lang)
        node = menu.nodes.get(node_id)
        if node is None or _unsure(confidence, self.settings.min_confidence):
            return None
        return menu.key_for_words(node, said)

    def decide(self, node_id: str, silences: int, invalids: int, key: str | None) -> Choice:
        """What key means in a menu now (decide.py); the report counts the same Choice."""
        return decide(self.menu, node_id, silences, invalids, key, self.hidden(node_id))

    def choose(
        self,
        node_id: str,
        no_input: int,
        invalid: int,
        key: str | None,
        line: str,
        lang: str = "",
        ring: str = "",
        choice: Choice | None = None,
    ) -> str:
        """What follows a menu: key is SILENCE, None (not understood) or the key chosen.

        ring: the token a ring this answer makes is named by (see `transfer`). choice:
        what the answer means, where the request has decided it already (its counts
        follow the same one); decided here otherwise.
        """
        choice = choice or self.decide(node_id, no_input, invalid, key)
        return self.answer(choice, no_input, invalid, line, lang, ring)

    def answer(
        self,
        choice: Choice,
        no_input: int,
        invalid: int,
        line: str,
        lang: str = "",
        ring: str = "",
    ) -> str:
        """The TwiML that follows a decided answer (the counts follow the same Choice)."""
        node_id, means = choice.node, choice.means
        if means is Means.UNKNOWN_MENU:
            return self.start()
        if choice.spent:
            return self.after_retries(node_id, line, lang, ring)
        if means is Means.SILENT:
            return self.node(node_id, no_input + 1, invalid, ("no_input",), lang)
        if means is Means.NOT_AN_OPTION:
            return self.node(node_id, no_input, invalid + 1, ("invalid",), lang)
        if means is Means.LANGUAGE:
            # The whole line in that language, from its greeting: 999 comes first
            return self.node(node_id, 0, 0, ("greeting",), choice.language)
        if means is Means.MENU:
            return self.node(choice.menu, 0, 0, lang=lang)
        return self.transfer(node_id, choice.chain, 0, line, lang=lang, ring=ring)

    def after_retries(self, node_id: str, line: str, lang: str = "", ring: str = "") -> str:
        """The end of the re-prompts: a person, or a goodbye."""
        if self.settings.after_retries == "transfer":
            lead = ("after_retries",)
            return self.transfer(node_id, self.settings.operator_key, 0, line, lead, lang, ring)
        return self.goodbye(lang)


def _unsure(confidence: str, minimum: float) -> bool:
    """Speech Twilio scored below the minimum.

    Newer speech engines send Confidence 0, or none, meaning "not given": that is no
    verdict, so matching the words decides. Garbage is treated the same way.
    """
    try:
        sure = float(confidence)
    except ValueError:
        return False
    return 0 < sure < minimum


def _hints(node: Node, menu: Menu) -> str:
    """Twilio's speech hints for a menu: its keywords, the words for the keys every menu
    has, and at the home menu each language's name."""
    words = [k for o in node.options for k in o.keywords]
    words += [w for ws in menu.reserved_words.values() for w in ws]
    if node.parent is None:
        words += [w for lang in menu.languages.values() for w in lang.words]
    return ", ".join(dict.fromkeys(words))
