"""The text line without SECRET_KEY: since issue 20 the line starts without it (calls come
first, the console is off), and texts must be answered then too, with the place still
signed by a key nobody outside has."""

from __future__ import annotations

from pathlib import Path

from itsdangerous import Signer

from ivr import create_app
from ivr.call.sms import COOKIE, SALT
from ivr.menu.load import menu_from_text
from ivr.menu.sms import TextReplies
from ivr.simulate import CALLER, LINE
from ivr.simulate_text import Texter
from tests.helpers import BASE, REPO_MENU, config, sign

ENGLISH = TextReplies(menu_from_text(REPO_MENU.read_text(encoding="utf-8")))


def test_without_secret_key_texts_are_answered_and_the_place_kept(tmp_path: Path) -> None:
    app = create_app(config(tmp_path, SECRET_KEY=""))
    texter = Texter(app)
    assert texter.send("hello").text == ENGLISH.welcome()
    assert texter.send("2").text == ENGLISH.node("derby_city")
    assert texter.send("1").text.startswith("Refuge in Derby City: 0800 085 3481")


def test_without_secret_key_a_place_signed_with_an_empty_key_is_not_honoured(
    tmp_path: Path,
) -> None:
    """An empty key is one anyone can sign with: the line signs with its Twilio auth token
    (its own salt) instead, so such a cookie starts the conversation afresh."""
    app = create_app(config(tmp_path, SECRET_KEY=""))
    client = app.test_client()
    forged = Signer("", salt=SALT).sign("derby_city~").decode()
    client.set_cookie(COOKIE, forged, path="/sms")
    data = {"MessageSid": "SM" + "2" * 32, "From": CALLER, "To": LINE, "Body": "1"}
    answer = client.post(
        "/sms", data=data, headers={"X-Twilio-Signature": sign(BASE + "/sms", data)}
    )
    assert answer.status_code == 200
    assert "Refuge in Derby City" not in answer.get_data(as_text=True)
    set_cookie = answer.headers["Set-Cookie"]
    value = set_cookie.split(";")[0].split("=", 1)[1]
    assert Signer("", salt=SALT).validate(value) is False
