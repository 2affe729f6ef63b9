"""The typed, frozen model of menus.yaml (build.py makes it from checked data; load.py
reads a file: load_menu(path) -> Menu)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ivr.menu import speech
from ivr.menu.hours import Hours
from ivr.menu.languages import Language
from ivr.menu.source import Problem
from ivr.menu.texts import HANG_UP, Composer

# "#" alone reaches us as empty Digits (it ends a Gather), so it cannot be a choice
KEYS = "0123456789*"


@dataclass(frozen=True)
class Settings:
    """How the line behaves; every field is a key of `settings:` with this default."""

    service_name: str = "Derbyshire Victim Services"
    home: str = "main"
    operator: str = "national_24h"
    language: str = "en-GB"
    say_language: str = ""  # Twilio's <Say language> when it differs from the speech's
    say_voice: str = "Polly.Amy"
    timeout: int = 8
    no_input_retries: int = 2
    invalid_retries: int = 2
    after_retries: str = "transfer"
    min_confidence: float = 0.3
    speech_model: str = "phone_call"
    speech_timeout: int = 2
    ring_seconds: int = 25
    accept_seconds: int = 6
    readout_repeats: int = 2
    operator_key: str = "0"
    repeat_key: str = "9"
    back_key: str = "*"
    caller_id: str = ""
    speech_rate: int = 175
    tts_engine: str = "espeak"  # espeak (espeak-ng) or flite (recorded voices)
    tts_voice: str = "gmw/en"
    # The helpline watch (ivr/store/health.py): Twilio could not place the call this many
    # times in a row: failing at once; this many transfers in a row without an accept:
    # doubtful, then failing; a failing helpline is still tried for one caller in this many
    watch_failed_in_a_row: int = 3
    watch_doubtful_after: int = 10
    watch_failing_after: int = 25
    watch_retry_one_in: int = 5
    # Targets for the caller's time (see timing.py): seconds from answer, a caller
    # pressing each key as soon as their option is said
    seconds_to_999: float = 6.0  # "999" said in the greeting
    seconds_to_person_offered: float = 10.0  # the key for a person said
    seconds_to_operator_ringing: float = 15.0  # the 24/7 line ringing after its key
    seconds_to_helpline_ringing: float = 25.0  # every helpline ringing, by keys
    keys_to_helpline: int = 2  # the most key presses to any helpline
    seconds_to_language_offered: float = 20.0  # each other language offered in its words
    # In another language, from the moment it was chosen
    seconds_to_999_in_language: float = 6.0
    seconds_to_helpline_in_language: float = 30.0

    @property
    def say_as(self) -> dict[str, str | None]:
        """Twilio's <Say> voice and language for a text with no audio (no voice: none)."""
        return {"voice": self.say_voice or None, "language": self.say_language or self.language}


# Fixed texts; menus.yaml `prompts:` may re-word any of them. {name} placeholders
# allowed in each are listed in check.PLACEHOLDERS.
DEFAULT_PROMPTS = {
    "greeting": "{service_name}. If you are in danger now, hang up and dial 999.",
    "hang_up": "You can hang up at any time.",
    "option": "For {label}, press {key}.",
    "operator_hint": "To speak to someone, press {operator_key}.",
    "repeat_hint": "To hear this again, press {repeat_key}.",
    "back_hint": "To go back, press {back_key}.",
    "no_input": "Sorry, I did not hear anything.",
    "invalid": "Sorry, I did not understand that.",
    "after_retries": "I will put you through to someone who can help.",
    "connecting": "Connecting you to {name}.",
    "not_available": "Sorry, {name} could not take your call.",
    "whisper": "This is a call from the {service_name} line. The caller chose {choice}. "
    "Press 1 to take the call.",
    "numbers": "We could not connect you just now. Please call {operator_name} on "
    "{operator_number}. It is free and open day and night. In an emergency, dial 999. "
    "To hear this again, press any key.",
    "fallback_numbers": "If you did not get through, please call {operator_name} on "
    "{operator_number}. It is free and open day and night. In an emergency, dial 999.",
    "closed": "{name} is closed now{reason}. {opens}",
    "unavailable": "{name} is not taking calls just now. Trying another helpline.",
    "opens": "It opens {when}.",
    "speaks": "The caller speaks {language}.",
    "star": "star",
    "hash": "hash",
    "goodbye": "Thank you for calling {service_name}. Take care. Goodbye.",
    "error": "Sorry, something has gone wrong on this line. Connecting you to {operator_name}.",
    # The text line (SMS): each reply at most 3 segments (ivr/menu/sms.py composes them)
    "sms_greeting": "{service_name}. In danger now? Call 999. Deaf or cannot speak? Register "
    "with emergencySMS (text register to 999), then you can text 999.",
    "sms_safety": "These texts stay on your phone: to delete them, press and hold this "
    "conversation, then Delete.",
    "sms_home_keys": "Reply with a number. 0: the 24/7 helpline.",
    "sms_menu": "Send MENU for the menu. 0: the 24/7 helpline.",
    "sms_keys": "0: the 24/7 helpline. *: back. MENU: start again.",
    "sms_invalid": "Sorry, we did not understand. Reply with a number from our last text, "
    "0 for the 24/7 helpline, or MENU to start again.",
    "sms_open": "{name}: {number}, open now.",
    "sms_closed": "{name}: {number}, closed now{reason}. {opens}",
}


@dataclass(frozen=True)
class Helpline:
    """A number the line can dial, or read out."""

    id: str
    name: str
    number: str
    e164: str
    spoken: str
    dial: bool = True
    show_caller_number: bool = False
    interpreter: bool = False  # the helpline can get an interpreter (callers are told)
    hours: Hours | None = None  # None: unknown, so always tried
    text_line: str = ""  # the id of the same service's number for texts (dial: false)
    sms: str = ""  # its name by text, where it must differ ("": name)


@dataclass(frozen=True)
class Option:
    """A choice in a menu: a key, spoken keywords, and where it leads."""

    key: str
    label: str
    keywords: tuple[str, ...] = ()
    goto: str | None = None
    transfer: tuple[str, ...] = ()
    when_closed: str = "say"  # or "hide": left out of the menu while its helpline is closed
    sms: str = ""  # the label by text, where it must differ ("": the label)


@dataclass(frozen=True)
class Node:
    """A menu, or an information page (a menu with no options of its own)."""

    id: str
    title: str
    say: str = ""
    options: tuple[Option, ...] = ()
    parent: str | None = None
    phrases: tuple[tuple[tuple[str, ...], str], ...] = ()
    sms: str = ""  # what it says by text, where it must differ ("": say)

    def option(self, key: str) -> Option | None:
        """The option chosen by key, if any."""
        return next((o for o in self.options if o.key == key), None)


@dataclass(frozen=True)
class Menu:
    """A checked menu file: settings, helplines, nodes, and every prompt's text."""

    settings: Settings
    helplines: dict[str, Helpline]
    nodes: dict[str, Node]
    prompts: dict[str, str]
    composer: Composer
    source: str = "menus.yaml"
    warnings: tuple[Problem, ...] = field(default=())
    languages: dict[str, Language] = field(default_factory=dict)
    language: Language | None = None  # None: English
    # Each other language as a whole menu of its own: same keys, helplines and hours
    translations: dict[str, Menu] = field(default_factory=dict)

    def speaking(self, code: str) -> Menu:
        """The menu in a language (its code, as call URLs carry it); English otherwise."""
        return self.translations.get(code, self)

    def settings_for(self, prompt_id: str) -> Settings:
        """The settings a prompt is spoken with: 'pl.greeting' in Polish's voice."""
        code, _, rest = prompt_id.partition(".")
        translation = self.translations.get(code)
        return translation.settings if translation and rest else self.settings

    @property
    def reserved_words(self) -> Mapping[str, tuple[str, ...]]:
        """What callers say for the keys every menu has, in this menu's language."""
        return reserved_words(self.language)

    @property
    def hears_speech(self) -> bool:
        """Whether callers may speak at this menu's <Gather>s, or press keys only: English
        always; another language once its speech recognition is confirmed."""
        return self.language is None or self.language.speech_confirmed

    def spoken_keys(self, node: Node) -> frozenset[str]:
        """The keys a caller may name by voice at a menu: its options', the keys every
        menu has, and at the home menu each language's."""
        settings = self.settings
        keys = {o.key for o in node.options}
        keys |= {settings.operator_key, settings.repeat_key, settings.back_key}
        if node.parent is None:
            keys |= {language.key for language in self.languages.values()}
        return frozenset(keys)

    def key_for_words(self, node: Node, said: str) -> str | None:
        """The key what a caller said at a menu names, in this menu's language, or None."""
        code = self.language.code if self.language else ""
        return speech.match(said, node.phrases, self.spoken_keys(node), code)

    def home_order(self, lang: str = "", greeting: bool = True) -> tuple[tuple[str, str], ...]:
        """What a caller hears at the home menu, in order, as (prompt id, language code):
        the greeting (on answer), the menu, in English each other language's offer, the
        key to hear it again, and that the caller can hang up at any time.

        The one definition of this order, for the call and for its timing. The offers
        come after the menu so that every option, and the way to a person, is said
        within the targets; each offer is a language's own name and key, so all four
        still come within 20 s of answer (bench/caller_time.py).
        """
        order = [("greeting", lang)] if greeting else []
        order.append((f"node.{self.settings.home}", lang))
        if not lang:
            order += [("offer", code) for code in self.languages]
        order.append(("repeat_hint", lang))
        if (f"{lang}.{HANG_UP}" if lang else HANG_UP) in self.prompts:  # (see compose_prompts)
            order.append((HANG_UP, lang))
        return tuple(order)

    def language_of(self, key: str) -> Language | None:
        """The language a key at the home menu chooses, if any."""
        return next((lang for lang in self.languages.values() if lang.key == key), None)

    @property
    def operator(self) -> Helpline:
        """The 24/7 line: key 0 everywhere and the end of every chain."""
        return self.helplines[self.settings.operator]

    def chain(self, node_id: str, key: str) -> tuple[str, ...]:
        """The helplines tried, in order, for a transfer choice."""
        node = self.nodes.get(node_id)
        option = node.option(key) if node else None
        if option is None or not option.transfer:
            return (self.settings.operator,)
        return option.transfer


def reserved_words(language: Language | None) -> Mapping[str, tuple[str, ...]]:
    """operator/repeat/back -> what callers say for them: a language's own, or English."""
    return dict(language.key_words) if language else speech.RESERVED_WORDS
