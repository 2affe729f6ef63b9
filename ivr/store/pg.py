"""PostgreSQL connections that stop waiting for a server that does not answer.

A server that is paused (SIGSTOP), swapping or cut off by the network may never answer,
while its kernel (or a box on the way) still acknowledges every packet: then neither the
server's statement_timeout nor TCP keepalives nor libpq's tcp_user_timeout end the wait
(measured on PostgreSQL 15: psycopg waited until the server was resumed). So these
connections give up after `answer_seconds` for any one answer, close themselves and raise
NoAnswer, which SQLAlchemy takes as a lost connection. The server rolls back whatever was
under way when it comes back, unless the COMMIT itself had been sent: then the change may
have been saved, whole (NoAnswerToCommit says so).
"""

from __future__ import annotations

from time import monotonic
from typing import Any, TypeVar

import psycopg
from psycopg.abc import PQGen
from psycopg.rows import TupleRow

RV = TypeVar("RV")
WAIT_INTERVAL = 0.1  # how often psycopg looks up from a wait (as its own default)


class NoAnswer(psycopg.OperationalError):
    """The server did not answer in time; nothing under way was saved."""


class NoAnswerToCommit(NoAnswer):
    """The server did not answer a COMMIT in time: the change may have been saved."""


class Deadlined(psycopg.Connection[TupleRow]):
    """A connection that waits at most answer_seconds for any one answer."""

    answer_seconds = 3.0
    _committing = False

    def commit(self) -> None:
        self._committing = True
        try:
            super().commit()
        finally:
            self._committing = False

    def wait(
        self, gen: PQGen[RV], interval: float = WAIT_INTERVAL, timeout: float | None = None
    ) -> RV:
        limit = self.answer_seconds if timeout is None else min(timeout, self.answer_seconds)
        deadline = monotonic() + limit
        try:
            return super().wait(gen, interval=interval, timeout=limit)
        except psycopg.OperationalError:
            if monotonic() < deadline or self.closed:
                raise  # the server's own error, or a connection already gone
            self.pgconn.finish()
            kind = NoAnswerToCommit if self._committing else NoAnswer
            raise kind(f"the database did not answer within {limit:g} s") from None


def connect(answer_seconds: float, *args: Any, **kwargs: Any) -> Deadlined:
    """psycopg.connect, as SQLAlchemy calls it, for a connection with this limit."""
    connection = Deadlined.connect(*args, **kwargs)
    connection.answer_seconds = answer_seconds
    return connection
