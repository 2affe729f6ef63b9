"""Installed as a platform installs it (`pip install .`), run from the project's folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.helpers import REPO_MENU, call_params, sign, soon_for_processes
from tests.helpers.gunicorn import TOKEN as BENCH_TOKEN
from tests.helpers.gunicorn import gunicorn

ROOT = REPO_MENU.parent


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package installed (not editable) into a folder of its own."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps"]
        + ["--target", str(target), str(ROOT)],
        check=True,
        capture_output=True,
    )
    assert (target / "ivr" / "commands" / "main.py").is_file()
    assert (
        target / "ivr" / "store" / "migrations" / "versions" / "0001_revision_audit_pin.py"
    ).is_file()
    assert not (target / "menus.yaml").exists()
    return target


def ivr(site: Path, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("IVR_MENU", "PROMPTS_DIR", "STATE_DIR", "DATABASE_URL")
    }
    return subprocess.run(
        [sys.executable, "-c", "from ivr.commands.main import main; main()", *args],
        cwd=cwd,
        env=clean | {"PYTHONPATH": str(site)} | env,
        capture_output=True,
        text=True,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The project's folder on the platform: the menu and the prompts, nothing else."""
    folder = tmp_path / "app"
    folder.mkdir()
    shutil.copy(REPO_MENU, folder / "menus.yaml")
    shutil.copytree(ROOT / "prompts", folder / "prompts")
    return folder


def test_commands_use_the_current_folder(site: Path, project: Path) -> None:
    assert ivr(site, project, "check").returncode == 0
    listing = ivr(site, project, "prompts", "list")
    assert listing.returncode == 0, listing.stderr
    assert "missing" not in listing.stdout  # the shipped audio, found in ./prompts
    closed = ivr(
        site, project, "hours", "close", "mankind", "--until", "2099-01-01", "--reason", "x"
    )
    # Refused for being too far ahead, not for a path inside site-packages
    assert "more than a year away" in closed.stderr
    assert (
        ivr(site, project, "hours", "close", "mankind", "--until", soon_for_processes()).returncode
        == 0
    )
    # The store was made here, in the project's state folder, not in site-packages
    assert (project / "state" / "ivr.sqlite3").is_file()
    assert "mankind          closed" in ivr(site, project, "hours").stdout
    assert not (site / "state").exists()


def test_the_environment_is_honoured_by_every_command(
    site: Path, project: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        "IVR_MENU": str(project / "menus.yaml"),
        "PROMPTS_DIR": str(project / "prompts"),
        "STATE_DIR": str(tmp_path / "state"),
    }
    assert ivr(site, elsewhere, "check", **env).returncode == 0
    assert "missing" not in ivr(site, elsewhere, "prompts", "list", **env).stdout
    assert (
        ivr(
            site, elsewhere, "hours", "close", "mankind", "--until", soon_for_processes(), **env
        ).returncode
        == 0
    )
    # The store defaults to the state folder: where the app looks too
    assert (tmp_path / "state" / "ivr.sqlite3").is_file()
    assert not (elsewhere / "state").exists()
    unreadable = ivr(site, elsewhere, "check", str(elsewhere))
    assert (unreadable.returncode, unreadable.stderr) == (
        1,
        "Error: elsewhere:1: cannot read the file: Is a directory\n",
    )


def test_gunicorn_from_another_folder(site: Path, project: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        "PYTHONPATH": str(site),
        "IVR_MENU": str(project / "menus.yaml"),
        "PROMPTS_DIR": str(project / "prompts"),
        "STATE_DIR": str(tmp_path / "state"),
    }
    with gunicorn("ivr:create_app()", tmp_path / "log", cwd=elsewhere, env=env) as port:
        url = f"http://127.0.0.1:{port}/voice"
        params = call_params()
        request = urllib.request.Request(
            url,
            data=urlencode(params).encode(),
            headers={"X-Twilio-Signature": sign(url, params, token=BENCH_TOKEN)},
        )
        with urllib.request.urlopen(request, timeout=5) as answer:
            twiml = answer.read().decode()
        audio = twiml.split("<Play>")[1].split("</Play>")[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{audio}", timeout=5) as answer:
            assert answer.headers["Content-Type"] == "audio/wav"
