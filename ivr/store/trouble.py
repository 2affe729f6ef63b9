"""What went wrong with the database, in words staff can act on: never SQL or a traceback.

Every door (console, terminal) says the same of the same failure: whether the change was
saved (nothing was, except when the database stopped answering as it committed: then it
may have been, whole), why, and what to do.
"""

from __future__ import annotations

import psycopg
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ivr.store import deadline, pg

UNREACHABLE = "unreachable"
NO_ANSWER = "no answer"
NO_ANSWER_TO_COMMIT = "no answer to commit"
READ_ONLY = "read-only"
REFUSED = "refused"

WHAT = {
    UNREACHABLE: "the database cannot be reached",
    NO_ANSWER: "the database did not answer in time",
    NO_ANSWER_TO_COMMIT: "the database stopped answering as the change was being saved",
    READ_ONLY: "the database is taking no changes just now (it is read-only)",
    REFUSED: "the database refused the change",
}
ADVICE = {
    UNREACHABLE: "try again in a minute",
    NO_ANSWER: "try again in a minute",
    READ_ONLY: "try again later",
    REFUSED: "the log says why",
}
READ_ONLY_STATE = "25006"  # PostgreSQL's read_only_sql_transaction


def original(error: BaseException) -> BaseException:
    """The driver's own exception, inside SQLAlchemy's."""
    inner = getattr(error, "orig", None)
    return inner if isinstance(inner, BaseException) else error


def kind(error: BaseException) -> str:
    """Which of the failures above error is."""
    inner = original(error)
    if isinstance(inner, pg.NoAnswerToCommit):
        return NO_ANSWER_TO_COMMIT
    slow = (pg.NoAnswer, deadline.NoAnswer, psycopg.errors.ConnectionTimeout, PoolTimeout)
    if isinstance(inner, slow) or isinstance(error, PoolTimeout):
        return NO_ANSWER
    said = str(inner).lower()
    if getattr(inner, "sqlstate", None) == READ_ONLY_STATE or "readonly database" in said:
        return READ_ONLY
    if isinstance(error, OperationalError | InterfaceError | DisconnectionError):
        return UNREACHABLE
    return REFUSED


def reason(error: BaseException) -> str:
    """The driver's words, first line only (no statement, no values): for the log."""
    inner = original(error)
    lines = str(inner).strip().splitlines()
    return f"{type(inner).__name__}: {lines[0] if lines else 'no reason given'}"


def not_saved(error: BaseException) -> str:
    """What a member of staff is told when a change met error."""
    found = kind(error)
    if found == NO_ANSWER_TO_COMMIT:
        return (
            f"Perhaps saved, perhaps not: {WHAT[found]}. Look at the audit log in a minute "
            "before trying again."
        )
    return f"Not saved: {WHAT[found]}. Nothing has changed; {ADVICE[found]}."


def at_terminal(error: BaseException) -> str:
    """The same, as `ivr` says it (with the driver's name for the failure)."""
    found, name = kind(error), type(original(error)).__name__
    if found == NO_ANSWER_TO_COMMIT:
        return f"perhaps saved, perhaps not: {WHAT[found]} ({name}); look at the audit log"
    return f"nothing was saved: {WHAT[found]} ({name})"
