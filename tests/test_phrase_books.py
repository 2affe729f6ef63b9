"""Phrase books (issue 23, item 3): sentences callers say in each language, run through
the line's own matcher, and `ivr check --phrases FILE` doing the same for staff."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from ivr.commands.main import main
from ivr.menu.load import load_menu
from ivr.menu.phrases import wrong_phrases
from tests.helpers import REPO_MENU

MENU = load_menu(REPO_MENU)
BOOKS = Path(__file__).resolve().parent / "phrases"
CODES = ("pl", "ro", "pa", "ur")


@pytest.mark.parametrize("code", CODES)
def test_every_sentence_reaches_its_option(code: str) -> None:
    count, problems = wrong_phrases(BOOKS / f"{code}.yaml", MENU)
    assert [str(p) for p in problems] == []
    assert count >= 200


@pytest.mark.parametrize("code", CODES)
def test_ten_sentences_for_every_option_of_every_menu(code: str) -> None:
    book = yaml.safe_load((BOOKS / f"{code}.yaml").read_text(encoding="utf-8"))
    assert book["language"] == code
    short = [
        f"{nid} {option.key}: {len(book['menus'].get(nid, {}).get(option.key, []))}"
        for nid, node in MENU.nodes.items()
        for option in node.options
        if len(book["menus"].get(nid, {}).get(option.key, [])) < 10
    ]
    assert short == []
    assert len(book["menus"]["main"]["ask again"]) >= 10


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_staff_see_each_sentence_that_goes_wrong_at_its_line(tmp_path: Path) -> None:
    book = write(
        tmp_path,
        "language: pl\n"
        "menus:\n"
        "  main:\n"
        '    "1":\n'
        "      - dzwonię na policję\n"
        "      - jestem mężczyzną\n"
        "      - dzień dobry\n"
        "    ask again:\n"
        "      - jestem gejem\n"
        "      - halo\n"
        '    "7":\n'
        "      - siedem\n",
    )
    result = CliRunner().invoke(main, ["check", str(REPO_MENU), "--phrases", str(book)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-3:] == [
        "mine.yaml:6: menus.main.1.1: 'jestem mężczyzną' reaches option 4 (Men), "
        "not option 1 (Emergency)",
        "mine.yaml:7: menus.main.1.2: 'dzień dobry' is asked again, where it should reach "
        "option 1 (Emergency)",
        "mine.yaml:9: menus.main.ask again.0: 'jestem gejem' reaches option 5 (LGBT+): "
        "it should be asked again",
    ]
    assert result.stdout.splitlines()[-1] == "mine.yaml: 3 of 6 sentence(s) go wrong"


def test_a_book_that_passes_says_so(tmp_path: Path) -> None:
    book = write(
        tmp_path,
        'language: en\nmenus:\n  main:\n    "2": [Derby city]\n    "0": [speak to someone]\n'
        '    "8": [romanian]\n    "9": [again]\n    "*": [go back]\n',
    )
    result = CliRunner().invoke(main, ["check", str(REPO_MENU), "--phrases", str(book)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "mine.yaml: all 5 sentence(s) reach their option"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "language: de\nmenus: {}\n",
            "mine.yaml:1: language: 'de' is not a language of the menu (en, pl, ro, pa, ur)",
        ),
        ("language: pl\n", "mine.yaml:1: menus: expected a mapping of menu ids"),
        ("- a list\n", "mine.yaml:1: expected a mapping with language: and menus:"),
        (
            "language: pl\nmenus:\n  nowhere:\n    '1': [x]\n",
            "mine.yaml:3: menus.nowhere: 'nowhere': not a menu of the line",
        ),
        (
            "language: pl\nmenus:\n  main: [x]\n",
            "mine.yaml:3: menus.main: 'main': expected a mapping of keys",
        ),
        (
            "language: pl\nmenus:\n  lgbt:\n    '5': [x]\n",
            "mine.yaml:4: menus.lgbt.5: '5' is not a key of lgbt (*, 0, 1, 9, or ask again)",
        ),
        (
            "language: pl\nmenus:\n  lgbt:\n    '1': x\n",
            "mine.yaml:4: menus.lgbt.1: expected a list of sentences",
        ),
        ("language: pl\nmenus: [\n", "mine.yaml:3: not valid YAML"),
    ],
)
def test_a_wrong_book_is_located(tmp_path: Path, text: str, message: str) -> None:
    result = CliRunner().invoke(
        main, ["check", str(REPO_MENU), "--phrases", write(tmp_path, text)]
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith(message)


def test_a_book_that_cannot_be_read_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    result = CliRunner().invoke(main, ["check", str(REPO_MENU), "--phrases", str(missing)])
    assert result.exit_code == 1
    assert "missing.yaml:1: cannot read the file" in result.stderr


def test_keys_every_menu_has_and_languages_are_named_for_staff(tmp_path: Path) -> None:
    book = write(
        tmp_path,
        'language: en\nmenus:\n  main:\n    "8": [polish]\n    "9": [speak to someone]\n',
    )
    count, problems = wrong_phrases(book, MENU)
    assert [p.message for p in problems] == [
        "'polish' reaches key 7 (Polish), not key 8 (Romanian)",
        "'speak to someone' reaches key 0 (the operator key), not key 9 (the repeat key)",
    ]
