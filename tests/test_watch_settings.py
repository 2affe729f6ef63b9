"""The helpline watch's settings and words in menus.yaml: checked with located messages."""

from __future__ import annotations

import pytest

from ivr.menu.check import check_source
from ivr.menu.load import load_menu, menu_from_text
from ivr.menu.source import parse_source
from ivr.menu.where import where_heard
from tests.helpers import REPO_MENU, SMALL_MENU


def messages(settings: str) -> list[str]:
    problems, _ = check_source(parse_source(f"settings:\n{settings}" + SMALL_MENU))
    return [str(p) for p in problems]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (
            "  watch_retry_one_in: 1\n",
            ["menus.yaml:2: settings.watch_retry_one_in: 1 is out of range (allowed: 2 to 100)"],
        ),
        (
            "  watch_failed_in_a_row: 0\n",
            ["menus.yaml:2: settings.watch_failed_in_a_row: 0 is out of range (allowed: 1 to 20)"],
        ),
        (
            "  watch_doubtful_after: ten\n",
            ["menus.yaml:2: settings.watch_doubtful_after: expected a number, got text"],
        ),
        (
            "  watch_doubtful_after: 20\n  watch_failing_after: 12\n",
            [
                "menus.yaml:3: settings.watch_failing_after: watch_failing_after (12) must be "
                "more than watch_doubtful_after (20): a helpline is doubtful before it is failing"
            ],
        ),
        (
            "  watch_doubtful_after: 30\n",  # past the default 25
            [
                "menus.yaml:2: settings.watch_doubtful_after: watch_failing_after (25) must be "
                "more than watch_doubtful_after (30): a helpline is doubtful before it is failing"
            ],
        ),
        ("  watch_doubtful_after: 5\n  watch_failing_after: 6\n  watch_retry_one_in: 3\n", []),
    ],
)
def test_the_watch_settings_are_checked(settings: str, expected: list[str]) -> None:
    assert messages(settings) == expected


def test_the_settings_reach_the_menu() -> None:
    menu = menu_from_text(
        "settings:\n  watch_failed_in_a_row: 2\n  watch_retry_one_in: 10\n" + SMALL_MENU
    )
    assert (menu.settings.watch_failed_in_a_row, menu.settings.watch_retry_one_in) == (2, 10)
    assert (menu.settings.watch_doubtful_after, menu.settings.watch_failing_after) == (10, 25)


def test_each_helpline_but_the_24_7_line_has_words_for_being_passed_by() -> None:
    menu = load_menu(REPO_MENU)
    assert menu.prompts["unavailable.refuge_derby"] == (
        "Refuge in Derby City is not taking calls just now. Trying another helpline."
    )
    # The first letter is made a capital: names often start with 'the'
    assert menu.prompts["unavailable.elm_helpline"].startswith("The Derbyshire Domestic")
    assert "unavailable.national_24h" not in menu.prompts  # it is never passed by
    assert "unavailable.elm_text" not in menu.prompts  # never dialled
    assert where_heard(menu, "unavailable.respect") == (
        "when Respect is passed by as failing (the helpline watch)"
    )
    small = menu_from_text(SMALL_MENU + "prompts:\n  unavailable: x {name} y\n")
    assert small.prompts["unavailable.refuge_derby"] == "X Refuge y"


def test_the_words_may_use_only_the_helplines_name() -> None:
    problems, _ = check_source(
        parse_source(SMALL_MENU + "prompts:\n  unavailable: '{name} is down ({when})'\n")
    )
    assert [str(p) for p in problems] == [
        "menus.yaml:16: prompts.unavailable: unknown placeholder {when} (allowed: "
        "service_name, operator_name, operator_number, operator_key, repeat_key, back_key, "
        "name, national_24h, refuge_derby)"
    ]
