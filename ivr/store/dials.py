"""Helplines that pressed 1, noted by the helpline's leg for the caller's leg to read.

Twilio usually tells the caller's leg (DialBridged); when it does not, the helpline's leg
may have been answered by another instance, so the note lives in the store. A note is a
random token and a time, read once and gone, and none outlives KEEP.

Both legs are webhooks a caller waits on, so each read and write has a deadline
(ivr.store.deadline): past it, NoAnswer, which the call flow takes as "not known".
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ivr.store import trouble
from ivr.store.changes import Store
from ivr.store.deadline import Deadline
from ivr.store.models import DialNote

log = logging.getLogger(__name__)
KEEP = timedelta(hours=3)  # far longer than any ring


class DialNotes:
    """The store's notes, as the call flow's AcceptedDials wants them."""

    def __init__(self, store: Store, deadline: Deadline | None = None) -> None:
        self.store = store
        self.deadline = deadline or Deadline()

    def mark(self, token: str) -> None:
        """The helpline pressed 1 on this ring."""
        self.deadline.run(lambda: self._mark(token), "noting that a helpline accepted")

    def taken(self, token: str) -> bool:
        """Whether the helpline pressed 1 on this ring; the note is gone once read."""
        return self.deadline.run(lambda: self._taken(token), "reading whether a helpline accepted")

    def _mark(self, token: str) -> None:
        now = self.store.clock()
        with Session(self.store.engine) as session, session.begin():
            session.execute(delete(DialNote).where(DialNote.at < now - KEEP))
            session.merge(DialNote(token=token, at=now))

    def _taken(self, token: str) -> bool:
        with Session(self.store.engine) as session:
            if session.get(DialNote, token) is None:
                return False
            try:
                session.execute(delete(DialNote).where(DialNote.token == token))
                session.commit()
            except SQLAlchemyError as e:
                # Read but kept (a read-only database): it goes with the others after KEEP
                log.warning(
                    "a helpline's note was read but could not be deleted (%s)", trouble.reason(e)
                )
            return True
