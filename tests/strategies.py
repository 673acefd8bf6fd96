"""Shared hypothesis strategies: random programs over every operation, and stepping recipes.

A program is leaves, then steps that apply an operation to earlier nodes and to numbers (on
either side), reusing nodes freely, with fused weighted_sum / sum_values steps. Separate
interpreters (backends) run the same program: the engine, plain floats and mpmath at 50
digits (to choose well-conditioned programs), sympy (symbolic derivatives).

Programs stay where float arithmetic is well conditioned: log arguments ≥ 0.1, denominators
≥ 0.25 in size, positive bases for non-integer and Value exponents, |sigmoid/tanh argument|
≤ 6 (their tails are tested in test_ops), no relu or abs argument within 1e-6 of its kink,
every value ≤ 1e3 in size, and every step's float value within 1e-13 of its 50-digit value
(this rejects cancellation and underflow).

A network program applies layers of one width d again and again (recurrent use), ties a
weight slot to another slot's Value, makes a weight (or all of a layer's) a computed Value,
replaces a weight by a new leaf between calls, or mixes two activations through a node made
by hand; two roots are backpropagated (one inside the other's graph), the first maybe twice.

A recipe is a smaller random graph for the stepping tests: leaves, then operations on earlier
nodes (reuse makes shared sub-expressions, so many nodes are reached along several paths).
"""

from __future__ import annotations

import math
import operator
import os
from dataclasses import dataclass
from functools import reduce

import mpmath
import sympy
from hypothesis import HealthCheck, assume
from hypothesis import strategies as st

from micrograd_cbook import Value, nn, sum_values, weighted_sum
from micrograd_cbook.optim import SGD, Adam, AdamW

SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}

# ------------------------------------------------------------------ programs


@dataclass(frozen=True)
class Num:
    """A number operand (the 2 in 2 * v), as opposed to an int index of an earlier node."""

    value: float


@dataclass(frozen=True)
class Program:
    leaves: tuple[float, ...]
    steps: tuple[tuple[str, tuple], ...]  # (op, args); the root is the last step


UNARY = ("neg", "abs", "sigmoid", "relu", "tanh", "exp", "log", "sqrt", "softplus")
BINARY = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}
NUMBERS = (-2.0, -1.0, -0.5, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0)
EXPONENTS = (-2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 0.5, 1.5, -0.5)
POW_BASES = (0.5, 2.0, 3.0)


@dataclass(frozen=True)
class Backend:
    """How one interpreter spells numbers, functions and the fused sums."""

    num: object
    unary: dict
    wsum: object
    total: object


def run(prog: Program, leaves: list, be: Backend) -> list:
    """Every node's value (leaves first, root last) under backend ``be``."""
    nodes = list(leaves)
    for op, args in prog.steps:
        nodes.append(apply(be, op, args, nodes))
    return nodes


def apply(be: Backend, op: str, args: tuple, nodes: list):
    def arg(a):
        return be.num(a.value) if isinstance(a, Num) else nodes[a]

    if op in UNARY:
        return be.unary[op](arg(args[0]))
    if op == "wsum":
        ws, xs, b = args
        return be.wsum([arg(w) for w in ws], [arg(x) for x in xs], None if b is None else arg(b))
    if op == "sum":
        return be.total([arg(a) for a in args])
    return BINARY[op](arg(args[0]), arg(args[1]))


def plain_wsum(ws, xs, b):
    z = reduce(operator.add, [w * x for w, x in zip(ws, xs)])
    return z if b is None else z + b


def _mp_num(x: float):
    return int(x) if x.is_integer() else mpmath.mpf(x)


ENGINE = Backend(
    num=float,
    unary={
        "neg": operator.neg,
        "abs": abs,
        **{f: operator.methodcaller(f) for f in UNARY[2:]},
    },
    wsum=weighted_sum,
    total=sum_values,
)
FLOAT = Backend(  # plain floats, only to choose well-conditioned programs
    num=float,
    unary={
        "neg": operator.neg,
        "abs": abs,
        "sigmoid": lambda x: 1.0 / (1.0 + math.exp(-x)),
        "relu": lambda x: max(0.0, x),
        "tanh": math.tanh,
        "exp": math.exp,
        "log": math.log,
        "sqrt": math.sqrt,
        "softplus": lambda x: math.log1p(math.exp(x)),
    },
    wsum=plain_wsum,
    total=lambda items: reduce(operator.add, items),
)
MPMATH = Backend(
    num=_mp_num,
    unary={
        "neg": operator.neg,
        "abs": mpmath.fabs,
        "sigmoid": lambda x: 1 / (1 + mpmath.exp(-x)),
        "relu": lambda x: x if x > 0 else mpmath.mpf(0),
        "tanh": mpmath.tanh,
        "exp": mpmath.exp,
        "log": mpmath.log,
        "sqrt": mpmath.sqrt,
        "softplus": lambda x: mpmath.log(1 + mpmath.exp(x)),
    },
    wsum=plain_wsum,
    total=lambda items: reduce(operator.add, items),
)


def _sympy_num(x: float):
    return sympy.Integer(int(x)) if x.is_integer() else sympy.Rational(x)  # exact


def sympy_backend(point: dict) -> Backend:
    """sympy's expressions; relu is x or 0 by its argument's sign at ``point``.

    That is relu itself in a neighbourhood of the point (no argument is within 1e-6 of the
    kink), so the derivatives there are the same, and no Piecewise with a 1/0 branch
    (log(relu(x))) reaches lambdify.
    """

    def relu(x):
        return x if x.evalf(30, subs=point) > 0 else sympy.Integer(0)

    def absolute(x):  # the same for |x|: x or -x by the sign at the point
        return x if x.evalf(30, subs=point) > 0 else -x

    return Backend(
        num=_sympy_num,
        unary={
            "neg": operator.neg,
            "abs": absolute,
            "sigmoid": lambda x: 1 / (1 + sympy.exp(-x)),
            "relu": relu,
            "tanh": sympy.tanh,
            "exp": sympy.exp,
            "log": sympy.log,
            "sqrt": sympy.sqrt,
            "softplus": lambda x: sympy.log(1 + sympy.exp(x)),
        },
        wsum=lambda ws, xs, b: sympy.Add(
            *[w * x for w, x in zip(ws, xs)], *([] if b is None else [b])
        ),
        total=lambda items: sympy.Add(*items),
    )


def _well_conditioned(op: str, args: tuple, fl: list, mv: list):
    """The step's (float, mpmath) values when it stays in the safe domain, else None."""

    def f(a):
        return a.value if isinstance(a, Num) else fl[a]

    if op in ("log", "sqrt") and f(args[0]) < 0.1:
        return None
    if op == "softplus" and abs(f(args[0])) > 15.0:  # (PyTorch: x itself from 20 on)
        return None
    if op == "exp" and not -30.0 <= f(args[0]) <= 5.0:
        return None
    if op in ("sigmoid", "tanh") and abs(f(args[0])) > 6.0:
        return None
    if op in ("relu", "abs") and abs(f(args[0])) < 1e-6:
        return None
    if op == "/" and abs(f(args[1])) < 0.25:
        return None
    if op == "**":
        b, p = f(args[0]), f(args[1])
        if isinstance(args[1], Num):  # number exponent
            if (not p.is_integer() and b < 0.1) or (p < 0 and abs(b) < 0.25):
                return None
        elif isinstance(args[0], Num):  # number base
            if abs(p) > 8.0:
                return None
        elif b < 0.1 or abs(math.log(b)) < 0.1 or abs(p) > 4.0:
            return None  # Value exponent: ∂/∂p = x^p · ln x must be well conditioned too
    try:
        r = apply(FLOAT, op, args, fl)
    except (OverflowError, ValueError, ZeroDivisionError):
        return None
    with mpmath.workdps(50):
        m = apply(MPMATH, op, args, mv)
        if not (math.isfinite(r) and abs(r) <= 1e3):
            return None
        ok = r == 0.0 if m == 0 else abs(r - m) <= 1e-13 * abs(m)
    return (r, m) if ok else None


def _nodes(k: int):
    # Any earlier node, or one of the last two: that builds depth as well as sharing.
    return st.one_of(st.integers(0, k - 1), st.integers(max(0, k - 2), k - 1))


def _node_arg(draw, k: int) -> int:
    return draw(_nodes(k))


def _any_arg(draw, k: int):
    return draw(st.one_of(_nodes(k), st.sampled_from(NUMBERS).map(Num)))


def _draw_step(draw, k: int) -> tuple[str, tuple]:
    op = draw(st.sampled_from((*UNARY, *BINARY, "wsum", "sum")))
    if op in UNARY:
        return op, (_node_arg(draw, k),)
    if op == "wsum":
        n = draw(st.integers(1, 3))
        ws = tuple(_node_arg(draw, k) for _ in range(n))
        xs = tuple(_any_arg(draw, k) for _ in range(n))
        b = draw(st.one_of(st.none(), _nodes(k)))
        return op, (ws, xs, b)
    if op == "sum":
        n = draw(st.integers(0, 3))
        return op, (_node_arg(draw, k), *(_any_arg(draw, k) for _ in range(n)))
    side = draw(st.sampled_from(("node op node", "number op node", "node op number")))
    a, b = _node_arg(draw, k), _node_arg(draw, k)
    if side == "number op node":
        a = Num(draw(st.sampled_from(POW_BASES if op == "**" else NUMBERS)))
    elif side == "node op number":
        b = Num(draw(st.sampled_from(EXPONENTS if op == "**" else NUMBERS)))
    return op, (a, b)


def uses(args) -> list[int]:
    """The earlier nodes a step's arguments name (ints; numbers are Num, sums nest tuples)."""
    out = []
    for a in args:
        if isinstance(a, tuple):
            out += uses(a)
        elif isinstance(a, int):
            out.append(a)
    return out


LEAVES = st.one_of(
    st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False),
    st.sampled_from((0.0, 1.0, -1.0, 0.5, 2.0)),
)


@st.composite
def programs(draw, max_steps: int = 10) -> Program:
    leaves = draw(st.lists(LEAVES, min_size=1, max_size=4))
    fl = list(leaves)
    mv = [mpmath.mpf(x) for x in leaves]
    steps: list[tuple[str, tuple]] = []
    wanted = draw(st.integers(1, max_steps))
    for _ in range(3 * wanted):
        if len(steps) == wanted:
            break
        op, args = _draw_step(draw, len(fl))
        values = _well_conditioned(op, args, fl, mv)
        if values is not None:
            steps.append((op, args))
            fl.append(values[0])
            mv.append(values[1])
    assume(steps)
    # The root sums every node nothing else uses, so the whole DAG reaches it.
    used = {i for _, args in steps for i in uses(args)}
    sinks = tuple(i for i in range(len(leaves), len(fl)) if i not in used)
    if len(sinks) > 1 and _well_conditioned("sum", sinks, fl, mv) is not None:
        steps.append(("sum", sinks))
    return Program(tuple(leaves), tuple(steps))


def root_graph(prog: Program) -> Program:
    """The program with every step its root does not use replaced by a harmless -x0: the
    interpreter runs every step of a program (one off the root's graph may raise, a log of
    0 say), the compiled graph holds only the root's."""
    n = len(prog.leaves)
    used = {n + len(prog.steps) - 1}
    for k in reversed(range(len(prog.steps))):
        if n + k in used:
            used.update(uses(prog.steps[k][1]))
    return Program(
        prog.leaves,
        tuple(step if n + k in used else ("neg", (0,)) for k, step in enumerate(prog.steps)),
    )


# ------------------------------------------------------------------ stepping recipes

RECIPE_OPS = ("+", "-", "*", "sigmoid", "tanh", "*c", "**2", "relu")
recipes = st.tuples(
    st.lists(st.floats(-2, 2, allow_nan=False), min_size=1, max_size=4),
    st.lists(
        st.tuples(
            st.sampled_from(RECIPE_OPS),
            st.integers(0, 10**6),
            st.integers(0, 10**6),
            st.floats(-2, 2, allow_nan=False),
        ),
        min_size=1,
        max_size=25,
    ),
)


def build(recipe):
    """The recipe's graph: every node, leaves first, root last."""
    leaves, ops = recipe
    nodes = [Value(x, f"x{i}") for i, x in enumerate(leaves)]
    for op, i, j, c in ops:
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        if op == "+":
            out = a + b
        elif op == "-":
            out = a - b
        elif op == "*":
            out = a * b
        elif op == "*c":
            out = c * a
        elif op == "**2":
            out = a**2
        else:
            out = getattr(a, op)()
        nodes.append(out)
    return nodes


# ------------------------------------------------------------------ network programs


ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
NUMBER = st.floats(-1.5, 1.5, allow_nan=False).map(lambda v: round(v, 3))


@dataclass(frozen=True)
class NetProgram:
    d: int  # every layer maps d activations to d
    layers: tuple[tuple[str, bool, bool], ...]  # (activation, bias, fused) per layer
    weights: tuple[float, ...]  # the starting data of every slot, layer by layer
    extra: tuple[float, ...]  # free leaves s_i that computed weights are made from
    x: tuple[float, ...]
    steps: tuple[tuple, ...]
    repeat: bool  # backpropagate the first root twice

    def slots(self):
        """(layer, unit, k) of every slot; k == d is the bias."""
        for li, (_, bias, _) in enumerate(self.layers):
            for j in range(self.d):
                for k in range(self.d + bias):
                    yield li, j, k


@st.composite
def net_programs(draw) -> NetProgram:
    d = draw(st.integers(1, 3))
    layers = tuple(
        (draw(st.sampled_from(ACTIVATIONS)), draw(st.booleans()), draw(st.booleans()))
        for _ in range(draw(st.integers(1, 3)))
    )
    n_slots = sum(d * (d + bias) for _, bias, _ in layers)
    weights = tuple(draw(st.lists(NUMBER, min_size=n_slots, max_size=n_slots)))
    extra = tuple(draw(st.lists(NUMBER, min_size=1, max_size=2)))
    x = tuple(draw(st.lists(NUMBER, min_size=d, max_size=d)))
    prog = NetProgram(d, layers, weights, extra, x, (), False)
    slots = list(prog.slots())
    slot = st.sampled_from(slots)
    step = st.one_of(
        st.tuples(st.just("apply"), st.integers(0, len(layers) - 1)),
        st.tuples(st.just("tie"), slot, slot),
        st.tuples(st.just("derive"), slot, st.integers(0, len(extra) - 1), NUMBER),
        st.tuples(
            st.just("derive layer"),
            st.integers(0, len(layers) - 1),
            st.integers(0, len(extra) - 1),
            NUMBER,
        ),
        st.tuples(st.just("replace"), slot, NUMBER),
        st.tuples(st.just("mix"), NUMBER, NUMBER),
    )
    steps = [("apply", draw(st.integers(0, len(layers) - 1)))]
    steps += draw(st.lists(step, max_size=7))
    steps.append(("apply", draw(st.integers(0, len(layers) - 1))))
    return NetProgram(d, layers, weights, extra, x, tuple(steps), draw(st.booleans()))


# ------------------------------------------------------------------ training runs

FUZZ = int(os.environ.get("MICROGRAD_CBOOK_FUZZ", "1"))  # how many times the default examples


def fuzz_examples(n: int) -> int:
    """A fuzz's number of examples: ``n`` by default, times MICROGRAD_CBOOK_FUZZ if it is set."""
    return n * FUZZ


LOSS_NAMES = ("quadratic", "mse", "hinge", "cross_entropy", "bce")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "adam+decay", "amsgrad", "adamw")
FIT_ACTIVATIONS = ("sigmoid", "tanh", "relu", "softplus", "linear")


@dataclass(frozen=True)
class FitRun:
    """One call of fit: its data, network, loss, optimiser, batches and epochs."""

    loss: str
    sizes: tuple[int, ...]  # nin, the hidden sizes, the outputs
    activation: str
    output_activation: str
    seed: int
    X: tuple[tuple[float, ...], ...]
    y: tuple
    optimizer: str
    lr: float
    batch_size: int | None
    epochs: int

    def model(self) -> nn.MLP:
        nin, *nouts = self.sizes
        return nn.MLP(nin, nouts, activation=self.activation,
                      output_activation=self.output_activation, seed=self.seed)  # fmt: skip

    def make_optimizer(self, params: list) -> SGD | Adam:
        lr, kind = self.lr, self.optimizer
        if kind.startswith("adam"):
            if kind == "adamw":
                return AdamW(params, lr)
            return Adam(params, lr, weight_decay=0.01 * (kind == "adam+decay"),
                        amsgrad=kind == "amsgrad")  # fmt: skip
        momentum = 0.0 if kind == "sgd" else 0.9
        return SGD(params, lr, momentum=momentum, weight_decay=0.01, nesterov=kind == "nesterov")


@st.composite
def fit_runs(draw) -> FitRun:
    loss = draw(st.sampled_from(LOSS_NAMES))
    nin = draw(st.integers(1, 3))
    n = draw(st.integers(1, 10))
    value = st.floats(-2.0, 2.0, allow_nan=False).map(lambda v: round(v, 3))
    X = tuple(tuple(draw(st.lists(value, min_size=nin, max_size=nin))) for _ in range(n))
    if loss == "cross_entropy":
        nout = draw(st.integers(2, 4))
        y = tuple(draw(st.lists(st.integers(0, nout - 1), min_size=n, max_size=n)))
    elif loss in ("hinge", "bce"):
        nout = 1
        labels = (-1, 1) if loss == "hinge" else (0, 1)
        y = tuple(draw(st.lists(st.sampled_from(labels), min_size=n, max_size=n)))
    else:
        nout = draw(st.integers(1, 3))
        target = st.floats(0.0, 1.0).map(lambda v: round(v, 3))
        one = target if nout == 1 else st.lists(target, min_size=nout, max_size=nout).map(tuple)
        y = tuple(draw(st.lists(one, min_size=n, max_size=n)))
    hidden = tuple(draw(st.lists(st.integers(1, 5), max_size=2)))
    return FitRun(
        loss,
        (nin, *hidden, nout),
        draw(st.sampled_from(FIT_ACTIVATIONS)),
        draw(st.sampled_from(("linear", "sigmoid", "tanh"))),
        draw(st.integers(0, 99)),
        X,
        y,
        draw(st.sampled_from(OPTIMIZERS)),
        draw(st.sampled_from((0.01, 0.1, 0.5))),
        draw(st.sampled_from((None, 1, 2, 3, 4))),
        draw(st.integers(1, 3)),
    )
