"""The tables. Small on purpose: each migration in migrations/versions is reversible."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Moment(TypeDecorator[datetime]):
    """A moment in time, written and read in UTC.

    SQLite keeps a datetime's wall-clock figures and drops its offset, so a London time in
    summer would come back an hour late; converting to UTC on the way in keeps every
    database right, and what comes back is always aware.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Base(DeclarativeBase):
    """Every table of the store."""


class Revision(Base):
    """One row: a number bumped in the same transaction as every change."""

    __tablename__ = "revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, default=0)


class AuditEntry(Base):
    """Who changed what, when, through which channel, from what to what."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(Moment(), index=True)
    who: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))  # cli, phone, console
    kind: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")


class PinFailure(Base):
    """A wrong staff PIN: when, nothing else."""

    __tablename__ = "pin_failure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(Moment(), index=True)


class Lock(Base):
    """A lock-out in force until a time (name: what is locked)."""

    __tablename__ = "lock"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    until: Mapped[datetime] = mapped_column(Moment())


class Closure(Base):
    """A helpline closed (or opened outside its hours) until a time, by staff."""

    __tablename__ = "closure"

    helpline_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    state: Mapped[str] = mapped_column(String(10))  # closed or open
    until: Mapped[datetime] = mapped_column(Moment())
    reason: Mapped[str] = mapped_column(String(300), default="")


class AudioBlob(Base):
    """Telephony WAV, named by its sha256: a take's sound, stored once."""

    __tablename__ = "audio"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    seconds: Mapped[float] = mapped_column(Float)


class Take(Base):
    """A recording made live for a prompt, or generated speech: every one is kept."""

    __tablename__ = "take"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prompt_id: Mapped[str] = mapped_column(String(120), index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("audio.sha256"))
    kind: Mapped[str] = mapped_column(String(20))  # recorded or generated
    source: Mapped[str] = mapped_column(String(64), default="")  # generated: text/voice key
    made_at: Mapped[datetime] = mapped_column(Moment())
    made_by: Mapped[str] = mapped_column(String(200))


class LiveTake(Base):
    """Which recorded take a prompt plays now (no row: generated speech)."""

    __tablename__ = "live_take"

    prompt_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    take_id: Mapped[int] = mapped_column(ForeignKey("take.id"))


class MenuVersion(Base):
    """A published menu: its text, numbered from 1, who and when."""

    __tablename__ = "menu_version"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    text: Mapped[str] = mapped_column(Text)
    made_at: Mapped[datetime] = mapped_column(Moment())
    made_by: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(String(300), default="")


class DialNote(Base):
    """A helpline pressed 1 on a ring: a random token (nothing about the caller), when."""

    __tablename__ = "dial_note"

    token: Mapped[str] = mapped_column(String(16), primary_key=True)
    at: Mapped[datetime] = mapped_column(Moment(), index=True)


class StaffAccount(Base):
    """A person who may sign in to the console: argon2id hash, role, optional TOTP key."""

    __tablename__ = "staff_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # lower case
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # viewer, reviewer, editor or admin
    # A reviewer's languages, by code, comma-separated ("pl,ro"); "" for other roles
    languages: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret: Mapped[str] = mapped_column(String(64), default="")
    totp_last: Mapped[int] = mapped_column(Integer, default=0)  # a code is used once
    # Changes with every reset or disable (which also end its console sessions)
    session_key: Mapped[str] = mapped_column(String(32))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    made_at: Mapped[datetime] = mapped_column(Moment())


class ConsoleSession(Base):
    """A browser signed in to the console (or between its password and its code).

    Only a hash of the cookie's random token is kept, so the table cannot be used to sign
    in; deleting the row ends the session wherever the cookie has been copied to.
    """

    __tablename__ = "console_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256, hex
    account_id: Mapped[int] = mapped_column(
        ForeignKey("staff_account.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(String(10))  # code, enrol (password only) or in
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SignInFailure(Base):
    """A wrong password or code for an email (known or not: the count says nothing)."""

    __tablename__ = "sign_in_failure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    at: Mapped[datetime] = mapped_column(Moment(), index=True)


class SignInLock(Base):
    """An email locked out of signing in until a time."""

    __tablename__ = "sign_in_lock"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    until: Mapped[datetime] = mapped_column(Moment())


class CallCount(Base):
    """How often something happened on the line in one hour: never who, never which call."""

    __tablename__ = "call_count"
    __table_args__ = (PrimaryKeyConstraint("hour", "line", "metric", "subject"),)

    hour: Mapped[datetime] = mapped_column(Moment())  # its start, UTC
    line: Mapped[str] = mapped_column(String(16))  # the line's own number, never a caller's
    metric: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(120))  # a menu, option or helpline id
    count: Mapped[int] = mapped_column(Integer)


class TextConfirmation(Base):
    """A fluent speaker confirmed a text in their language: these exact words, by whom.

    The text is confirmed while its words hash to words_sha256; changed, it is not.
    """

    __tablename__ = "text_confirmation"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)  # prompts/greeting.pl
    language: Mapped[str] = mapped_column(String(8), index=True)
    words_sha256: Mapped[str] = mapped_column(String(64))
    reviewer: Mapped[str] = mapped_column(String(200))  # the account's name, as audited
    at: Mapped[datetime] = mapped_column(Moment())


class TextProposal(Base):
    """New words a reviewer proposes for a text, waiting for an editor to publish them."""

    __tablename__ = "text_proposal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    language: Mapped[str] = mapped_column(String(8))
    words: Mapped[str] = mapped_column(Text)
    reviewer: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(Moment())
