"""`micrograd-cbook nudge`: the page that nudges one leaf of a formula and shows C follow.

The page (see :func:`micrograd_cbook.viz.nudge`) is one offline HTML file: a slider and a
box for Δw, the graph with every value on w's paths computed again in the page, and C(w + Δw)
beside its tangent. For example (Graphviz draws the picture)::

    $ micrograd-cbook nudge "w*x + b" --set w=0.5 x=2 b=0.1 --wrt w -o nudge.html
    wrote nudge.html  (open it in a browser: move the slider to nudge w)
"""

from __future__ import annotations

import argparse
import os
import sys

from .. import viz  # graphviz is imported only when the command runs
from ..files import write_atomic
from ..formula import FUNCTIONS
from .common import UsageError, build_formula

EXAMPLES = (
    'micrograd-cbook nudge "z = w*x + b; a = sigmoid(z); C = (1 - a)**2 / 2" \\\n'
    "    --set w=0.5 x=1.5 b=0.1 --wrt w -o nudge.html",
    'micrograd-cbook nudge "log(w) * x" --set w=2 x=3 --wrt w -o - > page.html',
)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``nudge`` command."""
    p = sub.add_parser(
        "nudge",
        help="write a page that nudges one leaf and shows the change pass up to the output",
        description="Build the graph of FORMULA and write one offline HTML page: a slider "
        "(and a box) for Δw, the change of the leaf NAME; every value on NAME's paths "
        "computed again in the page at NAME + Δw, each edge showing the change it passes up; "
        "and the output as a function of NAME with its tangent, the actual change beside the "
        "chain rule's ∂out/∂NAME · Δw. Click another leaf in the page to nudge it instead.",
        epilog="examples:\n" + "\n".join(f"  {e}" for e in EXAMPLES) + "\n\n"
        'A formula that starts with "-" goes after "--": nudge --set w=2 --wrt w -- "-w*w". '
        "Names w, b, w1, b2, ... are drawn as parameters unless --params says otherwise.",
    )
    # nargs="?": a FORMULA after --set's values lands among them; build_formula takes it back
    p.add_argument(
        "formula",
        metavar="FORMULA",
        nargs="?",
        help=f"numbers, names, + - * / **, parentheses, {' '.join(FUNCTIONS)}; "
        "steps NAME = ... separated by ';', the last one the output",
    )
    p.add_argument(
        "--set",
        dest="assignments",
        metavar="NAME=NUMBER",
        nargs="+",
        action="extend",
        default=[],
        help="a value for each name in the formula",
    )
    p.add_argument(
        "--wrt",
        metavar="NAME",
        nargs="+",
        action="extend",
        default=[],
        help="the leaf to nudge (required; one name)",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        default="nudge.html",
        help="the page to write (default nudge.html; - for standard output)",
    )
    p.add_argument(
        "--params",
        metavar="NAME",
        nargs="*",
        default=None,
        help="the names drawn as parameters (default: w, b, w1, b2, ...)",
    )
    p.add_argument(
        "--unfold",
        action="store_true",
        help="draw every operation as its own box (default: the chapter's tree, chains of "
        "unnamed steps folded into one edge)",
    )
    p.add_argument(
        "--rankdir",
        choices=("LR", "TB", "RL", "BT"),
        default=None,
        help="direction of the drawing (default: the tree, the output on top, for small "
        "graphs; LR, left to right, for large ones)",
    )
    p.add_argument(
        "--max-nodes",
        type=int,
        default=None,
        metavar="N",
        help="refuse graphs of more than N values (default 500)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build the formula and write its nudge page; a user's mistake raises UsageError."""
    formula, _values, root, nodes = build_formula(args)
    names = ", ".join(formula.names) or "none"
    if not args.wrt:
        raise UsageError(f"--wrt NAME is required: the leaf to nudge (its names: {names})")
    if len(args.wrt) > 1:
        raise UsageError(
            f"--wrt takes one NAME, got {', '.join(args.wrt)} (the page nudges one leaf; "
            "click another in it to nudge that one)"
        )
    (name,) = args.wrt
    for option, chosen in (("--wrt", [name]), ("--params", args.params or [])):
        unknown = [n for n in chosen if n not in formula.names]
        if unknown:
            what = "a step, not a leaf" if unknown[0] in nodes else "not a name in the formula"
            raise UsageError(f"{option} {unknown[0]}: {what} (its names: {names})")
    if args.max_nodes is not None and args.max_nodes < 1:
        raise UsageError(f"--max-nodes must be at least 1, got {args.max_nodes}")
    if args.output != "-":
        _check_path(args.output)
    options = {
        "rankdir": args.rankdir,
        "unfold": args.unfold,
        "parameters": None if args.params is None else [nodes[n] for n in args.params],
    }
    if args.max_nodes is not None:
        options["max_nodes"] = args.max_nodes
    title = f"Nudge {name}: {formula.text.strip()}"
    try:
        page = viz.nudge(root, nodes[name], title=title, **options).page()
        if args.output == "-":
            sys.stdout.write(page)
            return 0
        write_atomic(args.output, page)
    except viz.GraphvizMissingError as e:
        raise UsageError(str(e)) from None
    except ValueError as e:  # max_nodes, a graph the page cannot compute
        raise UsageError(f"{e}; try --max-nodes" if "max_nodes" in str(e) else str(e)) from None
    except OSError as e:
        raise UsageError(f"cannot write {args.output}: {e.strerror or e}") from None
    print(f"wrote {args.output}  (open it in a browser: move the slider to nudge {name})")
    return 0


def _check_path(path: str) -> None:
    """Say clearly when the page cannot be written there, before any work."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UsageError(f"cannot write {path}: the folder {folder} does not exist")
    if os.path.isdir(path):
        raise UsageError(
            f"cannot write {path}: it is a folder (give a file name, e.g. "
            f"{os.path.join(path, 'nudge.html')})"
        )
