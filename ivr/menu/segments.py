"""How many SMS segments a text takes, on the encoding a phone network really uses.

A text of only GSM 03.38 characters is sent in GSM-7: 160 characters in one SMS, or 153
in each part of a longer one; a character of the extension table (`€ [ ] { } ^ ~ | \\`
and form feed) is sent as two, with an escape, and a part never ends between the two.
One character outside GSM-7 (ć, ă, ’, any Gurmukhi or Urdu letter, an emoji) sends the
whole text as UCS-2: 70 UTF-16 code units in one SMS, 67 in each part; an emoji outside
the Basic Multilingual Plane is two units, and a part never ends inside one.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# GSM 03.38's basic character set (the escape 0x1B, which starts an extension, left out)
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Its extension table: each is sent as the escape and a second septet
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")
GSM = GSM_BASIC | GSM_EXTENSION
GSM_7, UCS_2 = "GSM-7", "UCS-2"
# (characters in one SMS, in each part of a longer one)
SIZES = {GSM_7: (160, 153), UCS_2: (70, 67)}
MAX_SEGMENTS = 3  # the most any reply of the text line may take


@dataclass(frozen=True)
class Segments:
    """A text as the network sends it."""

    encoding: str  # GSM-7 or UCS-2
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    count: int  # SMS segments (0 for an empty text)

    @property
    def most(self) -> int:
        """The most units MAX_SEGMENTS segments hold in this encoding."""
        return SIZES[self.encoding][1] * MAX_SEGMENTS

    def __str__(self) -> str:
        return f"{self.count} SMS segment(s) ({self.encoding}, {self.units} characters)"


def is_gsm(text: str) -> bool:
    """Whether every character of text can be sent in GSM-7."""
    return set(text) <= GSM


def segments(text: str) -> Segments:
    """The encoding, units and SMS segments of text."""
    characters = set(text)
    gsm = characters <= GSM
    encoding = GSM_7 if gsm else UCS_2
    # Characters of two units: an escape and its septet, or a surrogate pair
    if gsm:
        wide = characters & GSM_EXTENSION
    else:
        wide = {c for c in characters if c > "\uffff"} if max(characters) > "\uffff" else set()
    units = len(text) + sum(text.count(c) for c in wide)
    single, part = SIZES[encoding]
    if units <= single:
        return Segments(encoding, units, 1 if units else 0)
    if not wide:
        return Segments(encoding, units, -(-units // part))
    count, used = 1, 0
    for size in (2 if c in wide else 1 for c in text):
        # A two-unit character (an escape and its septet, a surrogate pair) is never
        # split across parts: it starts the next one
        if used + size > part:
            count, used = count + 1, 0
        used += size
    return Segments(encoding, units, count)


# Letters whose plain form Unicode's decomposition does not give, and the typographic
# marks a phone writes for plain ones
_PLAIN = {"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "‘": "'", "’": "'", "“": '"', "”": '"'}
_PLAIN |= {"„": '"', "«": '"', "»": '"', "–": "-", "—": "-", "…": "...", "\u00a0": " "}


def plain(text: str) -> str:
    """text with each letter GSM-7 cannot send written without its accent ('ą' as 'a',
    'ł' as 'l', 'ț' as 't'), as Polish and Romanian texters often write to keep a text
    in GSM-7; a letter with no plain form in GSM-7 (Gurmukhi, Urdu) is kept."""
    out = []
    for c in text:
        if c in GSM_BASIC or c in GSM_EXTENSION:
            out.append(c)
            continue
        bare = _PLAIN.get(c) or "".join(
            d for d in unicodedata.normalize("NFD", c) if not unicodedata.combining(d)
        )
        out.append(bare if bare and is_gsm(bare) else c)
    return "".join(out)
