"""Wrong staff PINs, counted once for every instance: five in 15 minutes lock for 15.

Read and counted while the member of staff's call waits: each with a deadline
(ivr.store.deadline); past it, NoAnswer, and the staff line says nothing has changed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

from ivr.store.deadline import Deadline
from ivr.store.models import AuditEntry, Lock, PinFailure, Revision
from ivr.store.rows import aware, utc_now

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCK_FOR = timedelta(minutes=15)
NAME = "staff_pin"
Clock = Callable[[], datetime]


class PinLockout:
    """Recording by phone locks for LOCK_FOR from the MAX_FAILURES-th wrong PIN in WINDOW."""

    def __init__(
        self, engine: Engine, clock: Clock = utc_now, deadline: Deadline | None = None
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.deadline = deadline or Deadline()

    def locked(self) -> bool:
        """True while a lock-out is in force."""
        return self.deadline.run(self._locked, "reading the PIN lock-out")

    def failed(self) -> bool:
        """Count one wrong PIN; True if that locked recording by phone."""
        return self.deadline.run(self._failed, "counting a wrong PIN")

    def clear(self) -> None:
        """A right PIN wipes the count of wrong ones."""
        self.deadline.run(self._clear, "clearing the count of wrong PINs")

    def _locked(self) -> bool:
        with Session(self.engine) as session:
            until = session.scalar(select(Lock.until).where(Lock.name == NAME))
        return until is not None and aware(until) > self.clock()

    def _failed(self) -> bool:
        now = self.clock()
        with Session(self.engine) as session, session.begin():
            # One writer at a time across instances: the count and the lock agree
            session.execute(select(Revision).where(Revision.id == 1).with_for_update())
            session.add(PinFailure(at=now))
            session.execute(delete(PinFailure).where(PinFailure.at <= now - WINDOW))
            session.flush()
            count = session.scalar(select(func.count()).select_from(PinFailure)) or 0
            if count < MAX_FAILURES:
                return False
            session.execute(delete(PinFailure))
            session.merge(Lock(name=NAME, until=now + LOCK_FOR))
            session.add(
                AuditEntry(
                    at=now,
                    who="phone",
                    channel="phone",
                    kind="pin-lock",
                    subject="recording by phone",
                    before="",
                    after=f"locked for {LOCK_FOR.seconds // 60} minutes after "
                    f"{MAX_FAILURES} wrong PINs",
                )
            )
            session.execute(update(Revision).values(number=Revision.number + 1))
            return True

    def _clear(self) -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(delete(PinFailure))
