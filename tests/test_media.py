"""Audio routes: unsigned GETs, content-hashed, cached for ever, nothing else served."""

from __future__ import annotations

import pytest
from flask import Flask

from ivr.audio.prompts import PromptAudio


@pytest.fixture
def greeting_url(app: Flask) -> str:
    store: PromptAudio = app.extensions["ivr.line"].prompts
    url = store.audio_url("greeting")
    assert url
    return url


def test_audio_is_served_with_caching_headers(app: Flask, greeting_url: str) -> None:
    with app.test_client().get(greeting_url) as response:
        assert response.status_code == 200
        assert response.mimetype == "audio/wav"
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        store: PromptAudio = app.extensions["ivr.line"].prompts
        assert response.headers["ETag"] == f'"{store.current()["greeting"].sha256}"'
        assert response.get_data()[:4] == b"RIFF"
        etag = response.headers["ETag"]
    with app.test_client().get(greeting_url, headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304


@pytest.mark.parametrize(
    "path",
    [
        "/audio/greeting.0000000000000000.wav",  # an old or made-up hash
        "/audio/nothing.0000000000000000.wav",
        "/audio/greeting.wav",
        "/audio/",
        "/audio/..%2F..%2Fmenus.yaml",
        "/audio/../menus.yaml",
        "/audio/%2e%2e%2fprompts%2fgenerated%2fmanifest.json",
        "/audio/manifest.json",
        "/audio/changes.log",
    ],
)
def test_nothing_but_current_prompt_audio(app: Flask, path: str) -> None:
    with app.test_client().get(path) as response:
        assert response.status_code in (403, 404)
        assert b"RIFF" not in response.get_data()


def test_an_audio_failure_plays_the_prompts_audio_now(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twilio ends the call with an application error for a <Play> it cannot fetch: the
    prompt's audio now stands in, for this fetch only (never cached as the URL's own)."""

    def broken(name: str) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(app.extensions["ivr.line"].prompts, "find", broken)
    with app.test_client().get("/audio/greeting.0123456789abcdef.wav") as answer:
        assert (answer.status_code, answer.mimetype) == (200, "audio/wav")
        assert answer.headers["Cache-Control"] == "no-store"
        assert answer.get_data()[:4] == b"RIFF"
    with app.test_client().get("/audio/nothing.0123456789abcdef.wav") as answer:
        assert answer.status_code == 404  # no such prompt: nothing to stand in
