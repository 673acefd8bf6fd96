"""A newcomer's first minute: `make demo` installs only what the demo needs, `make test` the
dev extra on top, in either order; the folders the commands write are ignored by git."""

import shutil
import subprocess
from pathlib import Path

import pytest

from micrograd_cbook.cli import demo, train

ROOT = Path(__file__).resolve().parent.parent
needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def planned(target: str, tmp_path: Path) -> str:
    """The commands `make TARGET` would run for a venv that does not exist yet (make -n)."""
    result = subprocess.run(
        ["make", "-n", "-C", str(ROOT), target, f"VENV={tmp_path / 'venv'}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@needs_make
def test_make_demo_installs_the_package_without_the_dev_extra(tmp_path):
    commands = planned("demo", tmp_path)
    assert "pip install -q -e .\n" in commands
    assert "[dev]" not in commands
    assert "micrograd-cbook demo" in commands and "ensure-dot" in commands


@needs_make
@pytest.mark.parametrize("target", ["test", "venv"])
def test_make_test_and_venv_add_the_dev_extra_to_the_same_venv(target, tmp_path):
    commands = planned(target, tmp_path)
    assert "pip install -q -e .\n" in commands
    assert "pip install -q -e '.[dev]'" in commands
    assert commands.index("-e .\n") < commands.index("'.[dev]'")


@needs_make
def test_make_test_after_make_demo_adds_only_the_dev_extra(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(shutil.which("python3") or "/usr/bin/python3")
    (venv / ".package-stamp").touch()  # what `make demo` leaves
    commands = planned("test", tmp_path)
    assert "pip install -q -e .\n" not in commands
    assert "'.[dev]'" in commands


@pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(),
    reason="needs git and a git checkout",
)
@pytest.mark.parametrize("folder", [demo.DEFAULT_OUT, train.DEFAULT_OUT])
def test_the_default_output_folders_are_ignored_by_git(folder):
    result = subprocess.run(
        ["git", "-C", str(ROOT), "check-ignore", "-q", f"{folder}/model.json"], timeout=30
    )
    assert result.returncode == 0, f"{folder}/ is not in .gitignore"
