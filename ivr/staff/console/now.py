"""Now: who is open, the live menu version (and why, if it is not the newest), prompts that
need attention, the last changes."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from ivr.audio.prompts import PromptAudio
from ivr.call.availability import states
from ivr.menu.translations import progress, unconfirmed
from ivr.staff.console.health import watch_page
from ivr.staff.console.web import availability, line, live, needs, prompt_audio, store
from ivr.store.changes import Store
from ivr.store.reviews import Reviews


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/", "now", needs("viewer")(now))


def attention(prompts: PromptAudio, takes_store: Store) -> list[tuple[str, str]]:
    """(prompt id, what needs doing) for prompts without audio, stale, or with a take
    recorded but not yet made live."""
    found = []
    held = takes_store.held()
    for prompt_id in prompts.menu.prompts:
        status = prompts.status(prompt_id)
        if status == "missing":
            found.append((prompt_id, "no audio: callers hear Twilio's voice"))
        elif status == "stale":
            found.append((prompt_id, "its words changed since its speech was made"))
        if prompt_id in held:
            found.append((prompt_id, "a take is waiting to be listened to and made live"))
    return found


def now() -> str:
    clock = current_app.config["CLOCK"]
    moment = clock()
    published = line().follower
    menu = prompt_audio().menu
    confirmations = Reviews(store()).confirmations()
    return render_template(
        "console/now.html",
        moment=moment,
        states=states(availability(), moment),
        version=published.number,
        skipped=published.skipped(),
        reachable=live().reachable,
        attention=attention(prompt_audio(), store()),
        unconfirmed=unconfirmed(menu, confirmations),
        progress={
            menu.languages[code].name: done for code, done in progress(menu, confirmations).items()
        },
        languages=prompt_audio().menu.languages,
        changes=store().audit(limit=10),
        **watch_page(),
    )
