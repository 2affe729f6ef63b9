"""The characters a caller's TwiML can carry: one rule for every text staff give the line.

Twilio reads each answer as XML 1.0, which cannot carry control characters (other than
tab and line ends), lone surrogates, U+FFFE or U+FFFF: one of them in any text makes
every answer that says it malformed, and Twilio plays its own error instead. Unicode's
noncharacters and the C1 controls are refused too: no text a person writes holds them.
Marks such as right-to-left (U+200F) are kept: Urdu text may need them.

What staff type as names, filters and reviewed words has a stricter rule (first_unplain):
nothing that would make it read as something it is not, in the console or the audit log.
"""

from __future__ import annotations

import re
import unicodedata

from ivr.errors import IvrError

# U+nFFFE and U+nFFFF of every plane past the first: looked for only past U+1FFFD (a
# character class holding them would make every search several times slower)
_PLANE_ENDS = "".join(
    chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(1, 17)
)
UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
    f"|[\U0001fffe-\U0010ffff](?<=[{_PLANE_ENDS}])"
)

# What XML 1.0 cannot carry at all (lone surrogates cannot even be encoded as UTF-8)
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def unsafe_character(text: str) -> str:
    """Why text cannot be said on the line ("" if it can): its first character that
    cannot be, by code point and position, as staff can find it."""
    found = UNSAFE.search(text)
    if found is None:
        return ""
    code = ord(found.group())
    kind = "a control character" if code < 0xA0 else "not a character of any text"
    return (
        f"character {found.start() + 1} is U+{code:04X}, {kind}: the line could not say it "
        "(remove it; it may have come with a copy and paste)"
    )


# Besides control characters (NUL among them, which PostgreSQL cannot store), surrogates
# and unassigned code points: the separators and direction overrides that make a name in
# the audit log read as something it is not
UNPRINTABLE_CATEGORIES = ("Cc", "Cs", "Cn", "Zl", "Zp")
DIRECTION_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def first_unplain(text: str, also: frozenset[str] = frozenset()) -> tuple[int, str] | None:
    """(position from 1, character) of the first character that is not plain text (or is
    in also), or None."""
    for position, character in enumerate(text, start=1):
        category = unicodedata.category(character)
        if category in UNPRINTABLE_CATEGORIES or character in DIRECTION_OVERRIDES | also:
            return position, character
    return None


def check_plain(text: str, what: str) -> None:
    """Refuse text with a character that is not plain text, saying which and where."""
    found = first_unplain(text)
    if found:
        position, character = found
        raise IvrError(
            f"{what} has a control character (U+{ord(character):04X}) at character "
            f"{position}: type it again without it"
        )
