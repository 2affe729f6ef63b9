"""Signing in to the console: a password, then the second factor, and the lock-out.

Five wrong passwords or codes for an email within 15 minutes lock it for 15 minutes from
the fifth, counted in the database for every instance; unknown emails are counted the same
way, so neither the message nor the lock says whether an account exists. A locked email
is refused its code as well as its password. Passwords are argon2id hashes; a second
factor is a TOTP key (pyotp). The accounts themselves are accounts.py's.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from ivr.errors import IvrError
from ivr.menu.characters import check_plain
from ivr.store.changes import Store
from ivr.store.models import Revision, SignInFailure, SignInLock, StaffAccount
from ivr.store.rows import Account, as_account, aware

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCK_FOR = timedelta(minutes=15)
HASHER = PasswordHasher()  # argon2id, the library's recommended parameters
# Checked against when the email is unknown, so a wrong email takes as long as a wrong
# password (the time would otherwise say which emails have accounts)
_DUMMY = HASHER.hash(secrets.token_hex(16))


class SignInRefused(IvrError):
    """Wrong email, password or code, or locked: one message for all of them."""


class SignIn:
    """Signing in, on the store's database: the sign-in side of Accounts."""

    store: Store
    engine: Engine

    def locked_until(self, email: str) -> datetime | None:
        with Session(self.engine) as session:
            return self._locked(session, norm_email(email))

    def _locked(self, session: Session, email: str) -> datetime | None:
        until = session.scalar(select(SignInLock.until).where(SignInLock.email == email))
        now = self.store.clock()
        return aware(until) if until is not None and aware(until) > now else None

    def sign_in(self, email: str, password: str) -> Account:
        """The account if the password is right and it may sign in; else SignInRefused."""
        try:
            email = norm_email(email)
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
            counter = code_counter(row.totp_secret, code, self.store.clock())
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
            session.execute(delete(SignInFailure).where(SignInFailure.email == norm_email(email)))


def code_counter(secret: str, code: str, now: datetime) -> int | None:
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


def norm_email(email: str) -> str:
    """An email as accounts are keyed by (IvrError if it has a control character)."""
    check_plain(email, "the email")
    return email.strip().lower()
