"""Random networks with shared nodes, checked leaf by leaf against oracles independent of ours.

Each example is a small program over layers of one width d: apply a layer to the current
activations (the same layer again and again: recurrent use), tie a weight slot to another
slot's Value, make a weight (or all of a layer's) a computed Value (an interior node,
``s * c``), replace a weight by a new leaf between calls, or mix two activations through a
node made by hand. Two roots are backpropagated (one inside the other's graph), the first
maybe twice.

The engine runs the program through ``nn``; the oracles run the same program written out as
z = w·a + b and a = act(z): PyTorch float64 (autograd) and mpmath at 50 digits (central
differences). Nothing of the engine is used by them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mpmath
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from micrograd_cbook import Value, nn, sum_values, topological_order

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
NUMBER = st.floats(-1.5, 1.5, allow_nan=False).map(lambda v: round(v, 3))
SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}


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


# ------------------------------------------------------------------ the engine, through nn


def run_engine(prog: NetProgram):
    """Leaves in creation order, and the leaf grads after the program's backward passes."""
    model = [
        nn.Layer(prog.d, prog.d, act, bias, fused=fused, layer=li + 1)
        for li, (act, bias, fused) in enumerate(prog.layers)
    ]

    def get(li, j, k):
        n = model[li].neurons[j]
        return n.b if k == prog.d else n.w[k]

    def put(li, j, k, v):
        n = model[li].neurons[j]
        if k == prog.d:
            n.b = v
        else:
            n.w[k] = v

    leaves = []
    for where, v in zip(prog.slots(), prog.weights):
        leaf = get(*where)
        leaf.data = v
        leaves.append(leaf)
    extra = [Value(v, f"s{i}") for i, v in enumerate(prog.extra)]
    leaves += extra
    a: list = list(prog.x)
    first = None
    for kind, *args in prog.steps:
        if kind == "apply":
            out = model[args[0]](a)
            a = out if isinstance(out, list) else [out]
            first = a[0] if first is None else first
        elif kind == "tie":
            put(*args[0], get(*args[1]))
        elif kind == "derive":
            put(*args[0], extra[args[1]] * args[2])
        elif kind == "derive layer":  # every weight of a layer computed from one leaf
            for j in range(prog.d):
                for k in range(prog.d):
                    put(args[0], j, k, extra[args[1]] * (args[2] + k - j))
        elif kind == "replace":
            leaf = Value(args[1], "new")
            leaves.append(leaf)
            put(*args[0], leaf)
        elif kind == "mix":
            u, v = a[0], a[-1]
            c1, c2 = args
            a[0] = Value(c1 * u.data + c2 * v.data, "mix", (u, v), (c1, c2), "mix")
    C = sum_values([v * v for v in a])
    kinks = [n.children[0].data for n in topological_order(C) if n.op == "relu"]
    assume(all(abs(z) > 1e-6 for z in kinks))  # away from relu's kink: one derivative there
    C.backward()
    first.backward()
    if prog.repeat:
        C.backward()
    return leaves, [leaf.grad for leaf in leaves], C.data


# ------------------------------------------------------------------ the same program, written out


def run_math(prog: NetProgram, leaf, act):
    """The program with the leaves made by ``leaf(value)`` and activations ``act[name]``:
    returns the leaves (in the engine's order) and the two roots."""
    table = {}
    leaves = []
    for where, v in zip(prog.slots(), prog.weights):
        table[where] = leaf(v)
        leaves.append(table[where])
    extra = [leaf(v) for v in prog.extra]
    leaves += extra
    a = [c for c in prog.x]
    first = None
    for kind, *args in prog.steps:
        if kind == "apply":
            li = args[0]
            name, bias, _ = prog.layers[li]
            out = []
            for j in range(prog.d):
                z = table[li, j, 0] * a[0]
                for k in range(1, prog.d):
                    z = z + table[li, j, k] * a[k]
                if bias:
                    z = z + table[li, j, prog.d]
                out.append(act[name](z))
            a = out
            first = a[0] if first is None else first
        elif kind == "tie":
            table[args[0]] = table[args[1]]
        elif kind == "derive":
            table[args[0]] = extra[args[1]] * args[2]
        elif kind == "derive layer":
            for j in range(prog.d):
                for k in range(prog.d):
                    table[args[0], j, k] = extra[args[1]] * (args[2] + k - j)
        elif kind == "replace":
            table[args[0]] = leaf(args[1])
            leaves.append(table[args[0]])
        elif kind == "mix":
            a[0] = args[0] * a[0] + args[1] * a[-1]
    C = a[0] * a[0]
    for v in a[1:]:
        C = C + v * v
    return leaves, C, first


def mp_act():
    return {
        "sigmoid": lambda z: 1 / (1 + mpmath.exp(-z)),
        "tanh": mpmath.tanh,
        "relu": lambda z: z if z > 0 else mpmath.mpf(0),
        "linear": lambda z: z,
    }


def assert_close(got: list[float], exact: list[float], what: str, prog: NetProgram) -> None:
    scale = 1.0 + max(abs(e) for e in exact)
    for i, (g, e) in enumerate(zip(got, exact)):
        assert abs(g - e) <= 1e-9 * max(abs(e), 1e-3 * scale), (
            f"leaf {i}: engine {g!r}, {what} {e!r}\n{prog}"
        )


@settings(max_examples=150, **SETTINGS)
@given(net_programs())
def test_network_grads_match_fifty_digit_central_differences(prog):
    _, got, cost = run_engine(prog)
    with mpmath.workdps(50):
        at = [mpmath.mpf(v) for v in (*prog.weights, *prog.extra)]
        replaced = [mpmath.mpf(s[2]) for s in prog.steps if s[0] == "replace"]
        values = at + replaced

        def total(i, h):
            it = iter(values[j] + (h if j == i else 0) for j in range(len(values)))
            _, C, first = run_math(prog, lambda _v: next(it), mp_act())
            return (2 if prog.repeat else 1) * C + first

        exact = []
        for i, v in enumerate(values):
            h = mpmath.mpf("1e-20") * max(1, abs(v))
            exact.append(float((total(i, h) - total(i, -h)) / (2 * h)))
        _, C, _ = run_math(prog, mpmath.mpf, mp_act())
        assert math.isclose(cost, float(C), rel_tol=1e-12, abs_tol=1e-12)
    assert_close(got, exact, "central differences", prog)


@settings(max_examples=150, **SETTINGS)
@given(net_programs())
def test_network_grads_match_pytorch_float64(prog):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (CI installs it)")

    def leaf(v):
        return torch.tensor(v, dtype=torch.float64, requires_grad=True)

    act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda z: z}
    _, got, _ = run_engine(prog)
    leaves, C, first = run_math(prog, leaf, act)
    total = (2 if prog.repeat else 1) * C + first
    grads = torch.autograd.grad(total, leaves, allow_unused=True)
    exact = [0.0 if g is None else g.item() for g in grads]
    assert_close(got, exact, "PyTorch", prog)


def test_the_generator_makes_every_kind_of_step_and_reuses_layers():
    kinds, reused = set(), False
    for prog in _examples(300):
        kinds |= {s[0] for s in prog.steps}
        applied = [s[1] for s in prog.steps if s[0] == "apply"]
        reused = reused or len(applied) > len(set(applied))
    assert kinds == {"apply", "tie", "derive", "derive layer", "replace", "mix"}
    assert reused


def _examples(n: int) -> list[NetProgram]:
    found: list[NetProgram] = []

    @settings(max_examples=n, database=None, derandomize=True, **SETTINGS)
    @given(net_programs())
    def collect(prog):
        found.append(prog)

    collect()
    return found
