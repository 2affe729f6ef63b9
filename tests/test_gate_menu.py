"""The menu checks as a gate: whatever a menu file says, what passes can be said on a call.

Each case here once passed `ivr check`, was published, and then broke every call (or a
worker): escapes that read as characters XML cannot carry, format specs in placeholders,
YAML tags whose constructors fail with a traceback. Now each is a located error.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.commands.main import main
from ivr.menu.characters import UNSAFE, unsafe_character
from ivr.menu.check import check_source
from ivr.menu.load import menu_from_text
from ivr.menu.source import MenuError, parse_source
from ivr.menu.texts import fill, placeholders
from tests.helpers import REPO_MENU, SMALL_MENU

SHIPPED = REPO_MENU.read_text(encoding="utf-8")
README = (REPO_MENU.parent / "README.md").read_text(encoding="utf-8")


def errors(text: str) -> list[str]:
    problems, _ = check_source(parse_source(text))
    return [str(p) for p in problems if not p.warning]


def warnings(text: str) -> list[str]:
    problems, _ = check_source(parse_source(text))
    return [str(p) for p in problems if p.warning]


# Escapes as staff would type them in a double-quoted YAML string (the file holds the
# backslash; only the parsed value holds the character)
ESCAPES = {
    "a keyword": (
        SMALL_MENU.replace("keywords: [refuge]", 'keywords: ["derby\\x01city"]'),
        "menus.yaml:13: menus.main.options.1.keywords.0: character 6 is U+0001, a control "
        "character: the line could not say it (remove it; it may have come with a copy and "
        "paste)",
    ),
    "a NUL in a label": (
        SMALL_MENU.replace("label: Refuge", 'label: "Ref\\u0000uge"'),
        "menus.yaml:12: menus.main.options.1.label: character 4 is U+0000, a control "
        "character: the line could not say it (remove it; it may have come with a copy and "
        "paste)",
    ),
    "U+FFFE in a helpline's name": (
        SMALL_MENU.replace("name: Refuge", 'name: "Refuge\\uFFFE"'),
        "menus.yaml:6: helplines.refuge_derby.name: character 7 is U+FFFE, not a character "
        "of any text: the line could not say it (remove it; it may have come with a copy "
        "and paste)",
    ),
    "an escape character in a prompt": (
        'prompts:\n  goodbye: "Goodbye\\e"\n' + SMALL_MENU,
        "menus.yaml:2: prompts.goodbye: character 8 is U+001B, a control character: the "
        "line could not say it (remove it; it may have come with a copy and paste)",
    ),
    "a noncharacter of another plane": (
        'prompts:\n  goodbye: "Bye \\U0001FFFF"\n' + SMALL_MENU,
        "menus.yaml:2: prompts.goodbye: character 5 is U+1FFFF, not a character of any "
        "text: the line could not say it (remove it; it may have come with a copy and paste)",
    ),
    "a C1 control in a setting": (
        'settings:\n  service_name: "Derby\\x85"\n' + SMALL_MENU,
        "menus.yaml:2: settings.service_name: character 6 is U+0085, a control character: "
        "the line could not say it (remove it; it may have come with a copy and paste)",
    ),
    "a key": (
        SMALL_MENU.replace("  refuge_derby:\n", '  "refuge\\x07":\n').replace(
            "[refuge_derby,", '["refuge\\x07",'
        ),
        "menus.yaml:5: helplines.refuge\\u0007: character 7 is U+0007, a control character: "
        "the line could not say it (remove it; it may have come with a copy and paste)",
    ),
}


@pytest.mark.parametrize("case", list(ESCAPES))
def test_escapes_are_checked_once_read(case: str) -> None:
    text, message = ESCAPES[case]
    assert message in errors(text)
    with pytest.raises(MenuError):
        menu_from_text(text)


def test_an_escape_is_reported_once_and_nothing_else_for_it() -> None:
    text, message = ESCAPES["a keyword"]
    assert errors(text) == [message]


def test_what_a_person_writes_is_kept() -> None:
    # Right-to-left marks (Urdu), em dashes, emoji, tabs and line ends: all can be said
    text = SMALL_MENU.replace("label: Refuge", 'label: "Refuge\\u200f \\u2014 \\U0001F49C\\tok"')
    menu = menu_from_text(text)
    assert menu.nodes["main"].options[0].label == "Refuge\u200f \u2014 \U0001f49c ok"
    ET.fromstring(f"<Say>{menu.prompts['node.main']}</Say>")


@pytest.mark.parametrize(
    "character", ["\x00", "\x08", "\x0b", "\x1f", "\x7f", "\x9f", "\ud800", "\ufdd0", "\uffff"]
)
def test_unsafe_characters(character: str) -> None:
    assert unsafe_character(f"ab{character}").startswith("character 3 is U+")


@pytest.mark.parametrize(
    "character", ["\t", "\n", "\r", " ", "é", "\u200f", "\ufffd", "\U0010fffd"]
)
def test_safe_characters(character: str) -> None:
    assert not UNSAFE.search(character)
    assert unsafe_character(character) == ""


def test_a_noncharacter_written_as_itself_is_refused_with_its_line() -> None:
    text = SMALL_MENU.replace("name: Refuge", "name: Refuge\ufdd0")
    assert errors(text) == ["menus.yaml:6: character U+FDD0 is not allowed (only plain text)"]


# Placeholders are names alone: no format spec, no conversion (item 7)

SPEC = "{service_name:.>200000000}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            f"prompts:\n  greeting: '{SPEC} Dial 999.'\n" + SMALL_MENU,
            "menus.yaml:2: prompts.greeting: {service_name:.>200000000}: a placeholder is a "
            "name alone, like {service_name} (no ':' format or '!' conversion)",
        ),
        (
            "prompts:\n  connecting: Connecting you to {name!r}.\n" + SMALL_MENU,
            "menus.yaml:2: prompts.connecting: {name!r}: a placeholder is a name alone, like "
            "{service_name} (no ':' format or '!' conversion)",
        ),
        (
            SMALL_MENU
            + "    say: 'Welcome to {service_name:x<9999999999999999999999999999999999999999}'\n",
            "menus.yaml:15: menus.main.say: {service_name:x<9999999999999999999999...}: a "
            "placeholder is a name alone, like {service_name} (no ':' format or '!' "
            "conversion)",
        ),
    ],
    ids=["a format spec", "a conversion", "a long spec"],
)
def test_a_placeholder_is_a_name_alone(text: str, message: str) -> None:
    assert errors(text) == [message]


def test_a_translated_placeholder_is_a_name_alone_too() -> None:
    text = SHIPPED.replace("{label}: {key}.", "{label:>99999999}: {key}.")
    assert any(
        m.endswith(
            "prompts.option.pl: {label:>99999999}: a placeholder is a name alone, like "
            "{service_name} (no ':' format or '!' conversion)"
        )
        for m in errors(text)
    )


def test_texts_are_filled_without_str_format() -> None:
    assert fill("For {label}, press {key}. {{braces}}", {"label": "men", "key": "4"}) == (
        "For men, press 4. {braces}"
    )
    # A spec is not a name: never run, so never 200 million characters
    with pytest.raises(KeyError):
        fill(SPEC, {"service_name": "x"})
    assert placeholders("{a} {{b}} {c:>9}") == ["a", "c:>9"]
    assert placeholders("a } b") is None


# YAML tags whose constructors raise something else than ValueError (item 17)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("!!bool maybe", "settings.timeout: 'maybe' is not a valid true/false"),
        ("!!timestamp nope", "settings.timeout: 'nope' is not a valid date"),
        (
            "!!binary aGVsbG8=",
            "settings.timeout: the tag tag:yaml.org,2002:binary is not allowed (only plain "
            "YAML is allowed)",
        ),
    ],
)
def test_tags_that_fail_are_located_errors(
    value: str, message: str, write_menu: Callable[[str], Path]
) -> None:
    path = write_menu(f"settings:\n  timeout: {value}\n" + SMALL_MENU)
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    assert f"menus.yaml:2: {message}\n" in result.output
    assert "Traceback" not in result.output


# Twilio's language tags, as Twilio spells them (item 21)


@pytest.mark.parametrize("tag", ["pa-guru-IN", "PA-GURU-in", "pa-Guru-IN", "cmn-Hans-CN"])
def test_twilios_speech_tags_in_any_case(tag: str) -> None:
    text = SHIPPED.replace("speech: pa-Guru-IN", f"speech: {tag}")
    assert errors(text) == []
    assert menu_from_text(text).speaking("pa").settings.language == tag


@pytest.mark.parametrize("tag", ["pa_IN", "pa-IN-x", "p-IN", "pa-Gurmukhi-IN", "pa-ın"])
def test_other_speech_tags_are_refused(tag: str) -> None:
    text = SHIPPED.replace("speech: pa-Guru-IN", f"speech: '{tag}'")
    assert any(
        f"languages.pa.speech: '{tag}' is not one of Twilio's speech languages" in m
        for m in errors(text)
    )


# A number callers' helplines see, or dial, abroad (item 18)


def test_a_caller_id_from_abroad_is_a_located_warning(write_menu: Callable[[str], Path]) -> None:
    path = write_menu("settings:\n  caller_id: +1 212 736 5000\n" + SMALL_MENU)
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == (
        "menus.yaml:2: settings.caller_id: warning: '+1 212 736 5000' is not a UK number: "
        "every helpline would see a call from abroad, and may not answer it (give the "
        "line's own UK number)"
    )


def test_a_helpline_abroad_is_a_located_warning() -> None:
    text = SMALL_MENU.replace("0800 085 3481", "+33 1 45 67 89 10")
    assert warnings(text) == [
        "menus.yaml:7: helplines.refuge_derby.number: warning: '+33 1 45 67 89 10' is not a "
        "UK number: each transfer to it is an international call, which Twilio may refuse "
        "(check it is the service's own number)"
    ]
    read_out = text.replace(
        "    number: +33 1 45 67 89 10\n", "    number: +33 1 45 67 89 10\n    dial: false\n"
    )
    assert warnings(read_out.replace("transfer: [refuge_derby,", "transfer: [")) == []


def test_a_translation_into_an_undeclared_language_says_so() -> None:
    text = SMALL_MENU.replace("keywords: [refuge]", "keywords: [refuge]\n        keywords.pl: [x]")
    assert errors(text) == [
        "menus.yaml:14: menus.main.options.1.keywords.pl: unknown key 'keywords.pl': 'pl' is "
        "not a language of this menu (declare it under languages: to translate into it; "
        "declared: none)"
    ]


# Every example in the README is a menu `ivr check` passes (item 17)

YAML_BLOCKS = re.findall(r"^```yaml\n(.*?)^```$", README, re.M | re.S)


@pytest.mark.parametrize("number", range(len(YAML_BLOCKS)))
def test_every_yaml_example_in_the_readme_passes_ivr_check(number: int, tmp_path: Path) -> None:
    path = tmp_path / "menus.yaml"
    path.write_text(YAML_BLOCKS[number], encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert "menus.yaml: OK" in result.output


def test_the_readme_has_yaml_examples() -> None:
    assert len(YAML_BLOCKS) >= 3


def test_a_prompt_longer_than_twilios_say_is_refused() -> None:
    # Polly voices say at most 3000 bytes (Twilio's warning 13521): the rest is not heard
    long = "help " * 700
    assert errors(f"prompts:\n  goodbye: {long}\n" + SMALL_MENU) == [
        "menus.yaml:2: prompts.goodbye: prompt 'goodbye' is 3499 bytes: Twilio's Polly.Amy "
        "voice says at most 3000, so callers would not hear it (shorten it or split the menu)"
    ]
    shorter = "help " * 500
    assert errors(f"prompts:\n  goodbye: {shorter}\n" + SMALL_MENU) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "settings:\n  language: en_GB\n" + SMALL_MENU,
            "menus.yaml:2: settings.language: 'en_GB' is not a language as Twilio names them "
            "(e.g. en-GB)",
        ),
        (
            "settings:\n  say_language: 'en-GB '\n" + SMALL_MENU,
            "menus.yaml:2: settings.say_language: 'en-GB ' is not a language as Twilio names "
            "them (e.g. en-GB)",
        ),
        (
            SHIPPED.replace("say_language: pa-IN", "say_language: Panjabi"),
            "languages.pa.say_language: 'Panjabi' is not a language as Twilio names them "
            "(e.g. pa-IN)",
        ),
    ],
    ids=["language", "say_language", "a language's say_language"],
)
def test_the_lines_languages_are_twilios_tags(text: str, message: str) -> None:
    assert any(m.endswith(message) for m in errors(text)), errors(text)


def test_an_id_is_the_whole_key() -> None:
    # "$" matches before a last line end: "refuge\n" (a YAML escape) once passed as an id
    text = SMALL_MENU.replace("  refuge_derby:\n", '  "refuge_derby\\n":\n').replace(
        "[refuge_derby,", '["refuge_derby\\n",'
    )
    assert (
        "menus.yaml:5: helplines.refuge_derby\\u000a: 'refuge_derby\\u000a' is not a valid id "
        "(use lower case letters, digits, _)"
    ) in errors(text)
