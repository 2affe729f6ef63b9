"""The text line under the fault test's faults (issue 20): with the database stopped,
paused or read-only, every text is answered within 2 s from the worker's own copy of the
menu, and its counts wait in memory until the database is back."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ivr import create_app
from ivr.call import conversation
from ivr.store.changes import Store
from ivr.store.db import make_engine
from ivr.store.models import CallCount
from ivr.store.rows import Who
from tests.helpers import BASE, REPO_MENU, config, sign, within
from tests.helpers.own_postgres import OwnPostgres, own_postgres

TEXT_ANSWER_SECONDS = 2.0
# A conversation: the welcome, a menu, a helplines reply by keys, the 24/7 line
CONVERSATION = ("hi", "2", "21", "0")


@pytest.fixture(scope="module")
def server() -> Iterator[OwnPostgres]:
    with own_postgres() as made:
        yield made


def fault(server: OwnPostgres, url: str, mode: str) -> AbstractContextManager[None]:
    if mode == "stopped":
        return server.stopped()
    if mode == "paused":
        return server.paused()
    return server.read_only(url)


def texts_answered_in_time(app: Flask) -> None:
    client = app.test_client()
    for body in CONVERSATION:
        data = {"MessageSid": "SM" + "4" * 32, "From": "+447700900456", "Body": body}
        headers = {"X-Twilio-Signature": sign(BASE + "/sms", data)}
        answer = within(
            TEXT_ANSWER_SECONDS,
            lambda d=data, h=headers: client.post("/sms", data=d, headers=h),
            body,
        )
        assert answer.status_code == 200, body
        (message,) = ET.fromstring(answer.data)
        assert message.tag == "Message" and message.text, body
        assert "failed" not in message.text


def texts_counted(url: str) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        query = select(func.sum(CallCount.count)).where(CallCount.metric == conversation.TEXT)
        found = int(session.scalar(query) or 0)
    engine.dispose()
    return found


@pytest.mark.parametrize("mode", ["stopped", "paused", "read-only"])
def test_texts_are_answered_whatever_the_database_does(
    server: OwnPostgres, tmp_path: Path, mode: str
) -> None:
    url = server.database()
    texted_through_a_fault(server, url, mode, tmp_path)
    # Counted once the database is back: none lost while it was away
    assert texts_counted(url) == 3 * len(CONVERSATION)
    # (The app's connections are closed as the test ends, once its threads have stopped:
    # closed here, one its count writer held just then went back to a pool nobody closed)


def texted_through_a_fault(server: OwnPostgres, url: str, mode: str, tmp_path: Path) -> None:
    """Texts before, during and after the fault; the app's counts written."""
    app = create_app(config(tmp_path, DATABASE_URL=url))
    store: Store = app.extensions["ivr.store"]
    store.publish(REPO_MENU.read_text(encoding="utf-8"), Who("test", "cli"))
    app.extensions["ivr.live"].refresh()
    texts_answered_in_time(app)
    with fault(server, url, mode):
        texts_answered_in_time(app)
    texts_answered_in_time(app)
    app.extensions["ivr.tally"].flush()
