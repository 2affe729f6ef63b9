"""Issue 25, item 6: each language's texts for the text line carry the same `confirmed`
warnings as its voice texts: every one is warned of, at its own line, until a fluent
speaker has checked the language."""

from __future__ import annotations

import re

from ivr.menu.check import check_source
from ivr.menu.source import parse_source
from tests.helpers import REPO_MENU

SHIPPED = REPO_MENU.read_text(encoding="utf-8")
NAMES = {"pl": "Polish", "ro": "Romanian", "pa": "Panjabi", "ur": "Urdu"}
# A language's text for texts: an `sms.pl:` beside a menu, option or helpline, or a
# prompt of the text line's own (`sms_greeting.pl:`)
SMS_TEXT = re.compile(r"^\s*sms(?:_\w+)?\.(pl|ro|pa|ur):", re.MULTILINE)


def unconfirmed_sms(text: str) -> set[tuple[int, str]]:
    """(line, language) of each text line's text warned of as not yet confirmed."""
    found, _ = check_source(parse_source(text))
    return {
        (p.line or 0, p.message.rpartition(" of ")[2])
        for p in found
        if p.warning and "not yet confirmed" in p.message and re.search(r"\bsms", str(p))
    }


def test_every_translated_text_for_texts_is_warned_of_until_confirmed() -> None:
    expected = {
        (SHIPPED[: m.start()].count("\n") + 1 + SHIPPED[m.start() : m.end()].count("\n"), lang)
        for m in SMS_TEXT.finditer(SHIPPED)
        for lang in [NAMES[m.group(1)]]
    }
    assert len(expected) > 40  # every language has the text line's words
    assert unconfirmed_sms(SHIPPED) == expected


def test_a_confirmed_language_is_no_longer_warned_of() -> None:
    polish = SHIPPED.replace(
        "    confirmed: false\n    sms_plain: true", "    confirmed: true\n    sms_plain: true", 1
    )
    assert polish != SHIPPED
    left = unconfirmed_sms(polish)
    assert {lang for _, lang in left} == {"Romanian", "Panjabi", "Urdu"}
