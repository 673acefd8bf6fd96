r"""The table of operations: every operation of the engine, described once.

An entry says what an operation is called (its name on the node, ``node.op``; its symbol and
word in pictures, explanations and generated names), how it computes on floats (its value
``out`` and its local derivatives ``∂out/∂input``, the chapter's chain-rule factors, with the
engine's errors), and what the other parts need: whether formulas and ``nn`` accept it, its
PyTorch module, its array rule for every row at once. Everything else reads this table: the
engine's methods (each one call to :func:`apply`), the compiler (Python and JavaScript), the
batched path, the formula parser, ``nn``'s activations, the torch bridge and the pictures.

The value, the slopes and the errors are written as Python expressions over the inputs
(``x``, ``y``), the parameters (``p``, the exponent of ``x ** 2``) and ``out``. From that one
text come the engine's float rule (a function, made once here, that pdb can step into), the
compiler's straight-line Python and the page's JavaScript: three uses, one description.

>>> SIGMOID.slopes
('e * out * out if x >= 0.0 else out / (1.0 + e)',)
>>> SIGMOID.rule(0.0)
(0.5, (0.25,))
>>> LOG.rule(-1.0)
Traceback (most recent call last):
ValueError: log is defined only for x > 0, got x = -1.0

Each slope is also written as an expression over Values (``grad_graph``: σ's is
``out * (1.0 - out)``), made into a function the same way: from it
:func:`micrograd_cbook.higher.grad` builds a derivative as a graph of the engine's own
operations, which can be differentiated again.

>>> SIGMOID.grad_graph
('out * (1.0 - out)',)

Adding an operation: one entry here (its value, slopes and errors; or a ``rule`` function
alone, which every target then calls: slower, never wrong; its ``grad_graph`` for
derivatives of derivatives), its row in ``tests/test_ops.py``, and a method on
:class:`~micrograd_cbook.engine.Value` that calls :func:`apply`.
"""

from __future__ import annotations

import linecache
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import reduce
from operator import add, mul
from typing import Any

__all__ = [
    "ACTIVATIONS",
    "EXP_LIMIT",
    "FORMULA_FUNCTIONS",
    "OPERATIONS",
    "RUNTIME",
    "Error",
    "Op",
    "Operation",
    "apply_rule",
    "ieee_pow",
    "operation_of",
    "weighted_parts",
]

EXP_LIMIT = 709.782712893384  # ln of the largest float: above it, e^x overflows
SQRT_LIMIT = 1.3407807929942596e154  # √ of the largest float: below it, x · x is finite


def ieee_pow(x: float, p: float) -> float:
    """x ** p as IEEE 754 (and JavaScript) has it: ±inf where it overflows, never an error.

    Python's own ``**`` raises OverflowError there; the engine says so in its own words.

    >>> ieee_pow(10.0, 400.0), ieee_pow(-10.0, 401.0), ieee_pow(2.0, -1.0)
    (inf, -inf, 0.5)
    """
    try:
        return x**p
    except OverflowError:
        odd = p.is_integer() and p % 2.0 == 1.0
        return -math.inf if x < 0.0 and odd else math.inf


# The functions the sources may call, as Python has them (the JavaScript compiler maps each
# name to its own): the engine's rules and the compiled code read exactly these.
RUNTIME: dict[str, Any] = {
    "_exp": math.exp,
    "_log": math.log,
    "_log1p": math.log1p,
    "_tanh": math.tanh,
    "_sqrt": math.sqrt,
    "_abs": abs,
    "_pow": ieee_pow,
    "_isinf": math.isinf,
    "_is_integer": float.is_integer,
    "_inf": math.inf,
    "_nan": math.nan,
}


@dataclass(frozen=True)
class Error:
    """When an operation refuses its inputs: ``when`` (a Python expression) raises ``kind``
    with ``message`` (an f-string's text over the same names)."""

    when: str
    kind: type[Exception]
    message: str


@dataclass(frozen=True, eq=False)
class Operation:
    """One operation of the table (see the module): its names, its float rule, its sources.

    ``inputs`` name the inputs in the sources (empty for a sum, which takes any number);
    ``value`` and ``slopes`` are expressions of ``out`` and of each ∂out/∂input; ``before``
    holds ``name = expression`` lines that both share, ``before_slopes`` lines only the slopes
    need; ``errors`` are checked in order, before the value or, if they read ``out``, after
    it. ``rule`` is the float function ``(inputs..., params...) → (out, slopes)``: made from
    the sources, or given (then the sources are empty and every target calls it).
    ``skippable``: a zero grad and a finite value pass only zeros to the inputs.
    ``grad_graph``: the slopes again, as expressions the engine evaluates with Values (the
    inputs and ``out`` are nodes, ``p`` a number, ``slope`` the float slope already recorded;
    a number is a slope that does not change), so a derivative can itself be differentiated
    (:mod:`micrograd_cbook.higher`); or a function ``(inputs, params, out, slopes) → slopes``.
    ``graph_rule`` is that function, made from the expressions once (None without them).
    """

    name: str
    word: str
    symbol: str
    show: str  # the operation as a formula of its inputs' names, {0} {1} {p}
    inputs: tuple[str, ...] = ("x",)
    params: tuple[str, ...] = ()
    value: str = ""
    slopes: tuple[str, ...] = ()
    before: tuple[str, ...] = ()
    before_slopes: tuple[str, ...] = ()
    errors: tuple[Error, ...] = ()
    rule: Callable[..., tuple[float, tuple[float, ...]]] = None  # type: ignore[assignment]
    array: Callable[..., tuple[Any, list[Any]]] | None = None
    formula: bool = False
    activation: bool = False
    torch: str | None = None
    skippable: bool = False
    grad_graph: tuple[str, ...] | Callable[..., tuple] | None = None
    tag: Op = field(init=False, repr=False)
    graph_rule: Callable[..., tuple] | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.rule is None:
            object.__setattr__(self, "rule", _make_rule(self))
        object.__setattr__(self, "tag", Op(self, ()))
        graph = self.grad_graph
        object.__setattr__(
            self, "graph_rule", _make_graph_rule(self) if isinstance(graph, tuple) else graph
        )

    @property
    def arity(self) -> int | None:
        """How many inputs it takes (None: any number, a sum)."""
        return len(self.inputs) or None

    def at(self, *params: float) -> Op:
        """The tag of this operation with these parameters: ``POWER.at(2.0)`` is ``"**2"``."""
        if not self.params:
            return self.tag
        try:
            return _TAGS[self, params]
        except (KeyError, TypeError):  # a first exponent, or one that is nan
            tag = Op(self, params)
            if len(_TAGS) < 10_000 and params == params:
                _TAGS[self, params] = tag
            return tag

    def spell(self, params: tuple) -> str:
        """How ``node.op`` reads: the name, with a number exponent after ``**``."""
        if self.name == "**p":
            (p,) = params
            return f"**{int(p)}" if p.is_integer() and abs(p) < 1e15 else f"**{p!r}"
        return self.name

    def __repr__(self) -> str:
        return f"<operation {self.name!r}>"


class Op(str):
    """What ``node.op`` holds for a node the engine made: the operation's name as a str
    (``"sigmoid"``, ``"**2"``), which also carries its table entry and its parameters.

    A hand-made node's op is a plain str: code that must tell the engine's own nodes from
    nodes made by hand asks :func:`operation_of`.

    >>> from micrograd_cbook import Value
    >>> y = Value(3.0) ** 2
    >>> y.op, y.op.operation is POWER, y.op.params
    ('**2', True, (2.0,))
    """

    operation: Operation
    params: tuple

    def __new__(cls, operation: Operation, params: tuple) -> Op:
        self = super().__new__(cls, operation.spell(params) if params else operation.name)
        self.operation, self.params = operation, params
        return self

    def __reduce__(self) -> tuple:  # pickled by name: the table itself is never pickled
        return (_tag, (self.operation.name, self.params))

    def __copy__(self) -> Op:
        return self

    def __deepcopy__(self, memo: dict) -> Op:
        return self


_TAGS: dict[tuple[Operation, tuple], Op] = {}


def _tag(name: str, params: tuple) -> Op:
    return OPERATIONS[name].at(*params)


def operation_of(node: Any) -> Operation | None:
    """The table's entry for a node the engine made, or None (a leaf, or made by hand)."""
    op = node.op
    return op.operation if type(op) is Op else None


def apply_rule(op: Op, inputs: Sequence[float]) -> tuple[float, tuple[float, ...]]:
    """The float rule of ``op`` (a tag, with its parameters) on these input values."""
    return op.operation.rule(*inputs, *op.params)


def weighted_parts(children: Sequence[Any], op: Op) -> tuple[Sequence, Sequence, Any]:
    """A weighted sum's children as (weights, inputs, bias or None): the layout ``(*w, *x, b)``.

    >>> weighted_parts(("w0", "w1", "x0", "x1", "b"), WEIGHTED_SUM_BIAS.at(2))
    (('w0', 'w1'), ('x0', 'x1'), 'b')
    """
    (n,) = op.params
    bias = op.operation is WEIGHTED_SUM_BIAS
    return tuple(children[:n]), tuple(children[n : 2 * n]), children[-1] if bias else None


# ------------------------------------------------------------------ the float rules


def _make_rule(op: Operation) -> Callable[..., tuple[float, tuple[float, ...]]]:
    """The float function of an operation's sources, its text shown by pdb and tracebacks."""
    args = ", ".join(op.inputs + op.params)
    lines = [f"def {op.word}({args}):"]
    early = [e for e in op.errors if "out" not in e.when]
    late = [e for e in op.errors if "out" in e.when]
    for e in early:
        lines.append(f"    if {e.when}: raise {e.kind.__name__}(f{e.message!r})")
    lines += [f"    {line}" for line in op.before]
    lines.append(f"    out = {op.value}")
    for e in late:
        lines.append(f"    if {e.when}: raise {e.kind.__name__}(f{e.message!r})")
    lines += [f"    {line}" for line in op.before_slopes]
    lines.append(f"    return out, ({''.join(s + ', ' for s in op.slopes)})")
    return _define(lines, op.word, f"<micrograd_cbook operation {op.name}>")


def _make_graph_rule(op: Operation) -> Callable[..., tuple]:
    """The function of an operation's ``grad_graph`` expressions: its slopes as Values.

    Called with the node's inputs (Values), its parameters, the node itself (``out``) and
    its float slopes; ``slope`` is the float slope of the input at hand.
    """
    lines = [f"def {op.word}_slopes(_inputs, _params, out, _slopes):"]
    lines.append(f"    {''.join(name + ', ' for name in op.inputs)}= _inputs")
    if op.params:
        lines.append(f"    {''.join(name + ', ' for name in op.params)}= _params")
    for i, expression in enumerate(op.grad_graph):
        if re.search(r"\bslope\b", expression):
            lines.append(f"    slope = _slopes[{i}]")
        lines.append(f"    d{i} = {expression}")
    lines.append(f"    return ({''.join(f'd{i}, ' for i in range(len(op.grad_graph)))})")
    return _define(lines, f"{op.word}_slopes", f"<micrograd_cbook operation {op.name} as Values>")


def _define(lines: list[str], name: str, filename: str) -> Callable:
    """The function ``name`` that these lines of our own table define, its text shown by pdb
    and tracebacks under ``filename``."""
    text = "\n".join(lines) + "\n"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = dict(RUNTIME)
    exec(compile(text, filename, "exec"), namespace)  # our own table's text, never a user's
    return namespace[name]


def _sum_graph(inputs: Sequence, params: tuple, out: Any, slopes: tuple) -> tuple:
    # Every slope of a sum is the number 1: none changes.
    return slopes


def _weighted_sum_graph(inputs: Sequence, params: tuple, out: Any, slopes: tuple) -> tuple:
    # ∂z/∂wₖ = xₖ and ∂z/∂xₖ = wₖ: the inputs themselves; ∂z/∂b = 1, a number.
    ws, xs, b = weighted_parts(inputs, out.op)
    return (*xs, *ws, *(() if b is None else (1.0,)))


def _sum_rule(*xs: float) -> tuple[float, tuple[float, ...]]:
    # Left to right from -0.0 (x + -0.0 == x, the sign of a zero included): the floats of a
    # chain of + nodes. (Not sum(): from Python 3.12 on it is compensated, so it differs.)
    return reduce(add, xs, -0.0), (1.0,) * len(xs)


def _weighted_sum_rule(*args: float) -> tuple[float, tuple[float, ...]]:
    *parts, n = args
    ws, xs = parts[:n], parts[n : 2 * n]
    return reduce(add, map(mul, ws, xs), -0.0), (*xs, *ws)


def _weighted_sum_bias_rule(*args: float) -> tuple[float, tuple[float, ...]]:
    *parts, b, n = args
    ws, xs = parts[:n], parts[n : 2 * n]
    return reduce(add, map(mul, ws, xs), -0.0) + b, (*xs, *ws, 1.0)


# ------------------------------------------------------------------ array rules
# Every row at once (speed/batched.py): each takes NumPy, a function applying a float
# function element by element, and the inputs as arrays (lanes, rows); it returns the value
# and the local grads (None where one is exactly 1) with the float rule's bits, or raises
# where a row would (the straight-line code then says how).


def _array_sigmoid(np: Any, each: Callable, x: Any) -> tuple[Any, list[Any]]:
    e = each(math.exp, -np.abs(x))
    up = x >= 0.0
    s = np.where(up, 1.0 / (1.0 + e), e / (1.0 + e))
    return s, [np.where(up, e * s * s, s / (1.0 + e))]


def _array_tanh(np: Any, each: Callable, x: Any) -> tuple[Any, list[Any]]:
    t = each(math.tanh, x)
    e = each(math.exp, -2.0 * np.abs(x))
    inner = (x > -1.0) & (x < 1.0)
    return t, [np.where(inner, 1.0 - t * t, 4.0 * e / ((1.0 + e) * (1.0 + e)))]


def _array_exp(np: Any, each: Callable, x: Any) -> tuple[Any, list[Any]]:
    if (x > EXP_LIMIT).any():
        raise OverflowError("a row's e^x is too large")
    e = each(math.exp, x)
    return e, [e]


def _array_log(np: Any, each: Callable, x: Any) -> tuple[Any, list[Any]]:
    if not (x > 0.0).all():
        raise ValueError("a row's log of x ≤ 0")
    return each(math.log, x), [1.0 / x]


def _array_add(np: Any, each: Callable, x: Any, y: Any) -> tuple[Any, list[Any]]:
    return x + y, [None, None]


def _array_sub(np: Any, each: Callable, x: Any, y: Any) -> tuple[Any, list[Any]]:
    return x - y, [None, -1.0]


def _array_mul(np: Any, each: Callable, x: Any, y: Any) -> tuple[Any, list[Any]]:
    return x * y, [y, x]


def _array_neg(np: Any, each: Callable, x: Any) -> tuple[Any, list[Any]]:
    return -x, [-1.0]


def _array_relu(np: Any, each: Callable, x: Any) -> tuple[Any, list[Any]]:
    # max(x, 0) keeps nan; + 0.0 makes max(-0.0, 0.0) the float rule's 0.0
    return np.maximum(x, 0.0) + 0.0, [(x > 0.0).astype(np.float64)]


def _array_abs(np: Any, each: Callable, x: Any) -> tuple[Any, list[Any]]:
    return np.abs(x), [np.sign(x) + 0.0]


def _array_max(np: Any, each: Callable, x: Any, y: Any) -> tuple[Any, list[Any]]:
    return np.where(y > x, y, x), [0.0, 0.0]


def _array_div(np: Any, each: Callable, x: Any, y: Any) -> tuple[Any, list[Any]]:
    if (y == 0.0).any():
        raise ZeroDivisionError("a row divides by zero")
    q = x / y
    return q, [1.0 / y, -q / y]


# ------------------------------------------------------------------ the table

_NEGATIVE_BASE = "pow: a negative base to a non-integer power has no real value ({x!r} ** {p!r})"
_POW_ERRORS = (
    Error("x < 0.0 and x != -_inf and not _is_integer(p)", ValueError, _NEGATIVE_BASE),
    Error("x == 0.0 and p < 0.0", ZeroDivisionError, "pow: 0 ** {p!r} divides by zero"),
    Error(  # ±inf from finite x and p (x - x is 0 only for a finite x): Python's overflow
        "(out == _inf or out == -_inf) and x - x == 0.0 and p - p == 0.0",
        OverflowError,
        "pow: {x!r} ** {p!r} is too large for a float",
    ),
)
# p·x^(p−1), with x^p flat in p at p = 0, the square exact, and √x's vertical slope at 0;
# where x^(p−1) overflows, ±inf (like 1/x near 0).


def _p_as_y(text: str) -> str:
    """A source of x ** p, the exponent p a number, as one of x ** y, y a Value."""
    return re.sub(r"\bp\b", "y", text)


_POW_VALUE = "x * x if p == 2.0 else _pow(x, p)"
# The same slope as Values, p·x^(p−1) (2x for the square): a number where it is flat (p = 0)
# or vertical (x = 0, p < 1: ∞, as the float rule has it), so it never divides by zero.
_POW_GRAPH = (
    "p if p == 0.0 or p == 1.0 else 2.0 * x if p == 2.0 else slope if x.data == 0.0 and p < 1.0 "
    "else p * x ** (p - 1.0)"
)
_POW_VALUE_GRAPH = (  # y·x^(y−1) with y a Value: its ∂/∂y, x^(y−1)(1 + y ln x), is kept
    "slope if x.data == 0.0 and y.data < 1.0 else y * x ** (y - 1.0)"
)
_POW_SLOPE = (
    "0.0 if p == 0.0 else 2.0 * x if p == 2.0 else _inf if x == 0.0 and p < 1.0 "
    "else p * _pow(x, p - 1.0)"
)

ADD = Operation(
    "+", "add", "+", "{0} + {1}", ("x", "y"), value="x + y", slopes=("1.0", "1.0"),
    array=_array_add, skippable=True, grad_graph=("1.0", "1.0"),
)  # fmt: skip
SUB = Operation(
    "-", "sub", "−", "{0} − {1}", ("x", "y"), value="x - y", slopes=("1.0", "-1.0"),
    array=_array_sub, skippable=True, grad_graph=("1.0", "-1.0"),
)  # fmt: skip
MUL = Operation(
    "*", "mul", "×", "{0}·{1}", ("x", "y"), value="x * y", slopes=("y", "x"),
    array=_array_mul, skippable=True, grad_graph=("y", "x"),
)  # fmt: skip
DIV = Operation(
    "/", "div", "÷", "{0} ÷ {1}", ("x", "y"), value="x / y", slopes=("1.0 / y", "-out / y"),
    errors=(Error("y == 0.0", ZeroDivisionError, "division by zero: {x!r} / {y!r}"),),
    array=_array_div, grad_graph=("1.0 / y", "-out / y"),
)  # fmt: skip
NEG = Operation(
    "neg", "neg", "−", "−{0}", value="-x", slopes=("-1.0",), array=_array_neg, skippable=True,
    grad_graph=("-1.0",),
)  # fmt: skip
_SIGN = "1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0 if x == 0.0 else _nan"
ABS = Operation(  # the slope is the sign of x: 0 at x = 0, as in PyTorch
    "abs", "abs", "|·|", "|{0}|", value="_abs(x)", slopes=(_SIGN,),
    array=_array_abs, skippable=True, grad_graph=("x.sign()",),
)  # fmt: skip
SIGN = Operation(  # abs's slope as a value of its own (its slope 0): sgn x, 0 at 0, nan for nan
    "sign", "sign", "sgn", "sgn({0})", value=_SIGN, slopes=("0.0",), skippable=True,
    grad_graph=("0.0",),
)  # fmt: skip
HEAVISIDE = Operation(  # relu's slope as a value of its own (its slope 0): 1 for x > 0, else 0
    "heaviside", "heaviside", "H", "H({0})", value="1.0 if x > 0.0 else 0.0", slopes=("0.0",),
    skippable=True, grad_graph=("0.0",),
)  # fmt: skip
POWER = Operation(  # x ** p for a number p: p is data of the op, never text to parse
    "**p", "pow", "^", "{0}^{p}", params=("p",), value=_POW_VALUE, slopes=(_POW_SLOPE,),
    errors=_POW_ERRORS, grad_graph=(_POW_GRAPH,),
)  # fmt: skip
POWER_VALUE = Operation(  # x ** y for a Value y: ∂/∂y = x^y · ln x, flat in y at x = 0
    "**", "pow", "^", "{0}^{1}", ("x", "y"), value=_p_as_y(_POW_VALUE),
    slopes=(_p_as_y(_POW_SLOPE), "out * _log(x) if x > 0.0 else 0.0 if x == 0.0 else _nan"),
    errors=tuple(Error(_p_as_y(e.when), e.kind, _p_as_y(e.message)) for e in _POW_ERRORS),
    grad_graph=(_POW_VALUE_GRAPH, "out * x.log() if x.data > 0.0 else slope"),
)  # fmt: skip
EXP = Operation(
    "exp", "exp", "exp", "exp({0})", value="_exp(x)", slopes=("out",),
    errors=(Error(f"x > {EXP_LIMIT!r}", OverflowError,
                  "exp({x!r}) is too large for a float (x ≤ 709.78)"),),
    array=_array_exp, formula=True, skippable=True, grad_graph=("out",),
)  # fmt: skip
LOG = Operation(
    "log", "log", "ln", "ln({0})", value="_log(x)", slopes=("1.0 / x",),
    errors=(Error("not x > 0.0", ValueError, "log is defined only for x > 0, got x = {x!r}"),),
    array=_array_log, formula=True, grad_graph=("1.0 / x",),
)  # fmt: skip
SQRT = Operation(  # √0's slope is vertical, inf, as 0 ** 0.5's
    "sqrt", "sqrt", "√", "√{0}", value="_sqrt(x)", slopes=("_inf if out == 0.0 else 0.5 / out",),
    errors=(Error("x < 0.0", ValueError, "sqrt is defined only for x ≥ 0, got x = {x!r}"),),
    formula=True, grad_graph=("slope if out.data == 0.0 else 0.5 / out",),
)  # fmt: skip
SIGMOID = Operation(  # from e = e^−|x|: neither overflows, nor loses digits in the tails
    "sigmoid", "sigmoid", "σ", "σ({0})", before=("e = _exp(-_abs(x))",),
    value="1.0 / (1.0 + e) if x >= 0.0 else e / (1.0 + e)",
    slopes=("e * out * out if x >= 0.0 else out / (1.0 + e)",),
    array=_array_sigmoid, formula=True, activation=True, torch="Sigmoid", skippable=True,
    grad_graph=("out * (1.0 - out)",),
)  # fmt: skip
TANH = Operation(  # 1 − tanh² near 0; 4e/(1 + e)² with e = e^−2|x| in the tails
    "tanh", "tanh", "tanh", "tanh({0})", value="_tanh(x)",
    before_slopes=("e = _exp(-2.0 * _abs(x))",),
    slopes=("1.0 - out * out if -1.0 < x < 1.0 else 4.0 * e / ((1.0 + e) * (1.0 + e))",),
    array=_array_tanh, formula=True, activation=True, torch="Tanh", skippable=True,
    grad_graph=("1.0 - out * out",),
)  # fmt: skip
RELU = Operation(  # max(0, x), relu(nan) = nan; the slope 1 for x > 0, else 0 (PyTorch's)
    "relu", "relu", "relu", "relu({0})", value="x if x > 0.0 or x != x else 0.0",
    slopes=("1.0 if x > 0.0 else 0.0",),
    array=_array_relu, formula=True, activation=True, torch="ReLU", skippable=True,
    grad_graph=("x.heaviside()",),
)  # fmt: skip
SOFTPLUS = Operation(  # ln(1 + e^x) = max(x, 0) + ln(1 + e^−|x|); its slope is σ(x)
    "softplus", "softplus", "softplus", "softplus({0})", before=("e = _exp(-_abs(x))",),
    value="(x if x > 0.0 else 0.0) + _log1p(e)",
    slopes=("1.0 / (1.0 + e) if x >= 0.0 else e / (1.0 + e)",),
    formula=True, activation=True, torch="Softplus", skippable=True,
    grad_graph=("x.sigmoid()",),
)  # fmt: skip
MAX = Operation(  # a softmax's shift, max z: Python's max (y only where y > x), two at a time
    # Its slopes are 0: the shift cancels in softmax(z − max z) and in log-sum-exp, so the
    # chain rule treats it as a constant, as PyTorch's logsumexp does (and as the number it
    # replaces was): every other grad is what it was, while each row computes its own max.
    "max", "max", "max", "max({0}, {1})", ("x", "y"), value="y if y > x else x",
    slopes=("0.0", "0.0"), array=_array_max, skippable=True, grad_graph=("0.0", "0.0"),
)  # fmt: skip
SUM = Operation("Σ", "sum", "Σ", "Σ", (), rule=_sum_rule, skippable=True, grad_graph=_sum_graph)
WEIGHTED_SUM = Operation(  # z of the chapter: Σ wₖ·xₖ, the children (*w, *x)
    "Σw·x", "z", "Σw·x", "Σ w·x", (), params=("n",), rule=_weighted_sum_rule, skippable=True,
    grad_graph=_weighted_sum_graph,
)  # fmt: skip
WEIGHTED_SUM_BIAS = Operation(  # z = Σ wₖ·xₖ + b, the children (*w, *x, b)
    "Σw·x+b", "z", "Σw·x+b", "Σ w·x + b", (), params=("n",), rule=_weighted_sum_bias_rule,
    skippable=True, grad_graph=_weighted_sum_graph,
)  # fmt: skip

OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (ADD, SUB, MUL, DIV, NEG, ABS, POWER, POWER_VALUE, SIGMOID, RELU, TANH, EXP,
               LOG, SQRT, SOFTPLUS, MAX, SIGN, HEAVISIDE, SUM, WEIGHTED_SUM, WEIGHTED_SUM_BIAS)
}  # fmt: skip
FORMULA_FUNCTIONS = tuple(name for name, op in OPERATIONS.items() if op.formula)
ACTIVATIONS = (*(name for name, op in OPERATIONS.items() if op.activation), "linear")
