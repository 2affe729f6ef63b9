"""Helplines that pressed 1, noted by the helpline's leg for the caller's leg to read.

Twilio usually tells the caller's leg (DialBridged); when it does not, the helpline's leg
may have been answered by another instance, so the note lives in the store. A note is a
random token and a time, read once and gone, and none outlives KEEP.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ivr.store.changes import Store
from ivr.store.models import DialNote

KEEP = timedelta(hours=3)  # far longer than any ring


class DialNotes:
    """The store's notes, as the call flow's AcceptedDials wants them."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def mark(self, token: str) -> None:
        """The helpline pressed 1 on this ring."""
        now = self.store.clock()
        with Session(self.store.engine) as session, session.begin():
            session.execute(delete(DialNote).where(DialNote.at < now - KEEP))
            session.merge(DialNote(token=token, at=now))

    def taken(self, token: str) -> bool:
        """Whether the helpline pressed 1 on this ring; the note is gone once read."""
        with Session(self.store.engine) as session, session.begin():
            note = session.get(DialNote, token)
            if note is None:
                return False
            session.delete(note)
            return True
