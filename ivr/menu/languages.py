"""The line in other languages: how each is offered, heard and spoken, and its texts.

A translated text sits beside the English one in menus.yaml, under the same key with the
language's code after a dot (`greeting.pl:`, `label.pl:`); numbers, hours and where each
option leads are written once. Each language becomes a whole menu of its own (see
model.build_menu), so the call flow renders it exactly as it renders English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_datetime, format_time

from ivr.menu.clock_words import clock_words
from ivr.menu.hours import LONDON

CODE = re.compile(r"^[a-z]{2,3}$")
# Keys of a language under `languages:`
LANGUAGE_KEYS = (
    "name",
    "key",
    "words",
    "key_words",
    "speech",
    "speech_model",
    "say_language",
    "say_voice",
    "tts_voice",
    "confirmed",
    "sms_plain",
    "speech_confirmed",
)
# Texts only another language has: its offer on the English main menu, and what a
# transfer tells its caller about interpreters
LANGUAGE_PROMPTS = {
    "offer": ("key",),
    "interpreter": ("name",),
    "in_english": ("name",),
}
# The fields that may carry a translation, by where they are in the file
TRANSLATED_FIELDS = {
    "helplines": ("name", "sms"),
    "menus": ("say", "sms"),
    "options": ("label", "keywords", "sms"),
}
# Keys a language may be offered on at the home menu: "#" arrives too (no finishOnKey)
LANGUAGE_KEY_CHOICES = "0123456789*#"


@dataclass(frozen=True)
class Language:
    """Another language of the line: chosen by a key or its name at the home menu."""

    code: str  # ISO 639-1, as in the texts' keys (`greeting.pl`); Babel's locale
    name: str  # in English, for staff, the report and the helpline's whisper
    key: str
    words: tuple[str, ...] = ()  # what a caller says at the home menu to choose it
    key_words: tuple[tuple[str, tuple[str, ...]], ...] = ()  # operator/repeat/back said
    speech: str = ""  # Twilio's speech recognition language (<Gather language>)
    speech_model: str = "default"
    say_language: str = ""  # Twilio's <Say language>; the speech language if not given
    say_voice: str = ""  # Twilio's voice for a text with no audio; "" where it has none
    tts_voice: str = ""  # espeak-ng's voice for generated audio
    confirmed: bool = False  # every text checked by a fluent speaker
    sms_plain: bool = False  # texts sent without accents (ą as a), in GSM-7 (segments.plain)
    # Twilio's speech recognition tried in a real test call (README): until then the
    # language's menus listen for keys only, as an unsupported language or model makes
    # Twilio's <Gather> fail (warning 13331)
    speech_confirmed: bool = False

    @property
    def native(self) -> str:
        """The language's own name for itself ('polski'), from Babel's locale data."""
        return str(Locale.parse(self.code).display_name)


def split_code(key: str, codes: Any) -> tuple[str, str]:
    """'greeting.pl' -> ('greeting', 'pl') when pl is a declared language, else (key, '')."""
    field, dot, code = key.rpartition(".")
    if dot and code in codes:
        return field, code
    return key, ""


def locale_problem(code: str) -> str:
    """Why code cannot be a language of the line, or ""."""
    if not CODE.match(code):
        return f"'{code}' is not a language code (two or three lower-case letters, e.g. pl)"
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return f"'{code}' is not a language Babel knows (e.g. pl, ro, pa, ur)"
    return ""


def spoken_when_in(code: str, at: datetime, now: datetime, said: bool = False) -> str:
    """When a helpline opens, as Babel's locale data says it: 'poniedziałek, 10:00'; said
    (for the voice), with the time in words: 'poniedziałek, godzina dziesiąta'.

    Within the week the weekday is enough; further off the date is said too. No month
    or weekday name is written here: each comes from the locale.
    """
    local = at.astimezone(LONDON)
    days = (local.date() - now.astimezone(LONDON).date()).days
    day = format_datetime(local, "EEEE" if days < 7 else "EEEE d MMMM", locale=code)
    words = clock_words(code, local.time()) if said else None
    return f"{day}, {words or format_time(local, 'short', locale=code)}"
