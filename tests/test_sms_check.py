"""`ivr check` and the text line: every reply of every menu in every language counted on
its real encoding and refused, located, over 3 SMS segments; its texts checked as the
voice line's are."""

from __future__ import annotations

from datetime import datetime

import pytest

from ivr.menu.check import check_source
from ivr.menu.check_sms import CHECKED_AT, longest_openings, reply_problems
from ivr.menu.hours import LONDON
from ivr.menu.load import menu_from_text
from ivr.menu.segments import MAX_SEGMENTS, is_gsm, segments
from ivr.menu.sms import CLOSED, OPEN, UNKNOWN, Status, TextReplies, every_language, key_paths
from ivr.menu.source import parse_source
from tests.helpers import REPO_MENU, SMALL_MENU

SHIPPED = REPO_MENU.read_text(encoding="utf-8")
MENU = menu_from_text(SHIPPED)


def problems(text: str) -> list[str]:
    """Every problem but the unconfirmed translations' warnings."""
    found, _ = check_source(parse_source(text))
    return [str(p) for p in found if "not yet confirmed" not in p.message]


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def every_reply(replies: TextReplies) -> list[str]:
    """Every reply the text line can send in one language, each helpline in each state."""
    menu = replies.english
    texts = [replies.welcome(), replies.restart(), replies.invalid(), replies.failsafe()]
    texts += [replies.node(nid) for nid in menu.nodes]
    later = datetime(2027, 9, 15, 22, 30, tzinfo=LONDON)
    chains = {o.transfer for n in menu.nodes.values() for o in n.options if o.transfer}
    for chain in (*chains, (menu.settings.operator,)):
        for state in (Status(OPEN), Status(UNKNOWN), Status(CLOSED), Status(CLOSED, later)):
            # The 24/7 line is never closed
            states = [Status(OPEN) if h == menu.settings.operator else state for h in chain]
            texts.append(replies.helplines(chain, states, CHECKED_AT))
    return texts


@pytest.mark.parametrize("code", ["", *MENU.languages])
def test_every_reply_of_the_shipped_menu_fits_in_3_segments(code: str) -> None:
    replies = TextReplies(MENU, code)
    for text in every_reply(replies):
        assert text
        assert segments(text).count <= MAX_SEGMENTS, text
    assert reply_problems(MENU) == []


def test_polish_and_romanian_are_texted_without_accents_in_gsm_7() -> None:
    for code in ("pl", "ro"):
        assert all(is_gsm(text) for text in every_reply(TextReplies(MENU, code)))
    polish = TextReplies(MENU, "pl").welcome()
    assert "Jesli grozi Ci niebezpieczenstwo, dzwon pod 999." in polish
    # Panjabi and Urdu have no plain letters: UCS-2, and their own short texts
    for code in ("pa", "ur"):
        assert not any(is_gsm(text) for text in every_reply(TextReplies(MENU, code)))


def test_a_first_reply_with_no_room_for_the_menu_says_to_send_menu() -> None:
    english, panjabi = TextReplies(MENU), TextReplies(MENU, "pa")
    assert english.welcome_holds_menu and english.restart() == english.welcome()
    assert "2 Derby City" in english.welcome() and "999" in english.welcome()
    assert not panjabi.welcome_holds_menu
    assert panjabi.welcome().endswith("ਮੀਨੂ: MENU ਭੇਜੋ। 0: 24/7 ਹੈਲਪਲਾਈਨ।")
    assert "999" in panjabi.welcome() and "2 ਡਰਬੀ ਸ਼ਹਿਰ" not in panjabi.welcome()
    # MENU then gives the menu alone
    assert panjabi.restart() == panjabi.node("main")
    assert panjabi.restart().startswith("1 ਐਮਰਜੈਂਸੀ\n2 ਡਰਬੀ ਸ਼ਹਿਰ\n")


def test_options_are_listed_with_their_keys_from_the_home_menu() -> None:
    assert key_paths(MENU)["main"] == "" and key_paths(MENU)["derby_city"] == "2"
    assert key_paths(MENU)["call_history"] == "65"
    derby = TextReplies(MENU).node("derby_city")
    assert derby.splitlines() == [
        "21 Refuge for men and women",
        "22 Women's Work for women",
        "23 Glow if referred as high risk",
        "0: the 24/7 helpline. *: back. MENU: start again.",
    ]
    assert TextReplies(MENU).node("main", frozenset({"2"})).count("Derby City") == 0
    # The English home menu offers each other language in letters GSM-7 has
    assert TextReplies(MENU).node("main").endswith("7 Polski, 8 Romana, * Punjabi, # Urdu")


def test_a_transfer_lists_its_helplines_as_the_voice_line_would_try_them() -> None:
    replies = TextReplies(MENU)
    now = datetime(2026, 11, 28, 12, tzinfo=LONDON)  # a Saturday
    monday = datetime(2026, 11, 30, 8, tzinfo=LONDON)
    text = replies.helplines(
        ("elm_helpline", "national_24h"), [Status(CLOSED, monday), Status(OPEN)], now
    )
    assert text.splitlines() == [
        "The Derbyshire Domestic Abuse Helpline: 08000 198 668, closed now. "
        "It opens on Monday at 8 am.",
        "The Derbyshire Domestic Abuse Helpline text line for deaf callers: 07534 617252",
        "The 24-hour National Domestic Abuse Helpline: 0808 2000 247, open now.",
    ]
    # Hours not known: the number alone; closed with no opening in reach: no opening
    unknown = replies.helplines(("refuge_derby",), [Status(UNKNOWN)], now)
    assert unknown == "Refuge in Derby City: 0800 085 3481"
    assert (
        replies.helpline("refuge_derby", Status(CLOSED))
        == ("Refuge in Derby City: 0800 085 3481, closed now. ").strip()
    )
    # In Polish, the day as Babel writes it, then without accents
    polish = TextReplies(MENU, "pl").helplines(("mankind",), [Status(CLOSED, monday)], now)
    assert (
        polish
        == "ManKind Initiative: 01823 334244, teraz nieczynne. Otwarte od: poniedzialek, 08:00."
    )


def test_a_closure_reason_is_given_where_it_fits_and_left_out_where_it_does_not() -> None:
    replies = TextReplies(MENU, "ur")
    now = datetime(2026, 11, 28, 12, tzinfo=LONDON)
    chain = MENU.chain("derbyshire", "1")
    short = [Status(CLOSED, CHECKED_AT, "تربیت"), Status(OPEN)]
    assert "ابھی بند ہے: تربیت" in replies.helplines(chain, short, now)
    long = [Status(CLOSED, None, "تربیت " * 30), Status(OPEN)]
    text = replies.helplines(chain, long, now)
    assert "تربیت" not in text and segments(text).count <= MAX_SEGMENTS


def test_the_longest_openings_of_each_language() -> None:
    english = longest_openings("")
    assert len(english) == 1  # English writes them in GSM-7 only
    assert TextReplies(MENU).when(english[0], CHECKED_AT) == (
        "on Wednesday 15 September at 10:30 am"
    )
    assert [
        is_gsm(TextReplies(MENU, "pl").when(at, CHECKED_AT)) for at in longest_openings("pl")
    ] == [True, False]


def test_a_reply_over_3_segments_is_refused_located_by_menu_option_and_language() -> None:
    long_page = SMALL_MENU + (
        "      2:\n        label: the police\n        goto: police\n"
        "  police:\n    say: Ask the police.\n    sms: " + "Ask the police. " * 30 + "\n"
    )
    found = [p for p in problems(long_page) if "by text" in p]
    assert found == [
        f"menus.yaml:{line_of(long_page, '    sms: Ask')}: menus.police.sms: by text in "
        "English, this page's reply takes 4 SMS segment(s) (GSM-7, 529 characters): a reply "
        "may take 3 at most (459 characters in GSM-7); shorten its words"
    ]
    # A longer name by text for a helpline: every reply naming it, in that language
    long_name = SHIPPED.replace(
        "      24/7 نیشنل ہیلپ لائن\n", "      24/7 نیشنل ہیلپ لائن" + " ہیلپ" * 30 + "\n"
    )
    found = [p for p in problems(long_name) if "by text" in p]
    option = line_of(long_name, "      1:\n        label: Refuge for men")
    operator = line_of(long_name, "  national_24h:\n    name:")
    urdu = "(201 characters in UCS-2); shorten its words"
    assert (
        f"menus.yaml:{option}: menus.derby_city.options.1: by text in Urdu, the reply to option 1 (each helpline closed) takes 5 SMS segment(s) (UCS-2, 285 characters): a reply may take 3 at most {urdu}"
        in found
    )
    assert (
        f"menus.yaml:{operator}: helplines.national_24h: by text in Urdu, the reply to 0 (the 24/7 line) takes 4 SMS segment(s) (UCS-2, 202 characters): a reply may take 3 at most {urdu}"
        in found
    )
    greeting = line_of(long_name, "  sms_greeting.ur:")
    assert (
        f"menus.yaml:{greeting}: prompts.sms_greeting.ur: by text in Urdu, the reply when the line fails takes 5 SMS segment(s) (UCS-2, 313 characters): a reply may take 3 at most {urdu}"
        in found
    )
    assert not [p for p in found if "in Urdu" not in p]
    # A first reply with no room even for the greeting and how to ask for the menu
    greeting = SHIPPED.replace("    ਕਰਕੇ 999 'ਤੇ ਟੈਕਸਟ ਕਰੋ।\n", "    ਕਰਕੇ 999 'ਤੇ ਟੈਕਸਟ ਕਰੋ। ਕਰੋ।\n")
    assert [p for p in problems(greeting) if "by text" in p] == [
        f"menus.yaml:{line_of(greeting, '  main:')}: menus.main: by text in Panjabi, the first reply (greeting, deleting texts, this menu or how to ask for it) takes 4 SMS segment(s) (UCS-2, 205 characters): a reply may take 3 at most {urdu}"
    ]


def test_a_small_menu_with_no_languages_is_texted_in_english() -> None:
    menu = menu_from_text(SMALL_MENU)
    assert list(every_language(menu)) == [""]
    welcome = TextReplies(menu).welcome()
    assert welcome.endswith("1 Refuge\nReply with a number. 0: the 24/7 helpline.")
    assert reply_problems(menu) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("    text_line: elm_text ", "    text_line: elm_txt "),
            "helplines.elm_helpline.text_line: unknown helpline 'elm_txt' (known: derbyshire_lgbt, elm_helpline, elm_text, glow_idva, mankind, national_24h, ncdv, refuge_derby, respect, womens_work)",
        ),
        (
            ("    text_line: elm_text ", "    text_line: respect "),
            "helplines.elm_helpline.text_line: 'respect' is dialled: text_line names the service's number for texts, a helpline with dial: false",
        ),
        (
            ("    text_line: elm_text ", "    text_line: [elm_text] "),
            "helplines.elm_helpline.text_line: expected text, got a list",
        ),
        (
            (
                "{service_name}. In danger now? Call 999. Deaf or cannot speak? Register with\n"
                "    emergencySMS (text register to 999), then you can text 999.\n",
                "{service_name}. In danger now? Call us.\n",
            ),
            "prompts.sms_greeting: the text line's greeting must tell texters to call 999",
        ),
        (
            (
                "Jeśli grozi Ci niebezpieczeństwo, dzwoń pod 999. Osoby głuche lub\n"
                "    niemówiące mogą pisać SMS-y pod 999 po rejestracji w emergencySMS (wyślij SMS o\n"
                "    treści register pod 999).\n",
                "Jeśli grozi Ci niebezpieczeństwo, dzwoń pod 112.\n",
            ),
            "prompts.sms_greeting.pl: the text line's greeting must tell texters to call 999",
        ),
        (
            (
                # Polish's (the first of the two languages sent without accents)
                "    sms_plain: true            # texts sent without accents, in GSM-7 (see below)\n"
                "    speech_confirmed: false    # keys only until tried in a real call (README)\n  ro:",
                "    sms_plain: maybe\n  ro:",
            ),
            "languages.pl.sms_plain: expected true or false",
        ),
        (
            (
                "    sms.ro: >-\n      Aceste mesaje și apelurile",
                "    sms.xx: >-\n      Aceste mesaje și apelurile",
            ),
            "menus.call_history.sms: no Romanian text: write sms.ro: beside it (ro is declared)",
        ),
        (
            (
                "  ask_for_ani:\n    title: Ask for ANI\n",
                "  ask_for_ani:\n    title: Ask for ANI\n    sms: Ask for {ani} at a pharmacy.\n",
            ),
            "menus.ask_for_ani.sms: unknown placeholder {ani}",
        ),
        (
            (
                "  sms_open.pl: >-\n    {name}: {number}, teraz czynne.",
                "  sms_open.pl: >-\n    {name}: teraz czynne.",
            ),
            "prompts.sms_open.pl: placeholders differ from the English text (missing: {number}; not in English: none)",
        ),
        (
            (
                "  sms_open: >-\n    {name}: {number}, open now.",
                "  sms_open: >-\n    {name}: {number}, open {now}.",
            ),
            "prompts.sms_open: unknown placeholder {now}",
        ),
        (
            (
                "  derby_city:\n    title: Derby City\n",
                "  derby_city:\n    title: Derby City\n    sms.pl: Miasto Derby.\n",
            ),
            "menus.derby_city.sms.pl: there is no English 'say' or 'sms' here to translate",
        ),
        (
            ("  sms_safety: >-\n", "  sms_safty: hi\n  sms_safety: >-\n"),
            "prompts.sms_safty: unknown key 'sms_safty'",
        ),
    ],
)
def test_the_text_lines_words_are_checked(change: tuple[str, str], message: str) -> None:
    assert SHIPPED.count(change[0]) == 1, change[0]
    found = problems(SHIPPED.replace(*change))
    assert any(message in p for p in found), "\n".join(found)


def test_a_language_may_have_a_shorter_text_by_text_where_english_has_none() -> None:
    """(sms.pa beside a label with no English sms:) and it is what Panjabi texters read."""
    assert MENU.nodes["derby_city"].options[2].sms == ""
    glow = MENU.speaking("pa").nodes["derby_city"].options[2]
    assert glow.sms == "ਗਲੋ ਦੇ ਸਲਾਹਕਾਰ (ਉੱਚ ਜੋਖਮ ਰੈਫ਼ਰਲ ਲਈ)"
    assert "23 ਗਲੋ ਦੇ ਸਲਾਹਕਾਰ (ਉੱਚ ਜੋਖਮ ਰੈਫ਼ਰਲ ਲਈ)" in TextReplies(MENU, "pa").node("derby_city")
    assert MENU.speaking("pa").helplines["national_24h"].sms == "24/7 ਨੈਸ਼ਨਲ ਹੈਲਪਲਾਈਨ"
    # Where English has one, it is every language's
    assert MENU.nodes["call_history"].sms.startswith("These texts, and any calls to this line")
    assert MENU.speaking("ro").nodes["call_history"].sms.startswith("Aceste mesaje")
    assert MENU.helplines["elm_helpline"].text_line == "elm_text"
