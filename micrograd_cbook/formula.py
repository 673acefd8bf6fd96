"""Parse a formula such as ``"sigmoid(w*x + b)"`` into Values: ``ast`` and a whitelist, no ``eval``.

>>> f = parse_formula("sigmoid(w*x + b)")
>>> sorted(f.names)
['b', 'w', 'x']
>>> out, leaves = f.build({"w": 0.5, "x": 1.5, "b": 0.1})
>>> round(out.data, 4), leaves["w"].label
(0.7006, 'w')
"""

from __future__ import annotations

import ast
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

from .engine import Constant, Value

__all__ = ["FUNCTIONS", "Formula", "FormulaError", "parse_assignments", "parse_formula"]

FUNCTIONS = ("sigmoid", "relu", "tanh", "exp", "log")
MAX_LENGTH = 2000
MAX_NODES = 500

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


class FormulaError(ValueError):
    """A formula or a value given for it is not acceptable; the message says what to change."""


@dataclass(frozen=True)
class Formula:
    """A checked formula: its text, its syntax tree and its names (in order of appearance)."""

    text: str
    tree: ast.expr
    names: tuple[str, ...]

    def build(self, values: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
        """Build the graph, each name a leaf Value labelled with it; returns (root, leaves)."""
        missing = [n for n in self.names if n not in values]
        if missing:
            raise FormulaError(
                f"no value given for {', '.join(missing)}: add e.g. --set {missing[0]}=1.0"
            )
        unused = sorted(set(values) - set(self.names))
        if unused:
            raise FormulaError(f"{', '.join(unused)} is set but not used in {self.text!r}")
        leaves = {n: Value(float(values[n]), label=n) for n in self.names}
        try:
            out = _build(self.tree, leaves)
        except (ValueError, ZeroDivisionError, OverflowError) as e:
            raise FormulaError(f"cannot evaluate {self.text!r}: {e}") from None
        if not isinstance(out, Value):  # a formula of numbers only
            out = Value(out)
        if not out.label:
            out.label = "out"
        return out, leaves


def parse_formula(text: str) -> Formula:
    """Check ``text`` against the whitelist (numbers, names, + - * / **, unary -, parentheses,
    and the functions sigmoid, relu, tanh, exp, log) and return a :class:`Formula`."""
    if not isinstance(text, str):
        raise FormulaError(f"a formula is text, got {type(text).__name__}")
    if not text.strip():
        raise FormulaError("the formula is empty: give one such as 'sigmoid(w*x + b)'")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula is longer than {MAX_LENGTH} characters")
    if "\x00" in text:
        raise FormulaError("the formula contains a NUL character")
    try:
        with warnings.catch_warnings():  # "1if", "1 is w": the error below says it in one line
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as e:
        col = f" at column {e.offset}" if e.offset else ""
        raise FormulaError(f"cannot parse the formula {text!r}{col}: {e.msg}") from None
    except (ValueError, RecursionError, MemoryError):
        raise FormulaError(f"cannot parse the formula {text!r}") from None
    names: list[tuple[int, int, str]] = []
    count = 0
    stack = [tree]
    while stack:
        node = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise FormulaError(f"the formula has more than {MAX_NODES} parts")
        stack.extend(_check(node, names))
    order = dict.fromkeys(name for _, _, name in sorted(names))  # first appearance, left to right
    return Formula(text, tree, tuple(order))


def _check(node: ast.AST, names: list[tuple[int, int, str]]) -> list[ast.expr]:
    """Reject anything outside the whitelist; return the node's sub-expressions."""
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise FormulaError(f"only real numbers may appear as constants, not {v!r}")
        if not math.isfinite(float(v)):
            raise FormulaError(f"the number {v!r} is too large")
        return []
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise FormulaError(f"{node.id} is a function: call it as {node.id}(...)")
        names.append((node.lineno, node.col_offset, node.id))
        return []
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return [node.operand]
    if isinstance(node, ast.Call):
        fn = node.func.id if isinstance(node.func, ast.Name) else None
        if fn not in FUNCTIONS:
            shown = fn or ast.unparse(node.func)
            raise FormulaError(
                f"unknown function {shown!r}: the functions are {', '.join(FUNCTIONS)}"
            )
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise FormulaError(f"{fn}() takes exactly one argument")
        return [node.args[0]]
    what = {ast.Attribute: "attribute access", ast.Subscript: "indexing", ast.Compare: "comparison",
            ast.Lambda: "lambda", ast.BoolOp: "and/or"}.get(type(node), type(node).__name__)
    raise FormulaError(
        f"{what} is not allowed in a formula: use numbers, names, + - * / **, "
        f"parentheses and {', '.join(FUNCTIONS)}"
    )


def _build(node: ast.expr, leaves: dict[str, Value]) -> Value | float:
    """Evaluate the checked tree into Values (iteratively, so deep nesting cannot overflow)."""
    results: list[Value | float] = []
    stack: list[tuple[ast.expr, bool]] = [(node, False)]
    while stack:
        n, ready = stack.pop()
        if isinstance(n, ast.Constant):
            results.append(float(n.value))
        elif isinstance(n, ast.Name):
            results.append(leaves[n.id])
        elif not ready:
            stack.append((n, True))
            for child in reversed(_children(n)):
                stack.append((child, False))
        elif isinstance(n, ast.BinOp):
            b, a = results.pop(), results.pop()
            results.append(_binop(type(n.op), a, b))
        elif isinstance(n, ast.UnaryOp):
            a = results.pop()
            results.append(-a if isinstance(n.op, ast.USub) else a)
        else:  # ast.Call, checked
            a = results.pop()
            v = a if isinstance(a, Value) else Constant(a)
            results.append(getattr(v, n.func.id)())  # type: ignore[attr-defined]
    return results[0]


def _children(n: ast.expr) -> list[ast.expr]:
    if isinstance(n, ast.BinOp):
        return [n.left, n.right]
    if isinstance(n, ast.UnaryOp):
        return [n.operand]
    return [n.args[0]]  # type: ignore[attr-defined]


def _binop(op: type, a: Value | float, b: Value | float) -> Value | float:
    if not isinstance(a, Value) and not isinstance(b, Value):
        a = Constant(a)  # a number in the graph: exact, checked by the engine, drawn as one
    if op is ast.Add:
        return a + b
    if op is ast.Sub:
        return a - b
    if op is ast.Mult:
        return a * b
    if op is ast.Div:
        return a / b
    return a**b


def parse_assignments(items: list[str] | None) -> dict[str, float]:
    """Parse ``["w=0.5", "x=1.5"]`` into ``{"w": 0.5, "x": 1.5}`` with clear errors.

    >>> parse_assignments(["w=0.5", "x = -2"])
    {'w': 0.5, 'x': -2.0}
    """
    values: dict[str, float] = {}
    for item in items or []:
        name, sep, number = item.partition("=")
        name, number = name.strip(), number.strip()
        if not sep or not name:
            raise FormulaError(f"--set expects NAME=NUMBER, got {item!r}")
        if not name.isidentifier():
            raise FormulaError(f"{name!r} is not a valid name in --set {item!r}")
        try:
            v = float(number)
        except ValueError:
            raise FormulaError(f"{number!r} is not a number in --set {item!r}") from None
        if not math.isfinite(v):
            raise FormulaError(f"the value of {name} must be finite, got {number!r}")
        if name in values:
            raise FormulaError(f"{name} is set twice")
        values[name] = v
    return values
