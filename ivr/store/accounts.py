"""Console accounts: who may sign in, with which role, and the lock-out for wrong passwords.

Passwords are hashed with argon2id; a second factor is a TOTP key (pyotp). Every change
to an account is one transaction with its audit entry (Store.change). Five wrong
passwords or codes for an email within 15 minutes lock it for 15 minutes from the fifth,
counted in the database for every instance; unknown emails are counted the same way, so
neither the message nor the lock says whether an account exists. A locked email is refused
its code as well as its password. A reset or a disable ends the account's console
sessions (ivr.store.sessions) in the same transaction.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ivr.errors import IvrError
from ivr.menu.characters import check_plain
from ivr.store.changes import Store
from ivr.store.models import ConsoleSession, Revision, SignInFailure, SignInLock, StaffAccount
from ivr.store.rows import Who, aware

# Each role may see and change what those before it may, with one exception: a reviewer
# is a viewer who may also confirm, or propose words for, the texts of their own
# languages, which no other role may (an editor or admin is no fluent speaker by role)
ROLES = ("viewer", "reviewer", "editor", "admin")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCK_FOR = timedelta(minutes=15)
MIN_PASSWORD = 12
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
HASHER = PasswordHasher()  # argon2id, the library's recommended parameters
# Checked against when the email is unknown, so a wrong email takes as long as a wrong
# password (the time would otherwise say which emails have accounts)
_DUMMY = HASHER.hash(secrets.token_hex(16))


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


class SignInRefused(IvrError):
    """Wrong email, password or code, or locked: one message for all of them."""


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


def _languages(
    role: str, languages: tuple[str, ...], known: tuple[str, ...] | None
) -> tuple[str, ...]:
    """A reviewer's language codes, checked: at least one, each a code (of known, where
    given); no other role has any."""
    codes = tuple(dict.fromkeys(c.strip().lower() for c in languages if c.strip()))
    if role != "reviewer":
        if codes:
            raise IvrError(f"only a reviewer has languages to review (this is {_an(role)})")
        return ()
    if not codes:
        raise IvrError("a reviewer needs the languages they review (codes, like pl)")
    for code in codes:
        if not LANGUAGE_CODE.match(code):
            raise IvrError(f"'{code}' is not a language code (two or three letters, like pl)")
        if known is not None and code not in known:
            raise IvrError(
                f"the menu has no language '{code}' (it has: {', '.join(known) or 'none'})"
            )
    return codes


def _an(role: str) -> str:
    """'an editor', 'a viewer'."""
    return f"an {role}" if role[0] in "aeiou" else f"a {role}"


def language_codes(text: str) -> tuple[str, ...]:
    """Language codes as typed, in a form or at the terminal: "pl, ro" or "pl ro"."""
    return tuple(c for c in text.replace(",", " ").split() if c)


def _role_words(role: str, languages: tuple[str, ...]) -> str:
    """A role as the audit log says it: 'reviewer of pl, ro'."""
    return f"{role} of {', '.join(languages)}" if languages else role


def end_sessions(session: Session, account_id: int) -> None:
    """End every console session of an account, in the transaction of the change."""
    session.execute(delete(ConsoleSession).where(ConsoleSession.account_id == account_id))


def check_password(password: str) -> None:
    """Refuse a password too short to stand up to guessing."""
    if len(password) < MIN_PASSWORD:
        raise IvrError(f"a password needs at least {MIN_PASSWORD} characters")


class Accounts:
    """Accounts and sign-in, on the store's database."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine

    # Reading

    def find(self, email: str) -> Account | None:
        with Session(self.engine) as session:
            row = session.scalar(select(StaffAccount).where(StaffAccount.email == _norm(email)))
            return as_account(row) if row else None

    def all(self) -> list[Account]:
        with Session(self.engine) as session:
            rows = session.scalars(select(StaffAccount).order_by(StaffAccount.email))
            return [as_account(r) for r in rows]

    def admins(self) -> int:
        with Session(self.engine) as session:
            query = select(func.count()).select_from(StaffAccount)
            query = query.where(StaffAccount.role == "admin", StaffAccount.disabled.is_(False))
            return int(session.scalar(query) or 0)

    # Changing (each with its audit entry)

    def add(
        self,
        email: str,
        name: str,
        role: str,
        password: str,
        who: Who,
        languages: tuple[str, ...] = (),
        known: tuple[str, ...] | None = None,
    ) -> Account:
        """An account; a reviewer's languages (codes, among known where given) with it."""
        email = _norm(email)
        if not EMAIL.match(email):
            raise IvrError(f"'{email}' is not an email address")
        if role not in ROLES:
            raise IvrError(f"unknown role '{role}' (roles: {', '.join(ROLES)})")
        check_plain(name, "the name")
        if not name.strip():
            raise IvrError("a name is needed: it is what the audit log shows")
        check_password(password)
        codes = _languages(role, languages, known)
        if self.find(email):
            raise IvrError(f"{email} already has an account")
        added = f"added as {role}" + (f" of {', '.join(codes)}" if codes else "")
        with self.store.change(who, "staff", email, "", added) as session:
            row = StaffAccount(
                email=email,
                name=name.strip(),
                role=role,
                languages=",".join(codes),
                password_hash=HASHER.hash(password),
                session_key=secrets.token_hex(16),
                made_at=self.store.clock(),
            )
            session.add(row)
            session.flush()
            return as_account(row)

    def set_role(
        self,
        email: str,
        role: str,
        who: Who,
        languages: tuple[str, ...] = (),
        known: tuple[str, ...] | None = None,
    ) -> Account:
        """A new role; a reviewer's languages with it (other roles have none)."""
        if role not in ROLES:
            raise IvrError(f"unknown role '{role}' (roles: {', '.join(ROLES)})")
        codes = _languages(role, languages, known)
        account = self._known(email)
        if account.role == "admin" and role != "admin":
            self._keep_an_admin(account)
        before = _role_words(account.role, account.languages)
        after = _role_words(role, codes)
        with self.store.change(who, "staff", account.email, before, after) as session:
            row = session.get_one(StaffAccount, account.id)
            row.role = role
            row.languages = ",".join(codes)
            return as_account(row)

    def disable(self, email: str, who: Who) -> Account:
        account = self._known(email)
        if account.role == "admin":
            self._keep_an_admin(account)
        with self.store.change(who, "staff", account.email, "enabled", "disabled") as session:
            row = session.get_one(StaffAccount, account.id)
            row.disabled = True
            row.session_key = secrets.token_hex(16)
            end_sessions(session, account.id)  # signed out of every browser
            return as_account(row)

    def reset(self, email: str, password: str, who: Who) -> Account:
        """A new password; two-factor cleared (enrolled again at the next sign-in); signed
        out everywhere; the lock-out and the count of failures towards it cleared."""
        check_password(password)
        account = self._known(email)
        after = "new password, two-factor cleared, enabled"
        with self.store.change(who, "staff", account.email, "", after) as session:
            row = session.get_one(StaffAccount, account.id)
            row.password_hash = HASHER.hash(password)
            row.totp_secret = ""
            row.totp_last = 0
            row.disabled = False
            row.session_key = secrets.token_hex(16)
            end_sessions(session, account.id)
            session.execute(delete(SignInLock).where(SignInLock.email == account.email))
            session.execute(delete(SignInFailure).where(SignInFailure.email == account.email))
            return as_account(row)

    def enrol(self, account_id: int, secret: str, code: str, who: Who) -> bool:
        """Turn on two-factor with secret if code is right for it now. Never for an account
        that has it: a new authenticator replaces the old one only after an admin's reset."""
        counter = _code_counter(secret, code, self.store.clock())
        if counter is None:
            return False
        with self.store.change(who, "staff", who.name, "one factor", "two-factor on") as session:
            row = session.get_one(StaffAccount, account_id, with_for_update=True)
            if row.totp_secret:
                raise IvrError(
                    f"{row.email} already has two-factor: an admin's reset clears it, "
                    "then a new one is set up at the next sign-in"
                )
            row.totp_secret = secret
            row.totp_last = counter
        return True

    # Signing in

    def locked_until(self, email: str) -> datetime | None:
        with Session(self.engine) as session:
            return self._locked(session, _norm(email))

    def _locked(self, session: Session, email: str) -> datetime | None:
        until = session.scalar(select(SignInLock.until).where(SignInLock.email == email))
        now = self.store.clock()
        return aware(until) if until is not None and aware(until) > now else None

    def sign_in(self, email: str, password: str) -> Account:
        """The account if the password is right and it may sign in; else SignInRefused."""
        try:
            email = _norm(email)
        except IvrError as e:  # no account has such an email: refused as any wrong one
            _verify(_DUMMY, password)
            raise SignInRefused("") from e
        if self.locked_until(email):
            raise SignInRefused(email)
        with Session(self.engine) as session:
            row = session.scalar(select(StaffAccount).where(StaffAccount.email == email))
            stored = row.password_hash if row else _DUMMY
            right = _verify(stored, password) and row is not None and not row.disabled
            if right and row is not None and HASHER.check_needs_rehash(stored):
                row.password_hash = HASHER.hash(password)
                session.commit()
        if not right or row is None:
            self.failed(email)
            raise SignInRefused(email)
        return as_account(row)

    def second_factor(self, account_id: int, code: str) -> bool:
        """Whether code is the account's current TOTP code, not used before, and its email
        is not locked (a wrong code counts towards the lock as a wrong password does)."""
        with Session(self.engine) as session, session.begin():
            row = session.get(StaffAccount, account_id, with_for_update=True)
            if row is None or not row.totp_secret or self._locked(session, row.email):
                return False
            counter = _code_counter(row.totp_secret, code, self.store.clock())
            if counter is None or counter <= row.totp_last:
                email = row.email
            else:
                row.totp_last = counter
                return True
        self.failed(email)
        return False

    def failed(self, email: str) -> bool:
        """Count a failure for email; True if that locked it."""
        now = self.store.clock()
        with Session(self.engine) as session, session.begin():
            # One writer at a time across instances: the count and the lock agree
            session.execute(select(Revision).where(Revision.id == 1).with_for_update())
            session.execute(delete(SignInFailure).where(SignInFailure.at <= now - WINDOW))
            session.add(SignInFailure(email=email, at=now))
            session.flush()
            query = select(func.count()).select_from(SignInFailure)
            count = session.scalar(query.where(SignInFailure.email == email)) or 0
            if count < MAX_FAILURES:
                return False
            session.execute(delete(SignInFailure).where(SignInFailure.email == email))
            session.merge(SignInLock(email=email, until=now + LOCK_FOR))
            return True

    def succeeded(self, email: str) -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(delete(SignInFailure).where(SignInFailure.email == _norm(email)))

    def _known(self, email: str) -> Account:
        account = self.find(email)
        if account is None:
            raise IvrError(f"no account for {_norm(email)}")
        return account

    def _keep_an_admin(self, account: Account) -> None:
        if not account.disabled and self.admins() <= 1:
            raise IvrError(
                f"{account.email} is the only admin: make someone else admin first, "
                "or nobody could manage accounts or publish the menu"
            )


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def _code_counter(secret: str, code: str, now: datetime) -> int | None:
    """The time step code belongs to (this one or either next to it), or None."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    for step in (0, -1, 1):
        moment = now + timedelta(seconds=step * totp.interval)
        if secrets.compare_digest(totp.at(moment), code):
            return int(moment.timestamp()) // totp.interval
    return None


def _verify(stored: str, password: str) -> bool:
    try:
        return HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _norm(email: str) -> str:
    """An email as accounts are keyed by (IvrError if it has a control character)."""
    check_plain(email, "the email")
    return email.strip().lower()
