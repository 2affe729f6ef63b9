"""Console accounts: who may sign in, with which role (and a reviewer's languages), and
their passwords and second factors.

Passwords are hashed with argon2id; a second factor is a TOTP key (pyotp). Every change
to an account is one transaction with its audit entry (Store.change). A reset or a
disable ends the account's console sessions (ivr.store.sessions) in the same transaction,
and a reset clears the account's lock-out. Signing in, and the lock-out for wrong
passwords and codes, is sign_in.py's (Accounts has it as a part).
"""

from __future__ import annotations

import re
import secrets

import pyotp
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ivr.errors import IvrError
from ivr.menu.characters import check_plain
from ivr.store.changes import Store
from ivr.store.models import ConsoleSession, SignInFailure, SignInLock, StaffAccount
from ivr.store.rows import ROLES, Account, Who, as_account
from ivr.store.sign_in import HASHER, SignIn, code_counter, norm_email

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
MIN_PASSWORD = 12
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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


class Accounts(SignIn):
    """Accounts, on the store's database, and signing in to them (SignIn)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine

    # Reading

    def find(self, email: str) -> Account | None:
        with Session(self.engine) as session:
            row = session.scalar(
                select(StaffAccount).where(StaffAccount.email == norm_email(email))
            )
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
        email = norm_email(email)
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
        counter = code_counter(secret, code, self.store.clock())
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

    def _known(self, email: str) -> Account:
        account = self.find(email)
        if account is None:
            raise IvrError(f"no account for {norm_email(email)}")
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
