"""An operation's source text for the compiler, in Python and in JavaScript, from the table.

The table (:mod:`micrograd_cbook.ops`) writes each operation's value, slopes and errors as
Python expressions over ``x``, ``y``, ``p`` and ``out``. :func:`code` parses them once per
operation and parameters (``p`` becomes its number and what it decides is decided then: the
source of ``x ** 2`` is ``x * x``) and gives templates whose holes are the graph's names:
``{0}``, ``{1}`` the inputs, ``{out}`` the value, ``{d0}`` a named slope. Temporaries
(``e`` in σ) become ``_e``: the compiled code's own names start with ``_``, a graph's never.

>>> from micrograd_cbook.ops import POWER, SIGMOID, TANH
>>> c = code(SIGMOID.tag, "python")
>>> c.before, c.value
(['_e = _exp(-_abs({0}))'], '1.0 / (1.0 + _e) if {0} >= 0.0 else _e / (1.0 + _e)')
>>> code(POWER.at(2.0), "python").value, code(POWER.at(2.0), "javascript").slopes
('{0} * {0}', ['2.0 * {0}'])
>>> code(TANH.tag, "javascript").slopes
['-1.0 < {0} && {0} < 1.0 ? 1.0 - {out} * {out} : 4.0 * _e / ((1.0 + _e) * (1.0 + _e))']
"""

from __future__ import annotations

import ast
import functools
import json
import math
import operator
from dataclasses import dataclass

from ..ops import RUNTIME, Op, Operation

__all__ = ["Code", "code", "never"]


@dataclass(frozen=True)
class Code:
    """One operation's source in one language, as templates over the graph's names.

    ``errors``: (condition, place, kind, message) for each error: its place ``"before"`` or
    ``"after"`` the value, its exception's name and, in JavaScript, its message as an
    expression (Python calls the float rule, which raises with the engine's own);
    ``before`` and ``before_slopes``: temporaries' assignments (``_e = ...``); ``value``;
    ``slopes``: one expression per input (``"1.0"`` where the slope is exactly 1);
    ``inline[i]``: whether slope i is a plain product of names and numbers, which the
    backward pass may compute where it uses it (else the forward pass names it).
    """

    errors: list[tuple[str, str, str, str]]
    before: list[str]
    value: str
    before_slopes: list[str]
    slopes: list[str]
    inline: list[bool]


def code(op: Op, language: str) -> Code | None:
    """The templates of ``op`` (an operation with its parameters) in ``language``
    ("python" or "javascript"), or None for an operation with no sources (a rule alone)."""
    return _code(op.operation, op.params, language)


@functools.lru_cache(maxsize=1024)
def _code(operation: Operation, params: tuple, language: str) -> Code | None:
    if not operation.value:
        return None
    names = {name: f"{{{k}}}" for k, name in enumerate(operation.inputs)}
    names["out"] = "{out}"
    for line in (*operation.before, *operation.before_slopes):
        names[line.split("=")[0].strip()] = "_" + line.split("=")[0].strip()
    constants = dict(zip(operation.params, params))
    write = _python if language == "python" else _javascript

    def text(source: str) -> str:
        tree = _Fold(constants, names).visit(ast.parse(source, mode="eval").body)
        return write(tree)

    def assignment(line: str) -> str:
        name, _, expression = line.partition("=")
        return f"{names[name.strip()]} = {text(expression.strip())}"

    def plain(source: str) -> bool:
        tree = _Fold(constants, names).visit(ast.parse(source, mode="eval").body)
        temporaries = {n for n in names.values() if n.startswith("_")}
        return not any(
            isinstance(n, (ast.IfExp, ast.Call, ast.BoolOp, ast.Compare))
            or (isinstance(n, ast.Name) and n.id in temporaries)
            for n in ast.walk(tree)
        )

    errors = []
    for error in operation.errors:
        condition = _Fold(constants, names).visit(ast.parse(error.when, mode="eval").body)
        if isinstance(condition, ast.Constant) and not condition.value:
            continue  # it cannot happen with these parameters
        message = ""
        if language == "javascript":
            joined = ast.parse("f" + repr(error.message), mode="eval").body
            message = _message(_Fold(constants, names).visit(joined))
        place = "after" if "out" in error.when else "before"
        errors.append((write(condition), place, error.kind.__name__, message))
    return Code(
        errors,
        [assignment(line) for line in operation.before],
        text(operation.value),
        [assignment(line) for line in operation.before_slopes],
        [text(s) for s in operation.slopes],
        [plain(s) for s in operation.slopes],
    )


def never(condition: str) -> bool:
    """Whether a condition written with numbers in place of some names is false whatever the
    other names hold (``2.0 == 0.0``; ``x == 0.0 and 2.0 < 0.0``)."""
    folded = _Fold({}, {}).visit(ast.parse(condition, mode="eval").body)
    return isinstance(folded, ast.Constant) and not folded.value


class _Fold(ast.NodeTransformer):
    """Names become holes or temporaries; parameters become numbers, and what they decide
    alone (``p == 2.0``, ``_is_integer(p)``, ``p - 1.0``) is decided now."""

    def __init__(self, constants: dict[str, float], names: dict[str, str]) -> None:
        self.constants, self.names = constants, names

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.constants:
            return ast.Constant(self.constants[node.id])
        if node.id in self.names:
            return ast.Name(self.names[node.id])
        return node

    def generic_visit(self, node: ast.AST) -> ast.AST:
        node = super().generic_visit(node)
        if isinstance(node, (ast.Compare, ast.BinOp, ast.UnaryOp, ast.Call)):
            known = _known(node)
            if known is not None:
                return ast.Constant(known)
        if isinstance(node, ast.BoolOp):
            return _bool(node)
        if isinstance(node, ast.IfExp) and isinstance(node.test, ast.Constant):
            return node.body if node.test.value else node.orelse
        return node


_ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
               ast.Div: operator.truediv, ast.Eq: operator.eq, ast.NotEq: operator.ne,
               ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt,
               ast.GtE: operator.ge}  # fmt: skip


def _known(node: ast.AST) -> object | None:
    """The value of an expression of numbers alone, by Python's own floats; None where it
    reads a name that is not a number (an input, ``out``, a temporary)."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        value = RUNTIME.get(node.id)
        return value if isinstance(value, float) else None
    if isinstance(node, ast.UnaryOp):
        v = _known(node.operand)
        if v is None:
            return None
        return -v if isinstance(node.op, ast.USub) else not v  # type: ignore[operator]
    if isinstance(node, ast.BinOp):
        a, b = _known(node.left), _known(node.right)
        if a is None or b is None:
            return None
        return _ARITHMETIC[type(node.op)](a, b)
    if isinstance(node, ast.Compare):
        values = [_known(n) for n in (node.left, *node.comparators)]
        if any(v is None for v in values):
            return None
        return all(_ARITHMETIC[type(op)](a, b) for op, a, b in zip(node.ops, values, values[1:]))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        args = [_known(a) for a in node.args]
        function = RUNTIME.get(node.func.id)
        if callable(function) and all(a is not None for a in args):
            return function(*args)
    return None


def _bool(node: ast.BoolOp) -> ast.AST:
    """``a and True`` is ``a``, ``a and False`` is False; ``or`` likewise."""
    keep, decisive = [], isinstance(node.op, ast.Or)
    for value in node.values:
        if isinstance(value, ast.Constant):
            if bool(value.value) == decisive:
                return ast.Constant(decisive)
            continue
        keep.append(value)
    if not keep:
        return ast.Constant(not decisive)
    return keep[0] if len(keep) == 1 else ast.BoolOp(node.op, keep)


# ------------------------------------------------------------------ writing


def _constant(value: object) -> ast.AST:
    """A number as an expression both languages read back exactly: inf and nan by name."""
    if isinstance(value, bool):
        return ast.Constant(value)
    x = float(value)  # type: ignore[arg-type]
    if math.isnan(x):
        return ast.Name("_nan")
    if math.isinf(x):
        return ast.Name("_inf") if x > 0 else ast.UnaryOp(ast.USub(), ast.Name("_inf"))
    if math.copysign(1.0, x) < 0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-x))
    return ast.Constant(x)


class _Numbers(ast.NodeTransformer):
    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        return _constant(node.value) if isinstance(node.value, (int, float)) else node


def _python(tree: ast.AST) -> str:
    return ast.unparse(_Numbers().visit(tree))


_JS_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_JS_COMPARE = {ast.Eq: "===", ast.NotEq: "!==", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
               ast.GtE: ">="}  # fmt: skip
# Precedence, loosest first, as JavaScript binds: ?:, ||, &&, comparisons, + -, * /, unary.
_LEVEL = {"?": 1, "||": 2, "&&": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "/": 6, "unary": 7}


def _javascript(tree: ast.AST) -> str:
    return _js(_Numbers().visit(tree))[0]


def _message(node: ast.JoinedStr) -> str:
    """An error's f-string as JavaScript: its text and each ``{x!r}`` as ``_repr(x)``."""
    parts = []
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append(json.dumps(value.value, ensure_ascii=False))
        else:
            parts.append(f"_repr({_javascript(value.value)})")  # type: ignore[attr-defined]
    return " + ".join(parts)


def _js(node: ast.AST) -> tuple[str, int]:
    """JavaScript text of a Python expression of the table, and how tightly it binds."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            return ("true" if node.value else "false"), 9
        return repr(float(node.value)), 9
    if isinstance(node, ast.Name):
        return node.id, 9  # the runtime's names, as the page's script defines them too
    if isinstance(node, ast.Call):
        args = ", ".join(_js(a)[0] for a in node.args)
        return f"{_js(node.func)[0]}({args})", 9
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.USub):
            text, level = _js(node.operand)
            return "-" + (text if level > _LEVEL["unary"] else f"({text})"), _LEVEL["unary"]
        text, level = _js(node.operand)  # not
        return "!" + (text if level > _LEVEL["unary"] else f"({text})"), _LEVEL["unary"]
    if isinstance(node, ast.BinOp):
        sign = _JS_BINARY[type(node.op)]
        level = _LEVEL[sign]
        left, lt = _js(node.left)
        right, rt = _js(node.right)
        left = left if lt >= level else f"({left})"
        right = right if rt > level else f"({right})"  # a - (b - c): the right binds tighter
        return f"{left} {sign} {right}", level
    if isinstance(node, ast.BoolOp):
        sign = "&&" if isinstance(node.op, ast.And) else "||"
        parts = []
        for value in node.values:
            text, level = _js(value)
            parts.append(text if level > _LEVEL[sign] else f"({text})")
        return f" {sign} ".join(parts), _LEVEL[sign]
    if isinstance(node, ast.Compare):  # a < b < c is a < b && b < c
        terms, left = [], node.left
        for op, right in zip(node.ops, node.comparators):
            a, la = _js(left)
            b, lb = _js(right)
            a = a if la > _LEVEL["cmp"] else f"({a})"
            b = b if lb > _LEVEL["cmp"] else f"({b})"
            terms.append(f"{a} {_JS_COMPARE[type(op)]} {b}")
            left = right
        if len(terms) == 1:
            return terms[0], _LEVEL["cmp"]
        return " && ".join(terms), _LEVEL["&&"]
    if isinstance(node, ast.IfExp):
        test, lt = _js(node.test)
        body, lb = _js(node.body)
        other, _ = _js(node.orelse)
        test = test if lt > _LEVEL["?"] else f"({test})"
        body = body if lb > _LEVEL["?"] else f"({body})"
        return f"{test} ? {body} : {other}", _LEVEL["?"]
    raise ValueError(f"the table's source uses {ast.dump(node)[:60]}, which JavaScript lacks here")
