"""The text line: signed texts answered from the menu as Twilio's "A message comes in"
webhook; every option of every menu reached by text in every language."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr import create_app
from ivr.call import sms as sms_module
from ivr.call.availability import ClosureRow
from ivr.call.sms import COOKIE, LAST_RESORT, SALT, TextLine, TextParts
from ivr.call.voice import FORBIDDEN
from ivr.menu.hours import LONDON
from ivr.menu.load import menu_from_text
from ivr.menu.segments import MAX_SEGMENTS
from ivr.menu.sms import TextReplies
from ivr.simulate import CALLER, LINE
from ivr.simulate_text import Texter
from ivr.store.models import CallCount
from ivr.store.rows import Who
from tests.helpers import BASE, REPO_MENU, config, sign

MENU = menu_from_text(REPO_MENU.read_text(encoding="utf-8"))
SATURDAY = datetime(2026, 11, 28, 12, 0, tzinfo=LONDON)  # ManKind (mon-fri) is closed
ENGLISH = TextReplies(MENU)


def sms_params(body: str, texter: str = CALLER) -> dict[str, str]:
    return {
        "MessageSid": "SM" + "1" * 32,
        "AccountSid": "AC" + "0" * 32,
        "From": texter,
        "To": LINE,
        "Body": body,
        "NumMedia": "0",
    }


def text_line(app: Flask) -> TextLine:
    found = app.wsgi_app
    while not isinstance(found, TextLine):
        found = found.app  # (ProxyFix, when proxies are trusted)
    return found


def counted(app: Flask) -> Counter[tuple[str, str]]:
    app.extensions["ivr.tally"].flush()
    with Session(app.extensions["ivr.store"].engine) as session:
        rows = session.scalars(select(CallCount))
        return Counter({(row.metric, row.subject): row.count for row in rows})


def test_unsigned_or_forged_texts_are_refused(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    client = app.test_client()
    data = sms_params("HELP")
    unsigned = client.post("/sms", data=data)
    assert (unsigned.status_code, unsigned.get_data(as_text=True)) == (403, FORBIDDEN)
    forged = client.post("/sms", data=data, headers={"X-Twilio-Signature": "Zm9yZ2Vk"})
    assert forged.status_code == 403
    # Signed for other words than those sent
    signature = sign(BASE + "/sms", sms_params("MENU"))
    assert (
        client.post("/sms", data=data, headers={"X-Twilio-Signature": signature}).status_code
        == 403
    )
    get = client.get("/sms", headers={"X-Twilio-Signature": sign(BASE + "/sms", {})})
    assert get.status_code == 405
    assert "refused a request to /sms: missing or wrong X-Twilio-Signature" in caplog.text
    assert CALLER[3:] not in caplog.text and "HELP" not in caplog.text


def test_the_first_text_says_who_this_is_999_how_to_delete_texts_then_the_menu(
    app: Flask,
) -> None:
    reply = Texter(app).send("Hello?")
    assert reply.text == ENGLISH.welcome()
    first, safety, *menu = reply.text.splitlines()
    assert first.startswith("Derbyshire Victim Services. In danger now? Call 999. Deaf")
    assert "emergencySMS" in first
    assert safety.startswith("These texts stay on your phone: to delete them")
    assert menu[:2] == ["1 Emergency", "2 Derby City"]
    assert reply.segments.count <= MAX_SEGMENTS
    # DVS, HELP, INFO and START give it again at any time
    texter = Texter(app)
    texter.send("2")
    for word in ("DVS", "help", "Info", "START"):
        assert texter.send(word).text == ENGLISH.welcome()


def test_keys_follow_the_tree_and_the_cookie_keeps_the_place(app: Flask) -> None:
    texter = Texter(app)
    texter.send("hi")
    assert texter.send("2").text == ENGLISH.node("derby_city")
    refuge = texter.send("1").text
    assert refuge.splitlines() == [
        "Refuge in Derby City: 0800 085 3481",
        "The 24-hour National Domestic Abuse Helpline: 0808 2000 247, open now.",
    ]
    assert texter.send("3").text.startswith("Glow's advisors: 01332 985111")
    assert texter.send("9").text == ENGLISH.node("derby_city")  # repeat
    assert texter.send("*").text == ENGLISH.node("main")  # back
    assert texter.send("0").text == (
        "The 24-hour National Domestic Abuse Helpline: 0808 2000 247, open now."
    )
    assert texter.send("6").text == ENGLISH.node("other")
    assert texter.send("5").text == ENGLISH.node("call_history")
    assert texter.send("MENU").text == ENGLISH.welcome()
    # A path of keys from the home menu works wherever the texter is
    assert texter.send("31").text.splitlines()[:2] == [
        "The Derbyshire Domestic Abuse Helpline: 08000 198 668, open now.",
        "The Derbyshire Domestic Abuse Helpline text line for deaf callers: 07534 617252",
    ]
    assert texter.send("2 1").text.startswith("Refuge in Derby City: 0800 085 3481")


def test_the_cookie_holds_only_a_signed_place(app: Flask) -> None:
    client = app.test_client()
    data = sms_params("2")
    answer = client.post(
        "/sms", data=data, headers={"X-Twilio-Signature": sign(BASE + "/sms", data)}
    )
    cookie = answer.headers["Set-Cookie"]
    name, value = cookie.split(";")[0].split("=", 1)
    assert name == COOKIE
    assert value.startswith("derby_city~.")  # a menu and a language, and the signature
    assert cookie.endswith("; Max-Age=14400; Path=/sms; HttpOnly")
    assert CALLER[1:] not in cookie and CALLER[3:] not in cookie
    # Signed with the app's key under its own salt: a console session cannot pass for it
    from itsdangerous import Signer

    assert Signer("made-up-test-secret-key", salt=SALT).unsign(value) == b"derby_city~"
    assert Signer("made-up-test-secret-key", salt="cookie-session").validate(value) is False


def test_the_cookie_is_read_among_others(app: Flask) -> None:
    client = app.test_client()
    client.set_cookie("other", "a b", path="/sms")
    client.set_cookie(COOKIE, text_line(app).places.signer.sign("derby_city~").decode())
    data = sms_params("1")
    answer = client.post(
        "/sms", data=data, headers={"X-Twilio-Signature": sign(BASE + "/sms", data)}
    )
    assert "Refuge in Derby City: 0800 085 3481" in answer.get_data(as_text=True)


def test_keys_work_without_a_cookie(app: Flask) -> None:
    """Twilio forgets a conversation's cookie four hours after its last text: the keys
    each option is listed with still work on their own."""
    assert Texter(app).send("21").text.startswith("Refuge in Derby City: 0800 085 3481")
    assert Texter(app).send("2").text == ENGLISH.node("derby_city")
    assert Texter(app).send("0").text.startswith("The 24-hour National Domestic Abuse")
    assert Texter(app).send("65").text == ENGLISH.node("call_history")


@pytest.mark.parametrize(
    "cookie",
    [
        "derby_city~.forged",  # not our signature
        "x" * 300,  # longer than any place
        "",
    ],
)
def test_a_forged_or_empty_cookie_starts_the_conversation_afresh(app: Flask, cookie: str) -> None:
    client = app.test_client()
    client.set_cookie(COOKIE, cookie, path="/sms")
    data = sms_params("hello")
    answer = client.post(
        "/sms", data=data, headers={"X-Twilio-Signature": sign(BASE + "/sms", data)}
    )
    assert ENGLISH.welcome() in answer.get_data(as_text=True).replace("&amp;", "&")


def test_a_place_the_menu_no_longer_has_starts_afresh(app: Flask) -> None:
    places = text_line(app).places
    client = app.test_client()
    for node, lang in (("gone", ""), ("main", "de")):
        value = places.signer.sign(f"{node}~{lang}").decode()
        client.set_cookie(COOKIE, value, path="/sms")
        data = sms_params("hello")
        answer = client.post(
            "/sms", data=data, headers={"X-Twilio-Signature": sign(BASE + "/sms", data)}
        )
        assert "In danger now? Call 999." in answer.get_data(as_text=True)


def every_option() -> list[tuple[str, str, str]]:
    """(language, keys from the home menu, what they reach) for every option of every
    menu, and 0 in each menu."""
    paths = {"main": ""}
    found = []
    queue = ["main"]
    while queue:
        node = MENU.nodes[queue.pop(0)]
        for option in node.options:
            keys = paths[node.id] + option.key
            if option.goto:
                paths.setdefault(option.goto, keys)
                queue.append(option.goto)
            found.append((keys, option.goto or "transfer"))
        found.append((paths[node.id] + "0", "operator"))
    return [(code, keys, what) for code in ("", *MENU.languages) for keys, what in found]


@pytest.mark.parametrize(("code", "keys", "what"), every_option())
def test_every_option_of_every_menu_by_text_in_every_language(
    app: Flask, code: str, keys: str, what: str
) -> None:
    texter = Texter(app)
    chosen = texter.send(MENU.languages[code].words[0] if code else "hi")
    assert chosen.text == TextReplies(MENU, code).welcome()
    # Key by key, as listed, each in the menu it leads to
    for i, key in enumerate(keys):
        reply = texter.send(key)
        assert reply.text and reply.segments.count <= MAX_SEGMENTS
        if i < len(keys) - 1:
            assert reply.text == TextReplies(MENU, code).node(
                MENU.nodes[_node_of(keys[: i + 1])].id
            )
    if what in ("transfer", "operator"):
        operator = MENU.operator.number
        assert operator in reply.text
        if what == "transfer":
            node = MENU.nodes[_node_of(keys[:-1])]
            for hid in node.option(keys[-1]).transfer:
                assert MENU.helplines[hid].number in reply.text
    else:
        assert reply.text == TextReplies(MENU, code).node(what)
    # And the whole path at once, from a new conversation in that language
    again = Texter(app)
    again.send(MENU.languages[code].words[0] if code else "hi")
    assert again.send(keys).text == reply.text


def _node_of(keys: str) -> str:
    node = MENU.nodes["main"]
    for key in keys:
        option = node.option(key)
        assert option is not None and option.goto
        node = MENU.nodes[option.goto]
    return node.id


@pytest.mark.parametrize(
    ("said", "code"),
    [
        ("POLSKI", "pl"),
        ("po polsku", "pl"),
        ("Polish please", "pl"),
        ("ROMÂNĂ", "ro"),
        ("romana", "ro"),
        ("ਪੰਜਾਬੀ", "pa"),
        ("Punjabi", "pa"),
        ("اردو", "ur"),
        ("URDU", "ur"),
    ],
)
def test_each_languages_words_choose_it_anywhere(app: Flask, said: str, code: str) -> None:
    texter = Texter(app)
    assert texter.send(said).text == TextReplies(MENU, code).welcome()
    texter2 = Texter(app)
    texter2.send("hi")
    texter2.send("6")  # deep in the tree
    assert texter2.send(said).text == TextReplies(MENU, code).welcome()
    # The conversation goes on in it, until the texter asks for English again
    assert texter.send("2").text == TextReplies(MENU, code).node("derby_city")
    assert texter.send("English").text == ENGLISH.welcome()


def test_language_keys_choose_a_language_at_the_home_menu(app: Flask) -> None:
    texter = Texter(app)
    texter.send("hi")
    assert texter.send("7").text == TextReplies(MENU, "pl").welcome()
    # "*" is Panjabi at the home menu (as on the phone), back elsewhere
    texter = Texter(app)
    texter.send("hi")
    assert texter.send("*").text == TextReplies(MENU, "pa").welcome()
    # A language's key in a path: 7, then 2, in Polish
    assert Texter(app).send("72").text == TextReplies(MENU, "pl").node("derby_city")
    assert Texter(app).send("#").text == TextReplies(MENU, "ur").welcome()
    # MENU in Panjabi: the menu (its first reply had no room for it)
    assert texter.send("MENU").text == TextReplies(MENU, "pa").node("main")


def test_words_work_as_they_do_by_voice(app: Flask) -> None:
    texter = Texter(app)
    texter.send("hi")
    assert texter.send("derby city").text == ENGLISH.node("derby_city")
    assert texter.send("refuge").text.startswith("Refuge in Derby City")
    assert texter.send("I want to speak to someone").text.startswith("The 24-hour National")
    assert texter.send("go back").text == ENGLISH.node("main")
    # Words of the home menu work from any menu
    texter.send("4")
    assert texter.send("lgbt").text == ENGLISH.node("lgbt")
    # 999 is the emergencies' keyword, cold or not: never a path of three 9s
    assert texter.send("999").text == ENGLISH.node("emergency")
    assert Texter(app).send("999").text == ENGLISH.node("emergency")
    # In another language, its own words
    polish = Texter(app)
    polish.send("polski")
    assert polish.send("miasto").text == TextReplies(MENU, "pl").node("derby_city")


def test_a_wrong_key_is_not_understood(app: Flask) -> None:
    texter = Texter(app)
    texter.send("hi")
    texter.send("2")
    for body in ("blah", "", "01", "211", "5", "👍"):
        assert texter.send(body).text == ENGLISH.invalid(), body
    assert texter.send("1").text.startswith("Refuge")  # still in Derby City
    # An empty first text (a picture alone) starts the conversation
    assert Texter(app).send("").text == ENGLISH.welcome()


@pytest.mark.parametrize(
    "body",
    [
        "STOP",
        "stop",
        "Stop.",
        "STOPALL",
        "unsubscribe",
        "CANCEL",
        "End",
        "QUIT",
        "revoke",
        "OPTOUT",
        "stop please",
    ],
)
def test_stop_and_twilios_other_opt_out_words_get_no_reply(app: Flask, body: str) -> None:
    client = app.test_client()
    data = sms_params(body)
    answer = client.post(
        "/sms", data=data, headers={"X-Twilio-Signature": sign(BASE + "/sms", data)}
    )
    assert answer.status_code == 200
    assert answer.get_data(as_text=True) == '<?xml version="1.0" encoding="UTF-8"?><Response />'
    assert "Set-Cookie" not in answer.headers
    assert counted(app)[("text opt-out", "")] == 1


def test_the_line_never_starts_a_conversation() -> None:
    """Nothing in the text line calls Twilio's REST API: it only answers webhooks."""
    root = Path(__file__).resolve().parent.parent / "ivr"
    for name in ("call/sms.py", "call/conversation.py", "menu/sms.py", "report/texts.py"):
        source = (root / name).read_text(encoding="utf-8")
        assert "twilio.rest" not in source and "messages.create" not in source


def close(app: Flask, helpline_id: str, closure: ClosureRow | None) -> None:
    """Through the store, as every channel does; then this worker looks at once."""
    app.extensions["ivr.store"].set_closure(helpline_id, closure, Who("test", "cli"))
    app.extensions["ivr.live"].refresh()


def test_whether_each_helpline_is_open_as_the_voice_line_sees_it(tmp_path: Path) -> None:
    app = create_app(config(tmp_path, CLOCK=lambda: SATURDAY))
    texter = Texter(app)
    texter.send("hi")
    assert texter.send("41").text.splitlines() == [
        "The ManKind Initiative: 01823 334244, closed now. It opens on Monday at 10 am.",
        "The 24-hour National Domestic Abuse Helpline: 0808 2000 247, open now.",
    ]
    until = datetime(2026, 11, 28, 14, 0, tzinfo=LONDON)
    close(app, "refuge_derby", ClosureRow("closed", until, "for staff training"))
    assert texter.send("21").text.splitlines()[0] == (
        "Refuge in Derby City: 0800 085 3481, closed now: for staff training. "
        "It opens today at 2 pm."
    )
    # Opened outside its hours by staff: open now
    close(app, "mankind", ClosureRow("open", datetime(2026, 11, 28, 18, 0, tzinfo=LONDON)))
    assert texter.send("41").text.startswith("The ManKind Initiative: 01823 334244, open now.")
    # The 24/7 line is never closed
    close(app, "national_24h", ClosureRow("closed", until))
    assert texter.send("0").text.endswith("0808 2000 247, open now.")


def test_an_option_hidden_while_closed_is_hidden_by_text_too(tmp_path: Path) -> None:
    text = REPO_MENU.read_text(encoding="utf-8").replace(
        "        transfer: [mankind, national_24h]\n",
        "        transfer: [mankind, national_24h]\n        when_closed: hide\n",
    )
    menu = tmp_path / "menus.yaml"
    menu.write_text(text, encoding="utf-8")
    app = create_app(config(tmp_path, IVR_MENU=str(menu), CLOCK=lambda: SATURDAY))
    texter = Texter(app)
    texter.send("hi")
    assert "ManKind" not in texter.send("4").text
    assert texter.send("1").text == ENGLISH.invalid()
    assert texter.send("2").text.startswith("Respect: 0808 802 4040")


def test_a_newly_published_menu_is_texted_at_once(app: Flask) -> None:
    texter = Texter(app)
    texter.send("hi")
    text = REPO_MENU.read_text(encoding="utf-8").replace(
        "        label: Derby City\n", "        label: Derby City and around\n"
    )
    app.extensions["ivr.store"].publish(text, Who("test", "cli"))
    app.extensions["ivr.live"].refresh()
    assert "2 Derby City and around" in texter.send("MENU").text


def test_behind_https_the_cookie_is_sent_back_over_https_only(tmp_path: Path) -> None:
    app = create_app(config(tmp_path, PUBLIC_BASE_URL="https://line.example.org"))
    data = sms_params("2")
    signature = sign("https://line.example.org/sms", data)
    answer = app.test_client().post("/sms", data=data, headers={"X-Twilio-Signature": signature})
    assert answer.headers["Set-Cookie"].endswith("; HttpOnly; Secure")


def test_a_failure_still_sends_999_and_the_24_7_lines_number(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    texter = Texter(app)
    texter.send("polski")

    def broken(self: TextParts, turn: object) -> str:
        raise RuntimeError("the menu could not be read")

    monkeypatch.setattr(TextParts, "reply", broken)
    reply = texter.send("2")
    assert reply.text == TextReplies(MENU, "pl").failsafe()
    assert "999" in reply.text and "0808 2000 247" in reply.text
    assert "the text webhook failed; the texter was sent 999 and the 24/7 line" in caplog.text
    # Even the text line's own parts failing
    monkeypatch.setattr(TextLine, "parts", lambda self: 1 / 0)
    assert Texter(app).send("hi").text == (
        f"{LAST_RESORT}\nthe 24-hour National Domestic Abuse Helpline: 0808 2000 247"
    )
    assert "the text line's own fail-safe failed" in caplog.text
    monkeypatch.setattr(app.extensions["ivr.line"], "renderer", None)
    assert Texter(app).send("hi").text == LAST_RESORT
    for number in (CALLER, CALLER[3:]):
        assert number not in caplog.text


def test_a_failure_to_count_leaves_the_reply_alone(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("no counting today")

    monkeypatch.setattr(text_line(app), "after", broken)
    assert Texter(app).send("hi").text == ENGLISH.welcome()
    assert "counting a text failed; the reply stands" in caplog.text


def test_texts_are_counted_per_option_per_hour_never_per_texter(app: Flask) -> None:
    texter = Texter(app)
    for body in ("hi", "2", "1", "blah", "*", "polski", "21", "STOP"):
        texter.send(body)
    Texter(app, trial=True).conversation(["hi", "2", "1"])  # from the console: not counted
    assert counted(app) == Counter(
        {
            ("text", ""): 8,
            ("text conversation", ""): 2,
            ("text choice", "main.2"): 2,
            ("text choice", "derby_city.1"): 2,
            ("text choice", "derby_city.*"): 1,
            ("text not understood", "derby_city"): 1,
            ("text language", "Polish"): 1,
            ("text opt-out", ""): 1,
        }
    )
    with Session(app.extensions["ivr.store"].engine) as session:
        assert {row.line for row in session.scalars(select(CallCount))} == {LINE}


def test_a_helplines_reply_follows_the_clock_and_the_closures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each helplines reply is made once for its helplines' states and the day: a new
    day, or a new closure, is a new reply."""
    now = [datetime(2026, 11, 27, 18, 0, tzinfo=LONDON)]  # a Friday evening
    app = create_app(config(tmp_path, CLOCK=lambda: now[0]))
    monkeypatch.setattr(sms_module, "MAX_LISTED", 2)
    texter = Texter(app)
    texter.send("hi")
    friday = texter.send("41").text
    assert friday.startswith(
        "The ManKind Initiative: 01823 334244, closed now. It opens on Monday"
    )
    assert texter.send("41").text == friday
    now[0] = datetime(2026, 11, 29, 18, 0, tzinfo=LONDON)  # Sunday
    assert "It opens tomorrow at 10 am." in texter.send("41").text
    texter.send("31")  # a third reply: the oldest are let go
    close(
        app,
        "mankind",
        ClosureRow("closed", datetime(2026, 12, 1, 9, 0, tzinfo=LONDON), "training"),
    )
    assert "closed now: training. It opens on Tuesday at 10 am." in texter.send("41").text
