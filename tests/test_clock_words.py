"""Times said in words (issue 23): a voice reads "10:00" digit by digit in these languages,
so the closed-helpline sentence says "godzina dziesiąta", "ora zece", "ਸਵੇਰੇ ਦਸ ਵਜੇ"."""

from __future__ import annotations

import re
from datetime import datetime, time

import pytest

from ivr.menu.clock_words import clock_words
from ivr.menu.hours import LONDON
from ivr.menu.languages import spoken_when_in


@pytest.mark.parametrize(
    ("code", "at", "said"),
    [
        ("pl", time(8, 0), "godzina ósma"),
        ("pl", time(10, 0), "godzina dziesiąta"),
        ("pl", time(21, 0), "godzina dwudziesta pierwsza"),
        ("pl", time(8, 30), "godzina ósma trzydzieści"),
        ("pl", time(0, 0), "północ"),
        ("pl", time(0, 30), "godzina zero trzydzieści"),
        ("pl", time(9, 32), "godzina dziewiąta trzydzieści dwa"),
        ("ro", time(8, 0), "ora opt"),
        ("ro", time(1, 0), "ora unu"),
        ("ro", time(2, 0), "ora două"),
        ("ro", time(12, 0), "ora douăsprezece"),
        ("ro", time(22, 0), "ora douăzeci și două"),
        ("ro", time(9, 30), "ora nouă și jumătate"),
        ("ro", time(9, 15), "ora nouă și cincisprezece"),
        ("ro", time(0, 0), "miezul nopții"),
        ("ro", time(9, 32), "ora nouă și treizeci și două"),
        ("ro", time(10, 2), "ora zece și două"),
        ("pa", time(10, 0), "ਸਵੇਰੇ ਦਸ ਵਜੇ"),
        ("pa", time(13, 15), "ਦੁਪਹਿਰ ਦੇ ਸਵਾ ਇੱਕ ਵਜੇ"),
        ("pa", time(10, 30), "ਸਵੇਰੇ ਸਾਢੇ ਦਸ ਵਜੇ"),
        ("pa", time(13, 30), "ਦੁਪਹਿਰ ਦੇ ਡੇਢ ਵਜੇ"),
        ("pa", time(17, 45), "ਸ਼ਾਮ ਦੇ ਪੌਣੇ ਛੇ ਵਜੇ"),
        ("pa", time(11, 45), "ਸਵੇਰੇ ਪੌਣੇ ਬਾਰਾਂ ਵਜੇ"),  # still morning
        ("pa", time(9, 5), "ਸਵੇਰੇ ਨੌਂ ਵੱਜ ਕੇ 5 ਮਿੰਟ"),
        ("ur", time(8, 0), "صبح آٹھ بجے"),
        ("ur", time(14, 30), "دوپہر کے ڈھائی بجے"),
        ("ur", time(19, 0), "شام کے سات بجے"),
        ("ur", time(22, 0), "رات کے دس بجے"),
        ("ur", time(0, 0), "رات کے بارہ بجے"),
    ],
)
def test_a_time_in_words(code: str, at: time, said: str) -> None:
    assert clock_words(code, at) == said


def test_every_minute_of_the_day_is_said_in_words() -> None:
    """Polish and Romanian in words alone; Panjabi and Urdu in words on the hour and at
    each quarter (a number of minutes only at any other minute)."""
    for code in ("pl", "ro", "pa", "ur"):
        for minute in range(24 * 60):
            at = time(minute // 60, minute % 60)
            said = clock_words(code, at)
            assert said and ":" not in said and "None" not in said, (code, at)
            if code in ("pl", "ro") or at.minute % 15 == 0:
                assert not re.search(r"\d", said), (code, at, said)
            # midnight's word stands alone: never "północ trzydzieści"
            assert said in ("północ", "miezul nopții") or "północ" not in said, (code, at)


def test_the_voice_says_words_and_a_text_keeps_the_digits() -> None:
    now = datetime(2026, 12, 5, 12, 0, tzinfo=LONDON)  # a Saturday
    opens = datetime(2026, 12, 7, 8, 0, tzinfo=LONDON)
    assert spoken_when_in("pl", opens, now) == "poniedziałek, 08:00"
    assert spoken_when_in("pl", opens, now, said=True) == "poniedziałek, godzina ósma"
    assert clock_words("de", time(8, 0)) is None
    assert spoken_when_in("de", opens, now, said=True) == "Montag, 08:00"  # Babel's digits
