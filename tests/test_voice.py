"""The web layer: signatures, the fail-safe, garbage state, privacy."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from ivr import IvrError, create_app
from ivr.call.twiml import Renderer
from ivr.simulate import CALLER
from tests.helpers import BASE, REPO_MENU, TOKEN, WEBHOOKS, call_params, config, sign, spoken

Post = Callable[..., TestResponse]


def twiml(response: TestResponse) -> ET.Element:
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    return ET.fromstring(response.get_data(as_text=True))


def test_twilio_published_test_vector() -> None:
    params = {
        "Digits": "1234",
        "To": "+18005551212",
        "From": "+14158675310",
        "Caller": "+14158675310",
        "CallSid": "CA1234567890ABCDE",
    }
    url = "https://example.com/myapp.php?foo=1&bar=2"
    assert (
        RequestValidator("12345").compute_signature(url, params) == "L/OH5YylLD5NRKLltdqwSvS0BnU="
    )


def test_signed_request_is_answered(post: Post) -> None:
    root = twiml(post("/voice"))
    assert root[0].tag == "Gather"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Twilio-Signature": ""},
        {"X-Twilio-Signature": "L/OH5YylLD5NRKLltdqwSvS0BnU="},
        {"X-Twilio-Signature": sign(BASE + "/voice", call_params(), token="another-token")},
    ],
    ids=["missing", "empty", "forged", "other account"],
)
def test_unsigned_or_forged_requests_are_refused(
    client: FlaskClient, headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    response = client.post("/voice", data=call_params(), headers=headers)
    assert response.status_code == 403
    assert response.get_data(as_text=True) == (
        "Forbidden: this line answers only requests signed by Twilio.\n"
    )
    assert [r.getMessage() for r in caplog.records] == [
        "refused a request to /voice: missing or wrong X-Twilio-Signature"
    ]


def test_replay_with_one_parameter_changed_is_refused(client: FlaskClient) -> None:
    params = call_params(Digits="1")
    signature = sign(BASE + "/voice/choose?m=main&s=0&i=0", params)
    path = "/voice/choose?m=main&s=0&i=0"
    ok = client.post(path, data=params, headers={"X-Twilio-Signature": signature})
    assert ok.status_code == 200
    changed = client.post(
        path, data=params | {"Digits": "2"}, headers={"X-Twilio-Signature": signature}
    )
    assert changed.status_code == 403
    other_url = client.post(
        "/voice/choose?m=main&s=2&i=0", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert other_url.status_code == 403


@pytest.fixture
def proxied(tmp_path: Path) -> FlaskClient:
    """The app as the Procfile runs it: behind one trusted proxy (the platform's router)."""
    return create_app(config(tmp_path, TRUSTED_PROXIES="1")).test_client()


def test_https_behind_a_proxy(proxied: FlaskClient) -> None:
    params = call_params()
    signature = sign("https://line.example.org/voice", params)
    headers = {
        "X-Twilio-Signature": signature,
        "X-Forwarded-Proto": "https",
        "Host": "line.example.org",
    }
    assert proxied.post("/voice", data=params, headers=headers).status_code == 200
    # The same signature over plain http is not Twilio's
    del headers["X-Forwarded-Proto"]
    assert proxied.post("/voice", data=params, headers=headers).status_code == 403


def test_forwarded_headers_are_not_trusted_without_a_proxy(client: FlaskClient) -> None:
    params = call_params()
    headers = {
        "X-Twilio-Signature": sign("https://line.example.org/voice", params),
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "line.example.org",
    }
    assert client.post("/voice", data=params, headers=headers).status_code == 403


def test_a_proxy_count_that_is_not_a_number_stops_start_up(tmp_path: Path) -> None:
    with pytest.raises(IvrError) as refused:
        create_app(config(tmp_path, TRUSTED_PROXIES="yes"))
    assert str(refused.value) == "TRUSTED_PROXIES must be a number of proxies, 0 to 5, got 'yes'"


def test_public_base_url_with_a_query_string(tmp_path: Path) -> None:
    """Every menu answer has a query string: it is part of what Twilio signs."""
    app = create_app(config(tmp_path, PUBLIC_BASE_URL="https://line.example.org"))
    params = call_params(Digits="2")
    path = "/voice/choose?m=main&s=0&i=0"
    headers = {"X-Twilio-Signature": sign("https://line.example.org" + path, params)}
    answer = app.test_client().post(path, data=params, headers=headers)
    assert spoken(app, twiml(answer))[0].startswith("Refuge for men and women 1,")
    # The path alone is not what Twilio signed
    headers = {"X-Twilio-Signature": sign("https://line.example.org/voice/choose", params)}
    assert app.test_client().post(path, data=params, headers=headers).status_code == 403


def test_public_base_url_names_the_signed_url(tmp_path: Path) -> None:
    app = create_app(config(tmp_path, PUBLIC_BASE_URL="https://line.example.org/"))
    params = call_params()
    signature = sign("https://line.example.org/voice", params)
    response = app.test_client().post(
        "/voice", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("path", WEBHOOKS)
def test_webhooks_answer_post_only(client: FlaskClient, path: str) -> None:
    """A GET would carry the caller's number in its query string, into access logs."""
    url = f"{path}?From=%2B447700900123&Digits=2"
    for method in ("GET", "PUT", "DELETE"):
        signed = {"X-Twilio-Signature": sign(BASE + url, {})}
        answer = client.open(url, method=method, headers=signed)
        assert answer.status_code == 405, (method, path)
        assert "7700900123" not in answer.get_data(as_text=True)


def test_health_check_needs_no_signature(client: FlaskClient) -> None:
    assert client.get("/healthz").get_data(as_text=True) == "ok\n"


def test_an_exception_still_connects_the_caller(
    app: Flask, post: Post, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object) -> str:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Renderer, "choose", broken)
    root = twiml(post("/voice/choose?m=main&s=0&i=0", Digits="2"))
    assert [v.tag for v in root] == ["Say", "Dial", "Say", "Say", "Hangup"]
    assert root[0].text == (
        "Sorry, something has gone wrong on this line. "
        "Connecting you to the 24-hour National Domestic Abuse Helpline."
    )
    assert root[1].find("Number").text == "+448082000247"  # type: ignore[union-attr]
    assert "webhook /voice/choose failed" in caplog.text


@pytest.mark.parametrize(
    ("path", "params", "first_words"),
    [
        ("/voice/choose?m=nowhere&s=0&i=0", {"Digits": "1"}, "Derbyshire Victim Services."),
        (
            "/voice/choose?m=main&s=banana&i=-3",
            {"Digits": "2"},
            "Refuge for men and women 1,",
        ),
        ("/voice/choose?m=main&s=999999999999&i=0", {}, "I will put you through"),
        ("/voice/choose", {}, "Derbyshire Victim Services."),
        ("/voice/choose?m=main", {"Digits": "12345"}, "Sorry, I did not understand that."),
        (
            "/voice/choose?m=main",
            {"SpeechResult": "derby city", "Confidence": "0.05"},
            "Sorry, I did not understand",
        ),
        # Confidence 0, absent or garbage is no verdict: the words decide
        (
            "/voice/choose?m=main",
            {"SpeechResult": "derby city", "Confidence": "0"},
            "Refuge for men and women 1,",
        ),
        (
            "/voice/choose?m=main",
            {"SpeechResult": "derby city", "Confidence": "0.0"},
            "Refuge for men and women 1,",
        ),
        (
            "/voice/choose?m=main",
            {"SpeechResult": "derby city", "Confidence": "nan"},
            "Refuge for men and women 1,",
        ),
        (
            "/voice/choose?m=main",
            {"SpeechResult": "what is this", "Confidence": "0"},
            "Sorry, I did not understand",
        ),
        (
            "/voice/choose?m=main",
            {"SpeechResult": "derby city"},
            "Refuge for men and women 1,",
        ),
        ("/voice/dialled?m=zz&k=zz&n=zz", {"DialBridged": "false"}, "Sorry, the 24-hour"),
        ("/voice/dialled?m=main&k=0&n=7", {"DialBridged": "false"}, "We could not connect you"),
        ("/voice/numbers?r=x", {}, "We could not connect you"),
        ("/voice/nothing-here", {}, "Derbyshire Victim Services."),
    ],
)
def test_garbage_state_never_fails(
    app: Flask, post: Post, path: str, params: dict[str, str], first_words: str
) -> None:
    root = twiml(post(path, **params))
    said = spoken(app, root)
    assert said and said[0].startswith(first_words)


def test_caller_who_hung_up_during_a_dial(post: Post) -> None:
    root = twiml(
        post("/voice/dialled?m=main&k=0&n=0", DialCallStatus="completed", CallStatus="completed")
    )
    assert [v.tag for v in root] == ["Hangup"]


def test_whisper_accept_and_decline(post: Post) -> None:
    assert [v.tag for v in twiml(post("/voice/whisper/accept", Digits="1"))] == []
    assert [v.tag for v in twiml(post("/voice/whisper/accept", Digits="2"))] == ["Hangup"]
    assert [v.tag for v in twiml(post("/voice/whisper/accept"))] == ["Hangup"]


def test_the_callers_number_is_never_logged(
    app: Flask,
    caller: Callable[..., object],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    from ivr.simulate import Simulator

    simulator = Simulator(app, {"refuge_derby": "busy"})
    call = simulator.call(["2", "1"])
    client = app.test_client()
    client.post("/voice", data=call_params())  # refused: logged without the number
    monkeypatch.setattr(Renderer, "start", lambda self: 1 / 0)
    client.post(
        "/voice",
        data=call_params(),
        headers={"X-Twilio-Signature": sign(BASE + "/voice", call_params())},
    )
    assert caplog.records
    national = CALLER.removeprefix("+44")
    for text in (caplog.text, " ".join(call.urls), " ".join(e.text for e in call.events)):
        assert national not in text


def test_the_app_will_not_start_without_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)

    with pytest.raises(IvrError, match="^TWILIO_AUTH_TOKEN is not set"):
        create_app()


def test_token_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("SECRET_KEY", "made-up-test-secret-key")
    monkeypatch.setenv("STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("IVR_MENU", str(REPO_MENU))
    client = create_app().test_client()
    params = call_params()
    response = client.post(
        "/voice", data=params, headers={"X-Twilio-Signature": sign(BASE + "/voice", params)}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("signed_url", "host", "proto"),
    [
        ("https://line.example.org/voice", "line.example.org", "https"),
        (
            "https://line.example.org:443/voice",
            "line.example.org",
            "https",
        ),  # Twilio may sign the port
        ("https://line.example.org/voice", "line.example.org:443", "https"),
        ("http://line.example.org:8080/voice", "line.example.org:8080", "http"),
    ],
)
def test_ports_in_signed_urls(
    proxied: FlaskClient, signed_url: str, host: str, proto: str
) -> None:
    params = call_params()
    headers = {
        "X-Twilio-Signature": sign(signed_url, params),
        "Host": host,
        "X-Forwarded-Proto": proto,
    }
    assert proxied.post("/voice", data=params, headers=headers).status_code == 200


def test_the_wrong_port_is_refused(client: FlaskClient) -> None:
    params = call_params()
    headers = {
        "X-Twilio-Signature": sign("http://line.example.org:8080/voice", params),
        "Host": "line.example.org:9090",
    }
    assert client.post("/voice", data=params, headers=headers).status_code == 403


def test_sha256_signatures(client: FlaskClient) -> None:
    params = call_params()
    signature = RequestValidator(TOKEN).compute_signature(BASE + "/voice", params, "HMAC_SHA256")
    headers = {
        "X-Twilio-Signature": signature,
        "X-Twilio-Webhooks-Signature-Settings": "key=webhooks_sharedkey_x,algorithm=HMAC_SHA256",
    }
    assert client.post("/voice", data=params, headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("bridged", "noted", "next_ring"),
    [
        ("true", False, None),  # Twilio says so: finished, whatever the note
        ("TRUE", False, None),
        ("false", True, "+448082000247"),  # Twilio says not: the 24/7 line next
        ("", True, None),  # Twilio did not say: the helpline's note decides
        ("", False, "+448082000247"),
    ],
)
def test_twilios_dial_bridged_wins_over_the_helplines_note(
    app: Flask, post: Post, bridged: str, noted: bool, next_ring: str | None
) -> None:
    token = "0123456789abcdef"
    if noted:
        app.extensions["ivr.line"].accepted.mark(token)
    said = {"DialBridged": bridged} if bridged else {}
    path = f"/voice/dialled?m=derby_city&k=1&n=0&t={token}"
    root = twiml(post(path, DialCallStatus="completed", **said))
    rung = [n.text for n in root.iter("Number")]
    assert rung == ([next_ring] if next_ring else [])
    assert root[-1].tag == ("Dial" if next_ring else "Hangup")


def test_the_whisper_at_each_step_names_its_own_helpline(post: Post) -> None:
    path = "/voice/whisper?m=derby_city&k=1&n={}&t=0123456789abcdef&a=1795521600&l=%2B441632960001"
    for step, helpline in ((0, "refuge_derby"), (1, "national_24h")):
        root = twiml(post(path.format(step), Direction="outbound-dial"))
        assert f"h={helpline}&a=1795521600" in root[0].get("action", "")


def test_a_refused_method_says_which_is_allowed(client: FlaskClient) -> None:
    answer = client.get("/voice", headers={"X-Twilio-Signature": sign(BASE + "/voice", {})})
    assert (answer.status_code, answer.headers["Allow"]) == (405, "POST")


def test_the_answer_says_its_own_length(post: Post) -> None:
    answer = post("/voice")
    assert answer.headers["Content-Length"] == str(len(answer.get_data()))
    assert answer.headers["Content-Type"] == "text/xml; charset=utf-8"
