"""`micrograd-cbook graph`: draw a formula's graph, the chapter's tree, with data and grads.

The named steps are boxes, each edge carries its chain-rule factor (∂a/∂z = 0.2098);
``--unfold`` draws every operation. ``-o x.png`` has twice the pixels of the SVG as a browser
shows it (192 dpi), by Graphviz's cairo renderer, in the SVG's font (Arial, which Graphviz
and a browser resolve alike).

>>> from micrograd_cbook.cli import main
>>> main(["graph", "sigmoid(w*x + b)", "--set", "w=0.5", "x=1.5", "b=0.1", "--dot"])
... # doctest: +ELLIPSIS
digraph micrograd {
...
0
"""

from __future__ import annotations

import argparse
import os
import sys

import graphviz

from .. import viz  # graphviz is imported only when the command runs
from ..files import write_atomic
from ..formula import FUNCTIONS
from .common import UsageError, build_formula

EXAMPLES = (
    'micrograd-cbook graph "sigmoid(w*x + b)" --set w=0.5 x=1.5 b=0.1 -o graph.svg',
    'micrograd-cbook graph "z = w*x + b; a = sigmoid(z); C = (1 - a)**2 / 2" \\\n'
    "    --set w=0.5 x=1.5 b=0.1 --params w b --highlight w -o chain.png",
)
FORMATS = ("svg", "png", "pdf")  # what -o writes, by its suffix (png and pdf through Graphviz)
# A browser shows the SVG at 96 CSS px per inch; the PNG has twice that: shown at the SVG's
# size (its width in px halved), it is sharp on a high-density screen.
PNG_DPI = 192


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``graph`` command."""
    p = sub.add_parser(
        "graph",
        help="draw a formula's graph with data and grads as SVG",
        description="Build the graph of FORMULA (each name a leaf Value labelled with it, each "
        "step NAME = ... a node labelled NAME), run backward(), and draw the chapter's tree: "
        "each named value a box with its data and grad, each edge its chain-rule factor "
        "(the unnamed steps between two boxes folded into one edge).",
        epilog="examples:\n" + "\n".join(f"  {e}" for e in EXAMPLES) + "\n\n"
        'A formula that starts with "-" goes after "--": graph --set w=2 -- "-w*w". '
        "Leaves are drawn as inputs unless --params names them as parameters.",
    )
    # nargs="?": a FORMULA after --set's values lands among them; build_formula takes it back
    p.add_argument(
        "formula",
        metavar="FORMULA",
        nargs="?",
        help=f"numbers, names, + - * / **, parentheses, {' '.join(FUNCTIONS)}; "
        "steps NAME = ... separated by ';', the last one drawn as the output",
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
        "-o",
        "--output",
        metavar="PATH",
        default="graph.svg",
        help="the picture to write, its format named by its suffix: .svg, .png or "
        ".pdf (default graph.svg; - for SVG on standard output)",
    )
    p.add_argument(
        "--local-grads",
        action="store_true",
        help="write each edge's factor on it (the default; kept for old scripts)",
    )
    p.add_argument(
        "--bare", action="store_true", help="leave the edges bare: no factors written on them"
    )
    p.add_argument(
        "--unfold",
        action="store_true",
        help="draw every operation as a box of its own (constants too), not only the named steps",
    )
    p.add_argument(
        "--highlight",
        metavar="NAME",
        nargs="+",
        action="extend",
        default=[],
        help="emphasise every path from NAME (a leaf or a step) to the output",
    )
    p.add_argument(
        "--params",
        metavar="NAME",
        nargs="*",
        default=None,
        help="the names drawn as parameters, weights and biases (default: none)",
    )
    p.add_argument(
        "--frames",
        metavar="FOLDER",
        help="also write each backward step as FOLDER/step-NN.svg and "
        "FOLDER/index.html, a page that steps through them (arrow keys)",
    )
    p.add_argument(
        "--rankdir",
        choices=("LR", "TB", "RL", "BT"),
        default=None,
        help="direction of the drawing (default: the tree, the output on top, "
        "for small graphs; LR, left to right, for large ones)",
    )
    p.add_argument(
        "--max-nodes",
        type=int,
        default=None,
        metavar="N",
        help="refuse graphs of more than N values (default 500)",
    )
    p.add_argument(
        "--dot",
        action="store_true",
        help="print the DOT source instead of writing SVG (needs no Graphviz)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build, backpropagate and draw; a user's mistake raises :class:`UsageError`."""

    formula, _values, root, nodes = build_formula(args)
    names = ", ".join(formula.names) or "none"
    for option, chosen, known in (
        ("--highlight", args.highlight, nodes),
        ("--params", args.params or [], formula.names),
    ):
        unknown = [n for n in chosen if n not in known]
        if unknown:
            what = "a step, not a leaf" if unknown[0] in nodes else "not a name in the formula"
            raise UsageError(f"{option} {unknown[0]}: {what} (its names: {names})")
    fmt = _output_format(args.output) if not args.dot else "svg"
    leaves = {n: nodes[n] for n in formula.names}
    if args.max_nodes is not None and args.max_nodes < 1:
        raise UsageError(f"--max-nodes must be at least 1, got {args.max_nodes}")
    options = {
        "rankdir": args.rankdir,
        "show_local_grads": not args.bare,
        "unfold": args.unfold,
        "highlight": [nodes[n] for n in dict.fromkeys(args.highlight)] or None,
        "parameters": None if args.params is None else [leaves[n] for n in args.params],
    }
    if args.max_nodes is not None:
        options["max_nodes"] = args.max_nodes

    try:
        root.backward()
        page = None
        if args.frames:  # the frames show a pass of their own, from empty grads
            page = _write_frames(viz, root, args.frames, formula.text.strip(), options)
        if args.dot:
            print(viz.draw_dot(root, **options).source, end="")
            return 0
        if args.output == "-":
            sys.stdout.write(viz.render_svg(root, **options))
        elif fmt == "svg":
            _check_folder(args.output)
            viz.render_svg(root, args.output, **options)
        else:
            _check_folder(args.output)
            write_atomic(args.output, _render(viz, root, fmt, options))
    except viz.GraphvizMissingError:
        hint = "or use --dot to print the DOT source"
        raise UsageError(str(viz.GraphvizMissingError(hint))) from None
    except ValueError as e:  # max_nodes
        raise UsageError(f"{e}; try --max-nodes" if "max_nodes" in str(e) else str(e)) from None
    except OSError as e:
        raise UsageError(f"cannot write {args.output}: {e.strerror or e}") from None
    if args.output != "-":
        print(f"wrote {args.output}  ({root.label} = {root.data:.4f}, with every grad)")
    if page is not None:
        print(
            f"wrote {page}  (one step of the backward pass per page; ← → to step)",
            file=sys.stderr if args.output == "-" else sys.stdout,
        )
    return 0


def _output_format(path: str) -> str:
    """The format that -o PATH names by its suffix, or a UsageError listing the choices."""
    if path == "-":
        return "svg"
    _check_folder(path)
    suffix = os.path.splitext(path)[1].lower().lstrip(".")
    if suffix not in FORMATS:
        got = f"cannot write .{suffix}" if suffix else "no suffix names the format"
        raise UsageError(
            f"-o {path}: {got}; name a .svg, .png or .pdf file (or - for SVG on standard output)"
        )
    return suffix


def _render(viz, root, fmt: str, options: dict) -> bytes:
    """The picture as PNG or PDF bytes, from Graphviz."""

    dot = viz.draw_dot(root, **options)
    if fmt == "png":
        dot.attr(dpi=str(PNG_DPI))
    try:
        return dot.pipe(format=fmt, renderer="cairo")
    except graphviz.ExecutableNotFound:
        raise viz.GraphvizMissingError() from None


def _check_folder(path: str) -> None:
    """Say clearly when the output's folder does not exist (rather than a temp-file error)."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UsageError(f"cannot write {path}: the folder {folder} does not exist")
    if os.path.isdir(path):
        raise UsageError(
            f"cannot write {path}: it is a folder (give a file name, e.g. "
            f"{os.path.join(path, 'graph.svg')})"
        )


def _write_frames(viz, root, folder: str, text: str, options: dict) -> str:
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise UsageError(f"--frames {folder}: exists and is not a folder")
    try:
        page = viz.write_frames(root, folder, title=f"Back-propagation through {text}", **options)
    except OSError as e:
        raise UsageError(f"cannot write the frames to {folder}: {e.strerror or e}") from None
    return str(page)
