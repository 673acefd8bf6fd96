"""Parse a formula such as ``"sigmoid(w*x + b)"`` into Values: ``ast`` and a whitelist, no ``eval``.

A formula is one expression, or steps that name their results, separated by ``;`` or new
lines: ``"z = w*x + b; a = sigmoid(z); C = (1 - a)**2 / 2"``. Each assigned name labels its
node; the last statement is the root. The names that are used but never assigned are the
leaves, each given a value (``--set`` on the command line).

>>> f = parse_formula("sigmoid(w*x + b)")
>>> sorted(f.names)
['b', 'w', 'x']
>>> out, leaves = f.build({"w": 0.5, "x": 1.5, "b": 0.1})
>>> round(out.data, 4), leaves["w"].label
(0.7006, 'w')
>>> C, _ = parse_formula("z = w*x + b; a = sigmoid(z); C = (1 - a)**2 / 2").build(
...     {"w": 0.5, "x": 1.5, "b": 0.1})
>>> C.label, round(C.data, 4), [c.label for c in C.children[0].children[0].children[1:]]
('C', 0.0448, ['a'])
"""

from __future__ import annotations

import ast
import keyword
import math
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

from .engine import Constant, Value, apply
from .ops import FORMULA_FUNCTIONS, OPERATIONS

__all__ = [
    "FUNCTIONS",
    "Built",
    "Formula",
    "FormulaError",
    "parse_assignments",
    "parse_formula",
]

FUNCTIONS = FORMULA_FUNCTIONS  # the table's operations a formula may call
MAX_LENGTH = 2000
MAX_NODES = 500

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_ALLOWED = "use numbers, names, + - * / **, parentheses and " + ", ".join(FUNCTIONS)

# What a user wrote, in the user's words, for the operators outside the whitelist.
_REFUSED_BINOPS = {
    ast.MatMult: ("@ (a matrix product)", "these are scalars: use * for a product"),
    ast.FloorDiv: ("// (floor division)", "use / (a floor has no useful derivative)"),
    ast.Mod: ("% (a remainder)", _ALLOWED),
    ast.LShift: ("<< (a bit shift)", _ALLOWED),
    ast.RShift: (">> (a bit shift)", _ALLOWED),
    ast.BitOr: ("| (a bitwise or)", _ALLOWED),
    ast.BitAnd: ("& (a bitwise and)", _ALLOWED),
}
_REFUSED_NODES = {
    ast.Attribute: "attribute access",
    ast.Subscript: "indexing",
    ast.Compare: "comparison",
    ast.Lambda: "lambda",
    ast.BoolOp: "and/or",
    ast.IfExp: "a conditional 'x if c else y'",
    ast.List: "a list [...]",
    ast.Tuple: "a tuple (a, b)",
    ast.Set: "a set {...}",
    ast.Dict: "a dict {...}",
    ast.NamedExpr: "an assignment inside an expression (:=)",
    ast.JoinedStr: "an f-string",
    ast.Starred: "a starred *expression",
    ast.Slice: "a slice",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}
# Characters from books and keyboards that Python does not read as maths, and what to type.
_CHARACTERS = {
    "²": "use ** for powers (x**2)",
    "³": "use ** for powers (x**3)",
    "·": "use * for products",
    "×": "use * for products",
    "⋅": "use * for products",
    "−": "use - for minus",
    "÷": "use / for division",
    "σ": "write sigmoid(...) for σ",
}
# A number written right before a name or a parenthesis: "2x", "2 x", "0.5(w + b)".
_IMPLICIT_PRODUCT = re.compile(r"(?<![\w.])(\d+\.?\d*|\.\d+)\s*([A-Za-z_]\w*|\()")


class FormulaError(ValueError):
    """A formula or a value given for it is not acceptable; the message says what to change."""


@dataclass(frozen=True)
class Built:
    """A built formula: its root, its leaves by name, and its named steps by name."""

    root: Value
    leaves: dict[str, Value]
    steps: dict[str, Value] = field(default_factory=dict)


@dataclass(frozen=True)
class Formula:
    """A checked formula: its text, the root's syntax tree, its leaves' names and its steps.

    ``tree`` is the expression of the last statement; ``names`` are the names to give a value
    (used but never assigned), in order of first appearance; ``statements`` are
    ``(name, expression)`` pairs in order, the name ``None`` for a last, unnamed expression.
    """

    text: str
    tree: ast.expr
    names: tuple[str, ...]
    statements: tuple[tuple[str | None, ast.expr], ...] = ()

    @property
    def steps(self) -> tuple[str, ...]:
        """The assigned names, in order (empty for a one-expression formula)."""
        return tuple(name for name, _ in self.statements if name is not None)

    def source(self, tree: ast.AST) -> str:
        """The text of a part of the formula as the user wrote it, e.g. ``w*x + b``."""
        return ast.get_source_segment(_one_line(self.text.strip()), tree) or ast.unparse(tree)

    def build(self, values: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
        """Build the graph, each name a leaf Value labelled with it; returns (root, leaves)."""
        built = self.evaluate(values)
        return built.root, built.leaves

    def evaluate(self, values: Mapping[str, float]) -> Built:
        """Build the graph as :meth:`build` does; also return each named step's Value."""
        assigned = [n for n in self.steps if n in values]
        if assigned:
            raise FormulaError(
                f"{assigned[0]} is assigned in the formula and also given a value: drop "
                f"--set {assigned[0]}=... or rename the step"
            )
        missing = [n for n in self.names if n not in values]
        if missing:
            raise FormulaError(
                f"no value given for {', '.join(missing)}: add e.g. --set {missing[0]}=1.0"
            )
        unused = sorted(set(values) - set(self.names))
        if unused:
            raise FormulaError(f"{', '.join(unused)} is set but not used in {self.text!r}")
        leaves = {n: Value(float(values[n]), label=n) for n in self.names}
        scope: dict[str, Value] = dict(leaves)
        steps: dict[str, Value] = {}
        statements = self.statements or ((None, self.tree),)
        last = len(statements) - 1
        for i, (name, tree) in enumerate(statements):
            try:
                out = _build(tree, scope)
            except (ValueError, ZeroDivisionError, OverflowError) as e:
                where = self.text if name is None else f"{name} = {_short(tree)}"
                raise FormulaError(f"cannot evaluate {where!r}: {e}") from None
            if not isinstance(out, Value):  # numbers only: a leaf, drawn as a number inside
                out = Value(out) if i == last else Constant(out)
            elif name is not None and out.label:  # "a = z" or "a = +w": no new node
                raise FormulaError(
                    f"{name} = {_short(tree)} only gives {out.label} a second name: "
                    f"use {out.label} itself, or make {name} a step of its own"
                )
            if name is not None:
                out.label = name
                steps[name] = scope[name] = out
        if not out.label:
            out.label = "out"
        return Built(out, leaves, steps)


def _short(tree: ast.AST, limit: int = 40) -> str:
    """The tree as text for a message, cut at ``limit`` characters."""
    try:
        text = ast.unparse(tree)
    except RecursionError:  # deeply nested: say what it starts with
        text = "…"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_formula(text: str) -> Formula:
    """Check ``text`` against the whitelist and return a :class:`Formula`.

    The whitelist: numbers, names, + - * / **, unary -, parentheses, the functions sigmoid,
    relu, tanh, exp, log; and statements ``NAME = expression`` separated by ``;`` or new
    lines, the last one the root (it may also be a plain expression).
    """
    if not isinstance(text, str):
        raise FormulaError(f"a formula is text, got {type(text).__name__}")
    if not text.strip():
        raise FormulaError("the formula is empty: give one such as 'sigmoid(w*x + b)'")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula is longer than {MAX_LENGTH} characters")
    if "\x00" in text:
        raise FormulaError("the formula contains a NUL character")
    pieces = text.split(";")
    while pieces and not pieces[-1].strip():  # a trailing ";" or new line is fine
        pieces.pop()
    if not pieces or any(not p.strip() for p in pieces):
        raise FormulaError(
            f"the formula {text!r} has an empty statement: write one step between two ';'"
        )
    if "#" in text:
        raise FormulaError("a formula cannot hold a comment (#): remove it")
    for char, hint in _CHARACTERS.items():  # "w·x" would be one name to Python
        if char in text:
            raise FormulaError(f"{char!r} is not an operator in a formula: {hint}")
    source = _one_line(text.strip())
    try:
        with warnings.catch_warnings():  # "1if", "1 is w": the error below says it in one line
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                body: list[ast.stmt] = [ast.Expr(ast.parse(source, mode="eval").body)]
            except SyntaxError as as_expression:
                try:  # steps; "single", not "exec": on an error, "exec" tries to open a file
                    body = ast.parse(source, mode="single").body
                except SyntaxError:
                    if not re.search(r"[=;]", source):
                        raise as_expression from None
                    raise
    except SyntaxError as e:
        raise FormulaError(_syntax_message(text, e)) from None
    except (ValueError, RecursionError, MemoryError) as e:
        detail = ": a number with too many digits" if "digits" in str(e) else ""
        raise FormulaError(f"cannot parse the formula {text!r}{detail}") from None
    statements = _statements(body, source)
    names: list[tuple[int, int, str]] = []
    assigned: set[str] = set()
    count = 0
    for name, tree in statements:
        used: list[tuple[int, int, str]] = []
        stack: list[ast.AST] = [tree]
        while stack:
            node = stack.pop()
            count += 1
            if count > MAX_NODES:
                raise FormulaError(f"the formula has more than {MAX_NODES} parts")
            stack.extend(_check(node, used))
        for _, _, used_name in used:
            if used_name not in assigned and used_name in dict(statements):
                raise FormulaError(
                    f"{used_name} is used before it is assigned: put the step "
                    f"{used_name} = ... before the statements that use it"
                )
        names += [u for u in used if u[2] not in assigned]
        if name is not None:
            assigned.add(name)
    _check_every_step_used(statements)
    order = dict.fromkeys(name for _, _, name in sorted(names))  # first appearance, left to right
    return Formula(text, statements[-1][1], tuple(order), statements if assigned else ())


def _one_line(text: str) -> str:
    """The text with new lines outside brackets made ';' (same length, same columns)."""
    depth, out, last = 0, [], ";"
    for char in text:
        depth += (char in "([{") - (char in ")]}")
        if char == "\n" and depth <= 0:
            char = " " if last == ";" else ";"  # blank lines and "z = 1;" need no other ';'
        out.append(char)
        if not char.isspace():
            last = char
    return "".join(out)


def _statements(body: list[ast.stmt], source: str) -> tuple[tuple[str | None, ast.expr], ...]:
    """The (name, expression) of each statement, or a FormulaError naming what is not one."""
    out: list[tuple[str | None, ast.expr]] = []
    seen: set[str] = set()
    for i, stmt in enumerate(body):
        if isinstance(stmt, ast.Expr) and i == len(body) - 1:
            out.append((None, stmt.value))
            continue
        text = ast.get_source_segment(source, stmt) or _short(stmt)
        if isinstance(stmt, ast.Expr):
            raise FormulaError(
                f"the statement {text!r} is not assigned to a name: write NAME = {text} "
                f"(only the last statement may be a plain expression)"
            )
        if isinstance(stmt, ast.AugAssign):
            raise FormulaError(
                f"{text!r} changes a step: give each step its own name, e.g. "
                f"{ast.unparse(stmt.target)}2 = {ast.unparse(stmt.target)} "
                f"{_BINOPS.get(type(stmt.op), '+')} ..."
            )
        if isinstance(stmt, ast.AnnAssign):
            raise FormulaError(f"{text!r}: annotations are not allowed; write NAME = expression")
        if not isinstance(stmt, ast.Assign):
            raise FormulaError(
                f"{_short(stmt).splitlines()[0]!r} is not allowed in a formula: write an "
                "expression, or steps NAME = expression separated by ';'"
            )
        if len(stmt.targets) != 1:
            raise FormulaError(f"{text!r} assigns several names at once: one name per step")
        target = stmt.targets[0]
        if isinstance(target, (ast.Tuple, ast.List)):
            raise FormulaError(f"{text!r} assigns a tuple: assign one name per step")
        if not isinstance(target, ast.Name):
            raise FormulaError(f"{text!r}: only plain names can be assigned (like z = w*x + b)")
        name = target.id
        if name in FUNCTIONS:
            raise FormulaError(f"{name} is a function: it cannot be the name of a step")
        if name in seen:
            raise FormulaError(
                f"{name} is assigned twice: give each step its own name (e.g. {name}2)"
            )
        seen.add(name)
        out.append((name, stmt.value))
    return tuple(out)


def _check_every_step_used(statements: tuple[tuple[str | None, ast.expr], ...]) -> None:
    """A step that no later statement uses would be drawn nowhere: say so."""
    for i, (name, _) in enumerate(statements[:-1]):
        later = {
            n.id
            for _, tree in statements[i + 1 :]
            for n in ast.walk(tree)
            if isinstance(n, ast.Name)
        }
        if name not in later:
            raise FormulaError(
                f"{name} is assigned but never used: the last statement is the result, "
                "so use each step in a later one"
            )


def _syntax_message(text: str, e: SyntaxError) -> str:
    """A SyntaxError in the user's words: what to write instead, where we can tell."""
    col = f" at column {e.offset}" if e.offset else ""
    head = f"cannot parse the formula {text!r}{col}"
    for m in _IMPLICIT_PRODUCT.finditer(text):
        number, after = m.groups()
        if keyword.iskeyword(after) or re.fullmatch(r"[eE]\d*", after):
            continue
        if after == "(":
            return f"{head}: write {number}*(...) for a product"
        return f"{head}: write {number}*{after} for a product ({m.group(0)!r} is not one)"
    return f"{head}: {e.msg}"


def _check(node: ast.AST, names: list[tuple[int, int, str]]) -> list[ast.expr]:
    """Reject anything outside the whitelist; return the node's sub-expressions."""
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise FormulaError(f"only real numbers may appear as constants, not {v!r}")
        try:
            finite = math.isfinite(float(v))
        except OverflowError:  # an int beyond the largest float
            finite = False
        if not finite:
            shown = "a number" if isinstance(v, float) else f"the {len(str(v))}-digit integer"
            raise FormulaError(f"{shown} is too large: numbers must be below about 1.8e308")
        return []
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise FormulaError(f"{node.id} is a function: call it as {node.id}(...)")
        names.append((node.lineno, node.col_offset, node.id))
        return []
    if isinstance(node, ast.BinOp):
        if type(node.op) in _BINOPS:
            return [node.left, node.right]
        if isinstance(node.op, ast.BitXor):
            raise FormulaError(
                f"^ is not a power in Python: use ** for powers, "
                f"{_short(node.left)}**{_short(node.right)}"
            )
        what, hint = _REFUSED_BINOPS[type(node.op)]
        raise FormulaError(f"{what} is not allowed in a formula: {hint}")
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, (ast.USub, ast.UAdd)):
            return [node.operand]
        what = "~ (bitwise not)" if isinstance(node.op, ast.Invert) else "not"
        raise FormulaError(f"{what} is not allowed in a formula: {_ALLOWED}")
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Constant):  # "2(w + b)"
            raise FormulaError(
                f"write {_short(node.func)}*(...) for a product: {_short(node)!r} is not one"
            )
        fn = node.func.id if isinstance(node.func, ast.Name) else None
        if fn not in FUNCTIONS:
            shown = fn or ast.unparse(node.func)
            hint = f" (for a product write {fn}*(...))" if fn and fn.isidentifier() else ""
            raise FormulaError(
                f"unknown function {shown!r}: the functions are {', '.join(FUNCTIONS)}{hint}"
            )
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise FormulaError(f"{fn}() takes exactly one argument")
        return [node.args[0]]
    what = _REFUSED_NODES.get(type(node), type(node).__name__)
    raise FormulaError(f"{what} is not allowed in a formula: {_ALLOWED}")


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
            results.append(apply(OPERATIONS[n.func.id].tag, v))  # type: ignore[attr-defined]
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
