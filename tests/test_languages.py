"""The line in Polish, Romanian, Panjabi and Urdu: offered, chosen, spoken throughout."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest
from babel import Locale
from flask import Flask

from ivr import create_app
from ivr.audio.journeys import before_999, journeys, offered
from ivr.call.closed import closed_text
from ivr.call.twiml import Renderer
from ivr.menu.hours import LONDON
from ivr.menu.languages import spoken_when_in
from ivr.menu.load import load_menu, menu_from_text
from ivr.menu.source import MenuError
from ivr.simulate import Call, Simulator
from tests.helpers import REPO_MENU, answer, config, prompt_audio

MENU = load_menu(REPO_MENU)
CODES = list(MENU.languages)
SATURDAY = datetime(2026, 11, 28, 12, 0, tzinfo=LONDON)  # ManKind (mon-fri) is closed


def heard_prompts(app: Flask, call: Call) -> list[str]:
    """The prompt id of each audio the caller heard, from its content-hashed URL."""
    store = app.extensions["ivr.line"].prompts
    found = []
    for event in call.events:
        if event.kind == "play":
            audio = store.find(event.url.rpartition("/")[2])
            assert audio is not None, event.url
            found.append(audio.prompt_id)
    return found


def after_choosing(prompts: list[str], code: str) -> list[str]:
    """The prompts heard from the language's greeting on."""
    return prompts[prompts.index(f"{code}.greeting") :]


@pytest.mark.parametrize("code", CODES)
def test_by_key_the_whole_line_speaks_the_language(app: Flask, code: str) -> None:
    language = MENU.languages[code]
    call = Simulator(app).call([language.key, "2", "1"])
    prompts = heard_prompts(app, call)
    # The English greeting and menu, then every language offered in its own words
    assert prompts[:6] == ["greeting", "node.main", *(f"{c}.offer" for c in CODES)]
    spoken = after_choosing(prompts, code)
    assert spoken == [
        f"{code}.greeting",
        f"{code}.node.main",
        f"{code}.repeat_hint",
        f"{code}.hang_up",
        f"{code}.node.derby_city",
        f"{code}.connecting.refuge_derby",
        f"{code}.goodbye",
    ]
    assert not [e for e in call.events if e.kind == "say"]  # no English words said
    assert call.bridged == MENU.helplines["refuge_derby"].e164


@pytest.mark.parametrize(
    ("code", "said"),
    [
        ("pl", ["polski", "miasto Derby", "schronienie"]),
        ("ro", ["română", "orașul Derby", "adăpost"]),
        ("pa", ["ਪੰਜਾਬੀ", "ਡਰਬੀ ਸ਼ਹਿਰ", "ਰਿਫ਼ਿਊਜ"]),
        ("ur", ["اردو", "ڈربی شہر", "ریفیوج"]),
    ],
)
def test_by_speech_in_the_language(tmp_path: Path, code: str, said: list[str]) -> None:
    app = speaking_app(tmp_path)
    call = Simulator(app).call(said)
    assert after_choosing(heard_prompts(app, call), code)[-2:] == [
        f"{code}.connecting.refuge_derby",
        f"{code}.goodbye",
    ]
    assert call.bridged == MENU.helplines["refuge_derby"].e164


def speaking_app(tmp_path: Path) -> Flask:
    """The app with every language's speech recognition confirmed in a real call."""
    text = REPO_MENU.read_text(encoding="utf-8")
    spoken = text.replace("    speech_confirmed: false", "    speech_confirmed: true")
    assert spoken.count("speech_confirmed: true") == len(CODES)
    menu = tmp_path / "menus.yaml"
    menu.write_text(spoken, encoding="utf-8")
    return create_app(config(tmp_path, IVR_MENU=str(menu)))


@pytest.mark.parametrize("code", CODES)
def test_until_its_speech_is_confirmed_a_language_listens_for_keys(app: Flask, code: str) -> None:
    language = MENU.languages[code]
    call = Simulator(app).call([language.key, "miasto Derby", "2"])
    url = next(u for u in call.urls if u.startswith("/voice/choose") and f"g={code}" in u)
    for gather in (
        Simulator(app).request(url, "POST", {"Digits": "9"}).find("Gather"),
        Simulator(app).request(f"/voice/numbers?g={code}", "POST", {}).find("Gather"),
    ):
        assert gather is not None
        assert gather.get("input") == "dtmf"
        assert not {"language", "speechModel", "speechTimeout", "hints"} & set(gather.attrib)
    # Words are not heard (as Twilio would not): the caller is asked again, then keys work
    assert f"{code}.invalid" not in heard_prompts(app, call)
    assert f"{code}.no_input" in heard_prompts(app, call)
    assert f"{code}.node.derby_city" in heard_prompts(app, call)


@pytest.mark.parametrize("code", CODES)
def test_speech_is_heard_in_the_callers_language(tmp_path: Path, code: str) -> None:
    app = speaking_app(tmp_path)
    language = MENU.languages[code]
    call = Simulator(app).call([language.key])
    url = next(u for u in call.urls if u.startswith("/voice/choose") and f"g={code}" in u)
    answer = Simulator(app).request(url, "POST", {"Digits": "9"})
    gather = answer.find("Gather")
    assert gather is not None
    assert gather.get("input") == "dtmf speech"
    assert gather.get("language") == language.speech
    assert gather.get("speechModel") == language.speech_model
    hints = gather.get("hints", "")
    assert all(word in hints for word in language.key_words[0][1])


@pytest.mark.parametrize("code", CODES)
def test_safety_holds_in_every_language(app: Flask, code: str) -> None:
    store = app.extensions["ivr.line"].prompts
    assert before_999(store, code) < 6  # 999 within 6 s of choosing the language
    assert offered(store)[code] < 20  # offered in its own words within 20 s of answer
    assert "9 9 9" in MENU.prompts[f"{code}.greeting"]
    # The Silent Solution is said in full in the emergency option (key 1), after 999
    emergency = MENU.prompts[f"{code}.node.emergency"]
    assert emergency.index("9 9 9") < emergency.index("5 5")
    assert MENU.prompts[f"{code}.hang_up"]  # "you can hang up at any time", in the language
    # The 24/7 line is key 0 in every menu; its number is read digit by digit
    assert journeys(store, code)[0].keys == ("0",)
    assert "0 8 0 8, 2 0 0 0, 2 4 7" in MENU.prompts[f"{code}.numbers"]
    call = Simulator(app, {"national_24h": "busy"}).call([MENU.languages[code].key, "0"])
    prompts = heard_prompts(app, call)
    assert prompts[-2:] == [f"{code}.numbers", f"{code}.goodbye"]


@pytest.mark.parametrize("code", CODES)
def test_retries_are_in_the_language(app: Flask, code: str) -> None:
    call = Simulator(app).call([MENU.languages[code].key, "2", None, "#"])
    prompts = after_choosing(heard_prompts(app, call), code)
    assert prompts.count(f"{code}.no_input") == 2 and prompts.count(f"{code}.invalid") == 1
    assert prompts.count(f"{code}.after_retries") == 1  # then a person, in the language
    assert all(p.startswith(f"{code}.") for p in prompts)
    assert call.bridged == MENU.operator.e164


def test_the_helpline_is_told_the_callers_language_in_english(app: Flask) -> None:
    call = Simulator(app).call(["7", "2", "1"])
    whisper = [e.text for e in call.events if e.kind == "whisper"]
    assert whisper.count("play: The caller speaks Polish.") == 2


def test_a_transfer_says_whether_an_interpreter_can_be_had() -> None:
    text = REPO_MENU.read_text(encoding="utf-8")
    with_interpreter = text.replace(
        "    name: Refuge in Derby City\n",
        "    name: Refuge in Derby City\n    interpreter: true\n",
    )
    menu = menu_from_text(with_interpreter)
    assert menu.prompts["pl.connecting.refuge_derby"] == (
        "Refuge w Derby może zapewnić tłumacza. Łączenie: Refuge w Derby."
    )
    # Where the menu does not say so, the caller is told the call is in English
    assert menu.prompts["pl.connecting.womens_work"].startswith("Rozmowa będzie po angielsku.")
    assert MENU.prompts["pl.connecting.refuge_derby"].startswith("Rozmowa będzie po angielsku.")
    assert "interpreter" not in MENU.prompts["connecting.refuge_derby"]


@pytest.mark.parametrize("code", CODES)
def test_closed_helplines_are_said_with_babels_weekdays(tmp_path: Path, code: str) -> None:
    app = create_app(config(tmp_path, CLOCK=lambda: SATURDAY))
    call = Simulator(app).call([MENU.languages[code].key, "4", "1"])
    said = [e.text for e in call.events if e.kind == "say"]
    if not MENU.languages[code].say_voice:
        # Twilio has no voice for it (Urdu): words made at call time are said in English
        assert any("It opens on Monday at 10 am." in text for text in said), said
        return
    monday = Locale.parse(code).days["format"]["wide"][0]
    locale_name = MENU.speaking(code).helplines["mankind"].name
    assert any(locale_name in text and monday in text for text in said), said
    # The English line is unchanged
    english = Simulator(app).call(["4", "1"])
    assert any("It opens on Monday at 10 am." in e.text for e in english.events)


@pytest.mark.parametrize("code", CODES)
def test_dates_further_off_name_the_month_from_babel(code: str) -> None:
    opens = datetime(2026, 12, 28, 10, 0, tzinfo=LONDON)
    text = spoken_when_in(code, opens, SATURDAY)
    locale = Locale.parse(code)
    assert locale.days["format"]["wide"][0] in text  # Monday
    assert locale.months["format"]["wide"][12] in text or (
        locale.months["stand-alone"]["wide"][12] in text
    )
    assert "28" in text
    near = spoken_when_in(code, datetime(2026, 11, 30, 10, 0, tzinfo=LONDON), SATURDAY)
    assert locale.months["format"]["wide"][11] not in near  # within the week: no date


def test_closed_text_for_staff_stays_english(app: Flask) -> None:
    availability = app.extensions["ivr.line"].renderer.availability
    text = closed_text(availability, MENU.helplines["mankind"], SATURDAY)
    assert text.startswith("The ManKind Initiative is closed now")


def test_the_report_counts_calls_per_language(app: Flask) -> None:
    from tests.helpers import counted

    Simulator(app).call(["7", "2", "1"])
    Simulator(app).call(["urdu", "0"])
    found = counted(app)
    assert found["language", "Polish"] == 1 and found["language", "Urdu"] == 1
    assert ("wrong key", "main") not in found  # a language key is a choice, not a mistake


def test_an_unknown_language_in_the_url_is_english(app: Flask) -> None:
    call = Simulator(app).request("/voice/choose?m=main&s=0&i=0&g=xx", "POST", {"Digits": "9"})
    gather = call.find("Gather")
    assert gather is not None and gather.get("language") == "en-GB"


def test_urdu_without_audio_falls_back_to_english_words(tmp_path: Path) -> None:
    """Twilio has no Urdu voice: a prompt with no audio is said in English, never garbled."""
    app = create_app(config(tmp_path, PROMPTS_DIR=str(tmp_path / "no-prompts")))
    call = Simulator(app).call(["#", "2", "1"])
    said = [e for e in call.events if e.kind == "say"]
    assert said and all(not re.search(r"[\u0600-\u06ff]", e.text) for e in said)
    assert any("Connecting you to Refuge in Derby City." in e.text for e in said)
    polish = Simulator(app).call(["7"])
    assert any("W razie zagrożenia" in e.text for e in polish.events if e.kind == "say")


def test_the_shipped_audio_has_every_language(tmp_path: Path) -> None:
    store = prompt_audio(MENU, REPO_MENU.parent / "prompts", tmp_path)
    for code in CODES:
        ids = [p for p in MENU.prompts if p.startswith(f"{code}.")]
        assert len(ids) > 30
        assert {store.status(p) for p in ids} == {"generated"}, code


# What `ivr check` says of a language's mistakes, each at its line


def messages(text: str) -> list[str]:
    try:
        menu = menu_from_text(text)
    except MenuError as e:
        return [str(p) for p in e.problems]
    return [str(p) for p in menu.warnings if "not yet confirmed" not in p.message]


SHIPPED = REPO_MENU.read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_a_missing_translation_is_located() -> None:
    text = re.sub(r"  goodbye\.ro: >-\n    .*\n    .*\n", "", SHIPPED)
    found = [m for m in messages(text) if "Romanian" in m]
    assert found == [
        f"menus.yaml:{line_of(text, '  goodbye: ')}: prompts.goodbye: no Romanian text: "
        "write goodbye.ro: beside it (ro is declared)"
    ]
    label = SHIPPED.replace("        label.pa: >-\n          ਐਮਰਜੈਂਸੀ\n", "", 1)
    assert label != SHIPPED
    assert any(
        "menus.main.options.1.label: no Panjabi text: write label.pa:" in m
        for m in messages(label)
    )


def test_placeholders_must_match_the_english() -> None:
    text = SHIPPED.replace("Łączenie: {name}.", "Łączenie: {nazwa}.")
    found = [m for m in messages(text) if "connecting.pl" in m]
    assert len(found) == 1
    assert found[0].endswith(
        "prompts.connecting.pl: placeholders differ from the English text "
        "(missing: {name}; not in English: {nazwa})"
    )
    assert found[0].startswith(f"menus.yaml:{line_of(text, '  connecting.pl:')}:")


def test_a_language_with_no_voice_or_a_wrong_one() -> None:
    none = SHIPPED.replace("    tts_voice: ur\n", "")
    assert any("languages.ur: Urdu has no voice" in m for m in messages(none))
    wrong = SHIPPED.replace("    tts_voice: pl  ", "    tts_voice: klingon  ")
    assert any("espeak-ng has no voice 'klingon'" in m for m in messages(wrong))
    voiceless = [m for m in messages(SHIPPED) if "Twilio has no voice" in m]
    assert len(voiceless) == 1 and "the shipped audio is the only voice" in voiceless[0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("    key: 8\n", "    key: 2\n"),
            "languages.ro.key: key 2 is already option 2 of the home",
        ),
        (("    key: 8\n", "    key: 7\n"), "languages.ro.key: key 7 is already Polish"),
        (("    key: 8\n", "    key: 9\n"), "languages.ro.key: key 9 is already the repeat key"),
        (("    speech: ro-RO\n", "    speech: romanian\n"), "is not one of Twilio's speech"),
        (("  ro:\n    name: Romanian", "  xx:\n    name: Romanian"), "'xx' is not a language"),
        (("greeting.pl:", "greeting.de:"), "unknown key 'greeting.de'"),
        (("    key: 8\n", "    key: 88\n"), "languages.ro.key: '88' is not a phone key"),
        (
            ("    speech: pl-PL  ", "    speech: pl-PL\n    speech_model: magic  "),
            "languages.pl.speech_model: unknown speech model 'magic'",
        ),
        (
            ("    confirmed: false\n", "    confirmed: maybe\n"),
            "confirmed: expected true or false",
        ),
        (
            ("[polski, po polsku, polish]", "polski"),
            "languages.pl.words: expected a list of words",
        ),
        (
            ("    title: Main menu\n", "    title: Main menu\n    say.pl: Witaj.\n"),
            "menus.main.say.pl: there is no English 'say' here to translate",
        ),
        (("Polski, {key}.", "Polski, {key."), "offer.pl: unmatched { or }"),
        (("Polski, {key}.", "Polski, {name}."), "offer.pl: unknown placeholder {name}"),
        (
            ("    tts_voice: ur\n", "    tts_voice: ur\n    colour: green\n"),
            "unknown key 'colour'",
        ),
    ],
)
def test_language_settings_are_checked(change: tuple[str, str], message: str) -> None:
    assert any(message in m for m in messages(SHIPPED.replace(*change, 1))), message


def test_every_unconfirmed_text_is_warned_of_until_confirmed() -> None:
    polish = SHIPPED.index("  pl:\n")
    end = SHIPPED.index("    confirmed: false\n", polish)
    confirmed = (
        SHIPPED[:end] + "    confirmed: true\n" + SHIPPED[end + len("    confirmed: false\n") :]
    )
    assert confirmed != SHIPPED
    warned = [str(p) for p in menu_from_text(confirmed).warnings]
    assert not any("fluent speaker of Polish" in m for m in warned)
    assert any("fluent speaker of Romanian" in m for m in warned)


def test_words_made_at_call_time_are_said_in_a_voice_twilio_has(tmp_path: Path) -> None:
    """A menu with a hidden option, or a closed helpline, is said with <Say>: in Polish
    (Twilio's Polly.Ewa), but in English for Urdu, which Twilio has no voice for."""
    hide = SHIPPED.replace(
        "        transfer: [mankind, national_24h]\n",
        "        transfer: [mankind, national_24h]\n        when_closed: hide\n",
    )
    menu = tmp_path / "menus.yaml"
    menu.write_text(hide, encoding="utf-8")
    app = create_app(config(tmp_path, IVR_MENU=str(menu), CLOCK=lambda: SATURDAY))
    polish = [e.text for e in Simulator(app).call(["7", "4"]).events if e.kind == "say"]
    assert any("ManKind" not in t and "Respect: 2." in t for t in polish)
    assert not any("ManKind" in t for t in polish)
    urdu = [e.text for e in Simulator(app).call(["#", "4"]).events if e.kind == "say"]
    assert any("ManKind" not in t and "Respect 2," in t for t in urdu)
    shipped = create_app(config(tmp_path / "shipped", CLOCK=lambda: SATURDAY))
    closed = [e.text for e in Simulator(shipped).call(["#", "4", "1"]).events if e.kind == "say"]
    assert any("The ManKind Initiative is closed now" in t for t in closed)
    assert not any(re.search(r"[\u0600-\u06ff]", t) for t in urdu + closed)


def test_the_report_has_a_table_of_calls_per_language(app: Flask) -> None:
    from ivr.report.summary import read, tables

    for _ in range(5):
        Simulator(app).call(["7", "hangup"])
        Simulator(app).call(["română", "hangup"])  # chosen by speech: counted the same
    app.extensions["ivr.tally"].flush()
    engine = app.extensions["ivr.store"].engine
    found = tables(read(engine, SATURDAY.date().replace(day=1), SATURDAY.date()), "month")
    table = next(t for t in found if t.title.startswith("Calls in another language"))
    assert table.columns[:2] == ["Polish", "Romanian"]
    assert table.shown[0] == ["5", "5", "10"]  # and counts of 1-4 are never shown (above)


def test_a_failure_apologises_in_the_callers_language_where_twilio_can(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> str:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Renderer, "choose", broken)
    simulator = Simulator(app)
    polish = simulator.request("/voice/choose?m=main&s=0&i=0&g=pl", "POST", {"Digits": "2"})
    says = polish.findall("Say")
    assert says[0].text == MENU.prompts["pl.error"] and says[0].get("voice") == "Polly.Ewa"
    assert polish.find("Dial/Number").text == MENU.operator.e164  # type: ignore[union-attr]
    assert [s.text for s in says[1:]] == [
        MENU.prompts["pl.fallback_numbers"],
        MENU.prompts["pl.goodbye"],
    ]
    urdu = simulator.request("/voice/choose?m=main&s=0&i=0&g=ur", "POST", {"Digits": "2"})
    assert urdu.findall("Say")[0].text == MENU.prompts["error"]  # no Urdu voice: English


def test_without_espeak_ng_no_voice_is_known_so_none_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ivr.menu import engines

    engines.espeak_voices.cache_clear()
    monkeypatch.setattr(engines.shutil, "which", lambda command: None)
    try:
        assert engines.espeak_voices() == frozenset()
        wrong = SHIPPED.replace("    tts_voice: pl  ", "    tts_voice: klingon  ")
        found = messages(wrong)
        assert not any("klingon" in m for m in found)  # checked where it can be built
        missing = [m for m in found if "espeak-ng is not installed here" in m]
        assert len(missing) == len(MENU.languages)
        assert all(".tts_voice: warning: " in m for m in missing)
    finally:
        engines.espeak_voices.cache_clear()


@pytest.mark.parametrize("code", CODES)
def test_when_nobody_can_be_reached_the_numbers_and_their_repeat_are_in_the_language(
    app: Flask, code: str
) -> None:
    call = Simulator(app, {"national_24h": "busy"}).call([MENU.languages[code].key, "0", "1"])
    prompts = after_choosing(heard_prompts(app, call), code)
    assert prompts == [
        f"{code}.greeting",
        f"{code}.node.main",
        f"{code}.repeat_hint",
        f"{code}.hang_up",
        f"{code}.connecting.national_24h",
        f"{code}.not_available.national_24h",
        f"{code}.numbers",
        f"{code}.numbers",  # the key pressed: heard again, still in the language
        f"{code}.goodbye",
    ]


@pytest.mark.parametrize("code", [c for c in CODES if MENU.languages[c].say_voice])
def test_words_made_at_call_time_are_said_in_the_languages_twilio_voice(
    tmp_path: Path, code: str
) -> None:
    """A closed helpline's reason, and a menu with an option hidden while its helpline
    is closed: both made at call time, both in the caller's language and its voice."""
    hide = SHIPPED.replace(
        "        transfer: [mankind, national_24h]\n",
        "        transfer: [mankind, national_24h]\n        when_closed: hide\n",
    )
    (tmp_path / "menus.yaml").write_text(hide, encoding="utf-8")
    app = create_app(
        config(tmp_path, IVR_MENU=str(tmp_path / "menus.yaml"), CLOCK=lambda: SATURDAY)
    )
    renderer: Renderer = app.extensions["ivr.line"].renderer
    voice = MENU.speaking(code).settings.say_as
    assert voice != MENU.settings.say_as
    for rendered in (
        renderer.transfer("men", "1", 0, "", (), code),
        renderer.node("men", 0, 0, (), code),
    ):
        said = ET.fromstring(rendered).find(".//Say")
        assert said is not None  # ManKind is closed on a Saturday
        assert (said.get("voice"), said.get("language")) == (voice["voice"], voice["language"])


@pytest.mark.parametrize("code", CODES)
def test_a_language_chosen_after_a_silence_and_a_wrong_key_has_every_retry(
    app: Flask, code: str
) -> None:
    root = answer(app, "/voice/choose?m=main&s=1&i=1", Digits=MENU.languages[code].key)
    gather = root.find("Gather")
    assert gather is not None
    assert gather.get("action") == f"/voice/choose?m=main&s=0&i=0&a=&g={code}"


@pytest.mark.parametrize("code", ["", *CODES])
def test_after_the_retries_the_24_7_line_rings_on_its_own_key(app: Flask, code: str) -> None:
    language = f"&g={code}" if code else ""
    root = answer(app, f"/voice/choose?m=derby_city&s=2&i=0{language}")
    dial = root.find("Dial")
    assert dial is not None and dial.get("action", "").startswith(
        "/voice/dialled?m=derby_city&k=0&n=0&t="
    )
    number = dial.find("Number")
    assert number is not None and number.text == MENU.operator.e164


@pytest.mark.parametrize("code", ["", *CODES])
def test_the_greeting_is_said_once_not_again_after_a_silence_or_a_wrong_key(
    app: Flask, code: str
) -> None:
    language = f"&g={code}" if code else ""
    store = app.extensions["ivr.line"].prompts
    greeting = store.audio_url(f"{code}.greeting" if code else "greeting")
    for retry in ({}, {"SpeechResult": "xyzzy", "Confidence": "0.9"}):  # every key is taken
        root = answer(app, f"/voice/choose?m=main&s=0&i=0{language}", **retry)
        plays = [p.text for p in root.iter("Play")]
        assert plays and greeting not in plays
