"""The checker's messages, whole, for a table of mistakes staff could make."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from ivr.menu import engines
from ivr.menu.check import check_source
from ivr.menu.load import load_menu
from ivr.menu.source import MenuError, parse_source
from tests.helpers import SMALL_MENU

HELPLINE_END = "    number: 0800 085 3481\n"
OPTION = "        transfer: [refuge_derby, national_24h]\n"


def with_helpline(text: str) -> str:
    return SMALL_MENU.replace(HELPLINE_END, HELPLINE_END + text)


def messages(text: str) -> list[str]:
    problems, _ = check_source(parse_source(text))
    return [str(p) for p in problems]


CASES = {
    "yaml syntax": (
        "helplines: [\n",
        ["menus.yaml:2: not valid YAML: did not find expected node content"],
    ),
    "duplicate key": (
        SMALL_MENU + "  main:\n    say: hi\n",
        [
            "menus.yaml:15: menus.main: duplicate key (first given on line 9; each key may appear once)"
        ],
    ),
    "a file that says null": (
        "NULL\n",
        [
            "menus.yaml:1: missing 'helplines:' (a file needs at least one)",
            "menus.yaml:1: missing 'menus:' (a file needs at least one)",
        ],
    ),
    "not a mapping": (
        "- 1\n",
        [
            "menus.yaml:1: expected a mapping with settings, languages, prompts, helplines, menus, "
            "got a list"
        ],
    ),
    "unknown section": (
        SMALL_MENU + "menu: {}\n",
        [
            "menus.yaml:15: menu: unknown key 'menu' "
            "(allowed: settings, languages, prompts, helplines, menus)"
        ],
    ),
    "missing sections": (
        "settings: {}\n",
        [
            "menus.yaml:1: missing 'helplines:' (a file needs at least one)",
            "menus.yaml:1: missing 'menus:' (a file needs at least one)",
        ],
    ),
    "settings": (
        "settings:\n  timeout: eight\n  no_input_retries: 9\n  after_retries: hangup\n"
        "  back_key: x\n  ring_seconds: 2.5\n  colour: red\n  repeat_key: '0'\n"
        "  caller_id: 01632 960001\n  home: lost\n" + SMALL_MENU,
        [
            "menus.yaml:7: settings.colour: unknown key 'colour' (allowed: service_name, home, "
            "operator, language, say_language, say_voice, timeout, no_input_retries, invalid_retries, "
            "after_retries, min_confidence, speech_model, speech_timeout, ring_seconds, "
            "accept_seconds, readout_repeats, "
            "operator_key, repeat_key, back_key, caller_id, speech_rate, tts_engine, tts_voice, "
            "watch_failed_in_a_row, watch_doubtful_after, watch_failing_after, watch_retry_one_in, "
            "seconds_to_999, seconds_to_person_offered, seconds_to_operator_ringing, "
            "seconds_to_helpline_ringing, keys_to_helpline, seconds_to_language_offered, "
            "seconds_to_999_in_language, seconds_to_helpline_in_language)",
            "menus.yaml:2: settings.timeout: expected a number, got text",
            "menus.yaml:3: settings.no_input_retries: 9 is out of range (allowed: 0 to 5)",
            "menus.yaml:4: settings.after_retries: unknown value 'hangup' "
            "(allowed: transfer, goodbye)",
            "menus.yaml:5: settings.back_key: 'x' is not a phone key "
            "(allowed: one of 0 1 2 3 4 5 6 7 8 9 *)",
            "menus.yaml:6: settings.ring_seconds: expected a whole number, got 2.5",
            "menus.yaml:9: settings.caller_id: '01632 960001' is in Ofcom's drama range: "
            "a placeholder, not a real line",
            "menus.yaml:1: settings: operator_key, repeat_key and back_key must differ, "
            "got ['0', '0', '*']",
            "menus.yaml:10: settings.home: unknown menu 'lost' (known: main)",
        ],
    ),
    "bad number": (
        SMALL_MENU.replace("0800 085 3481", "0800 08"),
        ["menus.yaml:7: helplines.refuge_derby.number: '0800 08' is not a valid UK phone number"],
    ),
    "drama number": (
        SMALL_MENU.replace("0800 085 3481", "07700 900123"),
        [
            "menus.yaml:7: helplines.refuge_derby.number: '07700 900123' is in Ofcom's drama "
            "range: a placeholder, not a real line"
        ],
    ),
    "premium number": (
        SMALL_MENU.replace("0800 085 3481", "0906 111 2222"),
        [
            "menus.yaml:7: helplines.refuge_derby.number: '0906 111 2222' is a premium-rate "
            "number (callers must never pay for help)"
        ],
    ),
    "helpline fields": (
        with_helpline("  bad id:\n    name: [x]\n    number: 0800 085 3481\n    dial: maybe\n"),
        [
            "menus.yaml:8: helplines.bad id: 'bad id' is not a valid id "
            "(use lower case letters, digits, _)",
            "menus.yaml:9: helplines.bad id.name: expected text, got a list",
            "menus.yaml:11: helplines.bad id.dial: expected true or false, got text",
        ],
    ),
    "unknown helpline": (
        SMALL_MENU.replace("[refuge_derby,", "[refuge_derb,"),
        [
            "menus.yaml:14: menus.main.options.1.transfer.0: unknown helpline 'refuge_derb' "
            "(known: national_24h, refuge_derby)"
        ],
    ),
    "chain not ending at the 24/7 line": (
        SMALL_MENU.replace(OPTION, "        transfer: refuge_derby\n"),
        [
            "menus.yaml:14: menus.main.options.1.transfer: a transfer chain must end with the "
            "24/7 line 'national_24h', got 'refuge_derby'"
        ],
    ),
    "the 24/7 line earlier in the chain, not last": (
        SMALL_MENU.replace(OPTION, "        transfer: [national_24h, refuge_derby]\n"),
        [
            "menus.yaml:14: menus.main.options.1.transfer: a transfer chain must end with the "
            "24/7 line 'national_24h', got 'refuge_derby'"
        ],
    ),
    "speech settings Twilio refuses": (
        "settings:\n  speech_timeout: auto\n  speech_model: enhanced\n  ring_seconds: 5\n"
        + SMALL_MENU,
        [
            "menus.yaml:2: settings.speech_timeout: 'auto' cannot be used with a speech model "
            "(Twilio warning 13335): give whole seconds of silence that end speech, 1 to 10",
            "menus.yaml:3: settings.speech_model: unknown value 'enhanced' (allowed: phone_call, "
            "numbers_and_commands, default, experimental_conversations, experimental_utterances)",
            "menus.yaml:4: settings.ring_seconds: 5 is out of range (allowed: 10 to 60)",
        ],
    ),
    "hash as a menu key": (
        SMALL_MENU.replace("      1:\n", "      '#':\n"),
        [
            "menus.yaml:11: menus.main.options.#: '#' is not a phone key "
            "(free keys: 1 2 3 4 5 6 7 8)"
        ],
    ),
    "a caller_id that is not a UK number": (
        "settings:\n  caller_id: 12345\n" + SMALL_MENU,
        ["menus.yaml:2: settings.caller_id: '12345' is not a valid UK phone number"],
    ),
    "an impossible date and a bad number tag": (
        "settings:\n  timeout: !!int abc\n"
        + with_helpline(
            "    hours:\n      weekly: 24/7\n      confirmed: true\n"
            "      closed_dates: [2026-11-31]\n"
        ),
        [
            "menus.yaml:2: settings.timeout: 'abc' is not a valid whole number (invalid literal "
            "for int() with base 10: 'abc')",
            "menus.yaml:13: helplines.refuge_derby.hours.closed_dates.0: '2026-11-31' is not a "
            "valid date (day is out of range for month)",
            "menus.yaml:2: settings.timeout: expected a number, got nothing",
        ],
    ),
    "tags on mappings and lists": (
        SMALL_MENU.replace(
            "        keywords: [refuge]\n", "        keywords: !!python/tuple [refuge]\n"
        ).replace("settings", "settings"),
        [
            "menus.yaml:13: menus.main.options.1.keywords: the tag "
            "tag:yaml.org,2002:python/tuple is not allowed (only plain YAML is allowed)",
        ],
    ),
    "a NUL byte": (
        SMALL_MENU.replace("name: Refuge", "name: Ref\x00uge"),
        ["menus.yaml:6: control character U+0000 is not allowed (only plain text)"],
    ),
    "an escape character": (
        "\n" + SMALL_MENU.replace("name: Refuge", "name: Ref\x1buge"),
        ["menus.yaml:7: control character U+001B is not allowed (only plain text)"],
    ),
    "an alias bomb": (
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n"
            for p, n in zip("abcdefgh", "bcdefghi", strict=True)
        ),
        [
            # The line of the anchor the expansion came through
            "menus.yaml:1: e.5.5.7.5.0: more than 50000 values (anchors and aliases expand to "
            "more than a menu could need)"
        ],
    ),
    "nested too deep": (
        "menus: " + "[" * 60 + "]" * 60 + "\n",
        ["menus.yaml:1: menus" + ".0" * 40 + ": nested more than 40 levels deep"],
    ),
    "text-only line in a chain, twice": (
        with_helpline(
            "  text_line:\n    name: A text line\n    number: 07534 617252\n    dial: false\n"
        ).replace(OPTION, "        transfer: [text_line, national_24h, national_24h]\n"),
        [
            "menus.yaml:18: menus.main.options.1.transfer.0: helpline 'text_line' has "
            "dial: false and cannot take a transfer",
            "menus.yaml:18: menus.main.options.1.transfer.2: helpline 'national_24h' is "
            "already earlier in this chain",
        ],
    ),
    "reserved key": (
        SMALL_MENU.replace("      1:\n", "      0:\n"),
        [
            "menus.yaml:11: menus.main.options.0: key 0 is kept for speaking to someone now "
            "in every menu (free keys: 1 2 3 4 5 6 7 8)"
        ],
    ),
    "not a key": (
        SMALL_MENU.replace("      1:\n", "      12:\n"),
        [
            "menus.yaml:11: menus.main.options.12: '12' is not a phone key "
            "(free keys: 1 2 3 4 5 6 7 8)"
        ],
    ),
    "goto and transfer": (
        SMALL_MENU.replace(OPTION, OPTION + "        goto: main\n"),
        [
            "menus.yaml:11: menus.main.options.1: an option needs exactly one of 'goto:' "
            "(a menu) or 'transfer:' (helplines)"
        ],
    ),
    "unknown menu": (
        SMALL_MENU.replace(OPTION, "        goto: mian\n"),
        ["menus.yaml:14: menus.main.options.1.goto: unknown menu 'mian' (known: main)"],
    ),
    "unreachable and empty": (
        SMALL_MENU + "  lost: {}\n",
        [
            "menus.yaml:15: menus.lost: a menu needs 'say:' text, 'options:', or both",
            "menus.yaml:15: menus.lost: no option leads here from the home menu 'main'",
        ],
    ),
    "greeting without 999": (
        "prompts:\n  greeting: Hello and welcome.\n" + SMALL_MENU,
        ["menus.yaml:2: prompts.greeting: the greeting must tell callers in danger to dial 999"],
    ),
    "placeholders": (
        "prompts:\n  connecting: Connecting you to {nmae}.\n  goodbye: Bye {\n  hello: hi\n"
        + SMALL_MENU,
        [
            "menus.yaml:4: prompts.hello: unknown key 'hello' (allowed: greeting, hang_up, option, "
            "operator_hint, repeat_hint, back_hint, no_input, invalid, after_retries, connecting, "
            "not_available, "
            "whisper, numbers, fallback_numbers, closed, unavailable, opens, speaks, star, hash, "
            "goodbye, error, sms_greeting, sms_safety, sms_home_keys, sms_menu, sms_keys, "
            "sms_invalid, sms_open, sms_closed)",
            "menus.yaml:2: prompts.connecting: unknown placeholder {nmae} (allowed: "
            "service_name, operator_name, operator_number, operator_key, repeat_key, back_key, name, "
            "national_24h, refuge_derby)",
            "menus.yaml:3: prompts.goodbye: unmatched { or } (write {{ or }} for a brace)",
        ],
    ),
    "keyword clashes": (
        SMALL_MENU + "      2:\n        label: Other\n        keywords: [refuge, back]\n"
        "        transfer: national_24h\n",
        [
            "menus.yaml:17: menus.main.options.2.keywords.0: 'refuge' is already said for option 1",
            "menus.yaml:17: menus.main.options.2.keywords.1: 'back' is already said for the back key",
        ],
    ),
    "not plain yaml": (
        SMALL_MENU.replace("    options:", "    say: !!python/name:os.system x\n    options:"),
        [
            "menus.yaml:10: menus.main.say: could not determine a constructor for the tag "
            "'tag:yaml.org,2002:python/name:os.system' (only plain YAML is allowed)"
        ],
    ),
    "wrong shapes": (
        "settings:\n  timeout: true\n  operator: text_line\nprompts: [a]\n"
        + with_helpline(
            "  text_line:\n    name: Texts\n    number: 07534 617252\n    dial: false\n"
        ).replace(
            "        keywords: [refuge]\n" + OPTION,
            "        keywords: refuge\n        transfer: {}\n",
        )
        + "  Bad:\n    say: 12\n    options:\n      1:\n        label: x\n"
        "        keywords: [null]\n        goto: main\n",
        [
            "menus.yaml:2: settings.timeout: expected a number, got true/false",
            "menus.yaml:4: prompts: expected a mapping, got a list",
            "menus.yaml:21: menus.main.options.1.keywords: expected a list of words, got text",
            "menus.yaml:22: menus.main.options.1.transfer: expected a list of helplines, "
            "got a mapping",
            "menus.yaml:23: menus.Bad: 'Bad' is not a valid id (use lower case letters, digits, _)",
            "menus.yaml:28: menus.Bad.options.1.keywords.0: expected text, got nothing",
            "menus.yaml:3: settings.operator: helpline 'text_line' has dial: false",
            "menus.yaml:23: menus.Bad: no option leads here from the home menu 'main'",
        ],
    ),
    "unknown operator, unparsable number": (
        "settings:\n  operator: nobody\n" + SMALL_MENU.replace("0800 085 3481", "not a number"),
        [
            "menus.yaml:9: helplines.refuge_derby.number: 'not a number' is not a valid UK "
            "phone number",
            "menus.yaml:2: settings.operator: unknown helpline 'nobody' "
            "(known: national_24h, refuge_derby)",
        ],
    ),
    "the same service with two numbers": (
        with_helpline("  refuge_again:\n    name: refuge\n    number: 0800 085 3482\n"),
        [
            "menus.yaml:10: helplines.refuge_again.number: warning: 'refuge' also has number "
            "0800 085 3481 (helplines.refuge_derby): check which is right"
        ],
    ),
    "a long prompt": (
        "prompts:\n  greeting: 999" + " word" * 90 + "\n" + SMALL_MENU,
        [
            "menus.yaml:2: prompts.greeting: warning: prompt 'greeting' takes about 32 s to say "
            "(callers may give up over 30 s: shorten it or split the menu)"
        ],
    ),
}


@pytest.mark.parametrize(("text", "expected"), CASES.values(), ids=list(CASES))
def test_messages(text: str, expected: list[str]) -> None:
    assert messages(text) == expected


UNCONFIRMED = (
    "menus.yaml:{}: helplines.{}.hours: warning: the hours of '{}' are not confirmed: "
    "check them with the service, then set confirmed: true"
)


def test_the_shipped_menu_warns_only_of_what_staff_must_confirm() -> None:
    """Unconfirmed hours, Urdu's missing Twilio voice, each translated text until a
    fluent speaker has checked it, and each language's speech until tried: nothing else."""
    found = messages(Path("menus.yaml").read_text(encoding="utf-8"))
    hours = [m for m in found if "hours of" in m]
    assert [re.sub(r":\d+:", ":N:", m) for m in hours] == [
        UNCONFIRMED.format("N", "elm_helpline", "elm_helpline"),
        UNCONFIRMED.format("N", "mankind", "mankind"),
    ]
    voice = [m for m in found if "Twilio has no voice" in m]
    assert len(voice) == 1 and "languages.ur.say_voice" in voice[0]
    unconfirmed = [m for m in found if "not yet confirmed by a fluent speaker" in m]
    # Each language listens for keys only until its speech is tried in a real call
    keys_only = [m for m in found if "can press keys but not yet speak" in m]
    assert len(keys_only) == 4
    assert len(found) == len(hours) + len(voice) + len(unconfirmed) + len(keys_only)
    menu = load_menu(Path("menus.yaml"))
    # Every text a language has, each warned of once, at its own line
    for code, language in menu.languages.items():
        mine = [m for m in unconfirmed if m.endswith(f"speaker of {language.name}")]
        assert len(mine) == len(set(mine)) > 50, code
        assert all(re.search(rf"\.{code}: warning", m) for m in mine)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            "  tts_engine: festival\n",
            "menus.yaml:2: settings.tts_engine: tts_engine 'festival' is not one of: espeak, flite",
        ),
        (
            "  tts_engine: flite\n  tts_voice: gmw/en\n",
            "menus.yaml:3: settings.tts_voice: tts_voice 'gmw/en' is not a flite voice "
            "(one of: awb, kal16, slt, rms, kal)",
        ),
        (  # the default voice is espeak's: a flite engine needs a voice of its own
            "  tts_engine: flite\n",
            "menus.yaml:1: settings: tts_voice 'gmw/en' is not a flite voice "
            "(one of: awb, kal16, slt, rms, kal)",
        ),
    ],
)
def test_an_unknown_engine_or_voice_is_refused(settings: str, message: str) -> None:
    assert messages("settings:\n" + settings + SMALL_MENU) == [message]


def test_an_engine_not_installed_here_is_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engines.shutil, "which", lambda name: None)
    text = "settings:\n  tts_engine: flite\n  tts_voice: awb\n" + SMALL_MENU
    assert messages(text) == [
        "menus.yaml:2: settings.tts_engine: warning: flite is not installed here: prompts "
        "cannot be built in this voice until it is (`apt-get install flite`); the line "
        "plays what is built already"
    ]


def test_numbers_are_taken_as_written() -> None:
    # Unquoted, 01332207704 is an octal number to YAML; staff need not know that
    menu_text = SMALL_MENU.replace("0800 085 3481", "01332207704")
    _, clean = check_source(parse_source(menu_text))
    assert clean["helplines"]["refuge_derby"]["number"] == "01332207704"


def test_seed_conflict_for_the_county_helpline_is_flagged() -> None:
    text = with_helpline(
        "  elm_helpline:\n    name: the Derbyshire Domestic Abuse Helpline\n"
        "    number: 08000 198 668\n"
        "  elm_old:\n    name: The Derbyshire Domestic Abuse Helpline\n    number: 0800 198 668\n"
    )
    assert messages(text) == [
        "menus.yaml:13: helplines.elm_old.number: warning: 'The Derbyshire Domestic Abuse "
        "Helpline' also has number 08000 198 668 (helplines.elm_helpline): check which is right"
    ]


def test_load_menu_raises_every_error(write_menu: Callable[[str], Path]) -> None:
    path = write_menu(
        SMALL_MENU.replace("0800 085 3481", "0800 08").replace("[refuge_derby,", "[x,")
    )
    with pytest.raises(MenuError) as raised:
        load_menu(path)
    assert str(raised.value) == (
        "menus.yaml:7: helplines.refuge_derby.number: '0800 08' is not a valid UK phone number\n"
        "menus.yaml:14: menus.main.options.1.transfer.0: unknown helpline 'x' "
        "(known: national_24h, refuge_derby)"
    )


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "menus.yaml"
    path.write_text("# " + "x" * 44_000_000)
    with pytest.raises(MenuError) as raised:
        load_menu(path)
    assert (
        str(raised.value) == "menus.yaml:1: the file is 44.0 MB: a menu file may be 1 MB at most"
    )


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "menus.yaml"
    path.write_bytes(b"helplines: \xff\n")
    with pytest.raises(MenuError) as raised:
        load_menu(path)
    assert str(raised.value) == "menus.yaml:1: cannot read the file: not UTF-8 text"


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(MenuError) as raised:
        load_menu(tmp_path / "menus.yaml")
    assert str(raised.value) == "menus.yaml:1: cannot read the file: No such file or directory"


def test_text_over_a_megabyte_is_refused_unread() -> None:
    problems, _ = check_source(parse_source("#" * 1_000_001))
    assert [str(p) for p in problems] == ["menus.yaml:1: a menu file may be 1 MB at most"]
