"""What the store hands out: plain, frozen values, free of the database's sessions (who made a
change, a closure, a take, a menu version, a staff account, and the Snapshot a worker serves
calls from)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ivr.store.models import StaffAccount


def utc_now() -> datetime:
    """The real clock; tests pass their own."""
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """SQLite gives back what it was given without the offset: it was UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Who:
    """Who made a change, and through which channel (cli, phone or console)."""

    name: str
    channel: str

    def __str__(self) -> str:
        return self.name if self.name == self.channel else f"{self.channel}:{self.name}"


@dataclass(frozen=True)
class ClosureRow:
    """A closure or opening as the store holds it."""

    state: str
    until: datetime
    reason: str = ""


@dataclass(frozen=True)
class TakeRow:
    """One take of a prompt: its sound's hash, what it is, who made it and when."""

    id: int
    prompt_id: str
    sha256: str
    kind: str
    source: str
    made_at: datetime
    made_by: str
    live: bool = False


@dataclass(frozen=True)
class MenuRow:
    """A published version of the menu."""

    number: int
    text: str
    made_at: datetime
    made_by: str
    note: str = ""


@dataclass(frozen=True)
class Snapshot:
    """What the line needs from the store, read in one go: calls are served from this."""

    revision: int
    closures: dict[str, ClosureRow] = field(default_factory=dict)
    live: dict[str, TakeRow] = field(default_factory=dict)  # prompt id -> recorded take
    generated: dict[str, TakeRow] = field(default_factory=dict)  # source key -> take
    menu: MenuRow | None = None


# Each role may see and change what those before it may, with one exception: a reviewer
# is a viewer who may also confirm, or propose words for, the texts of their own
# languages, which no other role may (an editor or admin is no fluent speaker by role)
ROLES = ("viewer", "reviewer", "editor", "admin")


@dataclass(frozen=True)
class Account:
    """An account as the console sees it (never the hash or the TOTP key)."""

    id: int
    email: str
    name: str
    role: str
    session_key: str
    disabled: bool
    two_factor: bool
    made_at: datetime
    languages: tuple[str, ...] = ()  # a reviewer's, by code

    def may(self, role: str) -> bool:
        """Whether this account's role includes role (viewer < reviewer < editor < admin)."""
        return ROLES.index(self.role) >= ROLES.index(role)

    def reviews(self, code: str) -> bool:
        """Whether this account is a reviewer of the language code."""
        return self.role == "reviewer" and code in self.languages


def as_account(row: StaffAccount) -> Account:
    """The console's view of an account's row."""
    return Account(
        id=row.id,
        email=row.email,
        name=row.name,
        role=row.role,
        session_key=row.session_key,
        disabled=row.disabled,
        two_factor=bool(row.totp_secret),
        made_at=aware(row.made_at),
        languages=tuple(c for c in (row.languages or "").split(",") if c),
    )
