"""A language listens for keys only until its speech recognition is confirmed in a real
call (issue 23, item 5), and never with a speech model Twilio does not list for it."""

from __future__ import annotations

import pytest

from ivr.menu.load import menu_from_text
from ivr.menu.source import MenuError
from tests.helpers import REPO_MENU

SHIPPED = REPO_MENU.read_text(encoding="utf-8")


def problems(text: str) -> list[str]:
    try:
        menu = menu_from_text(text)
    except MenuError as e:
        return [str(p) for p in e.problems]
    return [str(p) for p in menu.warnings if "not yet confirmed" not in p.message]


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize(("code", "name"), [("pa", "Panjabi"), ("ur", "Urdu")])
def test_panjabi_and_urdu_only_with_twilios_default_model(code: str, name: str) -> None:
    tts = f"    tts_voice: {code}\n"
    text = SHIPPED.replace(tts, f"{tts}    speech_model: phone_call\n", 1)
    assert text != SHIPPED
    found = [p for p in problems(text) if "speech_model" in p]
    assert found == [
        f"menus.yaml:{line_of(text, '    speech_model: phone_call')}: "
        f"languages.{code}.speech_model: Twilio lists {name} only for its 'default' speech "
        "model: with 'phone_call' its speech recognition fails (Twilio warning 13331). "
        "Leave speech_model out"
    ]


def test_polish_may_name_another_model() -> None:
    text = SHIPPED.replace(
        "    tts_voice: pl ", "    speech_model: phone_call\n    tts_voice: pl "
    )
    assert text != SHIPPED
    assert not [p for p in problems(text) if "speech_model" in p]


def test_speech_confirmed_is_true_or_false() -> None:
    text = SHIPPED.replace("    speech_confirmed: false", "    speech_confirmed: yes please", 1)
    assert [p for p in problems(text) if "speech_confirmed" in p] == [
        f"menus.yaml:{line_of(text, 'speech_confirmed: yes')}: "
        "languages.pl.speech_confirmed: expected true or false"
    ]


def test_each_language_is_warned_of_until_its_speech_is_confirmed() -> None:
    keys_only = [p for p in problems(SHIPPED) if "not yet speak" in p]
    assert len(keys_only) == 4
    assert keys_only[0] == (
        f"menus.yaml:{line_of(SHIPPED, '  pl:')}: languages.pl: warning: Polish callers can "
        "press keys but not yet speak: its speech recognition is tried in a real test call "
        "first (README, 'Confirming a language's speech'), then set speech_confirmed: true"
    )
    confirmed = SHIPPED.replace("    speech_confirmed: false", "    speech_confirmed: true")
    assert not [p for p in problems(confirmed) if "not yet speak" in p]
