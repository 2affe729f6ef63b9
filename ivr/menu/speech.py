"""Turn what a caller said into the key it stands for, or None."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Twilio's generic speech models; each needs a whole-number speechTimeout (not "auto")
SPEECH_MODELS = (
    "phone_call",
    "numbers_and_commands",
    "default",
    "experimental_conversations",
    "experimental_utterances",
)

# What callers say for the keys every menu has, whatever the menu's options
RESERVED_WORDS = {
    "operator": ("operator", "someone", "speak to someone", "talk to someone", "a person"),
    "repeat": ("repeat", "again", "say that again"),
    "back": ("back", "go back", "previous"),
}

DIGIT_WORDS = {
    "zero": "0",
    "nought": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "star": "*",
    "hash": "#",
}

# Words around a key that do not change it: "option two", "press 2 please"
FILLER = frozenset("option number press key please the um er erm uh i want choose".split())


# Outside ASCII, letters' marks matter (Gurmukhi's and Urdu's vowel signs): see _kept
_NOT_WORD = re.compile(r"[^a-z0-9\s*#]")


def _kept(character: str) -> bool:
    """Letters, their marks (Gurmukhi's and Urdu's vowel signs), digits, spaces, * and #."""
    return character.isspace() or character in "*#" or unicodedata.category(character)[0] in "LMN"


def _ascii_digits(word: str) -> str:
    """'۲' (Urdu), '੨' (Gurmukhi) -> '2': any script's digits as the keys' own."""
    return "".join(str(unicodedata.digit(c)) for c in word) if word.isdecimal() else word


def tokens(text: str) -> tuple[str, ...]:
    """Lower-case words without punctuation; spelled letters and digits joined up."""
    text = text.casefold().replace("-", " ")
    if text.isascii():
        words = _NOT_WORD.sub("", text).split()
    else:
        text = unicodedata.normalize("NFC", text)
        words = "".join(c for c in text if _kept(c)).split()
    words = [DIGIT_WORDS.get(w, _ascii_digits(w)) for w in words]
    joined: list[str] = []
    last_kind = ""
    for word in words:
        # "L G B T" -> "lgbt", "9 9 9" -> "999": letters or digits said one at a time
        kind = ("digit" if word.isdigit() else "letter") if len(word) == 1 else ""
        if kind and kind == last_kind:
            joined[-1] += word
        else:
            joined.append(word)
        last_kind = kind
    return tuple(joined)


def match(
    said: str, phrases: Iterable[tuple[tuple[str, ...], str]], keys: Iterable[str]
) -> str | None:
    """The one key that what was said names, or None when it names none or several."""
    words = tokens(said)
    bare = [w for w in words if w not in FILLER]
    if len(bare) == 1 and bare[0] in keys:
        return bare[0]
    found = {key for phrase, key in phrases if phrase and _contains(words, phrase)}
    return found.pop() if len(found) == 1 else None


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(words[i : i + n] == phrase for i in range(len(words) - n + 1))
