"""Twilio's form, read once per request: exactly what werkzeug or parse_qsl would read."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from urllib.parse import parse_qsl, urlencode

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from ivr.call import form
from ivr.call.form import MAX_FORM_BYTES, Params, form_pairs, parse_pairs
from ivr.call.state import CallState
from tests.helpers import BASE, TOKEN, call_params, sign

FIELD = st.text(st.sampled_from("ab=&+%2B%20%zz é0"), max_size=12)


@settings(max_examples=500, deadline=None)
@given(text=st.lists(FIELD, max_size=6).map("&".join))
def test_parse_pairs_reads_as_parse_qsl_does(text: str) -> None:
    assert parse_pairs(text) == parse_qsl(text, keep_blank_values=True)


@pytest.mark.parametrize(
    ("text", "pairs"),
    [
        ("", []),
        ("a=1&&b=", [("a", "1"), ("b", "")]),
        ("From=%2B447700900123&x+y=a+b", [("From", "+447700900123"), ("x y", "a b")]),
        ("flag", [("flag", "")]),
    ],
)
def test_parse_pairs(text: str, pairs: list[tuple[str, str]]) -> None:
    assert parse_pairs(text) == pairs


def choose(app: Flask, body: bytes, content_type: str, **headers: str) -> list[str]:
    """Post a body to a menu; what the caller hears first."""
    path = "/voice/choose?m=main&s=0&i=0"
    signed = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    if content_type.startswith("multipart"):
        signed = {"Digits": "2"} | call_params()
    all_headers = {
        "X-Twilio-Signature": sign(BASE + path, signed),
        "Content-Type": content_type,
    } | headers
    answer = app.test_client().post(path, data=body, headers=all_headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    root = ET.fromstring(answer.get_data(as_text=True))
    return [v.get("action", "") for v in root.iter("Gather")]


def test_a_charset_in_the_content_type_takes_the_fast_path(app: Flask) -> None:
    body = urlencode(call_params(Digits="2")).encode()
    actions = choose(app, body, "application/x-www-form-urlencoded; charset=utf-8")
    assert actions == ["/voice/choose?m=derby_city&s=0&i=0&a="]


def test_multipart_goes_through_werkzeug(app: Flask) -> None:
    boundary = "XyZ"
    parts = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in (call_params() | {"Digits": "2"}).items()
    )
    body = (parts + f"--{boundary}--\r\n").encode()
    actions = choose(app, body, f"multipart/form-data; boundary={boundary}")
    assert actions == ["/voice/choose?m=derby_city&s=0&i=0&a="]


def test_a_body_over_the_limit_goes_through_werkzeug(app: Flask) -> None:
    padding = "x" * MAX_FORM_BYTES
    body = urlencode(call_params(Digits="2", Padding=padding)).encode()
    assert len(body) > MAX_FORM_BYTES
    actions = choose(app, body, "application/x-www-form-urlencoded")
    assert actions == ["/voice/choose?m=derby_city&s=0&i=0&a="]


def test_a_body_at_the_limit_takes_the_fast_path(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = urlencode(call_params(Digits="2")).encode()
    monkeypatch.setattr(form, "MAX_FORM_BYTES", len(body))
    seen: list[object] = []
    real = form.parse_pairs
    monkeypatch.setattr(form, "parse_pairs", lambda text: seen.append(text) or real(text))
    choose(app, body, "application/x-www-form-urlencoded")
    assert len(seen) == 2  # the body, then the URL's state
    monkeypatch.setattr(form, "MAX_FORM_BYTES", len(body) - 1)
    seen.clear()
    choose(app, body, "application/x-www-form-urlencoded")
    assert len(seen) == 1  # the URL's state only: the body went to werkzeug


def test_invalid_utf8_is_replaced_not_refused(app: Flask) -> None:
    body = urlencode(call_params(Digits="2")).encode() + b"&SpeechResult=%FF%FE"
    actions = choose(app, body, "application/x-www-form-urlencoded")
    assert actions == ["/voice/choose?m=derby_city&s=0&i=0&a="]


def test_the_form_is_read_once_and_werkzeug_can_still_read_it(app: Flask) -> None:
    body = urlencode({"Digits": "2", "To": "+441632960001"}).encode()
    with app.test_request_context(
        "/voice/choose?m=main&Digits=9",
        method="POST",
        data=body,
        content_type="application/x-www-form-urlencoded",
    ):
        from flask import request

        first = form_pairs(request.environ)
        assert first == [("Digits", "2"), ("To", "+441632960001")]
        assert form_pairs(request.environ) is first
        assert request.form["Digits"] == "2"  # the body was put back for werkzeug
        params = Params.of(request.environ)
        assert params("Digits") == "9"  # the URL's state wins over anything posted
        assert params("m") == "main"


def test_the_first_of_a_repeated_name_is_the_one_used(app: Flask) -> None:
    with app.test_request_context(
        "/voice/choose",
        method="POST",
        data=b"Digits=2&Digits=3",
        content_type="application/x-www-form-urlencoded",
    ) as context:
        assert Params.of(context.request.environ)("Digits") == "2"


def test_no_content_length_goes_through_werkzeug(app: Flask) -> None:
    with app.test_request_context(
        "/voice/choose",
        method="POST",
        data=b"Digits=2",
        content_type="application/x-www-form-urlencoded",
    ) as context:
        del context.request.environ["CONTENT_LENGTH"]
        # werkzeug reads no body it was not told the length of
        assert form_pairs(context.request.environ) == []


def test_raw_bytes_that_are_not_utf8_are_replaced_not_refused(app: Flask) -> None:
    body = urlencode(call_params(Digits="2")).encode() + b"&SpeechResult=\xff\xfe"
    actions = choose(app, body, "application/x-www-form-urlencoded")
    assert actions == ["/voice/choose?m=derby_city&s=0&i=0&a="]


def test_a_query_string_that_is_not_utf8_is_replaced_not_refused() -> None:
    # WSGI gives the query's bytes as latin-1 text: here "m=é" in UTF-8, then a stray byte
    environ = {
        "QUERY_STRING": "m=\xc3\xa9\xff&s=1",
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": "0",
        "wsgi.input": io.BytesIO(b""),
    }
    params = Params.of(environ)
    assert (params("m"), params.count("s")) == ("é\ufffd", 1)


def test_every_value_of_a_repeated_name_is_signed_when_werkzeug_reads_the_form(
    app: Flask,
) -> None:
    path = "/voice/choose?m=main&s=0&i=0"
    fields = [*call_params().items(), ("Digits", "2"), ("Digits", "3")]
    signed = form.SignedForm({k: [v] for k, v in call_params().items()} | {"Digits": ["2", "3"]})
    signature = RequestValidator(TOKEN).compute_signature(BASE + path, signed)
    with app.test_request_context(
        path,
        method="POST",
        data=MultiDict(fields),
        content_type="multipart/form-data",
    ) as context:
        environ = context.request.environ
        environ["HTTP_X_TWILIO_SIGNATURE"] = signature
        assert form.signed_by_twilio(environ, RequestValidator(TOKEN), "")
        assert [v for k, v in form_pairs(environ) if k == "Digits"] == ["2", "3"]


@pytest.mark.parametrize(
    ("value", "line"),
    [
        ("+441632960001", "+441632960001"),
        ("+" + "1" * 15, "+" + "1" * 15),  # E.164's longest
        ("+" + "1" * 16, ""),
        ("+x441632960001", ""),
        ("441632960001", ""),
        ("+٤٤1632960001", ""),  # digits, but not ASCII
        ("", ""),
    ],
)
def test_a_line_number_is_e164_or_nothing(value: str, line: str) -> None:
    assert form.line_number(value) == line
    assert Params([("To", value)], "").line_number() == line


@pytest.mark.parametrize(
    ("value", "counted"), [("0", 0), ("7", 7), ("99", 99), ("100", 99), ("x", 0), ("%D9%A3", 0)]
)
def test_counts_in_the_url_are_bounded(value: str, counted: int) -> None:
    assert Params([], f"s={value}").count("s") == counted


@pytest.mark.parametrize(
    ("value", "answered"),
    [("1795521600", "1795521600"), ("", ""), ("soon", ""), ("1" * 13, ""), ("%D9%A1%D9%A2", "")],
)
def test_the_answer_time_in_the_url_is_digits_or_nothing(value: str, answered: str) -> None:
    assert CallState.of(Params([], f"a={value}")).answered == answered


def test_no_more_than_content_length_is_read() -> None:
    """PEP 3333: a server's input stream may run on past the body; it is never read on."""
    body = b"Digits=1&To=%2B441332000000"
    environ = {
        "CONTENT_TYPE": form.URLENCODED,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body + b"&Digits=9&Forged=1"),
    }
    assert form_pairs(environ) == [("Digits", "1"), ("To", "+441332000000")]


def test_a_request_without_a_query_string_has_only_its_form() -> None:
    environ = {"CONTENT_TYPE": form.URLENCODED, "CONTENT_LENGTH": "8"}
    environ["wsgi.input"] = io.BytesIO(b"Digits=1")
    assert Params.of(environ).values == {"Digits": "1"}


@pytest.mark.parametrize(
    "server",
    [
        {"RAW_URI": "/voice/choose?m=main&s=0"},  # gunicorn (the Procfile's)
        {"REQUEST_URI": "/voice/choose?m=main&s=0"},  # uWSGI
        {"RAW_URI": "/voice/choose?m=main&s=0", "REQUEST_URI": "/voice/choose?m=main&s=0"},
    ],
)
def test_the_signed_url_is_the_one_requested_under_each_server(server: dict[str, str]) -> None:
    environ = {"wsgi.url_scheme": "http", "HTTP_HOST": "127.0.0.1:5077", **server}
    wanted = "/voice/choose?m=main&s=0"
    assert form.public_url(environ, "") == "http://127.0.0.1:5077" + wanted
    assert form.public_url(environ, "https://line.example.org/") == (
        "https://line.example.org" + wanted
    )
