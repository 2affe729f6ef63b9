"""The README is the staff's reference: it must name every command, setting and prompt."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from ivr.cli import main
from ivr.menu import DEFAULT_PROMPTS, Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", [f.name for f in fields(Settings)])
def test_every_setting_is_documented(name: str) -> None:
    assert f"`{name}`" in README


@pytest.mark.parametrize("name", list(DEFAULT_PROMPTS))
def test_every_prompt_is_documented(name: str) -> None:
    assert f"`{name}`" in README


@pytest.mark.parametrize("name", list(main.commands))
def test_every_command_is_documented(name: str) -> None:
    assert f"`ivr {name}" in README


def test_ci_runs_the_readme_test_command() -> None:
    command = re.search(r"^(pip install -e '\.\[test\]' && pytest)", README, re.M)
    assert command
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert command.group(1) in ci.splitlines()


def test_procfile_serves_the_app_on_port() -> None:
    procfile = (ROOT / "Procfile").read_text(encoding="utf-8")
    assert procfile.startswith("web: gunicorn --bind 0.0.0.0:$PORT ")
    assert procfile.rstrip().endswith("'ivr:create_app()'")


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "ivr", "tests", "bench"],
        ["ruff", "format", "--check", "ivr", "tests", "bench"],
        ["mypy"],
    ],
    ids=["ruff", "ruff-format", "mypy"],
)
def test_lint(command: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
