"""The README is the staff's reference: it must name every command, setting and prompt."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import fields
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.commands.main import main
from ivr.menu.load import load_menu
from ivr.menu.model import DEFAULT_PROMPTS, Settings
from tests.conftest import SMALL_MENU

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
    # The platform's router is the one proxy whose X-Forwarded-* headers are trusted
    assert procfile.startswith(
        "web: TRUSTED_PROXIES=${TRUSTED_PROXIES:-1} gunicorn --bind 0.0.0.0:$PORT "
    )
    # Query strings never reach the access log, and every line has numbers hidden
    assert "--logger-class ivr.logs.RedactingLogger" in procfile
    assert "%(r)s" not in procfile and "%(q)s" not in procfile
    web, release = procfile.splitlines()
    assert web.endswith("'ivr:create_app()'")
    # Each deploy migrates the store before the new web processes start
    assert release == "release: ivr db upgrade"


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


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"^```{kind}\n(.*?)^```$", README, re.M | re.S)


def test_the_readme_menu_example_is_a_working_menu(tmp_path: Path) -> None:
    (example,) = [b for b in _blocks("yaml") if b.startswith("settings:")]
    path = tmp_path / "menus.yaml"
    path.write_text(example, encoding="utf-8")
    menu = load_menu(path)
    assert menu.nodes["main"].options[0].goto == "derby_city"


def test_the_readme_hours_example_works_quoted_or_not(tmp_path: Path) -> None:
    (example,) = [b for b in _blocks("yaml") if b.lstrip().startswith("hours:")]
    menu_text = SMALL_MENU.replace(
        "    number: 0800 085 3481\n", "    number: 0800 085 3481\n" + example
    )
    for text in (menu_text, menu_text.replace("{2026-12-27:", "{'2026-12-27':")):
        path = tmp_path / "menus.yaml"
        path.write_text(text, encoding="utf-8")
        hours = load_menu(path).helplines["refuge_derby"].hours
        assert hours is not None and date(2026, 12, 27) in hours.open_dates


def test_the_readme_error_example_is_what_ivr_check_says(tmp_path: Path) -> None:
    (example,) = [b for b in _blocks("yaml") if b.startswith("settings:")]
    broken = example.replace("transfer: [refuge_derby,", "transfer: [refuge_derb,").replace(
        "number: 0800 085 3481", "number: 07700 900123"
    )
    path = tmp_path / "menus.yaml"
    path.write_text(broken, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path)])
    (shown,) = [b for b in _blocks("text") if b.startswith("menus.yaml:")]
    assert result.output == shown
    assert result.exit_code == 1
