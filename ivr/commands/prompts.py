"""`ivr prompts`: build, list, import and revert prompt audio."""

from __future__ import annotations

from pathlib import Path

import click

from ivr import paths
from ivr.audio.journeys import before_999, journeys, offered, prompt_seconds
from ivr.audio.prompts import PromptAudio
from ivr.audio.tts import build, speaker_for
from ivr.commands.options import DIR_OPT, MENU_OPT, cli_store, cli_who, fail, menu_or_exit, saving
from ivr.errors import IvrError
from ivr.menu.hours import LONDON
from ivr.menu.translations import prompt_unconfirmed


def _store(menu_file: str, prompts_dir: str) -> PromptAudio:
    store = cli_store()
    with saving():
        snapshot = store.snapshot()
    cache = paths.state_dir().resolve() / "audio"
    return PromptAudio(menu_or_exit(menu_file), Path(prompts_dir), store, lambda: snapshot, cache)


@click.group()
def prompts() -> None:
    """Prompt audio: generated speech and staff recordings."""


@prompts.command("build")
@MENU_OPT
@DIR_OPT
@click.option("--force", is_flag=True, help="Rebuild every prompt, changed or not.")
def build_command(menu_file: str, prompts_dir: str, force: bool) -> None:
    """Synthesise the prompts whose text, voice or rate changed, as telephony WAV."""
    store = _store(menu_file, prompts_dir)
    settings = store.menu.settings
    with click.progressbar(length=len(store.menu.prompts), label="prompts", file=None) as bar:
        try:
            rows = build(
                store,
                lambda: speaker_for(settings),
                force,
                lambda prompt_id: bar.update(1),
            )
        except IvrError as e:
            raise fail(e) from e
    width = max(len(r.prompt_id) for r in rows)
    click.echo(f"{'prompt':<{width}}  {'seconds':>7}  {'bytes':>8}  done")
    for r in rows:
        click.echo(f"{r.prompt_id:<{width}}  {r.seconds:>7.2f}  {r.size:>8}  {r.action}")
    built = sum(r.action == "built" for r in rows)
    click.echo(f"{built} built, {sum(r.action == 'kept' for r in rows)} unchanged")


@prompts.command("list")
@MENU_OPT
@DIR_OPT
def list_command(menu_file: str, prompts_dir: str) -> None:
    """Each prompt's number (for recording by phone), status and length; caller times."""
    store = _store(menu_file, prompts_dir)
    width = max(len(p) for p in store.menu.prompts)
    click.echo(f"{'no':>3}  {'prompt':<{width}}  {'status':<9}  seconds")
    for number, prompt_id in enumerate(store.menu.prompts, 1):
        status = store.status(prompt_id)
        seconds = prompt_seconds(store, prompt_id)
        estimate = "" if status in ("recorded", "generated") else " (estimate)"
        # Words no fluent speaker has checked yet: said so beside each prompt made of them
        check = "  words not yet checked" if prompt_unconfirmed(store.menu, prompt_id) else ""
        line = f"{number:>3}  {prompt_id:<{width}}  {status:<9}  {seconds:6.1f}{estimate}{check}"
        click.echo(line)
    menu = store.menu
    for lang in ("", *menu.languages):
        language = menu.languages[lang].name if lang else ""
        after = f" after choosing {language}" if lang else ""
        greeting = f"{lang}.greeting" if lang else "greeting"
        if store.status(greeting) == "recorded":
            # Where in a recording 999 is said cannot be known from its words: no guess
            unknown = "unknown (the greeting is a recording)"
            click.echo(f"\nseconds before a caller hears 999{after}: {unknown}")
        else:
            seconds = before_999(store, lang)
            click.echo(f"\nseconds before a caller hears 999{after}: {seconds:.1f}")
        for j in journeys(store, lang):
            name = menu.helplines[j.helpline].name
            click.echo(f"seconds to {name}{after} (keys {' '.join(j.keys)}): {j.seconds:.1f}")
    for code, seconds in offered(store).items():
        name = menu.languages[code].name
        click.echo(f"seconds before {name} is offered in {name}: {seconds:.1f}")


@prompts.command("import")
@click.argument("prompt_id")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@MENU_OPT
@DIR_OPT
def import_command(prompt_id: str, file: str, menu_file: str, prompts_dir: str) -> None:
    """Make a staff recording (WAV, MP3, M4A, OGG or WebM, any rate) the live audio of a
    prompt, once it passes the check every take passes."""
    store = _store(menu_file, prompts_dir)
    try:
        with saving():
            kept = store.install(prompt_id, Path(file), cli_who())
    except IvrError as e:
        raise fail(e) from e
    click.echo(f"{prompt_id}: now plays {Path(file).name} ({kept.seconds:.1f} s)")


@prompts.command("revert")
@click.argument("prompt_id")
@click.option(
    "--to", "take", type=int, default=None, help="An earlier take (see `ivr prompts takes`)."
)
@MENU_OPT
@DIR_OPT
def revert_command(prompt_id: str, take: int | None, menu_file: str, prompts_dir: str) -> None:
    """Back to generated speech, or with --to back to any earlier recorded take."""
    store = _store(menu_file, prompts_dir)
    try:
        store.check_id(prompt_id)
        with saving():
            if take is not None:
                made = store.store.make_live(prompt_id, take, cli_who())
                if made is None:
                    message = (
                        f"{prompt_id} has no take {take} (see `ivr prompts takes {prompt_id}`)"
                    )
                    raise click.ClickException(message)
                click.echo(f"{prompt_id}: now plays take {take} again (by {made.made_by})")
                return
            reverted = store.revert(prompt_id, cli_who())
    except IvrError as e:
        raise fail(e) from e
    if not reverted:
        raise click.ClickException(f"{prompt_id} has no recording to revert")
    click.echo(f"{prompt_id}: back to generated speech")


@prompts.command("takes")
@click.argument("prompt_id")
@MENU_OPT
@DIR_OPT
def takes_command(prompt_id: str, menu_file: str, prompts_dir: str) -> None:
    """Every recorded take of a prompt, newest first: who, when, which is live."""
    store = _store(menu_file, prompts_dir)
    try:
        store.check_id(prompt_id)
    except IvrError as e:
        raise fail(e) from e
    with saving():
        takes = store.store.takes(prompt_id)
    if not takes:
        click.echo(f"{prompt_id}: no recorded take (it plays generated speech)")
    for t in takes:
        when = f"{t.made_at.astimezone(LONDON):%Y-%m-%d %H:%M}"
        live = "  (live)" if t.live else ""
        click.echo(f"{t.id:>5}  {when}  {t.made_by}{live}")
