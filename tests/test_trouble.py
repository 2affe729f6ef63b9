"""What staff are told when the database fails a change: the same words at every door."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from sqlalchemy.exc import IntegrityError, InternalError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ivr.store import deadline, pg, trouble


class ReadOnly(psycopg.errors.ReadOnlySqlTransaction):
    """As psycopg raises it for a read-only database (its sqlstate comes from the server)."""

    sqlstate = "25006"


def wrapped(inner: BaseException, kind: type[Exception] = OperationalError) -> Exception:
    return kind("INSERT INTO closure VALUES (...)", {}, inner)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("error", "console", "terminal"),
    [
        (
            wrapped(Exception("connection refused")),
            "Not saved: the database cannot be reached. Nothing has changed; try again in a minute.",
            "nothing was saved: the database cannot be reached (Exception)",
        ),
        (
            wrapped(pg.NoAnswer("the database did not answer within 3 s")),
            "Not saved: the database did not answer in time. Nothing has changed; try again in a minute.",
            "nothing was saved: the database did not answer in time (NoAnswer)",
        ),
        (
            wrapped(psycopg.errors.ConnectionTimeout("connection timeout expired")),
            "Not saved: the database did not answer in time. Nothing has changed; try again in a minute.",
            "nothing was saved: the database did not answer in time (ConnectionTimeout)",
        ),
        (
            PoolTimeout("QueuePool limit of size 5 overflow 10 reached"),
            "Not saved: the database did not answer in time. Nothing has changed; try again in a minute.",
            "nothing was saved: the database did not answer in time (TimeoutError)",
        ),
        (
            deadline.NoAnswer("reading: the database did not answer within 1 s"),
            "Not saved: the database did not answer in time. Nothing has changed; try again in a minute.",
            "nothing was saved: the database did not answer in time (NoAnswer)",
        ),
        (
            wrapped(pg.NoAnswerToCommit("the database did not answer within 3 s")),
            "Perhaps saved, perhaps not: the database stopped answering as the change was "
            "being saved. Look at the audit log in a minute before trying again.",
            "perhaps saved, perhaps not: the database stopped answering as the change was "
            "being saved (NoAnswerToCommit); look at the audit log",
        ),
        (
            wrapped(ReadOnly("cannot execute INSERT in a read-only transaction"), InternalError),
            "Not saved: the database is taking no changes just now (it is read-only). "
            "Nothing has changed; try again later.",
            "nothing was saved: the database is taking no changes just now (it is read-only) "
            "(ReadOnly)",
        ),
        (
            wrapped(sqlite3.OperationalError("attempt to write a readonly database")),
            "Not saved: the database is taking no changes just now (it is read-only). "
            "Nothing has changed; try again later.",
            "nothing was saved: the database is taking no changes just now (it is read-only) "
            "(OperationalError)",
        ),
        (
            wrapped(sqlite3.IntegrityError("UNIQUE constraint failed"), IntegrityError),
            "Not saved: the database refused the change. Nothing has changed; the log says why.",
            "nothing was saved: the database refused the change (IntegrityError)",
        ),
    ],
)
def test_each_failure_is_said_plainly(error: Exception, console: str, terminal: str) -> None:
    assert trouble.not_saved(error) == console
    assert trouble.at_terminal(error) == terminal


def test_the_log_gets_the_drivers_first_line_without_the_statement() -> None:
    error = wrapped(psycopg.errors.UniqueViolation("duplicate key\nDETAIL: Key (email)=(x)"))
    assert trouble.reason(error) == "UniqueViolation: duplicate key"
    assert trouble.reason(wrapped(Exception(""))) == "Exception: no reason given"
