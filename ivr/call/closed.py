"""The sentence a caller hears when a helpline they chose is closed (staff see it first,
on the Hours page)."""

from __future__ import annotations

from datetime import datetime

from ivr.call.availability import Availability
from ivr.menu.characters import UNSAFE
from ivr.menu.hours import spoken_when
from ivr.menu.languages import spoken_when_in
from ivr.menu.model import Helpline


def closed_text(
    availability: Availability, helpline: Helpline, now: datetime, lang: str = ""
) -> str:
    """What a caller hears when a helpline they chose is closed (staff see it first).

    In another language the day comes from Babel's locale data and the time is in words
    (ivr.menu.clock_words: a voice reads "10:00" digit by digit); staff's reason
    is said as they wrote it (less any character the line cannot say: the store refuses
    them, but a closure an older release kept may hold one).
    """
    menu = availability.menu.speaking(lang)
    closure = availability.closures.get(helpline.id, now)
    said = UNSAFE.sub("", closure.reason) if closure else ""
    reason = f": {said}" if said else ""
    opens = availability.reopens(helpline, now)
    when = ""
    if opens:
        said = (
            spoken_when_in(lang, opens, now, said=True)
            if menu.language
            else spoken_when(opens, now)
        )
        when = menu.composer.fill("opens", when=said)
    name = menu.helplines[helpline.id].name
    text = menu.composer.fill("closed", name=name, reason=reason, opens=when)
    return text[:1].upper() + text[1:]
