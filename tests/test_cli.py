"""The command line as a whole: help everywhere, one-line errors, `python -m` entry point."""

import subprocess
import sys

import pytest

from micrograd_cbook.cli import COMMANDS, main


def run_module(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "micrograd_cbook", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_top_level_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: micrograd-cbook " + command in capsys.readouterr().out


def test_unknown_command_is_one_line_and_exit_2():
    result = run_module("frobnicate")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "invalid choice: 'frobnicate'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_unknown_option_is_one_line_and_exit_2(command):
    result = run_module(command, "--no-such-option")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith(f"micrograd-cbook {command}: error: ")
    assert "Traceback" not in result.stderr


def test_no_command_prints_help_and_exit_2(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out


def test_version_matches_package():
    from micrograd_cbook import __version__

    result = run_module("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"micrograd-cbook {__version__}"
