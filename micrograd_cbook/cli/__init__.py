"""The command line, ``micrograd-cbook`` (also ``python -m micrograd_cbook``).

Each command lives in its own module here with ``register(subparsers)``, which adds its
parser and sets ``func(args) -> int``. Errors a user can fix print one line and exit 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from .. import __version__
from ..engine import Value
from ..formula import Formula, FormulaError, parse_assignments, parse_formula

COMMANDS = ("demo", "train", "graph", "explain")


class UsageError(Exception):
    """A mistake in the command line or its inputs: printed as one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error message (no usage block) and exit code 2."""

    subparsers: argparse._SubParsersAction

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def positive_int(text: str) -> int:
    """An argparse type: a positive integer, or a message saying what was given."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return n


def build_formula(args: argparse.Namespace) -> tuple[Formula, dict[str, float], Value, dict]:
    """The FORMULA and --set values of ``graph`` and ``explain``, built into Values.

    FORMULA may come after the values of --set, which then holds it as its one word
    without "=".

    Returns (formula, values, root, leaves); a mistake in either raises :class:`UsageError`.
    """
    if args.formula is None:  # `--set w=1 x=2 "w*x"`: --set took every word after it
        words = [a for a in args.assignments if "=" not in a]
        if not words:
            raise UsageError("the following arguments are required: FORMULA (see --help)")
        if len(words) > 1:
            raise UsageError(f"--set expects NAME=NUMBER, got {words[0]!r}")
        args.formula = words[0]
        args.assignments = [a for a in args.assignments if "=" in a]
    try:
        formula = parse_formula(args.formula)
        values = parse_assignments(args.assignments)
        root, leaves = formula.build(values)
    except FormulaError as e:
        raise UsageError(str(e)) from None
    return formula, values, root, leaves


def build_parser() -> Parser:
    """The parser with every command registered."""
    import importlib

    parser = Parser(
        prog="micrograd-cbook",
        description="See, step through and check back-propagation. Start with: "
        "micrograd-cbook demo",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    parser.subparsers = sub
    for name in COMMANDS:
        importlib.import_module(f".{name}", __name__).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    if extras:  # name the command in the message, as its own parser would
        command_parser = parser.subparsers.choices.get(args.command, parser)
        command_parser.error(f"unrecognized arguments: {' '.join(extras)}")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UsageError as e:
        print(f"micrograd-cbook {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
