"""Turn what a caller said into the key it stands for, or None.

Words are compared in a form each language's word list gives them (ivr/menu/words/):
lower case, without the marks speech recognition writes or leaves out at will, digits in
any script as the keys' own, and, in Polish, Romanian, Panjabi and Urdu, without the case
and number endings a caller adds ("na policję" is heard as the keyword "policja").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

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

# A phrase that names no option: it wins over the keywords inside it, then is dropped
# ("bărbatul meu", my husband, is not the men's line): the caller is asked again
ASK_AGAIN = ""

# Outside ASCII, letters' marks matter (Gurmukhi's and Urdu's vowel signs): see _kept
_NOT_WORD = re.compile(r"[^a-z0-9\s*#]")
# Polish and Romanian letters with no decomposition to drop a mark from
_LATIN_LETTERS = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "ß": "ss"})


@dataclass(frozen=True)
class Words:
    """How one language's words are compared: ivr/menu/words/<code>.yaml."""

    code: str
    stop_words: frozenset[str]  # folded, as tokens() gives them
    digits: dict[str, str]  # folded word -> key
    endings: tuple[str, ...] = ()  # folded, longest first
    min_stem: int = 3
    fold_latin: bool = False  # drop Latin letters' diacritics (speech recognition may)
    drop: str = ""  # marks written at will (Gurmukhi's nukta, Urdu's short vowels)
    letters: tuple[tuple[str, str], ...] = ()  # a code point written for another
    ask_again: tuple[str, ...] = ()  # phrases that hold a keyword but name no option

    def fold(self, word: str) -> str:
        """The word without the marks this language writes or leaves out at will."""
        if self.drop:
            word = unicodedata.normalize("NFD", word)
            word = unicodedata.normalize("NFC", "".join(c for c in word if c not in self.drop))
        for old, new in self.letters:
            word = word.replace(old, new)
        if self.fold_latin:
            word = "".join(
                c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c)
            )
            word = unicodedata.normalize("NFC", word).translate(_LATIN_LETTERS)
        return word

    def stem(self, word: str) -> str:
        """The word without one case or number ending, keeping min_stem characters."""
        for ending in self.endings:
            if word.endswith(ending) and len(word) - len(ending) >= self.min_stem:
                return word[: -len(ending)]
        return word


WORDS_DIR = "ivr.menu.words"


@cache
def words_of(code: str) -> Words:
    """A language's word list; English's for "" (and for a language that has none)."""
    name = f"{code or 'en'}.yaml"
    found = resources.files(WORDS_DIR).joinpath(name)
    if code and not found.is_file():
        return words_of("")
    data: dict[str, Any] = yaml.safe_load(found.read_text(encoding="utf-8"))
    if not code or code == "en":
        return _english(data)
    letters = tuple((k, v) for k, v in (data.get("letters") or {}).items())
    bare = Words(
        code,
        frozenset(),
        {},
        fold_latin=bool(data.get("fold")),
        drop="".join(data.get("drop") or ()),
        letters=letters,
    )
    stops = frozenset(w for s in data["stop_words"] for w in _split(bare, str(s)))
    digits = {bare.fold(str(w).casefold()): str(k) for w, k in data["digits"].items()}
    endings = sorted((bare.fold(str(e)) for e in data.get("endings") or ()), key=len)
    return Words(
        code,
        stops,
        {**DIGIT_WORDS, **digits},
        tuple(reversed(endings)),
        int(data.get("min_stem", 3)),
        bare.fold_latin,
        bare.drop,
        letters,
        tuple(str(p) for p in data.get("ask_again") or ()),
    )


def _english(data: dict[str, Any]) -> Words:
    """English: no endings, no folding; its stop words, and DIGIT_WORDS for the keys."""
    english = Words("", frozenset(), DIGIT_WORDS)
    stops = frozenset(w for s in data["stop_words"] for w in _split(english, str(s)))
    return Words("", stops, DIGIT_WORDS)


def _split(words: Words, text: str) -> list[str]:
    """Text as words, folded: no digits, joins or endings (for word lists themselves)."""
    text = unicodedata.normalize("NFC", text.casefold().replace("-", " "))
    return [words.fold(w) for w in "".join(c for c in text if _kept(c)).split()]


def _kept(character: str) -> bool:
    """Letters, their marks (Gurmukhi's and Urdu's vowel signs), digits, spaces, * and #."""
    return character.isspace() or character in "*#" or unicodedata.category(character)[0] in "LMN"


def _ascii_digits(word: str) -> str:
    """'۲' (Urdu), '੨' (Gurmukhi), '٢' (Arabic) -> '2': any script's digits as the keys'."""
    return "".join(str(unicodedata.digit(c)) for c in word) if word.isdecimal() else word


def tokens(text: str, code: str = "") -> tuple[str, ...]:
    """Lower-case words without punctuation; spelled letters and digits joined up.

    In a language other than English, words are folded as its word list says (marks
    written at will dropped), and its own words for the keys are digits too.
    """
    words_list = words_of(code)
    text = text.casefold().replace("-", " ")
    if text.isascii() and not code:
        words = _NOT_WORD.sub("", text).split()
    else:
        text = unicodedata.normalize("NFC", text)
        words = [words_list.fold(w) for w in "".join(c for c in text if _kept(c)).split()]
    words = [words_list.digits.get(w, _ascii_digits(w)) for w in words]
    # Letters said one at a time ("L G B T"); in other languages only three or more in a
    # row, as Polish and Romanian have one-letter words ("i w domu", "o femeie")
    fewest_letters = 2 if not code else 3
    joined: list[str] = []
    letters: list[str] = []
    last_digit = False
    for word in [*words, ""]:
        if len(word) == 1 and word.isalpha():
            letters.append(word)
            continue
        if letters:
            joined.extend(["".join(letters)] if len(letters) >= fewest_letters else letters)
            letters, last_digit = [], False
        digit = len(word) == 1 and word.isdigit()
        if digit and last_digit:
            joined[-1] += word  # "9 9 9" -> "999"
        elif word:
            joined.append(word)
        last_digit = digit
    return tuple(joined)


def heard_as(text: str, code: str = "") -> tuple[str, ...]:
    """Text as the matcher compares it: tokens without their case and number endings."""
    words = words_of(code)
    return tuple(words.stem(w) for w in tokens(text, code))


def match(
    said: str,
    phrases: Iterable[tuple[tuple[str, ...], str]],
    keys: Iterable[str],
    code: str = "",
) -> str | None:
    """The one key that what was said names, or None when it names none or several.

    phrases are heard_as() forms of the menu's words. Where phrases overlap, the longest
    wins ("ਡਰਬੀ ਸ਼ਾਇਰ" is the county, not the city's "ਡਰਬੀ"); an ASK_AGAIN phrase wins over
    what it holds, and names nothing.
    """
    words = heard_as(said, code)
    stop = words_of(code).stop_words | FILLER
    bare = [w for w in tokens(said, code) if w not in stop]
    if len(bare) == 1 and bare[0] in keys:
        return bare[0]
    found = [
        (start, start + len(phrase), key)
        for phrase, key in phrases
        if phrase
        for start in _starts(words, phrase)
    ]
    kept = {
        key
        for start, end, key in found
        if not any(s <= start and end <= e and e - s > end - start for s, e, _ in found)
    }
    kept.discard(ASK_AGAIN)
    return kept.pop() if len(kept) == 1 else None


def _starts(words: tuple[str, ...], phrase: tuple[str, ...]) -> list[int]:
    n = len(phrase)
    return [i for i in range(len(words) - n + 1) if words[i : i + n] == phrase]
