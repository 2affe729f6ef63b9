"""The helpline watch's emails, through a real SMTP server on loopback (aiosmtpd): once per
change of state, in the background, retried while the server is down; and a simulated
day of calls from the first failure to the recovery."""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import logging
import re
import ssl
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr import create_app
from ivr.call.watch import drawn
from ivr.errors import IvrError
from ivr.menu.load import load_menu
from ivr.simulate import CALLER, Simulator
from ivr.staff.alerts import (
    RETRY_AFTER,
    Mail,
    Mailer,
    NotSent,
    compose,
    mail_settings,
    send,
)
from ivr.store.changes import Store
from ivr.store.db import make_engine
from ivr.store.health import Alert, Health, HealthAlert, HealthStore, Limits
from tests.helpers import NOON, REPO_MENU, config, free_port
from tests.helpers.mail import STAFF, mail

MENU = load_menu(REPO_MENU)
SENTENCE = "Refuge in Derby City is not taking calls just now. Trying another helpline."


class Inbox:
    """What the mail server was handed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.logins: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append(data.login.decode())
        return AuthResult(success=data.password == b"s3cret pass")

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.messages]


class MailServer:
    """A real SMTP server on 127.0.0.1, which a test can stop (down) and start (up)."""

    def __init__(self, **options: Any) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.options = options
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(
            self.inbox, hostname="127.0.0.1", port=self.port, **self.options
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def wait_for(self, count: int, seconds: float = 10.0) -> list[EmailMessage]:
        """The messages, once count have arrived (the app sends in the background)."""
        ends = time.monotonic() + seconds
        while len(self.inbox.messages) < count and time.monotonic() < ends:
            time.sleep(0.05)
        return self.inbox.messages


@pytest.fixture
def server() -> Iterator[MailServer]:
    made = MailServer()
    made.start()
    yield made
    made.stop()


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (valid from 2000 to 9999: no clock here)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    made = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(9999, 12, 31, tzinfo=dt.UTC))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert, private = folder / "cert.pem", folder / "key.pem"
    cert.write_bytes(made.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, private


@pytest.fixture
def tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """The server's TLS context; the client trusts its certificate (SSL_CERT_FILE)."""
    cert, key = certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def alert(kind: str = "failing", helpline: str = "refuge_derby", why: str = "") -> Alert:
    why = why or "3 failed in a row (Twilio could not place the call)"
    return Alert(1, helpline, kind, why, NOON)


def message(kind: str = "failing", helpline: str = "refuge_derby") -> EmailMessage:
    since = Health(helpline, kind, NOON)
    return compose(
        alert(kind, helpline), since, MENU, mail(25), NOON, "https://line.example/console/"
    )


# Settings


def test_the_mail_settings() -> None:
    assert mail_settings("", "") is None
    found = mail_settings(
        "smtp://alerts%40line.example:p%40ss@smtp.example.org", "a@x.org,b@y.org"
    )
    assert found == Mail(
        "smtp",
        "smtp.example.org",
        25,
        "alerts@line.example",
        "p@ss",
        ("a@x.org", "b@y.org"),
        "alerts@line.example",
    )
    assert str(found) == "to a@x.org, b@y.org via smtp.example.org:25 (STARTTLS when offered)"
    assert "p@ss" not in str(found)
    assert mail_settings("smtp+starttls://smtp.example.org", "a@x.org") == Mail(
        "smtp+starttls",
        "smtp.example.org",
        587,
        "",
        "",
        ("a@x.org",),
        "helpline-watch@smtp.example.org",
    )
    tls = mail_settings("smtps://u@smtp.example.org", "a@x.org", "Line <line@x.org>")
    assert tls is not None and (tls.port, tls.sender) == (465, "Line <line@x.org>")
    assert str(tls).endswith("(TLS)")


@pytest.mark.parametrize(
    ("url", "emails", "said"),
    [
        ("smtp://h", "", "SMTP_URL is set but ALERT_EMAILS is not: give the addresses to alert"),
        (
            "",
            "a@x.org",
            "ALERT_EMAILS is set but SMTP_URL is not: give the mail server, e.g. "
            "smtp://user:password@smtp.example.org:587",
        ),
        (
            "smtp://h",
            "a@x.org, not an address",
            "ALERT_EMAILS: 'not an address' is not an email address",
        ),
        ("smtp://h", "a@", "ALERT_EMAILS: 'a@' is not an email address"),
        (
            "http://h",
            "a@x.org",
            "SMTP_URL must start with smtp://, smtp+starttls://, smtps://; got 'http://'",
        ),
        ("smtp://", "a@x.org", "SMTP_URL has no host, e.g. smtp://smtp.example.org:587"),
        (
            "smtp://h:port",
            "a@x.org",
            "SMTP_URL is not a URL like smtp://host:587 (Port could not be cast to integer "
            "value as 'port')",
        ),
    ],
)
def test_mail_settings_that_are_wrong_say_what_is_wrong(url: str, emails: str, said: str) -> None:
    with pytest.raises(IvrError) as error:
        mail_settings(url, emails)
    assert str(error.value) == said


def test_wrong_mail_settings_turn_emails_off_but_never_the_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        app = create_app(config(tmp_path, ALERT_EMAILS=STAFF, SMTP_URL="ftp://x"))
    assert app.extensions["ivr.mail"].startswith("SMTP_URL must start with smtp://")
    assert "ivr.mailer" not in app.extensions
    assert [r.getMessage() for r in caplog.records] == [
        "alert emails are off: SMTP_URL must start with smtp://, smtp+starttls://, smtps://; "
        "got 'ftp://'"
    ]


# Sending: encrypted as SMTP_URL says


def test_plain_smtp_to_a_server_on_loopback(server: MailServer) -> None:
    send(mail(server.port), message())
    (got,) = server.wait_for(1)
    assert got["To"] == f"{STAFF}, second@example.org"


def test_a_password_is_never_sent_unencrypted(server: MailServer) -> None:
    with pytest.raises(NotSent, match="does not offer STARTTLS, so the password is not sent"):
        send(mail(server.port, user="alerts:secret@"), message())
    with pytest.raises(NotSent, match=r"does not offer STARTTLS \(SMTP_URL asks for it\)"):
        send(mail(server.port, "smtp+starttls"), message())
    assert server.inbox.messages == [] and server.inbox.logins == []


def test_starttls_and_a_login(tls: ssl.SSLContext) -> None:
    inbox_server = MailServer(tls_context=tls, require_starttls=True, auth_require_tls=True)
    inbox_server.options["authenticator"] = inbox_server.inbox.authenticate
    inbox_server.start()
    try:
        for scheme in ("smtp", "smtp+starttls"):
            send(
                mail(inbox_server.port, scheme, "alerts%40line.example:s3cret%20pass@"), message()
            )
    finally:
        inbox_server.stop()
    assert len(inbox_server.inbox.messages) == 2
    assert inbox_server.inbox.logins == ["alerts@line.example"] * 2


def test_tls_from_the_first_byte(tls: ssl.SSLContext) -> None:
    inbox_server = MailServer(ssl_context=tls)
    inbox_server.start()
    try:
        send(mail(inbox_server.port, "smtps"), message())
    finally:
        inbox_server.stop()
    assert len(inbox_server.inbox.messages) == 1


def test_a_server_that_is_down_is_a_plain_reason() -> None:
    with pytest.raises(NotSent, match="^ConnectionRefusedError: "):
        send(mail(free_port()), message())


# What the emails say


def test_what_each_alert_says() -> None:
    failing = message()
    assert failing["Subject"] == (
        "[Derbyshire Victim Services line] Refuge in Derby City is failing: callers are sent "
        "past it"
    )
    body = failing.get_content()
    assert body.startswith(
        "Refuge in Derby City (0800 085 3481) is failing since Tuesday 24 November 12:00 "
        "(London): 3 failed in a row (Twilio could not place the call).\n\n"
    )
    assert "One caller in 5 is still put through to it" in body
    assert "The console's Now page: https://line.example/console/" in body
    assert "X-Priority" not in failing
    summary = message("still failing")
    assert summary["Subject"].endswith(
        "Still failing: Refuge in Derby City is failing: callers are sent past it"
    )
    doubtful = message("doubtful")
    assert doubtful["Subject"].endswith(
        "Refuge in Derby City is doubtful: 3 failed in a row (Twilio could not place the call)"
    )
    assert "Callers are still put through to it." in doubtful.get_content()
    recovered = message("recovered")
    assert recovered["Subject"].endswith("Refuge in Derby City is taking calls again")
    assert recovered.get_content().startswith(
        "Refuge in Derby City (0800 085 3481) accepted a call and is healthy again. Before "
        "that: 3 failed in a row (Twilio could not place the call)."
    )


def test_the_24_7_line_failing_is_the_loudest_alert() -> None:
    for kind in ("failing", "still failing"):
        urgent = message(kind, "national_24h")
        assert urgent["Subject"] == (
            "[Derbyshire Victim Services line] URGENT: the 24-hour National Domestic Abuse "
            "Helpline is failing, and it is the line's 24/7 number"
        )
        assert (urgent["X-Priority"], urgent["Importance"]) == ("1", "high")
        assert "callers are still put through to it" in urgent.get_content()
    assert "X-Priority" not in message("doubtful", "national_24h")
    assert "X-Priority" not in message("recovered", "national_24h")


def test_an_alert_for_a_helpline_no_longer_in_the_menu_names_it_by_its_id() -> None:
    gone = compose(alert(helpline="old_line"), None, MENU, mail(25), NOON)
    assert gone["Subject"].endswith("Old_line is failing: callers are sent past it")
    assert "since now (London)" in gone.get_content()
    assert "The console's Now page:" not in gone.get_content()


# The mailer: in the background, once, retried


@pytest.fixture
def health(tmp_path: Path) -> HealthStore:
    app = create_app(config(tmp_path))
    return HealthStore(app.extensions["ivr.store"])


def failing(health: HealthStore, helpline: str = "refuge_derby") -> None:
    health.record([(helpline, "failed", NOON)] * 3, Limits())


def test_an_alert_waits_while_the_server_is_down_and_is_sent_once_it_is_up(
    health: HealthStore, caplog: pytest.LogCaptureFixture
) -> None:
    down = MailServer()  # not started: nothing listens on its port
    now = [NOON]
    mailer = Mailer(health, mail(down.port), lambda: MENU, lambda: now[0])
    failing(health)
    with caplog.at_level(logging.WARNING):
        assert mailer.tick() == 0
        (waiting,) = health.alerts()
        assert waiting.sent_at is None and waiting.error.startswith("ConnectionRefusedError")
        assert mailer.tick() == 0  # not tried again at once
        down.start()
        try:
            assert mailer.tick() == 0  # still waiting its turn
            now[0] = NOON + RETRY_AFTER
            assert mailer.tick() == 1
            assert mailer.tick() == 0  # sent once, never again
        finally:
            down.stop()
    assert len(down.inbox.messages) == 1
    assert health.alerts()[0].sent_at == NOON + RETRY_AFTER
    assert health.alerts()[0].attempts == 2
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0].startswith(
        "an alert email could not be sent (ConnectionRefusedError: "
    ) and messages[0].endswith("): it waits and is tried again")
    assert messages[1:] == ["alert emails are sent again"]


def test_calls_go_on_while_the_mail_server_is_down_and_the_alert_follows(
    tmp_path: Path,
) -> None:
    """The app's own thread: the alert waits while SMTP is down, every call is answered as
    usual meanwhile, and once the server is up the alert is sent, once."""
    down = MailServer()
    now = [NOON]
    app = create_app(
        config(
            tmp_path,
            CLOCK=lambda: now[0],
            ALERT_EMAILS=STAFF,
            SMTP_URL=f"smtp://127.0.0.1:{down.port}",
        )
    )
    health = HealthStore(app.extensions["ivr.store"])
    for _ in range(3):
        call = Simulator(app, {"refuge_derby": "failed"}).call(["2", "1"])
        assert call.bridged == "+448082000247"
    app.extensions["ivr.watch"].flush()
    ends = time.monotonic() + 10
    while not health.alerts()[0].error and time.monotonic() < ends:
        time.sleep(0.05)
    assert health.alerts()[0].error.startswith("ConnectionRefusedError")
    assert Simulator(app).call(["0"]).bridged == "+448082000247"  # calls: as ever
    down.start()
    try:
        now[0] = NOON + RETRY_AFTER
        (sent,) = down.wait_for(1)
        assert sent["Subject"].endswith(
            "Refuge in Derby City is failing: callers are sent past it"
        )
        assert len(down.wait_for(2, seconds=2.5)) == 1  # the next ticks send nothing more
    finally:
        down.stop()


def test_retries_wait_longer_each_time_up_to_ten_minutes(health: HealthStore) -> None:
    down = MailServer()
    now = [NOON]
    mailer = Mailer(health, mail(down.port), lambda: MENU, lambda: now[0])
    failing(health)
    waits = []
    for _ in range(7):
        assert mailer.tick() == 0
        with Session(health.engine) as session:
            retry = session.scalar(select(HealthAlert.retry_at))
        assert retry is not None
        waits.append((retry - now[0]).total_seconds())
        now[0] = retry
    assert waits == [30, 60, 120, 240, 480, 600, 600]


def test_a_daily_summary_while_a_helpline_stays_failing(
    health: HealthStore, server: MailServer
) -> None:
    now = [NOON]
    mailer = Mailer(health, mail(server.port), lambda: MENU, lambda: now[0])
    failing(health)
    assert mailer.tick() == 1
    now[0] = NOON + dt.timedelta(hours=23)
    assert mailer.tick() == 0
    now[0] = NOON + dt.timedelta(days=1)
    assert mailer.tick() == 1
    assert mailer.tick() == 0
    assert [s.split("] ")[1] for s in server.inbox.subjects()] == [
        "Refuge in Derby City is failing: callers are sent past it",
        "Still failing: Refuge in Derby City is failing: callers are sent past it",
    ]


def test_a_stopped_mailer_sends_nothing(health: HealthStore, server: MailServer) -> None:
    mailer = Mailer(health, mail(server.port), lambda: MENU, lambda: NOON)
    failing(health)
    mailer.stop()
    assert mailer.tick() == 0 and health.alerts()[0].attempts == 0
    assert server.inbox.messages == []


def test_the_mailer_goes_on_when_the_database_does_not_answer(
    caplog: pytest.LogCaptureFixture,
) -> None:
    nowhere = HealthStore(Store(make_engine("postgresql+psycopg://ivr:ivr@127.0.0.1:1/x")))
    mailer = Mailer(nowhere, mail(free_port()), lambda: MENU, lambda: NOON)
    with caplog.at_level(logging.ERROR):
        assert mailer.tick() == 0
    assert [r.getMessage() for r in caplog.records] == [
        "alerts cannot be read (OperationalError): trying again shortly"
    ]


# A simulated day: from the first failure to the recovery


def ring_token(urls: list[str], step: int) -> tuple[str, str]:
    """The token of the ring at a step of Refuge's chain, and where it rang (its URL)."""
    for url in urls:
        found = re.search(rf"^/voice/whisper\?m=derby_city&k=1&n={step}&t=([0-9a-f]{{16}})", url)
        if found:
            return found.group(1), url
    found_dial = [u for u in urls if re.match(rf"^/voice/dialled\?m=derby_city&k=1&n={step}&", u)]
    assert found_dial, urls
    token = re.search(r"&t=([0-9a-f]{16})", found_dial[0])
    assert token
    return token.group(1), found_dial[0]


def test_a_day_of_calls_from_the_first_failure_to_the_recovery(
    tmp_path: Path, server: MailServer
) -> None:
    """Refuge's number stops working: staff are emailed once; after three failures callers
    hear why and go on to the 24/7 line, while one in five still tries Refuge; when it
    takes a call again it is healthy and staff are emailed that it recovered."""
    app = create_app(
        config(tmp_path, ALERT_EMAILS=STAFF, SMTP_URL=f"smtp://127.0.0.1:{server.port}")
    )
    watch, live = app.extensions["ivr.watch"], app.extensions["ivr.live"]

    def call(answer: str) -> Any:
        return Simulator(app, {"refuge_derby": answer}).call(["2", "1"])

    def settled() -> None:
        watch.flush()  # (its thread does this every second)
        live.refresh()  # (and the worker's poller this)

    # Morning: Refuge's number fails three times; each caller still gets the 24/7 line
    for _ in range(3):
        made = call("failed")
        assert ("not-answered", "failed") in [(e.kind, e.text) for e in made.events]
        assert made.bridged == "+448082000247"
        settled()
    assert HealthStore(app.extensions["ivr.store"]).states()["refuge_derby"].state == "failing"
    (first,) = server.wait_for(1)  # sent by the app's own thread, within seconds
    assert first["Subject"].endswith("Refuge in Derby City is failing: callers are sent past it")
    # The rest of the day: callers hear why and go straight on; one in five still tries
    tried = 0
    for _ in range(100):
        made = call("failed")
        assert made.bridged == "+448082000247"
        skipped = SENTENCE in made.heard()
        token, _ = ring_token(made.urls, 1 if skipped else 0)
        assert drawn(token, "refuge_derby", 5) is not skipped  # the token shows why
        tried += not skipped
    assert 5 <= tried <= 45  # about twenty
    assert len(server.wait_for(2, seconds=3)) == 1  # never a second alert: no storm
    # Refuge answers again: the first caller drawn to try it is put through; healthy
    settled()
    while True:
        made = call("accept")
        if made.bridged == "+448000853481":
            break
        assert SENTENCE in made.heard()
    settled()
    assert HealthStore(app.extensions["ivr.store"]).states()["refuge_derby"].state == "healthy"
    first, second = server.wait_for(2)
    assert second["Subject"].endswith("Refuge in Derby City is taking calls again")
    # And the next caller is put through to Refuge at once
    assert call("accept").bridged == "+448000853481"
    for sent in server.inbox.messages:
        text = sent.as_string()
        assert CALLER not in text and CALLER[3:] not in text and "CA0000" not in text
    assert len(server.wait_for(3, seconds=1)) == 2
