"""Each step of a call rendered as TwiML, from the menu and the call's state in its URL.

No Flask here, and no database on the way: what a helpline's leg notes (that it
accepted) goes through AcceptedDials, which the app backs with a deadline. The ring's
token (tokens.py), the fail-safe (failsafe.py) and the closed helpline's sentence
(closed.py) live beside it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol

from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from ivr.call.availability import Availability
from ivr.call.closed import closed_text
from ivr.call.decide import SILENCE, Choice, Means, decide
from ivr.call.state import CallState
from ivr.call.tokens import TOKEN, new_token
from ivr.menu.model import Helpline, Menu, Node
from ivr.menu.texts import UNAVAILABLE, whisper_id

log = logging.getLogger(__name__)
START = "/voice"
CHOOSE = "/voice/choose"
DIALLED = "/voice/dialled"
WHISPER = "/voice/whisper"
ACCEPT = "/voice/whisper/accept"
NUMBERS = "/voice/numbers"
# Twilio's status callback for the line's numbers ("call status changes"): the report's
STATUS = "/voice/status"
ACCEPT_KEY = "1"
# Twilio lets a <Dial> ring about 5 s longer than its timeout: asked for less, so a caller
# waits the ring_seconds the menu says, not 5 s more. Twilio's own floor is 5 s.
DIAL_EXTRA_SECONDS = 5
DIAL_MIN_TIMEOUT = 5
# Stands in a cached <Dial> for the token each ring gets afresh (see AcceptedDials)
DIAL_TOKEN = "DIALTOKEN"
# Stands in cached TwiML for when the call was answered (seconds since 1970): it rides in
# the call's URLs, so the time until a helpline accepts can be counted (the report), and
# ends with the call; `stamp` puts each call's own in
ANSWERED = "ANSWEREDAT"

AudioLookup = Callable[[str], "str | None"]


def dial_timeout(ring_seconds: int) -> int:
    """The <Dial timeout> that makes a helpline ring for ring_seconds in all."""
    return max(ring_seconds - DIAL_EXTRA_SECONDS, DIAL_MIN_TIMEOUT)


class AcceptedDials(Protocol):
    """Where the helpline's leg notes that it pressed 1, for the caller's leg to read.

    Twilio usually tells the caller's leg (DialBridged) but not always; then only the
    helpline's leg knows. A dial is named by a random token in both legs' URLs: nothing
    about the caller, and forgotten once read or after a few hours.
    """

    def mark(self, token: str) -> None: ...

    def taken(self, token: str) -> bool: ...


class Renderer:
    """Renders each step of a call; the call's state arrives as arguments."""

    def __init__(
        self,
        menu: Menu,
        audio: AudioLookup,
        availability: Availability,
        version: Callable[[], Hashable],
        accepted: AcceptedDials,
    ) -> None:
        self.menu = menu
        self.accepted = accepted
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

    def say(self, verb: VoiceResponse | Gather, text: str, lang: str = "") -> None:
        """Say a text made at call time (no audio can exist for it), in the call's language."""
        verb.say(text, **self.menu.speaking(lang).settings.say_as)

    def speak(self, verb: VoiceResponse | Gather, prompt_id: str, lang: str = "") -> None:
        """Play the prompt's audio if there is any for its current text, else say the text.

        In another language with no Twilio voice (Urdu), a text not yet built as audio is
        said in English: words a caller may half understand, never garbled ones.
        """
        language_id = f"{lang}.{prompt_id}" if lang else prompt_id
        url = self.audio(language_id)
        if url:
            verb.play(url)
        elif lang and not self.voiced(lang):
            if prompt_id in self.menu.prompts:  # a language's own offer has no English
                self.speak(verb, prompt_id)
        else:
            self.say(verb, self.menu.prompts[language_id], lang)

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
            **_listening(menu, self.hints[(lang, node_id)]),
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

    def heard(
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
        return menu.heard(node, said)

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

    def transfer(
        self,
        node_id: str,
        key: str,
        step: int,
        line: str = "",
        lead: Iterable[str] = (),
        lang: str = "",
        ring: str = "",
    ) -> str:
        """Say who is next in the chain and ring them; the helpline hears the whisper first.

        ring: the random token the ring is named by in its URLs (a fresh one if not
        given); it also draws the one caller in N who still tries a failing helpline.
        """
        chain = self.menu.chain(node_id, key)
        now = self.availability.clock()
        ring = ring if TOKEN.match(ring) else new_token()
        skipped: list[tuple[str, str]] = []  # (a prompt id, "") or ("", a text made now)
        # Closed helplines are skipped with a word of why, and those that cannot take
        # calls just now (the helpline watch); the 24/7 line never is
        while step < len(chain):
            helpline = self.menu.helplines[chain[step]]
            if not self.availability.is_open(helpline, now):
                skipped.append(("", self.closed(helpline, now, self.voiced(lang))))
            elif self.availability.cannot_take(helpline, ring):
                skipped.append((f"{UNAVAILABLE}.{helpline.id}", ""))
            else:
                break
            step += 1
        if not skipped:
            version = self.version()
            rendered = self._ring(node_id, key, step, line, tuple(lead), lang, version)
            return rendered.replace(DIAL_TOKEN, ring)
        response = VoiceResponse()
        for prompt_id in lead:
            self.speak(response, prompt_id, lang)
        for prompt_id, text in skipped:
            if text:
                self.say(response, text, self.voiced(lang))
            elif (f"{lang}.{prompt_id}" if lang else prompt_id) in self.menu.prompts:
                self.speak(response, prompt_id, lang)  # (a language may have no words for it)
        if step >= len(chain):
            return self.numbers(0, (), response, lang)
        self._add_ring(response, node_id, key, step, line, lang)
        return str(response).replace(DIAL_TOKEN, ring)

    def voiced(self, lang: str) -> str:
        """The language a text made at call time is said in: the call's, where Twilio has
        a voice for it, else English (no audio can exist for such a text)."""
        return lang if self.menu.speaking(lang).settings.say_voice else ""

    def _render_ring(
        self,
        node_id: str,
        key: str,
        step: int,
        line: str,
        lead: tuple[str, ...],
        lang: str,
        version: Hashable,
    ) -> str:
        if step >= len(self.menu.chain(node_id, key)):
            return self.numbers(0, lead, lang=lang)
        response = VoiceResponse()
        for prompt_id in lead:
            self.speak(response, prompt_id, lang)
        self._add_ring(response, node_id, key, step, line, lang)
        return str(response)

    def _add_ring(
        self, response: VoiceResponse, node_id: str, key: str, step: int, line: str, lang: str
    ) -> None:
        helpline = self.menu.helplines[self.menu.chain(node_id, key)[step]]
        self.speak(response, f"connecting.{helpline.id}", lang)
        ring = CallState(
            node_id, key=key, step=step, token=DIAL_TOKEN, answered=ANSWERED, lang=lang, line=line
        )
        carried = ("node", "key", "step", "token", "answered", "lang")
        # The helpline sees the line's own number unless it asked to see the caller's
        caller_id = None if helpline.show_caller_number else (self.settings.caller_id or line)
        dial = Dial(
            action=ring.url(DIALLED, *carried),
            method="POST",
            answer_on_bridge=True,
            ring_tone="uk",
            timeout=dial_timeout(self.settings.ring_seconds),
            caller_id=caller_id or None,
        )
        # The helpline's leg is told the line's number: its own To is the helpline's
        whisper = ring.url(WHISPER, *carried, "line")
        dial.number(helpline.e164, url=whisper, method="POST")
        response.append(dial)

    def closed(self, helpline: Helpline, now: datetime, lang: str = "") -> str:
        """'ManKind's helpline is closed now. It opens on Monday at 10 am.'"""
        return closed_text(self.availability, helpline, now, lang)

    def dialled(
        self,
        node_id: str,
        key: str,
        step: int,
        bridged: bool | None,
        line: str,
        token: str = "",
        gone: bool = False,
        lang: str = "",
        ring: str = "",
    ) -> str:
        """After a dial: goodbye if the call was bridged, else the next in the chain.

        bridged None: Twilio did not say (no DialBridged); the helpline's leg knows.
        token: the ring that ended; ring: the next one's (see `transfer`).
        """
        if gone:
            response = VoiceResponse()
            response.hangup()
            return str(response)
        if bridged is None:
            bridged = self._was_accepted(token)
        if bridged:
            return self.goodbye(lang)
        chain = self.menu.chain(node_id, key)
        lead = (f"not_available.{chain[step]}",) if step < len(chain) else ()
        return self.transfer(node_id, key, step + 1, line, lead, lang, ring)

    def _was_accepted(self, token: str) -> bool:
        """Whether the helpline's leg pressed 1 for this dial.

        If that cannot be read, the caller is offered the next helpline: a second helpline
        after a finished call costs a minute; a goodbye to someone never connected could
        cost far more.
        """
        if not TOKEN.match(token):
            return False
        try:
            return self.accepted.taken(token)
        except Exception:  # noqa: BLE001 - any failure of the store means "not known"
            log.exception("could not read whether a helpline accepted; trying the next one")
            return False

    def whisper(
        self,
        node_id: str,
        key: str,
        step: int,
        token: str = "",
        answered: str = "",
        line: str = "",
        lang: str = "",
    ) -> str:
        """On the helpline's leg: who is calling and why; only a 1 bridges the call.

        answered, line: when the call was answered and the line's number, passed on for
        the report's time to connect (counted when the helpline accepts). lang: the
        caller's language, which the helpline is told (in English) before it accepts.
        """
        prompt_id = whisper_id(node_id, key)
        if prompt_id not in self.menu.prompts:
            prompt_id = "whisper.operator"
        chain = self.menu.chain(node_id, key)
        carried: tuple[str, ...] = ("token",) if TOKEN.match(token) else ()
        accepting = CallState(token=token)
        if step < len(chain) and answered:
            accepting = accepting._replace(helpline=chain[step], answered=answered, line=line)
            carried += ("helpline", "answered", "line")
        response = VoiceResponse()
        gather = response.gather(
            input="dtmf",
            action=accepting.url(ACCEPT, *carried),
            method="POST",
            num_digits=1,
            timeout=self.settings.accept_seconds,
        )
        speaks = f"speaks.{lang}" if lang in self.menu.languages else ""
        # Said twice: someone who picks up mid-sentence still hears it whole
        for _ in range(2):
            self.speak(gather, prompt_id)
            if speaks:
                self.speak(gather, speaks)
        # No key: a voicemail or nobody free. Hanging up leaves the call unbridged.
        response.hangup()
        return str(response)

    def accept(self, digits: str, token: str = "") -> str:
        """The helpline's answer to the whisper: an empty document bridges the call."""
        response = VoiceResponse()
        if digits != ACCEPT_KEY:
            response.hangup()
        elif TOKEN.match(token):
            # Noted for the caller's leg in case Twilio sends it no DialBridged; if the
            # note fails the call is still bridged (DialBridged usually says so)
            try:
                self.accepted.mark(token)
            except Exception:  # noqa: BLE001
                log.exception("could not note that a helpline accepted")
        return str(response)

    def numbers(
        self,
        repeats: int,
        lead: Iterable[str] = (),
        response: VoiceResponse | None = None,
        lang: str = "",
    ) -> str:
        """Nobody could be reached: read the most useful numbers, repeatable, then goodbye."""
        response = response or VoiceResponse()
        settings = self.menu.speaking(lang).settings
        for prompt_id in lead:
            self.speak(response, prompt_id, lang)
        if repeats <= settings.readout_repeats:
            gather = response.gather(
                action=CallState(repeats=repeats + 1, lang=lang).url(NUMBERS, "repeats", "lang"),
                method="POST",
                num_digits=1,
                timeout=settings.timeout,
                finish_on_key="",  # "press any key": "#" too
                **_listening(self.menu.speaking(lang)),
            )
            self.speak(gather, "numbers", lang)
        self._goodbye(response, lang)
        return str(response)

    def goodbye(self, lang: str = "") -> str:
        """A spoken goodbye, then hang up."""
        response = VoiceResponse()
        self._goodbye(response, lang)
        return str(response)

    def _goodbye(self, response: VoiceResponse, lang: str = "") -> None:
        self.speak(response, "goodbye", lang)
        response.hangup()


def stamp(text: str, answered: str) -> str:
    """The TwiML with the call's answer time in its URLs ("" where it is not known)."""
    return text.replace(ANSWERED, answered)


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


def _listening(menu: Menu, hints: str | None = None) -> dict[str, Any]:
    """How a <Gather> listens in a menu's language: for keys and speech, or for keys only
    while the language's speech recognition is unconfirmed (Twilio's gather fails on a
    language and model it does not support, warning 13331)."""
    if not menu.hears_speech:
        return {"input": "dtmf"}
    settings = menu.settings
    listening: dict[str, Any] = {
        "input": "dtmf speech",
        # Twilio refuses speechTimeout="auto" with a set model (warning 13335)
        "speech_model": settings.speech_model,
        "speech_timeout": settings.speech_timeout,
        "language": settings.language,
    }
    if hints is not None:
        listening["hints"] = hints
    return listening


def _hints(node: Node, menu: Menu) -> str:
    """Twilio's speech hints for a menu: its keywords, the words for the keys every menu
    has, and at the home menu each language's name."""
    words = [k for o in node.options for k in o.keywords]
    words += [w for ws in menu.reserved_words.values() for w in ws]
    if node.parent is None:
        words += [w for lang in menu.languages.values() for w in lang.words]
    return ", ".join(dict.fromkeys(words))
