"""`micrograd-cbook explain`: the chain rule of a formula, with its numbers, path by path.

>>> from micrograd_cbook.cli import main
>>> main(["explain", "sigmoid(w*x)", "--set", "w=0.5", "x=2", "--wrt", "w"])
out = sigmoid(w*x) = 0.7311 at w=0.5, x=2
<BLANKLINE>
∂out/∂w = ∂(w * x)/∂w · ∂out/∂(w * x) = 2.0000 × 0.1966 = 0.3932
  backward() gives w.grad = 0.3932
0
"""

from __future__ import annotations

import argparse
import ast

from ..engine import Value
from ..formula import FUNCTIONS
from ..notation import number as num
from ..stepping import DEFAULT_MAX_PATHS, TooManyPaths, backward_steps, explain
from .common import UsageError, build_formula

EXAMPLES = (
    'micrograd-cbook explain "sigmoid(w*x + b)" --set w=0.5 x=1.5 b=0.1 --wrt w',
    'micrograd-cbook explain "z = w*x + b; a = sigmoid(z); C = (1 - a)**2 / 2" \\\n'
    "    --set w=0.5 x=1.5 b=0.1 --wrt w",
)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``explain`` command."""
    p = sub.add_parser(
        "explain",
        help="print the chain rule of a formula with its numbers",
        description="Build the graph of FORMULA, run backward(), and print ∂out/∂NAME as the "
        "chapter writes it: one product of local derivatives per path, then their sum. With "
        "steps NAME = ..., the chain runs through the steps' names: ∂C/∂w = ∂z/∂w · ∂a/∂z · "
        "∂C/∂a.",
        epilog="examples:\n" + "\n".join(f"  {e}" for e in EXAMPLES) + "\n\n"
        'A formula that starts with "-" goes after "--": explain --set w=2 -- "-w*w"',
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
        help="explain ∂out/∂NAME, NAME a leaf or a step (default: every leaf, unless "
        "--steps is given)",
    )
    p.add_argument(
        "--steps",
        action="store_true",
        help="print each backward step: node, grad, local grads, contributions",
    )
    p.add_argument(
        "--max-paths",
        type=int,
        default=DEFAULT_MAX_PATHS,
        metavar="N",
        help=f"refuse to list more than N paths (default {DEFAULT_MAX_PATHS})",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build, backpropagate and print; a user's mistake raises :class:`UsageError`."""
    if args.max_paths < 1:
        raise UsageError(f"--max-paths must be at least 1, got {args.max_paths}")
    formula, values, root, nodes = build_formula(args)
    unknown = [n for n in args.wrt if n not in nodes]
    if unknown:
        names = ", ".join(formula.names) or "none"
        raise UsageError(f"--wrt {unknown[0]}: not a name in the formula (its names: {names})")
    shown = ", ".join(f"{n}={values[n]:g}" for n in formula.names)
    if formula.steps:  # each step on its line; the chain then goes from name to name
        print(f"with {shown}:" if shown else "with no names to set:")
        for name, tree in formula.statements:
            value = nodes[name] if name else root
            print(f"  {value.label} = {formula.source(tree)} = {num(value.data)}")
        labelled = []  # the steps' parts stay unlabelled: explain folds them into one factor
    else:
        labelled = _label_subexpressions(formula.tree, root)
        print(
            f"{root.label} = {formula.text.strip()} = {num(root.data)}"
            + (f" at {shown}" if shown else "")
        )
    if args.steps:
        if formula.steps:  # name the parts of the steps while stepping, then fold them again
            labelled = [
                v
                for name, tree in formula.statements
                for v in _label_subexpressions(tree, nodes[name] if name else root)
            ]
        print()
        for step in backward_steps(root):
            print(step)
        if not root.children:
            print(f"(no steps: {root.label} is a leaf)")
        if formula.steps:
            for v in labelled:
                v.label = ""
    else:
        root.backward()
    wrt = args.wrt or ([] if args.steps else list(formula.names))
    for name in dict.fromkeys(wrt):
        node = nodes[name]
        try:
            e = explain(root, node, max_paths=args.max_paths, labelled_only=bool(formula.steps))
        except TooManyPaths as err:
            raise UsageError(
                f"{err.derivative} has {err.paths} paths, more than --max-paths {err.limit}: "
                "pass a larger --max-paths, or see each backward step with --steps"
            ) from None
        except ValueError as err:
            if "not in the graph" in str(err):  # e.g. "0*w": w appears but has no path... yet
                raise UsageError(f"{root.label} does not depend on {name}") from None
            raise UsageError(str(err)) from None
        print()
        print(e)
        print(f"  backward() gives {name}.grad = {num(node.grad)}")
    return 0


def _label_subexpressions(tree: ast.expr, root: Value) -> list[Value]:
    """Label each unlabelled node with its sub-expression, e.g. ``(w * x)``; returns them.

    Walks the syntax tree and the graph together; wherever they do not line up (a part
    made of numbers only, say) it simply stops labelling that branch.
    """
    labelled: list[Value] = []
    stack: list[tuple[ast.expr, Value]] = [(tree, root)]
    while stack:
        node, value = stack.pop()
        if not isinstance(value, Value):
            continue
        if not value.label:  # a number in a numbers-only part is a plain leaf: name it "2"
            text = ast.unparse(node)
            simple = isinstance(node, (ast.Call, ast.Name, ast.Constant))
            value.label = text if simple else f"({text})"
            labelled.append(value)
        kids = value.children
        if isinstance(node, ast.BinOp):
            if len(kids) == 2:
                stack += [(node.left, kids[0]), (node.right, kids[1])]
            elif len(kids) == 1:  # x ** number: the exponent is no node
                stack.append((node.left, kids[0]))
        elif isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.UAdd):
                stack.append((node.operand, value))
            elif len(kids) == 1:
                stack.append((node.operand, kids[0]))
        elif isinstance(node, ast.Call) and len(kids) == 1:
            stack.append((node.args[0], kids[0]))
    return labelled
