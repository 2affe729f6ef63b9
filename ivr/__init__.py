"""Derbyshire Victim Services phone line: a Twilio IVR served by Flask."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ivr.errors import IvrError

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["create_app", "IvrError"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; refuse to start without an auth token or with a broken menu."""
    # Imported here so that `ivr check` and friends start without loading Flask
    from ivr.app import build_app

    return build_app(config)
