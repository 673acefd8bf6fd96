"""The command line, ``micrograd-cbook`` (also ``python -m micrograd_cbook``).

Each command lives in its own module here with ``register(subparsers)``, which adds its
parser and sets ``func(args) -> int``; :mod:`.common` holds what they share. Errors a user
can fix print one line and exit 2.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .. import __version__
from . import demo, explain, graph, nudge, train
from .common import Parser, UsageError, suggest_option

COMMANDS = {
    "demo": demo,
    "train": train,
    "graph": graph,
    "explain": explain,
    "nudge": nudge,
}


def build_parser() -> Parser:
    """The parser with every command registered."""
    parser = Parser(
        prog="micrograd-cbook",
        description="See, step through and check back-propagation. Start with: "
        "micrograd-cbook demo",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    parser.subparsers = sub
    for command in COMMANDS.values():
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    if extras:  # name the command in the message, as its own parser would
        command_parser = parser.subparsers.choices.get(args.command, parser)
        options = command_parser.option_strings()
        hint = next((suggest_option(w, options) for w in extras if suggest_option(w, options)), "")
        command_parser.error(f"unrecognized arguments: {' '.join(extras)}{hint}")
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
