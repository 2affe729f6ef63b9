"""Staff recordings from a file: import, revert, list, and every refusal."""

from __future__ import annotations

import io
import subprocess
import wave
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ivr.commands.main import main
from ivr.commands.options import cli_store
from tests.helpers import REPO_MENU, SMALL_MENU, TEST_DATABASE_URL, tone


@pytest.fixture
def run(
    tmp_path: Path, write_menu: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., object]:
    menu = write_menu(SMALL_MENU)
    monkeypatch.setenv("DATABASE_URL", TEST_DATABASE_URL or f"sqlite:///{tmp_path / 's.db'}")
    monkeypatch.setenv("STATE_DIR", str(tmp_path / "state"))

    def run(*args: str) -> object:
        options = ["--menu", str(menu), "--dir", str(tmp_path / "prompts")]
        return CliRunner().invoke(main, ["prompts", *args, *options])

    return run


def test_import_a_wav_at_any_rate_then_revert(run: Callable[..., object], tmp_path: Path) -> None:
    source = tone(tmp_path / "staff take.wav", seconds=1.5, rate=44100, channels=2)
    result = run("import", "goodbye", str(source))
    assert result.exit_code == 0, result.output
    assert result.output == "goodbye: now plays staff take.wav (1.5 s)\n"
    store = cli_store()
    live = store.snapshot().live["goodbye"]
    sound = store.audio(live.sha256)
    assert sound is not None
    with wave.open(io.BytesIO(sound), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
    listing = run("list")
    assert (
        " goodbye " in listing.output
        and "recorded" in listing.output.split("goodbye")[1].split("\n")[0]
    )
    result = run("revert", "goodbye")
    assert (result.exit_code, result.output) == (0, "goodbye: back to generated speech\n")
    assert "goodbye" not in store.snapshot().live
    log = [(e.channel, e.kind, e.subject, e.after) for e in reversed(store.audit())]
    assert log == [
        ("cli", "prompt", "goodbye", f"recorded {live.sha256[:16]} (1.5 s)"),
        ("cli", "prompt", "goodbye", "generated speech"),
    ]
    # The take is kept: it can be made live again
    assert [t.sha256 for t in store.takes("goodbye")] == [live.sha256]
    listed = run("takes", "goodbye").output
    assert listed.split()[0] == str(live.id) and "(live)" not in listed
    again = run("revert", "goodbye", "--to", str(live.id))
    assert again.output.startswith(f"goodbye: now plays take {live.id} again (by cli:")
    assert store.snapshot().live["goodbye"].id == live.id
    assert "(live)" in run("takes", "goodbye").output
    wrong = run("revert", "goodbye", "--to", "999999")
    assert (wrong.exit_code, wrong.output) == (
        1,
        "Error: goodbye has no take 999999 (see `ivr prompts takes goodbye`)\n",
    )
    assert run("takes", "greeting").output == (
        "greeting: no recorded take (it plays generated speech)\n"
    )
    assert run("takes", "nope").exit_code == 1


def test_import_an_mp3(run: Callable[..., object], tmp_path: Path) -> None:
    wav = tone(tmp_path / "t.wav", seconds=4)
    mp3 = tmp_path / "take.mp3"
    subprocess.run(["sox", str(wav), str(mp3)], check=True)
    result = run("import", "greeting", str(mp3))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("greeting: now plays take.mp3 (4.")
    # Where 999 falls in a recording is not known from its words: no guess
    listing = run("list").output
    assert "seconds before a caller hears 999: unknown (the greeting is a recording)" in listing


def cut_short(path: Path) -> None:
    """A WAV whose header promises 3 s but whose data stops after 0.17 s."""
    full = tone(path, seconds=3, rate=44100, channels=1).read_bytes()
    path.write_bytes(full[: 44 + int(0.17 * 44100) * 2])


@pytest.mark.parametrize(
    ("prompt_id", "make", "message"),
    [
        (
            "greeting",
            lambda p: p.write_text("not audio at all"),
            "Error: take.wav could not be read as sound (",
        ),
        (
            "greeting",
            lambda p: tone(p, level=0),
            "Error: take.wav is silent: nothing was changed\n",
        ),
        (
            "greeting",
            lambda p: tone(p, seconds=121, rate=8000, channels=1),
            "Error: take.wav lasts 121 s: a prompt may last 120 s at most\n",
        ),
        (
            "node.nowhere",
            lambda p: tone(p),
            "Error: unknown prompt 'node.nowhere' (see `ivr prompts list` for the ids)\n",
        ),
        (
            "greeting",
            cut_short,
            "Error: take.wav is cut short: it stops after 0.2 s of the 3.0 s it says it lasts "
            "(a damaged or unfinished file); nothing was changed\n",
        ),
        (
            "greeting",
            lambda p: tone(p, seconds=5, level=32767),
            "Error: take.wav is clipped: ",
        ),
        (
            "greeting",
            lambda p: tone(p, seconds=2),
            "Error: take.wav lasts 2.0 s, but its words take about 5 s to say (at least 2.2 s "
            "needed): words are missing. Nothing was changed\n",
        ),
    ],
    ids=["not audio", "silent", "too long", "unknown id", "cut short", "clipped", "too short"],
)
def test_bad_imports_change_nothing(
    run: Callable[..., object],
    tmp_path: Path,
    prompt_id: str,
    make: Callable[[Path], object],
    message: str,
) -> None:
    source = tmp_path / "take.wav"
    make(source)
    result = run("import", prompt_id, str(source))
    assert result.exit_code == 1
    assert result.output.startswith(message)
    assert cli_store().takes("greeting") == []


def test_revert_without_a_recording(run: Callable[..., object]) -> None:
    result = run("revert", "greeting")
    assert (result.exit_code, result.output) == (1, "Error: greeting has no recording to revert\n")
    result = run("revert", "nope")
    assert result.exit_code == 1


def test_list_shows_numbers_status_and_caller_times(run: Callable[..., object]) -> None:
    result = run("list")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["no", "prompt", "status", "seconds"]
    assert lines[1].split()[:3] == ["1", "greeting", "missing"]
    assert lines[1].endswith("(estimate)")
    assert "seconds before a caller hears 999: " in result.output
    assert "seconds to Refuge (keys 1): " in result.output
    assert "seconds to the National Domestic Abuse Helpline (keys 0): " in result.output


def test_a_broken_menu(tmp_path: Path, write_menu: Callable[[str], Path]) -> None:
    menu = write_menu(SMALL_MENU.replace("0800 085 3481", "0800 08"))
    result = CliRunner().invoke(main, ["prompts", "list", "--menu", str(menu)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: menus.yaml:7: helplines.refuge_derby.number")


def test_a_fluent_speakers_take_for_a_prompt_in_another_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A language's prompts are recorded exactly as English ones: by their id."""
    monkeypatch.setenv("DATABASE_URL", TEST_DATABASE_URL or f"sqlite:///{tmp_path / 's.db'}")
    monkeypatch.setenv("STATE_DIR", str(tmp_path / "state"))

    def run(*args: str) -> Result:
        options = ["--menu", str(REPO_MENU), "--dir", str(REPO_MENU.parent / "prompts")]
        return CliRunner().invoke(main, ["prompts", *args, *options])

    source = tone(tmp_path / "polish greeting.wav", seconds=12)
    result = run("import", "pl.greeting", str(source))
    assert result.exit_code == 0, result.output
    assert result.output == "pl.greeting: now plays polish greeting.wav (12.0 s)\n"
    assert "pl.greeting" in cli_store().snapshot().live
    listing = run("list").output
    line = next(row for row in listing.splitlines() if " pl.greeting " in row)
    assert "recorded" in line and "words not yet checked" in line
    assert "999 after choosing Polish: unknown (the greeting is a recording)" in listing
    assert "999 after choosing Romanian: 5." in listing
