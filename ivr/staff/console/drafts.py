"""Apps on draft menus, for the Try pages (a call and a text conversation): built on the
draft (checked as a menu to publish is), sharing the store, never following what is
published; the last few kept by each app, by their text's hash."""

from __future__ import annotations

import hashlib
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from ivr.staff.publish import checked

KEPT = 4


def draft_app(text: str) -> Flask:
    """An app on the draft menu (checked first), sharing the store, never published."""
    key = hashlib.sha256(text.encode()).hexdigest()
    # Kept by the app they try the draft for (its store, its settings), not the process
    drafts: OrderedDict[str, Flask] = current_app.extensions.setdefault(
        "ivr.drafts", OrderedDict()
    )
    if key in drafts:
        drafts.move_to_end(key)
        return drafts[key]
    checked(text, "draft")
    build: Callable[[Mapping[str, Any]], Flask] = current_app.extensions["ivr.build"]
    # The app reads its menu file once, as it is built: the folder goes as soon as it is
    # (one was kept for every draft ever tried)
    with tempfile.TemporaryDirectory(prefix="ivr-draft-") as folder:
        menu_file = Path(folder) / "menus.yaml"
        menu_file.write_text(text, encoding="utf-8")
        config = dict(current_app.config) | {"IVR_MENU": str(menu_file), "FOLLOW_PUBLISHED": False}
        app = build(config)
    drafts[key] = app
    while len(drafts) > KEPT:
        drafts.popitem(last=False)
    return app
