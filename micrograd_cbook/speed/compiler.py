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
needs a new ``compile``. Every node the engine made is written from its entry in the table
of operations (:mod:`micrograd_cbook.ops`), so it computes from its inputs' values at each
call, whatever they held when it was compiled. A node made by hand (``Value(data, children=...,
local_grads=..., op=...)``) is frozen: it keeps the value and local grads it had, as the code's
header and ``repr(f)`` say, with a warning, since the compiler cannot know its function.
"""

from __future__ import annotations

import builtins
import copy
import itertools
import keyword
import linecache
import math
import re
import struct
import threading
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence, Set
from typing import Any

from ..engine import Constant, Value
from ..ops import OPERATIONS, RUNTIME, Operation, operation_of, weighted_parts
from ..passes import topological_order
from ..reals import real
from .batched import MIN_ROWS, RowsAtOnce, available
from .sources import code, never

__all__ = ["DEFAULT_MAX_NODES", "GRADS_LOCK", "CompiledGraph", "compile"]

DEFAULT_MAX_NODES = 200_000  # the generated function has a few lines per node and per edge

# A node whose op is skippable (ops.py), grad 0 and value finite passes only zeros to its
# children (its local grads are finite then); nodes of at least SKIP_EDGES edges skip them.
SKIP_EDGES = 4
SUM_PIECE = 100  # terms per line of a long sum
FAST_NAMES = 250  # CPython reads its first 256 local variables with the shortest instructions


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

    Safe to call from several threads: each call holds :data:`GRADS_LOCK` while it adds to
    the leaves' grads, so the grads are the sums that the calls made one after another give
    (a call's rows in their order, the calls in the order they take the lock).
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
        self._javascript: str | None = None
        self._many = _function(many, "_many")
        self._forward_source = many.count("\n") * "\n" + forward  # its lines where they stand
        self._forward_function: Any = None  # compiled when first asked for
        self._many_exact = None  # made when a grad is -0.0 (see _run)
        self._leaves = (*self.parameters, *self.constants)
        self._pack = struct.Struct(f"<{len(self._leaves)}d").pack  # the grads' bytes
        self.nodes = len(order)
        self.frozen = self._writer.frozen
        if self.frozen:
            ops = sorted({repr(n.op) for n in order if n.children and n not in self._writer.known})
            many_ = self.frozen > 1
            warnings.warn(
                f"compile: {self.frozen} node{'s' * many_} made by hand (op {', '.join(ops)}) "
                f"{'are' if many_ else 'is'} frozen at the value and local grads recorded when "
                "compiled: it will not follow its inputs. Compiled code computes only nodes the "
                "engine made from the table of operations (micrograd_cbook/ops.py): add the "
                "operation there, or build the node with the engine's own operations",
                stacklevel=3,
            )
        self._at_once = batched and bool(root.children)
        self._batched: RowsAtOnce | None = None  # planned when first wanted

    @property
    def javascript(self) -> str:
        """The same graph as a JavaScript function, ``(inputs, params) → {value, grads,
        recorded, recordedGrads}``, its lines from the same table of operations as
        :attr:`source`'s; it needs :data:`micrograd_cbook.speed.javascript.RUNTIME` before it.
        ``params`` are the values of :attr:`parameters`; ``grads`` those of the parameters,
        then the constants, from 0 (as a ``backward()`` from zero grads gives them);
        ``recorded`` and ``recordedGrads`` the value and grad of each node of ``record``
        (a grad is null where only inputs lie below the node). A name no engine could read
        as written (w·a) is spelt with $ (w$b7$a); nothing a label holds ends up elsewhere
        than in a name or a comment.

        >>> from micrograd_cbook import Value
        >>> w, x = Value(0.5, "w"), Value(1.5, "x")
        >>> a = (w * x).sigmoid(); a.label = "a"
        >>> print(compile(a, inputs=[x], record=[a]).javascript.splitlines()[-2])
          return {value: a, grads: [da_dw], recorded: [a], recordedGrads: [da_da]};
        """
        if self._javascript is None:
            self._javascript = _javascript(self._writer)
        return self._javascript

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

        ``rows``: a list, tuple, NumPy array or iterator of rows, each a sequence of numbers
        (a set or a dict has no order of its own: a TypeError). ``seen``: a list to which each
        row's values of the ``record`` nodes are appended (a tuple per row), e.g. a network's
        outputs while its loss is backpropagated.
        """
        if isinstance(rows, _UNORDERED):
            raise TypeError(
                f"many: rows must be a sequence of rows (a list, tuple or NumPy array) or an "
                f"iterator of them, got {type(rows).__name__}"
            )
        rows = list(rows)
        checked = None
        if set(map(type, rows)) <= {tuple, list}:  # the usual case, checked in C:
            checked = list(map(tuple, rows))  # rows of floats of the right length
            if not set(map(len, checked)) <= {len(self.inputs)} or not set(
                map(type, itertools.chain.from_iterable(checked))
            ) <= {float}:
                checked = None
        if checked is None:
            checked = [self._row(row, i) for i, row in enumerate(rows)]
        return self._run(checked, seen)

    def debug(self, values: Sequence[float]) -> float:
        """``f(values)`` in pdb, stopped on the generated code's first line: ``next`` walks
        the forward and backward lines one by one, ``p dC_dw`` shows a grad as it grows."""
        import pdb

        leaves = self._leaves
        row = self._row(values, 0)
        with GRADS_LOCK:
            return pdb.runcall(
                self._many, [row], self.parameters, leaves, [p.grad for p in leaves], None
            )

    def _run(self, rows: list[tuple[float, ...]], seen: list | None) -> float:
        """The rows through the compiled code, holding the lock on the leaves' grads (see
        :data:`GRADS_LOCK`) from reading them to writing them back."""
        with GRADS_LOCK:
            return self._run_locked(rows, seen)

    def _run_locked(self, rows: list[tuple[float, ...]], seen: list | None) -> float:
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
        """One row of input values as floats, or a clear error naming the row.

        A row is a sequence (a list, tuple or NumPy array): its values in its order. A dict
        (its keys), a set (hash order), a str or an iterator are refused, never read."""
        ordered = not isinstance(values, (*_UNORDERED, str, bytes, bytearray)) and (
            hasattr(values, "__len__") and hasattr(values, "__getitem__")
        )
        try:
            row = tuple(values) if ordered else None
        except TypeError:  # (a NumPy array of no dimension, say)
            row = None
        if row is None:
            raise TypeError(
                f"row {index}: the compiled graph takes a sequence (a list, tuple or NumPy "
                f"array) of {len(self.inputs)} numbers, got {type(values).__name__}: "
                f"{_shown(values)}"
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
        frozen = f", {self.frozen} made by hand, frozen" if self.frozen else ""
        return (
            f"CompiledGraph({_who(self.root)}, {self.nodes} nodes, "
            f"{len(self.inputs)} inputs, {len(self.parameters)} parameters{frozen})"
        )


# One lock for the leaves' grads of every compiled graph (graphs may share leaves): a call
# reads them, runs its rows and writes them back while it holds it, so calls from several
# threads run one after another, each adding its rows as it would alone. Rows add in their
# order within a call, and calls in the order they take the lock: the interpreter's sums,
# in that order. (An interpreter's backward() on the same leaves meanwhile does not take it.)
GRADS_LOCK = threading.RLock()
_UNORDERED = (Mapping, Set)  # no order of their own: never read as rows


def _shown(values: object) -> str:
    """A short repr of a bad row for an error message."""
    text = repr(values)
    return text if len(text) <= 60 else text[:57] + "..."


def _function(source: str, name: str, shown: str | None = None) -> Any:
    """The generated function ``name`` (our own code: no user text is evaluated).

    Its text (or ``shown``, the whole source it stands in) is registered with linecache under
    a name of its own, so that tracebacks and pdb show its lines: ``f.debug(values)`` walks
    the chain rule line by line.
    """
    text = shown or source
    filename = f"<micrograd_cbook compiled graph {next(_serial)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {**RUNTIME, **_RULES, "_zip": zip}
    exec(builtins.compile(source, filename, "exec"), namespace)
    return namespace[name]


_serial = itertools.count(1)
_NAME = re.compile(r"\b[a-zA-Z]\w*")
_ATOM = re.compile(r"-?[\w.]+|\(-[\w.]+\)")  # a name or a number: no parentheses needed
# Words a name of the code must not be, in JavaScript (Python's keywords are known to it).
_JAVASCRIPT_WORDS = frozenset(
    [
        "arguments",
        "await",
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "enum",
        "eval",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "implements",
        "import",
        "in",
        "instanceof",
        "interface",
        "let",
        "new",
        "null",
        "package",
        "private",
        "protected",
        "public",
        "return",
        "static",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "undefined",
        "var",
        "void",
        "while",
        "with",
        "yield",
        "Infinity",
        "NaN",
        "Math",
        "Number",
    ]
)
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]+")
_ADDED_TO = re.compile(r"^ *(\w+) \+= ", re.M)


# Every operation's float rule, by the name the code calls it (``_rule_exp``): an op with no
# sources runs through it, and an op's errors are raised by it, with the engine's own words.
_RULES: dict[str, Any] = {}
_RULE_NAMES: dict[Operation, str] = {}


def _rule_name(operation: Operation) -> str:
    """The name of an operation's float rule in the compiled code, given on first use."""
    name = _RULE_NAMES.get(operation)
    if name is None:
        name, k = f"_rule_{operation.word}", 2
        while name in _RULES:  # pow and z are the words of two operations each
            name, k = f"_rule_{operation.word}{k}", k + 1
        _RULES[name], _RULE_NAMES[operation] = operation.rule, name
    return name


for _operation in OPERATIONS.values():  # the table's own, in its order
    _rule_name(_operation)


def _word(n: Value, given: bool) -> str:
    """The stem of a value's generated name when it has no label: its operation's word."""
    if given:
        return "x"
    if not n.children:
        return "leaf"
    operation = operation_of(n)
    if operation is not None:
        return operation.word
    return n.op if n.op.isascii() and n.op.isidentifier() else "node"


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
        self._next: dict[str, int] = {}  # per base name, the next number to try
        self.var: dict[Value, str] = {}
        self.given = given = set(inputs)
        for k, n in enumerate(order):
            if type(n) is Constant and n not in given:
                self.var[n] = _literal(n.data)
            elif n.label:
                self.var[n] = self._fresh(n.label)
            else:
                self.var[n] = self._fresh(f"{_word(n, n in given)}{k}")
        # A node the engine made is written from its operation's entry in the table; one made
        # by hand (its op a plain str) is frozen at the value and local grads it holds.
        self.known = {n for n in order if n.children and operation_of(n) is not None}
        self.frozen = sum(1 for n in order if n.children and n not in self.known)
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
            if n not in self.known or n.op.operation.arity is None:  # (a sum: its terms)
                continue
            source = code(n.op, "python")
            for i, c in enumerate(n.children):
                if source is None or not source.inline[i]:  # a slope the forward pass names
                    name = f"d{self.var[n]}_d{self.var[c] if self.var[c].isidentifier() else 'c'}"
                    # ∂a/∂z, local; only at the root is it also a grad's name: then "_local"
                    self.slope[n, i] = self._fresh(name + "_local" if name in self.taken else name)

    def _fresh(self, label: str) -> str:
        """A unique name from a label, one that Python and JavaScript both read as written:
        w1[0,2] → w1_0_2. It never starts with _ (the code's own names do: nothing a label
        gives can shadow them) and is never a keyword of either language."""
        if label.isascii() and label.isidentifier() and not label.startswith("_"):
            name = label
        elif label.isascii():  # w1[0,2] → w1_0_2
            name = _NOT_ALNUM.sub("_", label).strip("_") or "v"
        else:  # Python reads names in NFKC form; "_" for a character no name may hold (a²)
            text = unicodedata.normalize("NFKC", label)
            name = "".join(c if ("a" + c).isidentifier() else "_" for c in text)
            name = re.sub("_+", "_", name).strip("_") or "v"
        if not name.isidentifier():  # a digit or a combining mark first: not a name's start
            name = "v" + name
        if keyword.iskeyword(name) or name in _JAVASCRIPT_WORDS:
            name += "_"
        base = name
        while name in self.taken:  # base_2, base_3, ...: counted on, never tried from 2 again
            k = self._next.get(base, 2)
            name, self._next[base] = f"{base}_{k}", k + 1
        self.taken.add(name)
        return name

    # ------------------------------------------------------------------ forward

    def forward_lines(self, slopes: bool, language: str = "python") -> list[str]:
        """One line or a few per interior node: its value and, if asked, its local grads."""
        lines = []
        for n in self.order:
            if n.children:
                wanted = slopes and any(c in self.wanted for c in n.children)
                lines += self._value(n, wanted, language)
        return lines

    def _value(self, n: Value, slopes: bool, language: str = "python") -> list[str]:
        """The lines of node ``n``: its operation's errors, its value and, if asked, the
        slopes the backward pass reads by name (from the table's sources, see speed/sources.py).
        """
        v = self.var[n]
        a = [self.var[c] for c in n.children]
        comment = "  #" if language == "python" else ";  //"
        if n not in self.known:
            grads = ", ".join(_literal(g) for g in n.local_grads)
            return [
                f"{v} = {_literal(n.data)}{comment} made by hand ({n.op!r}): the value and local "
                f"grads ({grads}) it was compiled with"
            ]
        operation: Operation = n.op.operation
        d = [self.slope.get((n, i), "") for i in range(len(a))]
        if operation.arity is None:  # a sum: in pieces, as Python's parser is recursive
            terms = self._terms(n, a)
            pieces = [terms[k : k + SUM_PIECE] for k in range(0, len(terms), SUM_PIECE)]
            return [
                f"{v} = {' + '.join(pieces[0])}",
                *(f"{v} = {v} + {' + '.join(p)}" for p in pieces[1:]),
            ]
        rule = f"{_rule_name(operation)}({', '.join([*a, *map(_literal, n.op.params)])})"
        source = code(n.op, language)
        if source is None and language != "python":
            raise ValueError(
                f"the operation {n.op!r} has a float rule but no sources in the table of "
                "operations, so only Python can compute it: give it value and slopes"
            )
        if source is None:  # no sources: its float rule, called as it is
            if slopes:
                return [f"{v}, ({_targets(d)}) = {rule}"]
            return [f"{v} = {rule}[0]"]
        fill = {"out": v, **{f"d{i}": name for i, name in enumerate(d)}}
        numbers = [c for c in n.children if type(c) is Constant and c not in self.given]

        python = code(n.op, "python").errors  # what is decided, is decided in Python's terms

        def check(when: str) -> list[str]:
            out = []
            for (cond, place, kind, message), (py, *_) in zip(source.errors, python):
                if place == when:
                    text = cond.format(*a, **fill)
                    if numbers and never(py.format(*a, **fill)):  # y == 0.0, y a divisor 2.0
                        continue
                    if language == "python":
                        out.append(f"if {text}: {rule}  # raises the engine's error")
                    else:
                        out.append(f"if ({text}) _fail({kind!r}, {message.format(*a, **fill)})")
            return out

        lines = check("before")
        lines += [line.format(*a, **fill) for line in source.before]
        lines.append(f"{v} = {source.value.format(*a, **fill)}")
        lines += check("after")
        if slopes and any(d):
            lines += [line.format(*a, **fill) for line in source.before_slopes]
            lines += [f"{name} = {source.slopes[i].format(*a, **fill)}"
                      for i, name in enumerate(d) if name]  # fmt: skip
        return lines

    def _terms(self, n: Value, a: list[str]) -> list[str]:
        """A one-node sum's terms: added left to right they are its floats bit for bit (see
        engine.sum_values; -0.0 + t is t, so a sum may start from its first term)."""
        if not n.op.params:  # Σ
            return a
        ws, xs, b = weighted_parts(a, n.op)
        terms = [f"{w} * {x}" for w, x in zip(ws, xs)] + ([] if b is None else [b])
        return terms or ["-0.0"]

    # ------------------------------------------------------------------ backward

    def backward_lines(self, skip: bool, language: str = "python") -> list[str]:
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
                (child, f"{self._factor(n, i, lg, a, language)}{g}")
                for i, (child, lg) in enumerate(zip(n.children, n.local_grads))
                if child in self.wanted
            ]
            skippable = (
                skip
                and n is not root
                and len(edges) >= SKIP_EDGES
                and n in self.known
                and n.op.operation.skippable
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

    def _factor(self, n: Value, i: int, lg: float, a: list[str], language: str) -> str:
        """∂n/∂(child i) as source, followed by " * " (empty when it is exactly 1); ``a`` are
        the names of n's children."""
        if n not in self.known:
            return f"{_literal(lg)} * "
        if (n, i) in self.slope:
            return f"{self.slope[n, i]} * "
        if n.op.operation.arity is None:  # a sum: 1, or a weighted sum's other factor
            if not n.op.params:
                return ""
            (half,) = n.op.params
            if i >= 2 * half:  # the bias
                return ""
            return f"{a[i + half] if i < half else a[i - half]} * "
        slope = code(n.op, language).slopes[i].format(*a, out=self.var[n])
        if slope == "1.0":
            return ""  # 1 · g is g, bit for bit
        return f"{slope} * " if _ATOM.fullmatch(slope) else f"({slope}) * "

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
            body.append(f"    for _p, _g in _zip(_leaves, ({_targets(grads)})):")
            body.append("        _p.grad = _g")
        body.append("    return _total")
        fwd = ["", "", "def _forward(_row, _params):"]
        if params:
            fwd.append(f"    {_targets(params)} = [_p.data for _p in _params]")
        fwd.append(f"    {unpack} = _row")
        fwd += ["    " + line for line in self.forward_lines(slopes=False)]
        fwd.append(f"    return {self.var[self.root]}")
        return "\n".join(head + body) + "\n", "\n".join(fwd) + "\n"


def _javascript(writer: _Writer) -> str:
    """The graph as a JavaScript function ``(inputs, params) → {value, grads, recorded,
    recordedGrads}``: its lines from the same table as the Python code's, every edge run (no
    zero is skipped), the leaves' grads from 0; a row that would raise throws the engine's
    error instead. ``recorded`` holds the value of each node of ``record``, ``recordedGrads``
    its grad (null for one that needs none: only inputs below it)."""
    js = copy.copy(writer)  # the same writer, its names spelt so every engine reads them
    js.var = {n: _javascript_name(v) for n, v in writer.var.items()}
    js.grad = {n: _javascript_name(v) for n, v in writer.grad.items()}
    js.slope = {k: _javascript_name(v) for k, v in writer.slope.items()}
    params = [js.var[p] for p in js.parameters]
    grads = [js.grad[p] for p in (*js.parameters, *js.constants)]
    inputs = [js.var[v] for v in js.inputs]
    forward = js.forward_lines(slopes=True, language="javascript")
    backward = js.backward_lines(skip=False, language="javascript")
    temporaries = [  # the table's own names (_e, ...); an error's line assigns nothing
        name
        for line in forward
        if not line.startswith("if (")
        for name in _TEMPORARY.findall(line.split(_HAND_MADE)[0])
    ]
    named = [js.var[n] for n in js.order if n.children]
    local = dict.fromkeys([*named, *js.slope.values(), *js.grad.values(), *temporaries])
    for name in (*inputs, *params):
        local.pop(name, None)
    # The arguments' names start with _ (as the runtime's): no label can take them.
    body = ["function (_inputs, _params) {", f"  const [{', '.join(inputs)}] = _inputs;"]
    if params:
        body.append(f"  const [{', '.join(params)}] = _params;")
    if local:
        body.append(f"  let {', '.join(local)};")
    if grads:
        body.append(f"  {' = '.join(grads)} = 0.0;")
    body += [f"  {_statement(line)}" for line in forward + backward]
    recorded = ", ".join(js.var[n] for n in js.record)
    recorded_grads = ", ".join(js.grad.get(n, "null") for n in js.record)
    body.append(
        f"  return {{value: {js.var[js.root]}, grads: [{', '.join(grads)}], "
        f"recorded: [{recorded}], recordedGrads: [{recorded_grads}]}};"
    )
    body.append("}")
    return "\n".join(body) + "\n"


def _statement(line: str) -> str:
    """A line of the writer as a JavaScript statement (a made-by-hand line has its ; already)."""
    return line if _HAND_MADE in line else line + ";"


def _javascript_name(name: str) -> str:
    """A name of the code as every JavaScript engine reads it (a number's text stays as it is).

    The names are Python's (NFKC, see ``_Writer._fresh``); an ASCII one is a JavaScript name
    already. Of the others, a character stays when it was a letter already in Unicode 3.2 (a
    mark or digit after the first): every engine knows those as a name's characters, whatever
    its Unicode version. Any other becomes ``$hex$``; no Python name holds a $, so two names
    never meet: σ stays σ, w·a becomes w$b7$a.
    """
    if name.isascii() or not name.isidentifier():
        return name
    out = []
    for i, c in enumerate(name):
        category = unicodedata.ucd_3_2_0.category(c)
        if c.isascii() or category in _LETTERS or (i and category in _MARKS_AND_DIGITS):
            out.append(c)
        else:
            out.append(f"${ord(c):x}$")
    return "".join(out)


_LETTERS = frozenset(("Lu", "Ll", "Lt", "Lm", "Lo", "Nl"))  # JavaScript's first characters
_MARKS_AND_DIGITS = frozenset(("Mn", "Mc", "Nd", "Pc"))  # and the ones it allows after them
_HAND_MADE = ";  //"  # where a made-by-hand node's line ends and its comment starts
_TEMPORARY = re.compile(r"(?<![\w$])(_[A-Za-z]\w*) = ")  # a temporary assigned (not ==)


def _targets(names: list[str]) -> str:
    """Names as assignment targets or a tuple (a trailing comma for one)."""
    return ", ".join(names) + ("," if len(names) == 1 else "")
