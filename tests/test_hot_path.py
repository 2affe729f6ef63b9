"""What a webhook does beside its answer: no work it need not do, and none unsafe.

Ring tokens come from the operating system's randomness, drawn a block at a time; the
shipped audio is read and hashed once, not at every change of the store nor by every app
a worker makes; a menu's text is checked once in a process, not at every app or version.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ivr.audio import current as prompts_module  # (where shipped files are hashed)
from ivr.audio.prompts import PromptAudio
from ivr.call.tokens import TOKEN, new_token
from ivr.menu import load as load_module
from ivr.menu.load import load_menu, menu_from_text
from ivr.menu.source import MenuError
from tests.helpers import REPO_MENU, prompt_audio


def test_ring_tokens_are_fresh_in_every_thread_and_after_a_fork() -> None:
    tokens = [new_token() for _ in range(2000)]  # more than one block of 4 KB
    assert all(TOKEN.match(t) for t in tokens)
    assert len(set(tokens)) == len(tokens)
    # A forked child holds a copy of the parent's block: it must not hand out the same
    # tokens as the parent (two workers naming two rings alike)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's coverage is not collected
        os.write(write, new_token().encode())
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    in_child = os.read(read, 64).decode()
    os.close(read)
    assert TOKEN.match(in_child)
    assert in_child != new_token()


@pytest.fixture
def shipped(tmp_path: Path) -> PromptAudio:
    """The shipped menu and audio, copied where a test may change them."""
    root = tmp_path / "prompts"
    shutil.copytree(REPO_MENU.parent / "prompts", root)
    return prompt_audio(load_menu(REPO_MENU), root, tmp_path)


@pytest.fixture
def read(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every shipped file hashed from now on, in order."""
    hashed: list[Path] = []
    real = prompts_module.file_hash

    def counted(path: Path) -> str:
        hashed.append(path)
        return real(path)

    monkeypatch.setattr(prompts_module, "file_hash", counted)
    return hashed


def test_shipped_audio_is_hashed_once_while_it_is_unchanged(
    shipped: PromptAudio, read: list[Path]
) -> None:
    first = shipped.current()
    assert len(read) == len(shipped.menu.prompts)
    manifest = shipped.manifest()
    for _ in range(3):  # what a change of the store makes each worker do
        assert shipped._scan()[0] == first
        assert shipped.generated_audio("greeting", manifest) == first["greeting"]
    assert len(read) == len(shipped.menu.prompts)


def test_shipped_audio_changed_on_disk_is_read_again(shipped: PromptAudio) -> None:
    manifest = shipped.manifest()
    greeting = shipped.generated_audio("greeting", manifest)
    assert greeting is not None
    # Same size, other bytes (a damaged copy): no longer the manifest's audio
    data = bytearray(greeting.path.read_bytes())
    data[-1] ^= 0xFF
    greeting.path.write_bytes(bytes(data))
    os.utime(greeting.path, ns=(1, 1))
    assert shipped.generated_audio("greeting", manifest) is None
    # Gone, or a folder in its place: none either
    greeting.path.unlink()
    assert shipped.generated_audio("greeting", manifest) is None
    greeting.path.mkdir()
    assert shipped.generated_audio("greeting", manifest) is None


def test_a_second_app_on_the_same_audio_hashes_none_of_it_again(
    shipped: PromptAudio, tmp_path: Path, read: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = shipped.current()
    hashed = len(read)
    assert hashed == len(shipped.menu.prompts)
    again = prompt_audio(shipped.menu, shipped.root, tmp_path / "another")
    assert again.current() == first
    assert len(read) == hashed
    # Files elsewhere are hashed; past the bound the memo is forgotten, not kept for ever
    monkeypatch.setattr(prompts_module, "_HASHES_KEPT", 10)
    shutil.copytree(shipped.root, tmp_path / "copied")
    elsewhere = prompt_audio(shipped.menu, tmp_path / "copied", tmp_path / "a third")
    assert elsewhere.current().keys() == first.keys()
    assert len(read) == 2 * hashed
    assert len(prompts_module._HASHES) <= 10


def test_a_menu_text_is_checked_once_a_changed_or_broken_one_every_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    real = load_module.check_source

    def counted(source: object) -> object:
        checked.append(getattr(source, "name", ""))
        return real(source)  # type: ignore[arg-type]

    monkeypatch.setattr(load_module, "check_source", counted)
    load_module._checked.cache_clear()
    text = REPO_MENU.read_text(encoding="utf-8")
    copied = tmp_path / "menus.yaml"
    copied.write_text(text, encoding="utf-8")
    first = load_menu(REPO_MENU)
    assert load_menu(copied) is first  # the same text under the same name
    assert menu_from_text(text) is first
    assert checked == ["menus.yaml"]
    # Another name: its own menu, its warnings located in it
    assert menu_from_text(text, "menu version 3").source == "menu version 3"
    # A changed text is checked and built again, and says what it says now
    assert "Hang up and dial" in first.prompts["greeting"]
    copied.write_text(text.replace("Hang up and dial", "Hang up now, dial", 1), encoding="utf-8")
    assert "Hang up now, dial" in load_menu(copied).prompts["greeting"]
    assert len(checked) == 3
    # A broken one is refused each time it is asked: no refusal is kept
    for _ in range(2):
        with pytest.raises(MenuError):
            menu_from_text(text + "\n  - : [\n")
    assert len(checked) == 5
