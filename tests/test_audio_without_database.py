"""Every <Play> the line hands out answers with audio, the database up or not (issue 20,
item 10).

Twilio ends a call with an application error for a <Play> it cannot fetch, so a take is
copied into each instance's own cache before that instance hands out its URL, and audio
URLs are answered from there: a take made live, then the database stopped, and every
caller still hears the greeting (and 999 in it).
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine

from ivr import create_app
from ivr.audio.prompts import PromptAudio
from ivr.store.changes import Store
from ivr.store.rows import Who
from tests.helpers import BASE, TEST_DATABASE_URL, call_params, config, sign, tone

CLI = Who("test", "cli")


def stop_database(app: Flask, tmp_path: Path) -> None:
    """The store's engine now points at a database that is not there (nothing answers on
    port 1; an SQLite file in a folder that does not exist cannot be opened)."""
    dead = (
        "postgresql+psycopg://ivr:ivr@127.0.0.1:1/gone"
        if TEST_DATABASE_URL
        else f"sqlite:///{tmp_path / 'no such folder' / 'gone.sqlite3'}"
    )
    store: Store = app.extensions["ivr.store"]
    store.engine = create_engine(
        dead, connect_args={"connect_timeout": 1} if TEST_DATABASE_URL else {}
    )


def elsewhere(app: Flask, tmp_path: Path) -> PromptAudio:
    """Another instance of the line on the same database: its own folders, its own cache."""
    store: Store = app.extensions["ivr.store"]
    prompts: PromptAudio = app.extensions["ivr.line"].prompts
    here = Store(store.engine)
    return PromptAudio(prompts.menu, prompts.root, here, here.snapshot, tmp_path / "other-cache")


def voice_answer(app: Flask) -> ET.Element:
    params = call_params()
    headers = {"X-Twilio-Signature": sign(BASE + "/voice", params)}
    answer = app.test_client().post("/voice", data=params, headers=headers)
    assert (answer.status_code, answer.mimetype) == (200, "text/xml")
    return ET.fromstring(answer.get_data(as_text=True))


def fetched(app: Flask, url: str) -> tuple[int, str, bytes]:
    with app.test_client().get(url) as answer:
        return answer.status_code, answer.mimetype, answer.get_data()[:4]


def test_a_take_made_live_then_the_database_stops(tmp_path: Path) -> None:
    app = create_app(config(tmp_path))
    prompts: PromptAudio = app.extensions["ivr.line"].prompts
    shipped = prompts.audio_url("greeting")
    # Made live on another instance; this one's poller then sees it
    elsewhere(app, tmp_path).install("greeting", tone(tmp_path / "take.wav", 12), CLI)
    app.extensions["ivr.live"].refresh()
    take = app.extensions["ivr.store"].snapshot().live["greeting"]
    take_url = prompts.audio_url("greeting")
    assert take_url is not None and take_url != shipped
    assert take.sha256[:16] in take_url
    stop_database(app, tmp_path)
    urls = [verb.text or "" for verb in voice_answer(app).iter("Play")]
    assert take_url in urls
    assert {url: fetched(app, url) for url in urls} == {
        url: (200, "audio/wav", b"RIFF") for url in urls
    }


def test_a_take_not_yet_on_this_instance_is_not_handed_out(tmp_path: Path) -> None:
    """Until its sound is here, a prompt plays its generated speech: that URL answers
    without the database."""
    app = create_app(config(tmp_path))
    prompts: PromptAudio = app.extensions["ivr.line"].prompts
    shipped = prompts.audio_url("greeting")
    other = elsewhere(app, tmp_path)
    other.install("greeting", tone(tmp_path / "take.wav", 12), CLI)
    # A third instance that has the snapshot naming the take, but not yet its sound
    snapshot = other.store.snapshot()
    third = PromptAudio(prompts.menu, prompts.root, other.store, lambda: snapshot, tmp_path / "c3")
    assert third.current()["greeting"].kind == "recorded"  # what the store says plays
    assert third.audio_url("greeting") == shipped  # what this instance hands out
    stop_database(app, tmp_path)
    assert fetched(app, shipped or "") == (200, "audio/wav", b"RIFF")


def test_old_and_unknown_audio_urls_while_the_database_is_down(tmp_path: Path) -> None:
    """A call may hold the URL of the take before: it is served from this instance's cache.
    A URL of a prompt's sound that is nowhere here gets what the prompt plays now, for this
    fetch only."""
    app = create_app(config(tmp_path))
    prompts: PromptAudio = app.extensions["ivr.line"].prompts
    live = app.extensions["ivr.live"]
    other = elsewhere(app, tmp_path)
    other.install("greeting", tone(tmp_path / "one.wav", 12), CLI)
    live.refresh()
    old = prompts.audio_url("greeting") or ""
    other.install("greeting", tone(tmp_path / "two.wav", 13), CLI)
    live.refresh()
    new = prompts.audio_url("greeting") or ""
    assert old != new
    stop_database(app, tmp_path)
    with app.test_client().get(old) as answer:
        assert (answer.status_code, answer.headers["ETag"].strip('"')[:16]) == (
            200,
            old.split(".")[-2],
        )
        assert answer.headers["Cache-Control"].endswith("immutable")
    nowhere = "/audio/greeting.0123456789abcdef.wav"
    with app.test_client().get(nowhere) as answer:
        assert (answer.status_code, answer.mimetype) == (200, "audio/wav")
        assert answer.headers["ETag"].strip('"')[:16] == new.split(".")[-2]
        assert answer.headers["Cache-Control"] == "no-store"
    with app.test_client().get("/audio/no_such_prompt.0123456789abcdef.wav") as answer:
        assert answer.status_code == 404


def test_a_cache_that_cannot_be_written_is_said_and_the_line_plays_speech(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(config(tmp_path))
    prompts: PromptAudio = app.extensions["ivr.line"].prompts
    shipped = prompts.audio_url("greeting")
    prompts.cache.parent.mkdir(parents=True, exist_ok=True)
    prompts.cache.write_text("a file where the cache folder should be")
    with caplog.at_level(logging.ERROR):
        prompts.install("greeting", tone(tmp_path / "take.wav", 12), CLI)
        app.extensions["ivr.live"].refresh()
    assert prompts.audio_url("greeting") == shipped
    assert "greeting" in prompts.store.snapshot().live  # stored: other instances play it
    cache = prompts.cache
    # (Only this module's: the pollers of other tests' apps log too)
    assert [r.getMessage() for r in caplog.records if r.name == "ivr.audio.prompts"] == [
        f"a new take of greeting cannot be kept in {cache} ([Errno 17] File exists: '{cache}')",
        f"the audio of greeting cannot be kept in {cache} ([Errno 17] File exists: '{cache}'): "
        "calls on this instance hear its generated speech until it can",
    ]
    stop_database(app, tmp_path)
    urls = [verb.text or "" for verb in voice_answer(app).iter("Play")]
    assert all(fetched(app, url) == (200, "audio/wav", b"RIFF") for url in urls)
