r"""Back-propagation as straight-line code: a graph of fixed shape, traced once into Python.

:func:`compile` walks a graph once and writes one Python function for it: its forward pass,
one line per operation, then its backward pass, one line per chain-rule edge
(``dC_dchild += ∂node/∂child · dC_dnode``; ``=`` for an interior grad's first edge; a term of
a ``+`` with no other use shares the sum's grad, so w·x below has no line) in the order
``backward()`` adds them. Calling it with new input values does what building the same
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
da_db += da_dz
da_dw += x * da_dz

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
import itertools
import linecache
import math
import struct
import threading
import warnings
from collections.abc import Iterable, Mapping, Sequence, Set
from typing import Any

from ..engine import Constant, Value
from ..ops import RUNTIME
from ..passes import topological_order
from ..reals import all_floats, real
from .batched import RowsAtOnce, available
from .cost import Unprofitable, fewest_rows
from .javascript import javascript_function
from .writer import RULES, Writer

__all__ = ["DEFAULT_MAX_NODES", "GRADS_LOCK", "CompiledGraph", "compile"]

DEFAULT_MAX_NODES = 200_000  # the generated function has a few lines per node and per edge


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
        self._writer = Writer(
            root, order, self.inputs, self.parameters, self.constants, self.record
        )
        # The code is written and compiled when first wanted: a graph that the plan runs
        # every row at once (a wide network's L2 term) may never need its lines.
        self._many_text: str | None = None  # _many's text (the first call needs only it)
        self._forward_text: str | None = None  # _forward's (written when asked for)
        self._javascript: str | None = None
        self._many: Any = None  # the straight-line function, compiled when first called
        self._forward_function: Any = None
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
        self._fewest: int | None = None  # fewer rows are never planned for (fewest_rows)

    @property
    def source(self) -> str:
        """The generated Python: ``_many`` (the forward and backward lines, once per row) and
        ``_forward`` (the value only), written on first use."""
        return "".join(self._texts())

    def _text_of_many(self) -> str:
        if self._many_text is None:
            self._many_text = self._writer.source()
        return self._many_text

    def _texts(self) -> tuple[str, str]:
        if self._forward_text is None:
            self._forward_text = self._writer.forward_source()
        return self._text_of_many(), self._forward_text

    def _straight_line(self) -> Any:
        """``_many``, the straight-line function, compiled on first use."""
        if self._many is None:
            self._many = _function(self._text_of_many(), "_many")
        return self._many

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
            self._javascript = javascript_function(self._writer)
        return self._javascript

    @property
    def batched(self) -> RowsAtOnce | None:
        """The plan that runs ``many`` over every row at once (made on first use), or None."""
        if self._at_once and self._batched is None:
            self._batched = self._plan(None)
        return self._batched

    def _plan(self, rows: int | None) -> RowsAtOnce | None:
        """A new plan (for ``rows`` rows: Unprofitable where it cannot pay), or None."""
        if not available():  # no NumPy: the straight-line code, always
            self._at_once = False
            return None
        w = self._writer
        return RowsAtOnce(
            self.root, w.order, self.inputs, self._leaves, w.known, w.wanted, self.record, rows
        )

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
            if not set(map(len, checked)) <= {len(self.inputs)} or not all_floats(
                itertools.chain.from_iterable(checked)
            ):
                checked = None
        if checked is None:
            checked = [self._row(row, i) for i, row in enumerate(rows)]
        return self._run(checked, seen)

    def many_arrays(
        self, rows: Any, data: Any, grads: Any, seen: list | None = None
    ) -> float | None:
        """``many(rows)`` every row at once with the leaves' numbers in NumPy arrays: their
        Values are neither read nor written (a training loop keeps its parameters in arrays
        from step to step). ``data``: the values of :attr:`parameters` (float64, their
        order); ``grads``: every leaf's grad, the parameters' then the constants'
        (:attr:`constants`), added to in place. ``rows``: tuples of floats, one per input, or
        a float64 array of them (rows × inputs).
        Returns None, with ``grads`` and ``seen`` as they were, where the plan does not run
        these rows (too few for it to pay, a row that would raise, no NumPy): then ``many``
        on the Values says what happens.

        >>> from micrograd_cbook import Value
        >>> import numpy as np
        >>> w, x = Value(3.0, "w"), Value(0.0, "x")
        >>> f = compile(w * x, inputs=[x])
        >>> f.batched.min_rows = 1
        >>> g = np.zeros(1)
        >>> f.many_arrays([(1.0,), (2.0,)], np.array([5.0]), g), g.tolist(), w.grad
        (15.0, [3.0], 0.0)
        """
        with GRADS_LOCK:  # (planning, once)
            plan = self._plan_for(len(rows))
        if plan is None:
            return None
        return plan.run_arrays(rows if hasattr(rows, "shape") else list(rows), data, grads, seen)

    def debug(self, values: Sequence[float]) -> float:
        """``f(values)`` in pdb, stopped on the generated code's first line: ``next`` walks
        the forward and backward lines one by one, ``p dC_dw`` shows a grad as it grows."""
        import pdb

        leaves = self._leaves
        row = self._row(values, 0)
        with GRADS_LOCK:
            many = self._straight_line()
            return pdb.runcall(many, [row], self.parameters, leaves, [p.grad for p in leaves], None)

    def _run(self, rows: list[tuple[float, ...]], seen: list | None) -> float:
        """The rows through the compiled code, holding the lock on the leaves' grads (see
        :data:`GRADS_LOCK`) from reading them to writing them back."""
        with GRADS_LOCK:
            return self._run_locked(rows, seen)

    def _run_locked(self, rows: list[tuple[float, ...]], seen: list | None) -> float:
        leaves = self._leaves
        grads = [p.grad for p in leaves]
        plan = self._plan_for(len(rows))
        if plan is not None:
            done = plan.run(rows, self.parameters, grads, seen)
            if done is not None:  # (None: a row raises; the straight-line code says how)
                for p, g in zip(leaves, done[1]):
                    p.grad = g
                return done[0]
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
        if b"\x80" in high_bytes and any(g == 0.0 and math.copysign(1.0, g) < 0.0 for g in grads):
            if self._many_exact is None:
                self._many_exact = _function(self._writer.source(skip=False), "_many")
            return self._many_exact(rows, self.parameters, leaves, grads, seen)
        return self._straight_line()(rows, self.parameters, leaves, grads, seen)

    def _plan_for(self, rows: int) -> RowsAtOnce | None:
        """The plan, if it runs this many rows (planned first if it may)."""
        if not self._at_once:
            return None
        if self._batched is None:
            if self._fewest is None:
                self._fewest = fewest_rows(self._writer.order)
            if rows < self._fewest:
                return None
            try:
                self._batched = self._plan(rows)
            except Unprofitable:  # tried again from twice as many rows
                self._fewest = 2 * rows
                return None
        plan = self._batched
        if plan is None or plan.failed:  # (a plan that failed once is not tried again)
            return None
        return plan if rows >= plan.min_rows else None

    def forward(self, values: Sequence[float]) -> float:
        """The root's value only: no grads are touched."""
        if self._forward_function is None:
            many, forward = self._texts()
            shown = many.count("\n") * "\n" + forward  # its lines where they stand
            self._forward_function = _function(shown, "_forward", self.source)
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
    namespace = {**RUNTIME, **RULES, "_zip": zip}
    exec(builtins.compile(source, filename, "exec"), namespace)
    return namespace[name]


_serial = itertools.count(1)


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
