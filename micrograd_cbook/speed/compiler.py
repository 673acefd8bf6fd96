r"""Back-propagation as straight-line code: a graph of fixed shape, traced once into Python.

:func:`compile` walks a graph once and writes one Python function for it: its forward pass,
one line per operation, then its backward pass, one line per chain-rule edge
(``dC_dchild += ∂node/∂child · dC_dnode``; ``=`` for an interior grad's first edge) in the
order ``backward()`` adds them. Calling it with new input values does what building the same
graph with those values and calling ``backward()`` does, with the same float operations in the
same order (less additions of zeros that cannot change a result): bit for bit the
interpreter's numbers, many times faster (no nodes are built, no graph is walked).

>>> from micrograd_cbook import Value
>>> w, x, b = Value(0.5, "w"), Value(1.5, "x"), Value(0.1, "b")
>>> z = w * x + b; z.label = "z"
>>> a = z.sigmoid(); a.label = "a"
>>> f = compile(a, inputs=[x])
>>> round(f([1.5]), 4), round(w.grad, 4)   # a = σ(w·x + b), ∂a/∂w added to w.grad
(0.7006, 0.3147)
>>> print("\n".join(line.strip() for line in f.source.splitlines() if "_dz" in line))
da_dz_local = _e * a * a if z >= 0.0 else a / (1.0 + _e)
da_dz = da_dz_local * da_da
da_dmul2 = da_dz
da_db += da_dz

Every row at once: with NumPy installed, ``f.many(rows)`` over enough rows (``f.batched``,
:mod:`micrograd_cbook.speed.batched`) runs each operation once for all the rows, a layer's neurons
side by side, with the same float operations in the same order: the same numbers again.
``compile(..., batched=False)`` keeps to the straight-line code.

What it needs to know: ``inputs`` are the leaves whose values change from call to call (a
row of data, a target); every other leaf is read from its ``.data`` at each call, so an
optimiser's updates are seen, and receives its grad, as ``backward()`` would give it. Numbers
that entered the graph as operands (:class:`Constant`) are written into the code. The
structure is what it was when compiled: a weight replaced by another Value, or a new layer,
needs a new ``compile``. A node made by hand (an op the engine does not know) keeps the value
and local grads it had when compiled: the compiler cannot know its function.
"""

from __future__ import annotations

import builtins
import itertools
import keyword
import linecache
import math
import operator
import re
import struct
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from ..engine import (
    EXP_LIMIT,
    Constant,
    Value,
    power,
    real,
    sum_values,
    topological_order,
    weighted_sum,
)
from .batched import MIN_ROWS, RowsAtOnce, available

__all__ = ["DEFAULT_MAX_NODES", "CompiledGraph", "compile"]

DEFAULT_MAX_NODES = 200_000  # the generated function has a few lines per node and per edge

# A node of these ops whose grad is 0 and whose value is finite passes only zeros to its
# children (its local grads are finite then); nodes of at least SKIP_EDGES edges skip them.
SKIPPABLE_OPS = (
    "+",
    "-",
    "neg",
    "*",
    "Σ",
    "Σw·x",
    "Σw·x+b",
    "relu",
    "abs",
    "sigmoid",
    "tanh",
    "exp",
)
SKIP_EDGES = 4
SUM_PIECE = 100  # terms per line of a long sum
FAST_NAMES = 250  # CPython reads its first 256 local variables with the shortest instructions
_OP_WORDS = {
    "+": "add",
    "-": "sub",
    "*": "mul",
    "/": "div",
    "**": "pow",
    "Σ": "sum",
    "Σw·x": "z",
    "Σw·x+b": "z",
}


def compile(
    root: Value,
    inputs: Iterable[Value] = (),
    *,
    record: Iterable[Value] = (),
    max_nodes: int = DEFAULT_MAX_NODES,
    batched: bool = True,
) -> CompiledGraph:
    """Trace the graph ending at ``root`` once into straight-line Python (see the module).

    ``inputs``: the leaves whose values each call passes, in the order of its values.
    ``batched``: let ``many`` run every row at once with NumPy where that is faster (the same
    floats; see :mod:`micrograd_cbook.speed.batched`). Raises ValueError for an input that is not a
    leaf of the graph (or given twice) and for a graph of more than ``max_nodes`` values,
    TypeError for anything that is not a Value.

    >>> from micrograd_cbook import Value
    >>> x, y = Value(2.0, "x"), Value(3.0, "y")
    >>> f = compile(x * y, inputs=[x])
    >>> f([10.0]), y.grad          # x·y at x = 10; ∂(x·y)/∂y = x added to y.grad
    (30.0, 10.0)
    >>> f.many([[1.0], [2.0]]), y.grad
    (9.0, 13.0)
    """
    return CompiledGraph(root, inputs, record=record, max_nodes=max_nodes, batched=batched)


class CompiledGraph:
    """A graph of fixed shape as one generated Python function: call it like a formula.

    ``f(values)`` returns the root's value and adds every non-input leaf's grad into its
    ``.grad``; ``f.many(rows)`` does that for each row (the sum of the values, added left to
    right, is returned); ``f.forward(values)`` only computes the value. ``f.source`` is the
    generated code, ``f.inputs`` and ``f.parameters`` the leaves it reads; ``f.batched`` the
    plan that runs ``many`` over every row at once (None without NumPy or with ``batched=False``).
    """

    def __init__(
        self,
        root: Value,
        inputs: Iterable[Value] = (),
        *,
        record: Iterable[Value] = (),
        max_nodes: int = DEFAULT_MAX_NODES,
        batched: bool = True,
    ) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"compile needs a Value as its root, got {type(root).__name__}")
        if isinstance(inputs, Value):
            inputs = [inputs]
        self.inputs = tuple(inputs)
        for v in self.inputs:
            if not isinstance(v, Value):
                raise TypeError(
                    f"compile: inputs must be Values (leaves of the graph), got "
                    f"{type(v).__name__}: {v!r}"
                )
        if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
            raise ValueError(f"max_nodes must be a positive int, got {max_nodes!r}")
        order = _bounded_order(root, max_nodes)
        in_graph = set(order)
        for i, v in enumerate(self.inputs):
            if v.children:
                raise ValueError(
                    f"compile: input {_who(v)} is computed (op {v.op!r}), not a "
                    "leaf: inputs are the leaves whose values each call passes"
                )
            if v not in in_graph:
                raise ValueError(
                    f"compile: input {_who(v)} is not a leaf of the graph of "
                    f"{_who(root)}: the root does not depend on it"
                )
            if v in self.inputs[:i]:
                raise ValueError(f"compile: input {_who(v)} is given twice")
        self.record = tuple(record)
        for v in self.record:
            if not isinstance(v, Value) or v not in in_graph:
                raise ValueError(f"compile: record takes Values of the graph, got {v!r}")
        self.root = root
        given = set(self.inputs)
        leaves = [n for n in order if not n.children and n not in given]
        self.parameters = tuple(n for n in leaves if type(n) is not Constant)
        self.constants = tuple(n for n in leaves if type(n) is Constant)
        self._writer = _Writer(
            root, order, self.inputs, self.parameters, self.constants, self.record
        )
        many, forward = self._writer.source()
        self.source = many + forward
        self._many = _function(many, "_many")
        self._forward_source = many.count("\n") * "\n" + forward  # its lines where they stand
        self._forward_function: Any = None  # compiled when first asked for
        self._many_exact = None  # made when a grad is -0.0 (see _run)
        self._leaves = (*self.parameters, *self.constants)
        self._pack = struct.Struct(f"<{len(self._leaves)}d").pack  # the grads' bytes
        self.nodes = len(order)
        self._at_once = batched and bool(root.children)
        self._batched: RowsAtOnce | None = None  # planned when first wanted

    @property
    def batched(self) -> RowsAtOnce | None:
        """The plan that runs ``many`` over every row at once (made on first use), or None."""
        if self._at_once and self._batched is None:
            if not available():  # no NumPy: the straight-line code, always
                self._at_once = False
                return None
            w = self._writer
            self._batched = RowsAtOnce(
                self.root, w.order, self.inputs, self._leaves, w.known, w.wanted, self.record
            )
        return self._batched

    def __call__(self, values: Sequence[float]) -> float:
        """The root's value for these input values; every non-input leaf's grad added to."""
        return self._run([self._row(values, 0)], None)

    def many(self, rows: Iterable[Sequence[float]], seen: list | None = None) -> float:
        """``f(row)`` for every row, grads accumulated: the sum of the values (left to right).

        ``seen``: a list to which each row's values of the ``record`` nodes are appended (a
        tuple per row), e.g. a network's outputs while its loss is backpropagated.
        """
        rows = list(rows)
        try:  # the usual case, checked in C: rows of floats of the right length
            checked = list(map(tuple, rows))
            good = set(map(len, checked)) <= {len(self.inputs)} and set(
                map(type, itertools.chain.from_iterable(checked))
            ) <= {float}
        except TypeError:  # a row that is not a sequence: said below
            good = False
        if not good:
            checked = [self._row(row, i) for i, row in enumerate(rows)]
        return self._run(checked, seen)

    def debug(self, values: Sequence[float]) -> float:
        """``f(values)`` in pdb, stopped on the generated code's first line: ``next`` walks
        the forward and backward lines one by one, ``p dC_dw`` shows a grad as it grows."""
        import pdb

        leaves = self._leaves
        return pdb.runcall(
            self._many,
            [self._row(values, 0)],
            self.parameters,
            leaves,
            [p.grad for p in leaves],
            None,
        )

    def _run(self, rows: list[tuple[float, ...]], seen: list | None) -> float:
        leaves = self._leaves
        grads = [p.grad for p in leaves]
        many = self._many
        # A grad of -0.0 stays -0.0 only if nothing is added, not even a +0: the code that
        # skips zero contributions would differ in that sign, so then every edge runs. Found
        # in C: the grads' sign-and-exponent bytes, 0x80 only for -0.0 or a tiny negative.
        try:
            high_bytes = self._pack(*grads)[7::8]
        except struct.error:
            bad = next(p for p in leaves if not isinstance(p.grad, (int, float)))
            raise TypeError(
                f"the grad of {_who(bad)} is {bad.grad!r}, not a number: set it "
                "to 0.0 (zero_grad) before calling the compiled graph"
            ) from None
        plan = self.batched if self._at_once and len(rows) >= MIN_ROWS else None
        if plan is not None and len(rows) >= plan.min_rows:
            done = plan.run(rows, self.parameters, grads, seen)
            if done is not None:  # (None: a row raises; the straight-line code says how)
                for p, g in zip(leaves, done[1]):
                    p.grad = g
                return done[0]
        if b"\x80" in high_bytes and any(g == 0.0 and math.copysign(1.0, g) < 0.0 for g in grads):
            if self._many_exact is None:
                self._many_exact = _function(self._writer.source(skip=False)[0], "_many")
            many = self._many_exact
        return many(rows, self.parameters, leaves, grads, seen)

    def forward(self, values: Sequence[float]) -> float:
        """The root's value only: no grads are touched."""
        if self._forward_function is None:
            self._forward_function = _function(self._forward_source, "_forward", self.source)
        return self._forward_function(self._row(values, 0), self.parameters)

    def _row(self, values: Sequence[float], index: int) -> tuple[float, ...]:
        """One row of input values as floats, or a clear error naming the row."""
        try:
            row = tuple(values)
        except TypeError:
            raise TypeError(
                f"row {index}: the compiled graph takes a list of "
                f"{len(self.inputs)} numbers, got {type(values).__name__}"
            ) from None
        if len(row) != len(self.inputs):
            names = ", ".join(_who(v) for v in self.inputs) or "none"
            raise ValueError(
                f"row {index} has {len(row)} values; the compiled graph takes "
                f"{len(self.inputs)} (its inputs: {names})"
            )
        if all(type(v) is float for v in row):
            return row
        return tuple(real(v, f"row {index}'s value") for v in row)

    def __repr__(self) -> str:
        return (
            f"CompiledGraph({_who(self.root)}, {self.nodes} nodes, "
            f"{len(self.inputs)} inputs, {len(self.parameters)} parameters)"
        )


def _function(source: str, name: str, shown: str | None = None) -> Any:
    """The generated function ``name`` (our own code: no user text is evaluated).

    Its text (or ``shown``, the whole source it stands in) is registered with linecache under
    a name of its own, so that tracebacks and pdb show its lines: ``f.debug(values)`` walks
    the chain rule line by line.
    """
    text = shown or source
    filename = f"<micrograd_cbook compiled graph {next(_serial)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {
        "_exp": math.exp,
        "_log": math.log,
        "_tanh": math.tanh,
        "_abs": abs,
        "_power": power,
        "_nan": math.nan,
        "_inf": math.inf,
        "_bad_log": _bad_log,
        "_bad_exp": _bad_exp,
    }
    exec(builtins.compile(source, filename, "exec"), namespace)
    return namespace[name]


_serial = itertools.count(1)
_NAME = re.compile(r"\b[a-zA-Z]\w*")
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]+")
_ADDED_TO = re.compile(r"^ *(\w+) \+= ", re.M)


def _bad_log(x: float) -> float:
    raise ValueError(f"log is defined only for x > 0, got x = {x!r}")


def _bad_exp(x: float) -> float:
    return Value(x).exp().data  # raises Value.exp's own OverflowError (x > EXP_LIMIT)


def _who(v: Value) -> str:
    return repr(v.label) if v.label else repr(v)


def _bounded_order(root: Value, max_nodes: int) -> list[Value]:
    """topological_order(root), refused (before it is walked in full) above max_nodes."""
    seen, stack = {root}, [root]
    while stack:
        for child in stack.pop().children:
            if child not in seen:
                seen.add(child)
                if len(seen) > max_nodes:
                    raise ValueError(
                        f"compile: the graph has more than max_nodes={max_nodes} "
                        "values; pass a larger max_nodes, or compile one "
                        "example's graph and use f.many(rows)"
                    )
                stack.append(child)
    return topological_order(root)


def _literal(x: float) -> str:
    """A float as Python source that evaluates to exactly it."""
    if math.isnan(x):
        return "_nan"
    if math.isinf(x):
        return "_inf" if x > 0 else "(-_inf)"
    return f"({x!r})" if math.copysign(1.0, x) < 0 else repr(x)


def _same(a: Value, b: Value) -> bool:
    """Whether two nodes hold the same floats, bit for bit (nan and the sign of zero too)."""
    return repr((a.data, a.local_grads)) == repr((b.data, b.local_grads))


def _exponent(n: Value) -> float | None:
    """p of a node ``x ** p`` with a number p (its op is "**2", "**0.5", ...), else None."""
    if not (n.op.startswith("**") and len(n.op) > 2 and len(n.children) == 1):
        return None
    try:
        return float(n.op[2:])
    except ValueError:
        return None


def _redo(n: Value) -> Value | None:
    """The node made again by the engine's own operation, or None for an op it does not have."""
    c, op = n.children, n.op
    binary = {
        "+": operator.add,
        "-": operator.sub,
        "*": operator.mul,
        "/": operator.truediv,
        "**": operator.pow,
    }
    unary = {
        "neg": operator.neg,
        "abs": abs,
        "sigmoid": Value.sigmoid,
        "relu": Value.relu,
        "tanh": Value.tanh,
        "exp": Value.exp,
        "log": Value.log,
    }
    if op in binary and len(c) == 2:
        return binary[op](c[0], c[1])
    if op in unary and len(c) == 1:
        return unary[op](c[0])
    p = _exponent(n)
    if p is not None:
        return c[0] ** p
    if op == "Σ" and c:
        return sum_values(c)
    if op in ("Σw·x", "Σw·x+b"):
        bias = op == "Σw·x+b"
        half = (len(c) - bias) // 2
        if len(c) == 2 * half + bias:
            return weighted_sum(c[:half], c[half : 2 * half], c[-1] if bias else None)
    return None


class _Writer:
    """Writes the forward and backward lines of one graph, naming its values from labels."""

    def __init__(
        self,
        root: Value,
        order: list[Value],
        inputs: tuple,
        parameters: tuple,
        constants: tuple,
        record: tuple,
    ) -> None:
        self.root, self.order, self.inputs, self.record = root, order, inputs, record
        self.parameters, self.constants = parameters, constants
        self.taken: set[str] = set()
        self.var: dict[Value, str] = {}
        given = set(inputs)
        for k, n in enumerate(order):
            if type(n) is Constant and n not in given:
                self.var[n] = _literal(n.data)
            elif n.label:
                self.var[n] = self._fresh(n.label)
            else:
                op = "pow" if n.op.startswith("**") else n.op
                word = (
                    "x"
                    if n in given
                    else "leaf"
                    if not n.children
                    else (_OP_WORDS.get(op, op if op.isidentifier() else "node"))
                )
                self.var[n] = self._fresh(f"{word}{k}")
        # A node that the engine's own operation makes again with the same floats is written
        # as code; any other (made by hand, or an op the engine does not have) is frozen.
        self.known: set[Value] = set()
        for n in order:
            if n.children:
                try:
                    again = _redo(n)
                except (ArithmeticError, ValueError, TypeError):
                    again = None
                if again is not None and _same(again, n):
                    self.known.add(n)
        self.C = self.var[root] if root.label and root not in constants else "root"
        # Which values need a grad: the non-input leaves and whatever lies above them.
        self.wanted: set[Value] = set(parameters) | set(constants)
        for n in order:  # children first
            if n.children and any(c in self.wanted for c in n.children):
                self.wanted.add(n)
        self.grad: dict[Value, str] = {}
        for n in order:
            if n in self.wanted:
                name = self.var[n] if self.var[n].isidentifier() else "constant"
                self.grad[n] = self._fresh(f"d{self.C}_d{name}")
        self.slope: dict[tuple[Value, int], str] = {}  # the local derivatives with a name
        for n in order:
            if n in self.known and (
                n.op in ("sigmoid", "tanh", "relu", "abs", "**") or _exponent(n) is not None
            ):
                for i, c in enumerate(n.children):
                    name = f"d{self.var[n]}_d{self.var[c] if self.var[c].isidentifier() else 'c'}"
                    # ∂a/∂z, local; only at the root is it also a grad's name: then "_local"
                    self.slope[n, i] = self._fresh(name + "_local" if name in self.taken else name)

    def _fresh(self, label: str) -> str:
        """A unique Python name from a label: w1[0,2] → w1_0_2 (never starting with _)."""
        if label.isascii() and label.isidentifier() and not label.startswith("_"):
            name = label
        elif label.isascii():  # w1[0,2] → w1_0_2
            name = _NOT_ALNUM.sub("_", label).strip("_") or "v"
        else:  # Python reads names in NFKC form; "_" for a character no name may hold (a²)
            text = unicodedata.normalize("NFKC", label)
            name = "".join(c if ("a" + c).isidentifier() else "_" for c in text)
            name = re.sub("_+", "_", name).strip("_") or "v"
        if name[0].isdigit():
            name = "v" + name
        if keyword.iskeyword(name):
            name += "_"
        base, k = name, 2
        while name in self.taken:
            name, k = f"{base}_{k}", k + 1
        self.taken.add(name)
        return name

    # ------------------------------------------------------------------ forward

    def forward_lines(self, slopes: bool) -> list[str]:
        """One line or a few per interior node: its value and, if asked, its local grads."""
        lines = []
        for n in self.order:
            if n.children:
                lines += self._value(n, slopes and any(c in self.wanted for c in n.children))
        return lines

    def _value(self, n: Value, slopes: bool) -> list[str]:
        v, op = self.var[n], n.op
        a = [self.var[c] for c in n.children]
        if n not in self.known:
            grads = ", ".join(_literal(g) for g in n.local_grads)
            return [
                f"{v} = {_literal(n.data)}  # made by hand ({op!r}): the value and local "
                f"grads ({grads}) it was compiled with"
            ]
        d = [self.slope.get((n, i), "") for i in range(len(a))]
        if op in ("+", "-", "*", "/"):
            return [f"{v} = {a[0]} {op} {a[1]}"]
        if op == "neg":
            return [f"{v} = -{a[0]}"]
        if op in ("Σ", "Σw·x", "Σw·x+b"):  # long sums in pieces: Python's parser is recursive
            terms = self._terms(n, a)
            pieces = [terms[k : k + SUM_PIECE] for k in range(0, len(terms), SUM_PIECE)]
            return [
                f"{v} = {' + '.join(pieces[0])}",
                *(f"{v} = {v} + {' + '.join(p)}" for p in pieces[1:]),
            ]
        if op == "exp":  # Value.exp's limit: e^x overflows above ln of the largest float
            return [f"{v} = _bad_exp({a[0]}) if {a[0]} > {EXP_LIMIT!r} else _exp({a[0]})"]
        if op == "log":
            return [f"{v} = _log({a[0]}) if {a[0]} > 0.0 else _bad_log({a[0]})"]
        x = a[0]
        if op == "relu":
            if slopes:  # the value and its slope from one test
                return [
                    f"if {x} > 0.0: {v}, {d[0]} = {x}, 1.0",
                    f"else: {v}, {d[0]} = 0.0 if {x} == {x} else {x}, 0.0",
                ]
            return [f"{v} = {x} if {x} > 0.0 or {x} != {x} else 0.0"]
        elif op == "abs":
            out = [f"{v} = _abs({x})"]
            slope = [
                f"{d[0]} = 1.0 if {x} > 0.0 else -1.0 if {x} < 0.0 else 0.0 if {x} == 0.0 else _nan"
            ]
        elif op == "sigmoid":  # the engine's formulas, from e = e^-|x|
            out = [
                f"_e = _exp(-_abs({x}))",
                f"{v} = 1.0 / (1.0 + _e) if {x} >= 0.0 else _e / (1.0 + _e)",
            ]
            slope = [f"{d[0]} = _e * {v} * {v} if {x} >= 0.0 else {v} / (1.0 + _e)"]
        elif op == "tanh":
            out = [f"{v} = _tanh({x})"]
            slope = [
                f"_e = _exp(-2.0 * _abs({x}))",
                f"{d[0]} = 1.0 - {v} * {v} if -1.0 < {x} < 1.0 else "
                "4.0 * _e / ((1.0 + _e) * (1.0 + _e))",
            ]
        elif op == "**":  # a Value exponent: ∂/∂x = p·x^(p−1), ∂/∂p = x^p · ln x
            p = a[1]
            return [
                f"{v}, {d[0]} = _power({x}, {p})",
                f"{d[1]} = {v} * _log({x}) if {x} > 0.0 else 0.0 if {x} == 0.0 else _nan",
            ]
        else:  # x ** p for a number p
            p = _exponent(n)
            if p != 2.0:
                return [f"{v}, {d[0]} = _power({x}, {_literal(p)})"]
            out, slope = [f"{v} = {x} ** 2.0"], [f"{d[0]} = 2.0 * {x}"]
        return out + (slope if slopes else [])

    def _terms(self, n: Value, a: list[str]) -> list[str]:
        """A one-node sum's terms: added left to right they are its floats bit for bit (see
        engine.sum_values; -0.0 + t is t, so a sum may start from its first term)."""
        if n.op == "Σ":
            return a
        bias = n.op == "Σw·x+b"
        half = (len(a) - bias) // 2
        terms = [f"{a[k]} * {a[half + k]}" for k in range(half)] + ([a[-1]] if bias else [])
        return terms or ["-0.0"]

    # ------------------------------------------------------------------ backward

    def backward_lines(self, skip: bool) -> list[str]:
        """The chain rule, one line per edge into a value that needs a grad, in backward()'s
        order: the root's grad is 1, every other interior grad starts at 0.

        With ``skip``, a node whose grad is 0 skips its edges (see SKIPPABLE_OPS), and an
        interior grad's first edge, when it always runs, sets the grad (``=``) instead of
        adding to a 0. Both change at most the sign of a zero interior grad, which no leaf's
        grad can show: a leaf's grad that is not -0.0 is unchanged by adding ±0, and
        ``_run`` uses the variant without ``skip`` when a leaf's grad is -0.0.
        """
        root = self.root
        if root not in self.wanted:  # nothing but inputs below: no grad to give
            return []
        if not root.children:  # a leaf root: its grad grows by 1, as in backward()
            return [f"{self.grad[root]} += 1.0"]
        interior = [n for n in self.order if n.children and n in self.wanted]
        blocks = []  # per node: the node, its edges (child, factor · grad), whether skippable
        for n in reversed(interior):
            g = self.grad[n]
            a = [self.var[c] for c in n.children]
            edges = [
                (child, f"{self._factor(n, i, lg, a)}{g}")
                for i, (child, lg) in enumerate(zip(n.children, n.local_grads))
                if child in self.wanted
            ]
            skippable = (
                skip
                and n is not root
                and len(edges) >= SKIP_EDGES
                and n.op in SKIPPABLE_OPS
                and n in self.known
            )
            blocks.append((n, edges, skippable))
        # The interior children whose first edge sets their grad (each is discarded from the
        # set at that edge, so the later ones add).
        first = (
            {child for _, edges, _ in blocks for child, _ in edges if child.children}
            if skip
            else set()
        )
        lines = [f"{self.grad[root]} = 1.0"]
        resets = [self.grad[n] for n in interior if n is not root and n not in first]
        if resets:
            lines.append(" = ".join(resets) + " = 0.0")
        for n, edges, skippable in blocks:
            out, unset = [], []
            for child, term in edges:
                if child in first:  # its first edge: the grad is set, not added to a 0
                    first.discard(child)
                    unset.append(self.grad[child])
                    out.append(f"{self.grad[child]} = {term}")
                else:
                    out.append(f"{self.grad[child]} += {term}")
            if skippable:
                # A grad of exactly 0 would add 0 · (a finite local grad), ±0, to each child:
                # no change, so skip. A finite value means finite local grads for these ops.
                v = self.var[n]
                lines.append(f"if {self.grad[n]} != 0.0 or {v} - {v} != 0.0:")
                lines += ["    " + line for line in out]
                if unset:  # the grads this node would have been the first to give
                    lines += ["else:", f"    {' = '.join(unset)} = 0.0"]
            else:
                lines += out
        return lines

    def _factor(self, n: Value, i: int, lg: float, a: list[str]) -> str:
        """∂n/∂(child i) as source, followed by " * " (empty when it is exactly 1); ``a`` are
        the names of n's children."""
        op, v = n.op, self.var[n]
        if n not in self.known:
            return f"{_literal(lg)} * "
        if (n, i) in self.slope:
            return f"{self.slope[n, i]} * "
        if op in ("+", "Σ") or (op == "Σw·x+b" and i == len(a) - 1) or (op == "-" and i == 0):
            return ""  # 1 · g is g, bit for bit
        if op in ("-", "neg"):
            return "-1.0 * "
        if op == "*":
            return f"{a[1 - i]} * "
        if op == "/":
            return f"(1.0 / {a[1]}) * " if i == 0 else f"(-{v} / {a[1]}) * "
        if op in ("Σw·x", "Σw·x+b"):
            half = (len(a) - (op == "Σw·x+b")) // 2
            return f"{a[i + half] if i < half else a[i - half]} * "
        if op == "exp":
            return f"{v} * "
        return f"(1.0 / {a[0]}) * "  # log

    # ------------------------------------------------------------------ the function

    def source(self, skip: bool = True) -> tuple[str, str]:
        """The text of ``_many`` (with the header) and of ``_forward``."""
        params = [self.var[p] for p in self.parameters]
        grads = [self.grad[p] for p in (*self.parameters, *self.constants)]
        inputs = [self.var[v] for v in self.inputs]
        unpack = _targets(inputs) if inputs else "_"
        edges = sum(len(n.children) for n in self.order)
        frozen = sum(1 for n in self.order if n.children and n not in self.known)
        head = [
            f"# Back-propagation through {self.C}, compiled by micrograd_cbook.compile: "
            f"{len(self.order)} values, {edges} edges.",
            f"# Inputs: {', '.join(inputs) or 'none'}; parameters, read at each call: "
            f"{len(params)}" + (f"; nodes made by hand, frozen: {frozen}" if frozen else "") + ".",
            "# Forward: one line per operation (and its local derivatives). Backward: one line",
            f"# per chain-rule edge, d{self.C}_dchild += ∂node/∂child · d{self.C}_dnode, in the "
            "order backward() adds them",
            "# (an interior grad's first edge sets it: =).",
            "",
            "",
        ]
        rows = ["        # forward"]
        rows += ["        " + line for line in self.forward_lines(slopes=True)]
        rows.append(f"        _total += {self.var[self.root]}")
        if self.record:
            recorded = _targets([self.var[v] for v in self.record])
            rows.append(f"        if _seen is not None: _seen.append(({recorded}))")
        rows.append("        # backward")
        rows += ["        " + line for line in self.backward_lines(skip)]
        body = ["def _many(_rows, _params, _leaves, _grads, _seen):"]
        used: Counter[str] = Counter()  # how often a row reads or writes each name, about:
        for nested in (False, True):  # a line in a block that may be skipped counts half
            text = "\n".join(line for line in rows if line.startswith(" " * 12) == nested)
            names = Counter(filter(self.taken.__contains__, _NAME.findall(text)))
            names.update(_ADDED_TO.findall(text))  # `g += ...` reads g and writes it
            for name, count in names.items():
                used[name] += count / 2 if nested else count
        if len(self.taken) > FAST_NAMES:  # more names than CPython reads fastest: named first,
            first = [name for name, _ in used.most_common(FAST_NAMES)]  # these get the places
            body.append(f"    {' = '.join(first)} = None  # (the names a row uses most)")
        if params:
            body.append(f"    {_targets(params)} = [_p.data for _p in _params]")
        if grads:
            body.append(f"    {_targets(grads)} = _grads")
        body += ["    _total = -0.0", f"    for {unpack} in _rows:", *rows]
        if grads:
            body.append(f"    for _p, _g in zip(_leaves, ({_targets(grads)})):")
            body.append("        _p.grad = _g")
        body.append("    return _total")
        fwd = ["", "", "def _forward(_row, _params):"]
        if params:
            fwd.append(f"    {_targets(params)} = [_p.data for _p in _params]")
        fwd.append(f"    {unpack} = _row")
        fwd += ["    " + line for line in self.forward_lines(slopes=False)]
        fwd.append(f"    return {self.var[self.root]}")
        return "\n".join(head + body) + "\n", "\n".join(fwd) + "\n"


def _targets(names: list[str]) -> str:
    """Names as assignment targets or a tuple (a trailing comma for one)."""
    return ", ".join(names) + ("," if len(names) == 1 else "")
