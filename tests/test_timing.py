"""Caller time (issue 21): each moment of a caller's journey, against its target, for any
menu; `ivr check` warns, located, when an edit pushes a moment past its target."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.audio.files import source_key
from ivr.audio.journeys import shipped_seconds
from ivr.commands.main import main
from ivr.menu.check_times import check_times
from ivr.menu.load import menu_from_text
from ivr.menu.model import Menu
from ivr.menu.source import MenuError, parse_source
from ivr.menu.timing import REQUEST_SECONDS, Listening, estimated, moments
from tests.helpers import REPO_MENU, SMALL_MENU

# The small menu's greeting is 16 words, "9 9 9" ends it; its main menu says the key for
# a person in 6 words, then Refuge's option in 4 (its repeat key comes after the language
# offers); each "Connecting you to ..." is 8 words (the National Domestic Abuse Helpline)
# or 4 (Refuge)
THREE_DEEP = """\
helplines:
  national_24h:
    name: the National Domestic Abuse Helpline
    number: 0808 2000 247
  refuge_derby:
    name: Refuge
    number: 0800 085 3481
menus:
  main:
    options:
      1:
        label: more
        goto: second
  second:
    options:
      1:
        label: more
        goto: third
  third:
    options:
      1:
        label: Refuge
        transfer: [refuge_derby, national_24h]
"""


def a_second_a_word(menu: Menu) -> Callable[[str], float]:
    """Every prompt timed at one second a word: times a reader can work out."""
    return lambda prompt_id: float(len(menu.prompts[prompt_id].split()))


def by_what(menu: Menu) -> dict[str, tuple[float, float, bool, str]]:
    return {
        m.what: (m.seconds, m.target, m.over, m.heard.costliest)
        for m in moments(menu, a_second_a_word(menu))
    }


def test_each_moment_is_timed_in_the_order_a_caller_hears_it() -> None:
    menu = menu_from_text(SMALL_MENU)
    assert by_what(menu) == {
        '"999" said in the greeting': (16.0, 6.0, True, "greeting"),
        "the way to a person (key 0) offered": (22.0, 10.0, True, "greeting"),
        # greeting, the key for a person, a request, then "Connecting you to ..."
        "the National Domestic Abuse Helpline ringing after pressing 0": (
            16 + 6 + REQUEST_SECONDS + 8,
            15.0,
            True,
            "greeting",
        ),
        "Refuge ringing (keys 1)": (16 + 10 + REQUEST_SECONDS + 4, 25.0, True, "greeting"),
    }


def test_targets_are_settings_and_a_moment_on_its_target_is_not_over() -> None:
    settings = (
        "settings:\n  seconds_to_999: 16\n  seconds_to_person_offered: 22\n"
        "  seconds_to_operator_ringing: 30.5\n  seconds_to_helpline_ringing: 30.5\n"
    )
    menu = menu_from_text(settings + SMALL_MENU)
    assert [m.over for m in moments(menu, a_second_a_word(menu))] == [False] * 4


def test_each_request_after_the_first_costs_half_a_second_and_keys_are_counted() -> None:
    menu = menu_from_text(THREE_DEEP)
    journeys = Listening(menu, a_second_a_word(menu)).journeys()
    refuge = next(j for j in journeys if j.helpline == "refuge_derby")
    assert refuge.keys == ("1", "1", "1")
    # Three menus (the second and third without the greeting), three requests
    heard = dict(refuge.heard.costs)
    assert refuge.seconds == sum(heard.values()) + 3 * REQUEST_SECONDS
    over = next(m for m in moments(menu, a_second_a_word(menu)) if m.what.startswith("Refuge"))
    assert over.most_keys == 2 and over.over


def test_other_languages_are_timed_from_the_moment_they_are_chosen() -> None:
    menu = menu_from_text(REPO_MENU.read_text(encoding="utf-8"))
    listening = Listening(menu, a_second_a_word(menu))
    for code in menu.languages:
        greeting = menu.prompts[f"{code}.greeting"]
        words = len(greeting[: greeting.index("9 9 9") + 5].split())
        assert listening.before_999(code).seconds == REQUEST_SECONDS + words
        found = [m for m in moments(menu, a_second_a_word(menu)) if m.language == code]
        # 999, then each helpline first in a chain and the 24/7 line
        assert (
            len(found)
            == 1
            + len({o.transfer[0] for n in menu.nodes.values() for o in n.options if o.transfer})
            + 1
        )
    offered = listening.offered()
    assert list(offered) == list(menu.languages)
    seconds = [h.seconds for h in offered.values()]
    assert seconds == sorted(seconds)  # one after the other, after the greeting


def test_check_warns_at_the_prompt_that_costs_most() -> None:
    text = SMALL_MENU
    menu = menu_from_text(text)
    problems = check_times(parse_source(text), menu, a_second_a_word(menu))
    assert [str(p) for p in problems][:2] == [
        'menus.yaml:1: prompts.greeting: warning: callers wait 16.0 s for "999" said in '
        "the greeting (target 6 s, settings.seconds_to_999); prompt 'greeting' costs most "
        "of the wait (16.0 s): shorten it or move what it says",
        "menus.yaml:1: prompts.greeting: warning: callers wait 22.0 s for the way to a person "
        "(key 0) offered (target 10 s, settings.seconds_to_person_offered); prompt 'greeting' "
        "costs most of the wait (16.0 s): shorten it or move what it says",
    ]


def test_check_names_too_many_key_presses() -> None:
    menu = menu_from_text(THREE_DEEP)
    problems = check_times(parse_source(THREE_DEEP), menu, lambda _: 0.1)
    assert [p.message for p in problems] == [
        "callers wait 1.8 s for Refuge ringing (keys 1 1 1) (target 25 s, "
        "settings.seconds_to_helpline_ringing); takes 3 key presses (target: at most 2), "
        "prompt 'greeting' costs most of the wait (0.1 s): shorten it or move what it says"
    ]


def test_ivr_check_times_a_menu_by_its_shipped_audio(
    write_menu: Callable[[str], Path], tmp_path: Path
) -> None:
    path = write_menu("prompts:\n  greeting: Hello. Dial 999." + " Words" * 30 + "\n" + SMALL_MENU)
    menu = menu_from_text(path.read_text(encoding="utf-8"))
    settings = menu.settings
    made = source_key(
        menu.prompts["greeting"], settings.tts_voice, settings.speech_rate, settings.tts_engine
    )
    generated = tmp_path / "prompts" / "generated"
    generated.mkdir(parents=True)
    manifest = {"greeting": {"source": made, "seconds": 2.0}, "node.main": {"source": "old"}}
    (generated / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    seconds = shipped_seconds(menu, tmp_path / "prompts")
    assert seconds("greeting") == 2.0  # the audio's own length
    assert round(seconds("node.main"), 2) == round(10 / (175 / 60), 2)  # words, at the pace
    runner = CliRunner(env={"PROMPTS_DIR": str(tmp_path / "prompts")})
    result = runner.invoke(main, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert "warning: callers wait" not in result.output  # the 2 s audio is what counts
    (generated / "manifest.json").write_text("[]", encoding="utf-8")  # not a manifest
    assert shipped_seconds(menu, tmp_path / "prompts")("greeting") == 35 / (175 / 60)
    (generated / "manifest.json").unlink()  # no audio: 35 words and 6 at 175 a minute
    result = runner.invoke(main, ["check", str(path)])
    assert result.exit_code == 0
    assert (
        "menus.yaml:2: prompts.greeting: warning: callers wait 14.1 s for the way to a person "
        "(key 0) offered (target 10 s, settings.seconds_to_person_offered)"
    ) in result.output


def test_a_target_out_of_range_is_refused() -> None:
    text = "settings:\n  seconds_to_999: 0\n  keys_to_helpline: 9\n" + SMALL_MENU
    with pytest.raises(MenuError) as refused:
        menu_from_text(text)
    assert str(refused.value) == (
        "menus.yaml:2: settings.seconds_to_999: 0 is out of range (allowed: 1 to 120)\n"
        "menus.yaml:3: settings.keys_to_helpline: 9 is out of range (allowed: 1 to 5)"
    )


def test_a_menu_reached_two_ways_is_timed_by_the_first_way_said() -> None:
    text = THREE_DEEP.replace(
        "        label: more\n        goto: second\n",
        "        label: more\n        goto: second\n      2:\n        label: again\n"
        "        goto: second\n",
        1,
    )
    menu = menu_from_text(text)
    refuge = Listening(menu, a_second_a_word(menu)).journeys()[-1]
    assert (refuge.helpline, refuge.keys) == ("refuge_derby", ("1", "1", "1"))


def test_the_shipped_menu_meets_every_target_by_its_shipped_audio() -> None:
    """Exact and fast: every moment of the shipped menu, timed by the audio callers hear."""
    menu = menu_from_text(REPO_MENU.read_text(encoding="utf-8"))
    seconds = shipped_seconds(menu, REPO_MENU.parent / "prompts")
    guess = estimated(menu)
    assert [p for p in menu.prompts if seconds(p) == guess(p)] == []  # all audio current
    found = moments(menu, seconds)
    late = [f"{m.what}: {m.seconds:.1f} s (target {m.target:g} s)" for m in found if m.over]
    assert late == []
    # Every language is timed: offered, 999 after choosing it, and each of its helplines
    assert {m.language for m in found} == {"", *menu.languages}
    assert all(len(m.keys) <= 2 for m in found if m.keys)
