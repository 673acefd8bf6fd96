"""What every command shares: the parser, usage errors, folders, numbers and formulas."""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import tempfile
import textwrap
from collections.abc import Sequence
from typing import NoReturn

from ..engine import Value
from ..formula import Formula, FormulaError, parse_assignments, parse_formula


class UsageError(Exception):
    """A mistake in the command line or its inputs: printed as one line, exit code 2."""


HELP_WIDTH = 100  # no line of any --help is wider, whatever the terminal


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help at most 100 columns wide, never breaking a word at its hyphen (so
    "micrograd-cbook" stays whole); lines of an epilog that start with two spaces (examples)
    are kept as written."""

    def __init__(self, prog: str, **kwargs) -> None:
        width = min(HELP_WIDTH, shutil.get_terminal_size().columns - 2)
        super().__init__(prog, width=max(width, 40), **kwargs)

    def _split_lines(self, text: str, width: int) -> list[str]:
        text = self._whitespace_matcher.sub(" ", text).strip()
        return textwrap.wrap(text, width, break_on_hyphens=False) or [""]

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines = []
        for paragraph in text.split("\n"):
            if paragraph.startswith("  ") or not paragraph.strip():
                lines.append(indent + paragraph)
            else:
                lines += textwrap.wrap(
                    paragraph,
                    width,
                    initial_indent=indent,
                    subsequent_indent=indent,
                    break_on_hyphens=False,
                )
        return "\n".join(lines)


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error message (no usage block) and exit code 2."""

    subparsers: argparse._SubParsersAction

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {_with_suggestion(message)} (see --help)\n")

    def option_strings(self) -> list[str]:
        """Every option this parser knows, e.g. ``--highlight`` and ``-o``."""
        return [o for action in self._actions for o in action.option_strings]


def _with_suggestion(message: str) -> str:
    """argparse's "invalid choice: 'trian' (choose from ...)" with "did you mean 'train'?"."""
    m = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
    if m:
        choices = re.findall(r"'([^']*)'", m.group(2)) or m.group(2).split(", ")
        close = difflib.get_close_matches(m.group(1), choices, n=1)
        if close:
            return f"{message}; did you mean {close[0]!r}?"
    return message


def suggest_option(word: str, options: Sequence[str]) -> str:
    """`` (did you mean --highlight?)`` for a misspelt ``--hilight``, or nothing.

    >>> suggest_option("--hilight", ["--highlight", "--help"])
    ' (did you mean --highlight?)'
    """
    name = word.split("=", 1)[0]
    close = difflib.get_close_matches(name, [o for o in options if o.startswith("--")], n=1)
    return f" (did you mean {close[0]}?)" if close and name.startswith("--") else ""


def prepare_folder(folder: str, option: str = "--out", files: Sequence[str] = ()) -> None:
    """Create ``folder`` and check that a file can be written there: before any long work.

    Each of ``files`` (names inside the folder) must be a regular file or not exist yet.
    A mistake raises :class:`UsageError` naming the option, e.g. ``--out``.
    """
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise UsageError(
            f"{option} {folder!r} is a file, not a folder: give a folder's name (it is made "
            "if it does not exist)"
        )
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        why = e.strerror or str(e)
        raise UsageError(f"cannot create the {option} folder {folder!r}: {why}") from None
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".probe-")
    except OSError as e:
        why = e.strerror or str(e)
        raise UsageError(f"cannot write into the {option} folder {folder!r}: {why}") from None
    os.close(fd)
    os.unlink(probe)
    for name in files:
        path = os.path.join(folder, name)
        if os.path.exists(path) and not os.path.isfile(path):
            what = "a folder" if os.path.isdir(path) else "not a regular file"
            raise UsageError(
                f"cannot write {path}: it is {what}; move it away or choose another {option}"
            )


def positive_int(text: str) -> int:
    """An argparse type: a positive integer, or a message saying what was given."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return n


def _looks_like_formula(word: str) -> bool:
    """True for a word that is no NAME=NUMBER and no NAME: "w*x", "z = w*x; C = z**2"."""
    if ";" in word or "\n" in word:
        return True
    name, sep, rest = word.partition("=")
    if not sep:
        return not word.strip().isidentifier()
    rest = rest.strip().lstrip("+-")  # "w=-0.5" and "w=1e-3" are values; "C = (1 - a)**2" not
    has_operator = re.search(r"[()*/+\-]", rest) is not None
    return name.strip().isidentifier() and has_operator and not _is_number(rest)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# The options whose words (nargs="+") may have swallowed a FORMULA written after them.
_WORD_OPTIONS = (
    ("assignments", "--set"),
    ("wrt", "--wrt"),
    ("highlight", "--highlight"),
    ("params", "--params"),
)


def build_formula(args: argparse.Namespace) -> tuple[Formula, dict[str, float], Value, dict]:
    """The FORMULA and --set values of ``graph`` and ``explain``, built into Values.

    FORMULA may come after the words of --set, --wrt, --highlight or --params, which then
    hold it among their own: it is the one word that is neither NAME=NUMBER nor a NAME.

    Returns (formula, values, root, leaves), ``leaves`` holding the named steps too; a
    mistake in either raises :class:`UsageError`.
    """
    if args.formula is None:  # `--set w=1 x=2 "w*x"`: --set took every word after it
        found = [
            (dest, option, word)
            for dest, option in _WORD_OPTIONS
            for word in (getattr(args, dest, None) or [])
            if _looks_like_formula(word) or (dest == "assignments" and "=" not in word)
        ]
        if not found:
            given = [option for dest, option in _WORD_OPTIONS[1:] if getattr(args, dest, None)]
            hint = (
                (
                    f" (a formula that is one name, written after {given[0]}, reads as one of "
                    f"its NAMEs: put FORMULA first)"
                )
                if given
                else ""
            )
            raise UsageError(f"the following arguments are required: FORMULA{hint}")
        if len(found) > 1:
            stray = [f for f in found if not _looks_like_formula(f[2])] or found[1:]
            _dest, option, word = stray[0]
            expects = "NAME=NUMBER" if option == "--set" else "NAMEs"
            raise UsageError(f"{option} expects {expects}, got {word!r}")
        dest, _option, word = found[0]
        args.formula = word
        getattr(args, dest).remove(word)
    try:
        formula = parse_formula(args.formula)
        values = parse_assignments(args.assignments)
        built = formula.evaluate(values)
    except FormulaError as e:
        raise UsageError(str(e)) from None
    return formula, values, built.root, {**built.leaves, **built.steps}
