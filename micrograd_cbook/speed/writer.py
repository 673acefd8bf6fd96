"""The code writer: the forward and backward lines of one graph, in Python and JavaScript.

:class:`Writer` is what :func:`~micrograd_cbook.speed.compiler.compile` uses to turn a graph
into source; :data:`RULES` are the operations' float rules by the names the code calls them.
"""

from __future__ import annotations

import keyword
import math
import re
import unicodedata
from collections import Counter
from typing import Any

from ..engine import Constant, Value
from ..ops import OPERATIONS, Operation, operation_of, weighted_parts
from .naming import JAVASCRIPT_WORDS, NOT_ALNUM, stem
from .sources import code, never

__all__ = ["FAST_NAMES", "RULES", "SKIP_EDGES", "SUM_PIECE", "Writer", "literal", "rule_name"]

# A node whose op is skippable (ops.py), grad 0 and value finite passes only zeros to its
# children (its local grads are finite then); nodes of at least SKIP_EDGES edges skip them.
SKIP_EDGES = 4
SUM_PIECE = 100  # terms per line of a long sum
FAST_NAMES = 250  # CPython reads its first 256 local variables with the shortest instructions

_NAME = re.compile(r"\b[a-zA-Z]\w*")
_NAMES = frozenset(("var", "grad", "slope", "C", "taken"))  # given by Writer._name
_ATOM = re.compile(r"-?[\w.]+|\(-[\w.]+\)")  # a name or a number: no parentheses needed
_ADDED_TO = re.compile(r"^ *(\w+) \+= ", re.M)


# Every operation's float rule, by the name the code calls it (``_rule_exp``): an op with no
# sources runs through it, and an op's errors are raised by it, with the engine's own words.
RULES: dict[str, Any] = {}
_RULE_NAMES: dict[Operation, str] = {}


def rule_name(operation: Operation) -> str:
    """The name of an operation's float rule in the compiled code, given on first use."""
    name = _RULE_NAMES.get(operation)
    if name is None:
        name, k = f"_rule_{operation.word}", 2
        while name in RULES:  # pow and z are the words of two operations each
            name, k = f"_rule_{operation.word}{k}", k + 1
        RULES[name], _RULE_NAMES[operation] = operation.rule, name
    return name


for _operation in OPERATIONS.values():  # the table's own, in its order
    rule_name(_operation)


def literal(x: float) -> str:
    """A float as Python source that evaluates to exactly it."""
    if math.isnan(x):
        return "_nan"
    if math.isinf(x):
        return "_inf" if x > 0 else "(-_inf)"
    return f"({x!r})" if math.copysign(1.0, x) < 0 else repr(x)


class Writer:
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
        self.given = set(inputs)
        # A node the engine made is written from its operation's entry in the table; one made
        # by hand (its op a plain str) is frozen at the value and local grads it holds.
        self.known = {n for n in order if n.children and operation_of(n) is not None}
        self.frozen = sum(1 for n in order if n.children and n not in self.known)
        # Which values need a grad: the non-input leaves and whatever lies above them.
        self.wanted: set[Value] = set(parameters) | set(constants)
        for n in order:  # children first
            if n.children and any(c in self.wanted for c in n.children):
                self.wanted.add(n)

    def __getattr__(self, attribute: str) -> Any:
        """The code's names (``var``, ``grad``, ``slope``, ``C``, ``taken``) are given when
        first read: a graph that the plan runs every row at once may never need them."""
        if attribute in _NAMES and "wanted" in self.__dict__:
            self._name()
            return self.__dict__[attribute]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {attribute!r}")

    def _name(self) -> None:
        """Name every value, every grad and the slopes the forward pass gives a name."""
        order, given, root = self.order, self.given, self.root
        self.taken: set[str] = set()
        self._next: dict[str, int] = {}  # per base name, the next number to try
        self.var: dict[Value, str] = {}
        for k, n in enumerate(order):
            if type(n) is Constant and n not in given:
                self.var[n] = literal(n.data)
            elif n.label:
                self.var[n] = self._fresh(n.label)
            else:
                self.var[n] = self._fresh(f"{stem(n, n in given)}{k}")
        self.C = self.var[root] if root.label and root not in self.constants else "root"
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
            name = NOT_ALNUM.sub("_", label).strip("_") or "v"
        else:  # Python reads names in NFKC form; "_" for a character no name may hold (a²)
            text = unicodedata.normalize("NFKC", label)
            name = "".join(c if ("a" + c).isidentifier() else "_" for c in text)
            name = re.sub("_+", "_", name).strip("_") or "v"
        if not name.isidentifier():  # a digit or a combining mark first: not a name's start
            name = "v" + name
        if keyword.iskeyword(name) or name in JAVASCRIPT_WORDS:
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
            grads = ", ".join(literal(g) for g in n.local_grads)
            return [
                f"{v} = {literal(n.data)}{comment} made by hand ({n.op!r}): the value and local "
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
        rule = f"{rule_name(operation)}({', '.join([*a, *map(literal, n.op.params)])})"
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
        # With ``skip``, an interior grad given by one edge of factor 1 (a term of a + with
        # one user) is its user's grad: it takes that name, and the edge writes no line.
        one_edge: Counter[Value] = Counter()
        if skip:
            one_edge.update(c for n in interior for c in n.children if c.children)
        grad = dict(self.grad)  # the names, an alias where a grad is another's
        aliased: set[Value] = set()
        blocks = []  # per node: the node, its edges (child, factor · grad), whether skippable
        for n in reversed(interior):
            g = grad[n]
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
            if not skippable:
                for child, term in edges:
                    if one_edge[child] == 1 and term == g:
                        grad[child] = g
                        aliased.add(child)
            blocks.append((n, [(c, t) for c, t in edges if c not in aliased], skippable))
        # The interior children whose first edge sets their grad (each is discarded from the
        # set at that edge, so the later ones add).
        first = (
            {child for _, edges, _ in blocks for child, _ in edges if child.children}
            if skip
            else set()
        )
        lines = [f"{grad[root]} = 1.0"]
        resets = [grad[n] for n in interior if n is not root and n not in first | aliased]
        if resets:
            lines.append(" = ".join(resets) + " = 0.0")
        for n, edges, skippable in blocks:
            out, unset = [], []
            for child, term in edges:
                if child in first:  # its first edge: the grad is set, not added to a 0
                    first.discard(child)
                    unset.append(grad[child])
                    out.append(f"{grad[child]} = {term}")
                else:
                    out.append(f"{grad[child]} += {term}")
            if skippable:
                # A grad of exactly 0 would add 0 · (a finite local grad), ±0, to each child:
                # no change, so skip. A finite value means finite local grads for these ops.
                v = self.var[n]
                lines.append(f"if {grad[n]} != 0.0 or {v} - {v} != 0.0:")
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
            return f"{literal(lg)} * "
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

    def source(self, skip: bool = True) -> str:
        """The text of ``_many``, with the header."""
        params = [self.var[p] for p in self.parameters]
        grads = [self.grad[p] for p in (*self.parameters, *self.constants)]
        inputs = [self.var[v] for v in self.inputs]
        unpack = self._row_targets()
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
            "# (an interior grad's first edge sets it: =; a + term's grad with no other use is its",
            "# user's, under that name).",
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
        if len(self.taken) > FAST_NAMES:  # more names than CPython reads fastest: named first,
            first = [name for name, _ in self._most_used(rows)]  # these get the places
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
        return "\n".join(head + body) + "\n"

    def _most_used(self, rows: list[str]) -> list[tuple[str, float]]:
        """The FAST_NAMES names that a row reads or writes most often, with their counts (a
        line in a block that may be skipped counts half)."""
        used: Counter[str] = Counter()
        for nested in (False, True):
            text = "\n".join(line for line in rows if line.startswith(" " * 12) == nested)
            words = Counter(_NAME.findall(text))  # every word, then only our names
            words.update(_ADDED_TO.findall(text))  # `g += ...` reads g and writes it
            taken = self.taken
            for name, count in words.items():
                if name in taken:
                    used[name] += count / 2 if nested else count
        return used.most_common(FAST_NAMES)

    def forward_source(self) -> str:
        """The text of ``_forward``: the value only (it follows ``_many`` in ``f.source``)."""
        params = [self.var[p] for p in self.parameters]
        fwd = ["", "", "def _forward(_row, _params):"]
        if params:
            fwd.append(f"    {_targets(params)} = [_p.data for _p in _params]")
        fwd.append(f"    {self._row_targets()} = _row")
        fwd += ["    " + line for line in self.forward_lines(slopes=False)]
        fwd.append(f"    return {self.var[self.root]}")
        return "\n".join(fwd) + "\n"

    def _row_targets(self) -> str:
        """The names a row's values are unpacked into (``_`` for a graph without inputs)."""
        inputs = [self.var[v] for v in self.inputs]
        return _targets(inputs) if inputs else "_"


def _targets(names: list[str]) -> str:
    """Names as assignment targets or a tuple (a trailing comma for one)."""
    return ", ".join(names) + ("," if len(names) == 1 else "")
