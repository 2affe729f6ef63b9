"""The README is the staff's reference: it must name every command, setting and prompt."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import fields
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from ivr.commands.main import main
from ivr.menu.load import load_menu
from ivr.menu.model import DEFAULT_PROMPTS, Settings
from tests import conftest

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


def test_the_pre_commit_hooks_run_from_the_projects_own_environment() -> None:
    config = ROOT / ".pre-commit-config.yaml"
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (repo,) = yaml.safe_load(config.read_text(encoding="utf-8"))["repos"]
    assert repo["repo"] == "local"  # nothing downloaded
    hooks = {hook["id"]: hook for hook in repo["hooks"]}
    assert {hook["language"] for hook in hooks.values()} == {"system"}
    # The linters the suite runs (test_lint), and the fast tests before a push
    assert set(hooks) == {"ruff", "ruff-format", "mypy", "fast-tests"}
    assert '-m "not slow"' in hooks["fast-tests"]["entry"]
    assert hooks["fast-tests"]["stages"] == ["pre-push"]


@pytest.mark.parametrize("names", [conftest.SLOW, conftest.WITHOUT_DATABASE])
def test_the_modules_the_markers_name_exist(names: set[str]) -> None:
    # A module renamed would fall silently out of its set (run twice, or run before a push)
    assert sorted(n for n in names if not (ROOT / "tests" / f"{n}.py").is_file()) == []


COUNT_APPS = """
import ivr.app

built = []
real = ivr.app.build_app


def counted(*args, **kwargs):
    built.append(1)
    return real(*args, **kwargs)


ivr.app.build_app = counted


def pytest_collection_finish(session):
    print(f"apps built while collecting: {len(built)}")
"""


def test_collecting_the_suite_builds_no_app(tmp_path: Path) -> None:
    # An app built at import (a module-level APP) costs every run, even of one test
    (tmp_path / "count_apps.py").write_text(COUNT_APPS)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "count_apps", "--collect-only", "-qq"]
        + ["-n", "0", "--no-cov", "-p", "no:cacheprovider", str(ROOT / "tests")],
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert "apps built while collecting: 0" in result.stdout, result.stdout[-2000:]


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"^```{kind}\n(.*?)^```$", README, re.M | re.S)


def test_the_readme_menu_example_is_a_working_menu(tmp_path: Path) -> None:
    (example,) = [b for b in _blocks("yaml") if b.startswith("settings:")]
    path = tmp_path / "menus.yaml"
    path.write_text(example, encoding="utf-8")
    menu = load_menu(path)
    assert menu.nodes["main"].options[0].goto == "derby_city"


def test_the_readme_hours_example_works_quoted_or_not(tmp_path: Path) -> None:
    (example,) = [b for b in _blocks("yaml") if "    hours:\n      weekly:" in b]
    for text in (example, example.replace("{2026-12-27:", "{'2026-12-27':")):
        path = tmp_path / "menus.yaml"
        path.write_text(text, encoding="utf-8")
        hours = load_menu(path).helplines["mankind"].hours
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
