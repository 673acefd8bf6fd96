"""The chain rule applied twice: :func:`explain_second` writes ∂²root/∂v∂w with its numbers.

First the paths of ∂root/∂w (:func:`micrograd_cbook.stepping.explain`), then each path's
product differentiated one factor at a time (the product rule), each factor's own ∂/∂v by
the chain rule again. Its total is the second derivative :func:`micrograd_cbook.grad` gives.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from .engine import Value
from .higher import derivative_label, local_grad_values
from .notation import factor, fmt, number
from .passes import topological_order
from .stepping import (
    DEFAULT_MAX_PATHS,
    Explanation,
    Names,
    Path,
    count_paths,
    explain,
    local_edges,
    path_counts,
)

__all__ = ["SecondExplanation", "Term", "explain_second"]
# ----------------------------------------------------------------------- the chain rule twice


@dataclass(frozen=True)
class Term:
    """One term of a second derivative: a path's product with one factor differentiated.

    ``path`` is the path of ∂root/∂w, ``index`` the factor taken (``path.factors[index]``),
    ``slope`` that factor as a Value of the graph (its local derivative, e.g. a·(1 − a) for
    σ), ``inner`` the chain rule for ∂slope/∂v, and ``product`` the term: ``inner.total``
    times the path's other factors.
    """

    path: Path
    index: int
    slope: Value
    inner: Explanation
    product: float


@dataclass(frozen=True)
class SecondExplanation:
    """∂²root/∂v∂w as the chain rule applied twice: ``first`` explains ∂root/∂w, ``terms``
    differentiate its products factor by factor; ``total`` is their sum.

    ``str()`` prints the first derivative, each term with the chain rule of its factor, then
    the sum.
    """

    root: Value
    w: Value
    v: Value
    first: Explanation
    terms: tuple[Term, ...]
    total: float
    _names: Names = field(repr=False, compare=False)

    def name(self) -> str:
        """The derivative's name, ∂²C/∂w² or ∂²C/∂v∂w."""
        n = self._names
        return derivative_label(derivative_label(n(self.root), n(self.w)), n(self.v))

    def __str__(self) -> str:
        n, v = self._names, self._names(self.v)
        once = str(self.first).splitlines()
        lines = [f"{self.name()} = ∂/∂{n.d(self.v)} of {once[0].split(' = ')[0]}: "
                 "the chain rule applied twice"]  # fmt: skip
        lines.append(f"once: {once[0]}")
        lines += [f"  {line}" for line in once[1:]]
        lines.append(
            f"twice: ∂/∂{n.d(self.v)} of each product, factor by factor (the product rule), "
            "each by the chain rule"
        )
        for k, term in enumerate(self.terms, 1):
            symbols = _factor_symbols(term.path)
            inner_name = Names(term.slope)
            d_slope = f"∂({symbols[term.index]})/∂{n.d(self.v)}"
            shown = [d_slope if i == term.index else s for i, s in enumerate(symbols)]
            numbers = [factor(term.inner.total if i == term.index else f)
                       for i, f in enumerate(term.path.factors)]  # fmt: skip
            product = f"{' · '.join(shown)} = {' × '.join(numbers)} = {number(term.product)}"
            lines.append(f"  term {k}: {product}")
            lines.append(f"    {symbols[term.index]} = {inner_name(term.slope)}, and")
            lines += [f"    {line}" for line in str(term.inner).splitlines()]
        if not self.terms:
            lines.append(f"  no factor depends on {v}")
            return "\n".join(lines) + f"\n{self.name()} = 0"
        terms = " + ".join(factor(t.product) for t in self.terms)
        total = number(self.total)
        lines.append(f"{self.name()} = {terms} = {total}" if len(self.terms) > 1 else
                     f"{self.name()} = {total}")  # fmt: skip
        return "\n".join(lines)

    def __repr__(self) -> str:
        count = len(self.terms)
        return (
            f"SecondExplanation({self.name()}, {count} term{'s' if count != 1 else ''}, "
            f"total={fmt(self.total)})"
        )


def _factor_symbols(path: Path) -> list[str]:
    """Each factor of a path as its symbol, ∂z/∂w, in the path's order (from w up)."""
    names = path._names
    return [f"∂{names.d(b)}/∂{names.d(a)}" for a, b in zip(path.nodes, path.nodes[1:])]


def explain_second(
    root: Value, w: Value, v: Value | None = None, max_paths: int = DEFAULT_MAX_PATHS
) -> SecondExplanation:
    """Write ∂²root/∂v∂w (``v`` is ``w`` unless given) as the chain rule applied twice.

    Once: ∂root/∂w is the sum over every path from w to root of the product of its local
    derivatives (:func:`explain`). Twice: ∂/∂v of each product is, by the product rule, the
    sum over its factors of the factor's own ∂/∂v times the other factors; each factor is a
    local derivative, itself a value of the graph (σ's is a·(1 − a)), so its ∂/∂v is again a
    sum over paths. Factors that do not depend on v give nothing. ``total`` equals
    ``grad(grad(root, [w], create_graph=True)[0], [v])`` up to rounding. More than
    ``max_paths`` paths in all raises ValueError before any is listed.

    >>> from micrograd_cbook import Value
    >>> w, x = Value(0.5, "w"), Value(1.5, "x")
    >>> z = w * x; z.label = "z"
    >>> a = z.sigmoid(); a.label = "a"
    >>> e = explain_second(a, w)
    >>> print("\\n".join(str(e).splitlines()[:6]))
    ∂²a/∂w² = ∂/∂w of ∂a/∂w: the chain rule applied twice
    once: ∂a/∂w = ∂z/∂w · ∂a/∂z = 1.5000 × 0.2179 = 0.3268
    twice: ∂/∂w of each product, factor by factor (the product rule), each by the chain rule
      term 1: ∂z/∂w · ∂(∂a/∂z)/∂w = 1.5000 × (−0.1171) = −0.1757
        ∂a/∂z = a·(1 − a), and
        ∂(a·(1 − a))/∂w = the sum over 2 paths from w to a·(1 − a):
    >>> round(e.total, 4)                    # x²·σ(z)(1 − σ(z))(1 − 2σ(z))
    -0.1757
    """
    first = explain(root, w, max_paths)  # the first derivative; its errors say what is wrong
    v = w if v is None else v
    if not isinstance(v, Value):
        raise TypeError(f"explain_second: v must be a Value, got {type(v).__name__}")
    names = first._names
    counts = path_counts(topological_order(root), w, local_edges)
    slopes: dict[Value, tuple] = {}  # each node's local derivatives as Values, made once
    terms, listed = [], 0
    for edges in _edge_paths(root, w, counts):
        path = _path_of(edges, w, names)
        steps = edges[::-1]  # from w up, as the factors read
        for index, (node, i) in enumerate(steps):
            if node not in slopes:
                slopes[node] = local_grad_values(node)
            slope = slopes[node][i]
            if not isinstance(slope, Value) or not (inner_paths := count_paths(slope, v)):
                continue  # a number, or a value that does not depend on v: its ∂/∂v is 0
            listed += inner_paths
            if listed > max_paths:
                raise ValueError(
                    f"{derivative_label(names(root), names(w))}'s factors have more than "
                    f"max_paths={max_paths} paths from {names(v)}: pass a larger max_paths, or "
                    "use grad(grad(root, [w], create_graph=True)[0], [v]) (one number)"
                )
            inner = explain(slope, v, max_paths)
            product = 1.0
            for k, f in enumerate(path.factors):
                product *= inner.total if k == index else f
            terms.append(Term(path, index, slope, inner, product))
    total = 0.0
    for term in terms:
        total += term.product
    return SecondExplanation(root, w, v, first, tuple(terms), total, names)


def _edge_paths(
    root: Value, wrt: Value, counts: dict[Value, int]
) -> Iterator[tuple[tuple[Value, int], ...]]:
    """Every path from ``root`` down to ``wrt`` as its edges (node, child's index), root's
    first: depth first, children in order, no recursion."""
    if root is wrt:
        yield ()
        return
    trail: list[list] = [[root, -1]]  # each node of the current path and its edge taken
    while trail:
        top = trail[-1]
        children = top[0].children
        i = top[1] + 1
        while i < len(children) and children[i] not in counts:
            i += 1  # an edge that never reaches wrt
        if i == len(children):
            trail.pop()
            continue
        top[1] = i
        if children[i] is wrt:
            yield tuple((node, k) for node, k in trail)
        else:
            trail.append([children[i], -1])


def _path_of(edges: tuple[tuple[Value, int], ...], wrt: Value, names: Names) -> Path:
    """The :class:`Path` these edges make, its product multiplied from root down."""
    product, down = 1.0, []
    for node, k in edges:
        product = node.local_grads[k] * product
        down.append(node.local_grads[k])
    nodes = (wrt, *(node for node, _ in reversed(edges)))
    return Path(nodes, tuple(reversed(down)), product, names)
