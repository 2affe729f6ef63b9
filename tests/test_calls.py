"""Whole calls, walked through signed requests by a caller that follows TwiML like Twilio."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ivr.menu.load import load_menu
from ivr.menu.texts import speakable
from ivr.simulate import NOT_ANSWERED, Simulator
from tests.helpers import REPO_MENU

MENU = load_menu(REPO_MENU)
N = {hid: h.e164 for hid, h in MENU.helplines.items()}
Caller = Callable[..., Simulator]

GREETING = "Derbyshire Victim Services. In danger? Hang up and dial 9 9 9."


def test_999_comes_first(caller: Caller) -> None:
    call = caller().call([None, None, None])
    first = call.events[0]
    assert (first.kind, first.text) == ("play", GREETING)
    # The way to a person next, and "you can hang up at any time" before any silence
    assert call.events[1].text.startswith("For a person, press 0. Emergency 1,")
    assert call.heard().index("You can hang up at any time.") < call.heard().index("Sorry")
    # The danger sentence is within the first 16 words of what the caller heard first
    assert "dial 9 9 9" in " ".join(first.text.split()[:16])


@pytest.mark.parametrize(
    ("inputs", "helpline"),
    [
        (["2", "1"], "refuge_derby"),
        (["2", "2"], "womens_work"),
        (["2", "3"], "glow_idva"),
        (["3", "1"], "elm_helpline"),
        (["3", "2"], "glow_idva"),
        (["4", "1"], "mankind"),
        (["4", "2"], "respect"),
        (["5", "1"], "derbyshire_lgbt"),
        (["6", "1"], "ncdv"),
        (["0"], "national_24h"),
        (["1", "0"], "national_24h"),
        (["Derby city.", "Refuge."], "refuge_derby"),
        (["Derbyshire.", "The helpline."], "elm_helpline"),
        (["I'm a man", "Mankind."], "mankind"),
        (["L G B T", "option one"], "derbyshire_lgbt"),
        (["Option two.", "Women's work."], "womens_work"),
        (["two", "three"], "glow_idva"),
        (["Emergency.", "Speak to someone."], "national_24h"),
    ],
)
def test_each_choice_reaches_its_helpline(
    caller: Caller, inputs: list[str], helpline: str
) -> None:
    call = caller().call(inputs)
    assert call.bridged == N[helpline]
    assert call.ending == "bridged"
    # The caller heard who they were being connected to, then a goodbye when it ended
    name = MENU.helplines[helpline].name
    assert f"Connecting you to {name}." in call.heard()
    assert call.events[-2].text.endswith("Goodbye.")
    assert call.kinds()[-1] == "hangup"


def test_emergency_guidance_is_exact_and_repeatable(caller: Caller) -> None:
    call = caller().call(["1", "9", "*", None, None, None])
    heard = call.heard()
    silent = "from a mobile, dial 9 9 9, listen, and press 5 5 when asked."
    assert heard.count(silent) == 2
    assert "From a landline, dial 9 9 9 and stay on the line." in heard
    assert "text REGISTER to 9 9 9" in heard
    assert "Non-urgent police help: call 1 0 1." in heard
    # * went back to the main menu
    assert heard.count("Emergency 1,") == 2 + 2


@pytest.mark.parametrize(
    "node", ["ask_for_ani", "clares_law", "protection_orders", "call_history"]
)
def test_information_pages(caller: Caller, node: str) -> None:
    key = next(o.key for o in MENU.nodes["other"].options if o.goto == node)
    call = caller().call(["6", key, "*", "*", "0"])
    assert speakable(MENU.nodes[node].say) in call.heard()
    # back, back: from the page to "other", then to the main menu
    assert call.heard().count(MENU.prompts["node.main"]) == 2


def test_silence_to_the_end_reaches_a_person(caller: Caller) -> None:
    call = caller().call([])
    heard = call.heard()
    assert heard.count("Sorry, I did not hear anything.") == 2
    assert heard.count(MENU.prompts["node.main"]) == 3
    assert "I will put you through to someone who can help." in heard
    assert call.bridged == N["national_24h"]


def test_wrong_keys_to_the_end_reach_a_person(caller: Caller) -> None:
    call = caller().call(["2", "7", "8", "#8"])
    heard = call.heard()
    assert heard.count("Sorry, I did not understand that.") == 2
    assert "Sorry, I did not hear anything." not in heard
    assert call.bridged == N["national_24h"]


def test_silence_and_wrong_keys_are_counted_apart(caller: Caller) -> None:
    call = caller().call(["2", None, "7", None, "8", "7"])
    heard = call.heard()
    assert heard.count("Sorry, I did not hear anything.") == 2
    assert heard.count("Sorry, I did not understand that.") == 2
    assert call.bridged == N["national_24h"]


def test_words_not_understood_are_wrong_answers(caller: Caller) -> None:
    call = caller().call(["Hello?", "What?", "Pardon?"])
    assert call.heard().count("Sorry, I did not understand that.") == 2
    assert call.bridged == N["national_24h"]


def test_a_caller_who_backs_out_of_a_menu(caller: Caller) -> None:
    call = caller().call(["2", "Go back.", "3", "*", "4", "2"])
    assert call.bridged == N["respect"]


STEPS = ["refuge_derby", "national_24h"]


@pytest.mark.parametrize("status", [*NOT_ANSWERED, "decline", "voicemail"])
def test_first_in_chain_fails_then_the_24_7_line(caller: Caller, status: str) -> None:
    call = caller(refuge_derby=status).call(["2", "1"])
    heard = call.heard()
    assert "Sorry, Refuge in Derby City could not take your call." in heard
    assert call.bridged == N["national_24h"]


@pytest.mark.parametrize("status", [*NOT_ANSWERED, "decline", "voicemail"])
def test_whole_chain_fails_then_numbers_then_goodbye(caller: Caller, status: str) -> None:
    call = caller(refuge_derby="busy", national_24h=status).call(["2", "1", "9", "1"])
    heard = call.heard()
    assert call.bridged is None
    assert (
        heard.count(
            "Please call the 24-hour National Domestic Abuse Helpline on 0 8 0 8, 2 0 0 0, 2 4 7."
        )
        == 3
    )
    assert call.ending == "goodbye"
    assert heard.endswith("Thank you for calling Derbyshire Victim Services. Take care. Goodbye.")


def test_numbers_are_repeated_a_bounded_number_of_times(caller: Caller) -> None:
    call = caller(refuge_derby="busy", national_24h="busy").call(["2", "1"] + ["9"] * 20)
    assert call.heard().count("0 8 0 8, 2 0 0 0, 2 4 7") == MENU.settings.readout_repeats + 1
    assert call.ending == "goodbye"


def test_declined_whisper_is_not_a_connection(caller: Caller) -> None:
    call = caller(mankind="decline").call(["4", "1"])
    whisper = [e.text for e in call.events if e.kind == "whisper"]
    assert whisper[0] == (
        "play: This is a call from the Derbyshire Victim Services line. The caller chose "
        "Support for men, ManKind Initiative. "
        "Press 1 to take the call."
    )
    assert "hangup" in whisper
    assert call.bridged == N["national_24h"]


def test_whisper_never_carries_the_callers_number(caller: Caller) -> None:
    simulator = caller()
    call = simulator.call(["3", "1"])
    leg = " ".join(e.text for e in call.events if e.kind in ("whisper", "dial"))
    assert simulator.caller not in leg
    assert "7700" not in " ".join(call.urls)
    # The helpline sees the line's own number, not the caller's
    assert f"{N['elm_helpline']} (they see +441632960001; rings up to 25 s)" in leg


def test_after_a_bridged_call_the_caller_hears_goodbye(caller: Caller) -> None:
    call = caller().call(["0"])
    assert call.kinds()[-3:] == ["bridged", "play", "hangup"]
