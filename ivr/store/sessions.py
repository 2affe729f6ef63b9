"""Console sessions: which browsers are signed in, kept in the store so they can be ended.

A session starts when the password is right. Until the second step is done (the code, or
setting up two-factor for an admin without it) it is good for that step only, and for 5
minutes. Signed in, it ends at sign-out, after 30 minutes without a page, 12 hours after
the password, and at once when the account is reset or disabled. The browser's cookie
holds a random token; the store keeps only its hash, so a copy of the cookie taken
before the session ended opens nothing after it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from ivr.store.accounts import end_sessions
from ivr.store.changes import Store
from ivr.store.models import ConsoleSession, StaffAccount
from ivr.store.rows import Account, as_account, aware

IDLE = timedelta(minutes=30)
LONGEST = timedelta(hours=12)
PENDING = timedelta(minutes=5)  # between the password and the code
SIGNED_IN = "in"
CODE = "code"  # the password was right; the code from the app comes next
ENROL = "enrol"  # an admin without two-factor sets it up before any page


def next_step(account: Account) -> str:
    """What an account must do after its password: give its code, set up two-factor
    (every admin has it), or nothing more."""
    if account.two_factor:
        return CODE
    if account.role == "admin":
        return ENROL
    return SIGNED_IN


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    """Console sessions, on the store's database and its clock."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine

    def start(self, account: Account) -> tuple[str, str]:
        """A new session for an account whose password was right: (its token, its stage)."""
        stage = next_step(account)
        return self._open(account.id, stage), stage

    def signed_in(self, token: str) -> Account | None:
        """The account a signed-in session belongs to, if it is still open; the session is
        seen now (for the idle timeout). None ends a session that has run out."""
        now = self.store.clock()
        with Session(self.engine) as session, session.begin():
            found = self._row(session, token)
            if found is None or found[0].stage != SIGNED_IN:
                return None
            row, account = found
            idle, age = now - aware(row.seen_at), now - aware(row.started_at)
            # An admin without two-factor (made admin since signing in) signs in again
            if idle > IDLE or age > LONGEST or next_step(account) == ENROL:
                session.delete(row)
                return None
            row.seen_at = now
            return account

    def pending(self, token: str, stage: str) -> Account | None:
        """The account whose password opened this session, if its next step is stage and
        the 5 minutes for it have not run out."""
        now = self.store.clock()
        with Session(self.engine) as session:
            found = self._row(session, token)
        if found is None or found[0].stage != stage:
            return None
        row, account = found
        if now - aware(row.started_at) > PENDING or next_step(account) != stage:
            return None
        return account

    def promote(self, token: str) -> str | None:
        """The second step is done: a new token for a signed-in session in place of the
        pending one (None if that was ended meanwhile)."""
        with Session(self.engine) as session, session.begin():
            found = self._row(session, token)
            if found is None or found[0].stage == SIGNED_IN:
                return None
            session.delete(found[0])
            account_id = found[1].id
        return self._open(account_id, SIGNED_IN)

    def end_everywhere(self, token: str) -> None:
        """Sign out: this session's account is signed out of every browser."""
        with Session(self.engine) as session, session.begin():
            found = self._row(session, token)
            if found is not None:
                end_sessions(session, found[1].id)

    def _open(self, account_id: int, stage: str) -> str:
        token = secrets.token_urlsafe(32)
        now = self.store.clock()
        with Session(self.engine) as session, session.begin():
            # Sessions that have run out are of no use to anyone: cleared as new ones open
            session.execute(
                delete(ConsoleSession).where(
                    or_(
                        ConsoleSession.started_at < now - LONGEST,
                        ConsoleSession.seen_at < now - IDLE,
                    )
                )
            )
            session.add(
                ConsoleSession(
                    token_hash=_hash(token),
                    account_id=account_id,
                    stage=stage,
                    started_at=now,
                    seen_at=now,
                )
            )
        return token

    def _row(self, session: Session, token: str) -> tuple[ConsoleSession, Account] | None:
        """The session's row and its account, if the account may sign in at all."""
        query = select(ConsoleSession, StaffAccount).join(StaffAccount)
        found = session.execute(query.where(ConsoleSession.token_hash == _hash(token))).first()
        if found is None or found[1].disabled:
            return None
        return found[0], as_account(found[1])
