"""The checks of the text line: its texts in every language, the text numbers helplines
name, and the SMS segments of every reply it can send (at most MAX_SEGMENTS each)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time
from functools import cache
from typing import TYPE_CHECKING

from ivr.menu.hours import LONDON, spoken_when
from ivr.menu.languages import Language, spoken_when_in
from ivr.menu.model import DEFAULT_PROMPTS, Menu
from ivr.menu.segments import MAX_SEGMENTS, is_gsm, segments
from ivr.menu.sms import CLOSED, OPEN, Status, TextReplies, every_language
from ivr.menu.source import Path_

if TYPE_CHECKING:
    from ivr.menu.check import _Checker
    from ivr.menu.check_translations import TranslationChecks

# The moment the longest openings are written from: each candidate is over a week after
# it, so it is written in full (weekday, day and month), as far-off openings are
CHECKED_AT = datetime(2026, 12, 1, 12, 0, tzinfo=LONDON)


def sms_text(
    checks: TranslationChecks,
    path: Path_,
    lang: Language,
    english_sms: str | None,
    english_voice: str | None,
) -> str | None:
    """A language's `sms.<code>:` beside path (a menu or an option), checked.

    Where English has its own `sms:`, every language needs one (its voice text may say
    something else). Where it has none, a language may still give a shorter text for
    texts (its voice text is used otherwise), with the placeholders of the English one.
    """
    if english_sms:
        return checks.translated((*path, "sms"), lang, english_sms)
    where = (*path, f"sms.{lang.code}")
    if where not in checks.found:
        return None
    if english_voice is None:
        checks.error(where, "there is no English 'say' or 'sms' here to translate")
        return None
    return checks.translated((*path, "sms"), lang, english_voice)


def check_text_line(checker: _Checker) -> None:
    """Each helpline's text_line names a number for texts; every greeting by text tells
    a texter in danger to call 999."""
    helplines = checker.clean["helplines"]
    for hid, helpline in helplines.items():
        target = helpline.get("text_line")
        if target is None:
            continue
        path = ("helplines", hid, "text_line")
        if target not in checker.declared:
            known = ", ".join(sorted(checker.declared))
            checker.error(path, f"unknown helpline '{target}' (known: {known})")
        elif target in helplines and helplines[target].get("dial", True):
            checker.error(
                path,
                f"'{target}' is dialled: text_line names the service's number for texts, "
                "a helpline with dial: false",
            )
    greetings = {"": checker.clean["prompts"].get("sms_greeting", DEFAULT_PROMPTS["sms_greeting"])}
    for code, texts in checker.clean.get("translated", {}).items():
        greetings[code] = texts["prompts"].get("sms_greeting", "999")
    for code, greeting in greetings.items():
        if "999" not in greeting:
            where = f"sms_greeting.{code}" if code else "sms_greeting"
            checker.error(
                ("prompts", where), "the text line's greeting must tell texters to call 999"
            )


def check_replies(checker: _Checker) -> None:
    """Every reply of the text line, in every language, within MAX_SEGMENTS segments (of
    the menu check_lengths built)."""
    for path, message in reply_problems(checker.built):
        checker.error(path, message)


def reply_problems(menu: Menu) -> list[tuple[Path_, str]]:
    """(where to shorten, why) for each reply that would take over MAX_SEGMENTS segments.

    A transfer's reply is counted with each of its helplines closed (the 24/7 line never
    is) and opening at the longest time the language writes: staff may close any of
    them, and a closed one's reply is the longest.
    """
    found: list[tuple[Path_, str]] = []
    for code, replies in every_language(menu).items():
        name = menu.languages[code].name if code else "English"
        suffix = f".{code}" if code else ""
        for path, what, text in _replies(menu, replies, suffix):
            counted = segments(text)
            if counted.count > MAX_SEGMENTS:
                message = (
                    f"by text in {name}, {what} takes {counted}: a reply may take "
                    f"{MAX_SEGMENTS} at most ({counted.most} characters in "
                    f"{counted.encoding}); shorten its words"
                )
                found.append((path, message))
    return found


def _replies(menu: Menu, replies: TextReplies, suffix: str) -> Iterator[tuple[Path_, str, str]]:
    """(where, what, the reply's text) for every reply in one language."""
    home = menu.settings.home
    yield (
        ("menus", home),
        "the first reply (greeting, deleting texts, this menu or how to ask for it)",
        (replies.welcome()),
    )
    chains: dict[tuple[str, ...], str] = {}
    for nid, node in menu.nodes.items():
        what = "this menu's reply" if node.options else "this page's reply"
        yield ("menus", nid, f"sms{suffix}"), what, replies.node(nid)
        for option in node.options:
            if option.transfer:
                if option.transfer not in chains:
                    chains[option.transfer] = _longest(menu, replies, option.transfer)
                what = f"the reply to option {option.key} (each helpline closed)"
                yield ("menus", nid, "options", option.key), what, chains[option.transfer]
    operator = (menu.settings.operator,)
    what = "the reply to 0 (the 24/7 line)"
    yield ("helplines", operator[0]), what, _longest(menu, replies, operator)
    what = "the reply to a text not understood"
    yield ("prompts", f"sms_invalid{suffix}"), what, replies.invalid()
    what = "the reply when the line fails"
    yield ("prompts", f"sms_greeting{suffix}"), what, replies.failsafe()


def _longest(menu: Menu, replies: TextReplies, chain: tuple[str, ...]) -> str:
    """A transfer's longest reply: every helpline but the 24/7 line closed, each opening
    at the longest moment written (in GSM-7, and in UCS-2 where the language has one)."""
    texts = []
    for at in longest_openings(replies.code):
        states = [
            Status(OPEN) if hid == menu.settings.operator else Status(CLOSED, at) for hid in chain
        ]
        texts.append(replies.helplines(chain, states, CHECKED_AT))
    return max(texts, key=lambda text: segments(text).count)


@cache
def longest_openings(code: str) -> tuple[datetime, ...]:
    """The openings whose words are longest in a language: the longest that GSM-7 can
    send, and the longest that needs UCS-2 (where any does).

    Every weekday falls on the 10th to 16th of each month, so those days of one year
    give every weekday with every month, with a two-digit day.
    """
    candidates = [
        datetime.combine(CHECKED_AT.date().replace(year=2027, month=month, day=day), clock, LONDON)
        for month in range(1, 13)
        for day in range(10, 17)
        for clock in (time(10, 30), time(22, 30))
    ]

    written = {
        at: spoken_when_in(code, at, CHECKED_AT) if code else spoken_when(at, CHECKED_AT)
        for at in candidates
    }
    found: list[datetime] = []
    for gsm in (True, False):
        kind = [at for at in candidates if is_gsm(written[at]) == gsm]
        if kind:
            found.append(max(kind, key=lambda at: segments(written[at]).units))
    return tuple(found)
