"""A time of day written out in words, per language, for the voice to say.

Speech engines read "10:00" digit by digit in these languages ("osiem zero zero", "aath
sifar sifar"); a caller needs "ósma", "ora opt", "ਅੱਠ ਵਜੇ". Written for the times the
line says (a helpline opening, on the hour or a quarter past, half past or a quarter to);
any other minute is said as a number after the hour. Polish and Romanian take their
numbers from num2words; Panjabi and Urdu, which it does not have, from the short tables
here. Urdu has no Twilio voice, so the line says words made at call time in English for
now; its words here are what the console shows and what a future voice will say.
Unconfirmed by a fluent speaker, like every text of these languages (menus.yaml).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time

from num2words import num2words

# Polish says the hour as a feminine ordinal ("godzina ósma"), 1 to 23
_PL_HOURS = (
    "północ pierwsza druga trzecia czwarta piąta szósta siódma ósma dziewiąta dziesiąta "
    "jedenasta dwunasta trzynasta czternasta piętnasta szesnasta siedemnasta osiemnasta "
    "dziewiętnasta dwudziesta"
).split()

# Romanian says the hour, and the minutes, as a feminine cardinal ("ora două", "și
# treizeci și două"), but one o'clock as "ora unu"
_RO_FEMININE = {"doi": "două", "doisprezece": "douăsprezece"}

# Panjabi and Urdu say the hour on a 12-hour clock with the part of the day, 1 to 12
_PA_NUMBERS = "ਇੱਕ ਦੋ ਤਿੰਨ ਚਾਰ ਪੰਜ ਛੇ ਸੱਤ ਅੱਠ ਨੌਂ ਦਸ ਗਿਆਰਾਂ ਬਾਰਾਂ".split()
_UR_NUMBERS = "ایک دو تین چار پانچ چھ سات آٹھ نو دس گیارہ بارہ".split()
# Morning (to noon), afternoon (to 4 pm), evening (to 8 pm), night
# (with the postposition the hour takes after them: "ਰਾਤ ਦੇ ਨੌਂ ਵਜੇ", "رات کے نو بجے")
_PA_PARTS = ("ਸਵੇਰੇ", "ਦੁਪਹਿਰ ਦੇ", "ਸ਼ਾਮ ਦੇ", "ਰਾਤ ਦੇ")
_UR_PARTS = ("صبح", "دوپہر کے", "شام کے", "رات کے")
# Quarter past, half past (with its own words for 1:30 and 2:30), quarter to; o'clock
_PA_WORDS = {"past": "ਸਵਾ", "half": "ਸਾਢੇ", "1:30": "ਡੇਢ", "2:30": "ਢਾਈ", "to": "ਪੌਣੇ"}
_UR_WORDS = {"past": "سوا", "half": "ساڑھے", "1:30": "ڈیڑھ", "2:30": "ڈھائی", "to": "پونے"}
_PA_OCLOCK, _UR_OCLOCK = "ਵਜੇ", "بجے"
# Any other minute: "nine, struck, and 5 minutes"
_PA_MINUTES, _UR_MINUTES = "ਵੱਜ ਕੇ {minute} ਮਿੰਟ", "بج کر {minute} منٹ"


def _polish(at: time) -> str:
    if at.hour == 0:
        return "północ" if not at.minute else f"godzina zero {num2words(at.minute, lang='pl')}"
    hour = _PL_HOURS[at.hour] if at.hour <= 20 else f"dwudziesta {_PL_HOURS[at.hour - 20]}"
    minutes = f" {num2words(at.minute, lang='pl')}" if at.minute else ""
    return f"godzina {hour}{minutes}"


def _romanian(at: time) -> str:
    if at.hour == 0 and at.minute == 0:
        return "miezul nopții"
    hour = "unu" if at.hour == 1 else _feminine(num2words(at.hour, lang="ro"))
    if not at.minute:
        return f"ora {hour}"
    if at.minute == 30:
        return f"ora {hour} și jumătate"
    return f"ora {hour} și {_feminine(num2words(at.minute, lang='ro'))}"


def _feminine(words: str) -> str:
    """A Romanian number as it counts hours and minutes: 'treizeci și doi' -> '... două'."""
    *rest, last = words.split(" ")
    return " ".join([*rest, _RO_FEMININE.get(last, last)])


def _twelve_hour(
    numbers: list[str], parts: tuple[str, ...], words: dict[str, str], oclock: str, mins: str
) -> Callable[[time], str]:
    def say(at: time) -> str:
        hour, minute = at.hour, at.minute
        # The part of the day of the time itself; the small hours are night
        part = parts[
            3 if hour < 4 else 0 if hour < 12 else 1 if hour < 16 else 2 if hour < 20 else 3
        ]
        if minute == 45:  # a quarter to the next hour
            hour = (hour + 1) % 24
        twelve = hour % 12 or 12
        number = numbers[twelve - 1]
        if minute == 0:
            said = f"{number} {oclock}"
        elif minute == 15:
            said = f"{words['past']} {number} {oclock}"
        elif minute == 30:
            own = words.get(f"{twelve}:30")
            said = f"{own} {oclock}" if own else f"{words['half']} {number} {oclock}"
        elif minute == 45:
            said = f"{words['to']} {number} {oclock}"
        else:
            said = f"{number} {mins.format(minute=minute)}"
        return f"{part} {said}"

    return say


SPEAKERS: dict[str, Callable[[time], str]] = {
    "pl": _polish,
    "ro": _romanian,
    "pa": _twelve_hour(_PA_NUMBERS, _PA_PARTS, _PA_WORDS, _PA_OCLOCK, _PA_MINUTES),
    "ur": _twelve_hour(_UR_NUMBERS, _UR_PARTS, _UR_WORDS, _UR_OCLOCK, _UR_MINUTES),
}


def clock_words(code: str, at: time) -> str | None:
    """A time of day in the language's words ("godzina ósma"), or None for a language
    with no words here (its locale's digits are said instead)."""
    speak = SPEAKERS.get(code)
    return speak(at) if speak else None
