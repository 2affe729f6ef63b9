"""The helpline watch's emails: sent in the background, once each, retried while the
mail server is down. Never on a call's request, and never a word about any caller.

Where they go (the environment, read by the app):

- ALERT_EMAILS: the addresses, separated by commas.
- SMTP_URL: the mail server, with any user and password URL-encoded (`%40` for `@`):
  `smtp://user:password@host:587` speaks plain SMTP and upgrades to TLS (STARTTLS)
  whenever the server offers it; a password is only ever sent once it has.
  `smtp+starttls://…` requires STARTTLS: nothing is sent without it.
  `smtps://…:465` is TLS from the first byte. Ports default to 25, 587 and 465.
- ALERT_FROM: the sender (default: the SMTP user if it is an address, else
  `helpline-watch@` and the server's host).

An alert is made in the store with the change of state it tells of (ivr.store.health),
so there is one per change whichever instance decided it, and one "still failing"
summary a day while a helpline stays failing. Each worker's thread takes waiting alerts
one at a time (a claim in the store: exactly one instance sends each), sends, and marks
them sent; if the server cannot be reached the alert waits and is tried again.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import unquote, urlsplit

from ivr.errors import IvrError
from ivr.menu.hours import written_when
from ivr.menu.model import Menu
from ivr.store.health import (
    DOUBTFUL,
    FAILING,
    RECOVERED,
    STILL_FAILING,
    Alert,
    Health,
    HealthStore,
)
from ivr.store.repeat import Repeat
from ivr.store.rows import utc_now

log = logging.getLogger(__name__)
SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
INTERVAL_SECONDS = 2.0  # how often waiting alerts are looked for: "within seconds"
SEND_SECONDS = 15  # one attempt gives up after this
RETRY_AFTER = timedelta(seconds=30)  # then doubles, up to RETRY_MOST
RETRY_MOST = timedelta(minutes=10)
HOLD = timedelta(minutes=2)  # a claimed alert, should its sender stop mid-way
KEEP_TRYING = timedelta(days=2)  # an older alert is not sent (the daily summary says it)
SUMMARY_EVERY = timedelta(days=1)


class NotSent(Exception):
    """The mail server could not be reached, or refused."""


@dataclass(frozen=True)
class Mail:
    """Where alerts go and how (see the module's text)."""

    scheme: str
    host: str
    port: int
    user: str
    password: str
    recipients: tuple[str, ...]
    sender: str

    def __str__(self) -> str:
        """As staff see it: never the password."""
        how = {"smtp": "STARTTLS when offered", "smtps": "TLS"}.get(self.scheme, "STARTTLS")
        return f"to {', '.join(self.recipients)} via {self.host}:{self.port} ({how})"


def mail_settings(smtp_url: str, emails: str, sender: str = "") -> Mail | None:
    """The mail settings from the environment's values; None if neither is set, IvrError
    saying what is wrong otherwise."""
    smtp_url, emails = smtp_url.strip(), emails.strip()
    if not smtp_url and not emails:
        return None
    if not emails:
        raise IvrError("SMTP_URL is set but ALERT_EMAILS is not: give the addresses to alert")
    if not smtp_url:
        raise IvrError(
            "ALERT_EMAILS is set but SMTP_URL is not: give the mail server, "
            "e.g. smtp://user:password@smtp.example.org:587"
        )
    recipients = tuple(e.strip() for e in emails.split(",") if e.strip())
    for address in recipients:
        if address.count("@") != 1 or " " in address or address.endswith("@"):
            raise IvrError(f"ALERT_EMAILS: '{address}' is not an email address")
    try:
        parts = urlsplit(smtp_url)
        port = parts.port
    except ValueError as e:
        raise IvrError(f"SMTP_URL is not a URL like smtp://host:587 ({e})") from e
    if parts.scheme not in SCHEMES:
        raise IvrError(
            f"SMTP_URL must start with {', '.join(s + '://' for s in SCHEMES)}; "
            f"got '{parts.scheme}://'"
        )
    if not parts.hostname:
        raise IvrError("SMTP_URL has no host, e.g. smtp://smtp.example.org:587")
    user = unquote(parts.username or "")
    if not sender:
        sender = user if "@" in user else f"helpline-watch@{parts.hostname}"
    return Mail(
        parts.scheme,
        parts.hostname,
        port or SCHEMES[parts.scheme],
        user,
        unquote(parts.password or ""),
        recipients,
        sender,
    )


def send(mail: Mail, message: EmailMessage, timeout: float = SEND_SECONDS) -> None:
    """Hand one message to the server, encrypted as SMTP_URL says; NotSent if it fails."""
    context = ssl.create_default_context()
    try:
        if mail.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                mail.host, mail.port, timeout=timeout, context=context
            )
        else:
            client = smtplib.SMTP(mail.host, mail.port, timeout=timeout)
        with client:
            client.ehlo()
            if mail.scheme != "smtps":
                if client.has_extn("starttls"):
                    client.starttls(context=context)
                    client.ehlo()
                elif mail.scheme == "smtp+starttls":
                    raise NotSent("the mail server does not offer STARTTLS (SMTP_URL asks for it)")
                elif mail.user:
                    raise NotSent(
                        "the mail server does not offer STARTTLS, so the password is not "
                        "sent (use smtps:// if it takes TLS from the start)"
                    )
            if mail.user:
                client.login(mail.user, mail.password)
            client.send_message(message, mail.sender, list(mail.recipients))
    except (OSError, smtplib.SMTPException) as e:
        raise NotSent(f"{type(e).__name__}: {e}") from e


def compose(
    alert: Alert, health: Health | None, menu: Menu, mail: Mail, now: datetime, console: str = ""
) -> EmailMessage:
    """The email for an alert: what happened to which helpline, why, what callers hear
    now and what staff can do. The 24/7 line failing is marked urgent."""
    helpline = menu.helplines.get(alert.helpline_id)
    name = helpline.name if helpline else alert.helpline_id
    who = f"{name[:1].upper()}{name[1:]}"
    number = f" ({helpline.number})" if helpline else ""
    operator = alert.helpline_id == menu.settings.operator
    since = written_when(health.since, now) if health and health.since else "now"
    where = f"\n\nThe console's Now page: {console}" if console else ""
    one_in = menu.settings.watch_retry_one_in
    if alert.kind == RECOVERED:
        subject = f"{who} is taking calls again"
        body = (
            f"{who}{number} accepted a call and is healthy again. Before that: {alert.why}."
            "\n\nCallers are put through to it as before."
        )
    elif operator and alert.kind in (FAILING, STILL_FAILING):
        subject = f"URGENT: {name} is failing, and it is the line's 24/7 number"
        body = (
            f"{who}{number} is failing since {since} (London): {alert.why}.\n\n"
            "It ends every transfer, so it is never skipped: callers are still put "
            "through to it, and if it does not answer they hear the numbers read out. "
            "Please check it now: call it yourself, and ask the service."
        )
    elif alert.kind in (FAILING, STILL_FAILING):
        still = "Still failing: " if alert.kind == STILL_FAILING else ""
        subject = f"{still}{who} is failing: callers are sent past it"
        body = (
            f"{who}{number} is failing since {since} (London): {alert.why}.\n\n"
            f"Callers who choose it hear that it cannot take calls just now and are put "
            f"through to the next helpline. One caller in {one_in} is still put through "
            "to it, so it can recover by itself: the first call it accepts makes it "
            "healthy again.\n\nWhat you can do: check the number with the service "
            "(`ivr helplines check` asks Twilio whether it is still a valid number); on "
            "the console's Now page, have it tried anyway or skipped."
        )
    else:
        subject = f"{who} is doubtful: {alert.why}"
        body = (
            f"{who}{number} is doubtful since {since} (London): {alert.why}.\n\n"
            "Callers are still put through to it. If it goes on without taking a call it "
            "will be failing, and callers will be sent past it."
        )
    message = EmailMessage()
    message["Subject"] = f"[{menu.settings.service_name} line] {subject}"
    message["From"] = mail.sender
    message["To"] = ", ".join(mail.recipients)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=mail.host)
    if operator and alert.kind != RECOVERED and alert.kind != DOUBTFUL:
        message["X-Priority"] = "1"
        message["Importance"] = "high"
    message.set_content(
        f"{body}{where}\n\nThis message says nothing about any caller. It was sent by the "
        "helpline watch of the phone line, which counts how transfers end.\n"
    )
    return message


class Mailer:
    """Sends the alerts waiting in the store, from a background thread in each worker."""

    def __init__(
        self,
        store: HealthStore,
        mail: Mail,
        menu: Callable[[], Menu],
        clock: Callable[[], datetime] = utc_now,
        console: str = "",
        interval: float = INTERVAL_SECONDS,
    ) -> None:
        self.store = store
        self.mail = mail
        self.menu = menu
        self.clock = clock
        self.console = console
        self.reachable = True  # the last email reached the mail server
        self.reading = True  # the last tick reached the store
        self.stopped = False
        self._sender = Repeat(Mailer.tick, interval)

    def tick(self) -> int:
        """Queue any daily summaries due, then send what waits; how many were sent.
        Never raises: whatever fails is tried again at a later tick."""
        sent = 0
        if self.stopped:
            return sent
        try:
            now = self.clock()
            self.store.queue_summaries(now, SUMMARY_EVERY)
            for alert in self.store.due(now - KEEP_TRYING):
                if self.store.claim(alert.id, now, HOLD):
                    sent += self._send(alert, now)
        except Exception as e:  # noqa: BLE001 - the database: the next tick tries again
            if self.reading:  # once while it lasts, not every tick
                log.error("alerts cannot be read (%s): trying again shortly", type(e).__name__)
            self.reading = False
            return sent
        if not self.reading:
            log.warning("alerts can be read again")
        self.reading = True
        return sent

    def _send(self, alert: Alert, now: datetime) -> int:
        health = self.store.states().get(alert.helpline_id)
        message = compose(alert, health, self.menu(), self.mail, now, self.console)
        try:
            send(self.mail, message)
        except NotSent as e:
            wait = min(RETRY_AFTER * 2 ** max(alert.attempts, 0), RETRY_MOST)
            self.store.not_sent(alert.id, str(e), now + wait)
            if self.reachable:
                log.error("an alert email could not be sent (%s): it waits and is tried again", e)
            self.reachable = False
            return 0
        self.store.sent(alert.id, now)
        if not self.reachable:
            log.warning("alert emails are sent again")
        self.reachable = True
        return 1

    def start(self) -> None:
        """Send in the background, once per process (a fork starts its own)."""
        self._sender.start(self)
        _RUNNING.add(self)

    def stop(self) -> None:
        """Send nothing more (an alert this one holds goes to another after HOLD)."""
        self.stopped = True


_RUNNING: weakref.WeakSet[Mailer] = weakref.WeakSet()
