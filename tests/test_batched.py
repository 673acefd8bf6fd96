"""Every row at once (micrograd_cbook.speed.batched) against its oracle, the interpreter row by row.

``f.many(rows)`` over enough rows runs each operation once for all rows with NumPy; it must
give what building the graph once per row and calling backward() gives: the total (added
from -0.0, row after row) and every non-input leaf's grad, bit for bit (compared by repr:
nan and the sign of zero included), or an error with every grad left as it was.
"""

from __future__ import annotations

import math
import random
import subprocess
import sys
import warnings
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import ENGINE, SETTINGS, programs, root_graph, run

from micrograd_cbook import (
    Constant,
    Value,
    compile,
    losses,
    nn,
    sum_values,
    topological_order,
    weighted_sum,
)
from micrograd_cbook.speed import batched, cost, layers, reduce, writer

pytestmark = pytest.mark.skipif(not batched.available(), reason="NumPy is not installed")

ROWS = st.integers(batched.MIN_ROWS, 24)


def backprop_each(cost, rows, leaves, start):
    """The oracle: ``cost(row)`` built and backpropagated row by row, the ``leaves``' grads
    starting at ``start``: repr of (the total, added from -0.0, and their grads), or "error"."""
    for leaf, g in zip(leaves, start):
        leaf.grad = g
    total = -0.0
    try:
        for row in rows:
            C = cost(row)
            C.backward()
            total += C.data
    except (ArithmeticError, ValueError):
        return "error"
    return repr((total, [leaf.grad for leaf in leaves]))


def many_at_once(f, rows, leaves, start):
    """``f.many(rows)`` with the ``leaves``' grads starting at ``start``: repr of (the total,
    their grads), or "error", where every grad must be left as it was."""
    for leaf, g in zip(leaves, start):
        leaf.grad = g
    try:
        return repr((f.many(rows), [leaf.grad for leaf in leaves]))
    except (ArithmeticError, ValueError):
        assert repr([leaf.grad for leaf in leaves]) == repr(start)  # nothing written
        return "error"


def interpret_rows(prog, chosen, rows, params, start):
    """The program's graph built once per row (the ``chosen`` leaves from the row, the others
    shared), as backprop_each gives it (an input's grad stays at its start)."""
    shared = [Value(v, f"x{i}") for i, v in enumerate(params)]

    def cost(row):
        values = iter(row)
        return run(
            prog,
            [Value(next(values)) if i in chosen else leaf for i, leaf in enumerate(shared)],
            ENGINE,
        )[-1]

    return backprop_each(cost, rows, shared, start)


def compiled_rows(prog, chosen, rows, params, start, use_batch=True):
    """The graph compiled once (at the program's own values) and ``many(rows)``: as above."""
    leaves = [Value(v, f"x{i}") for i, v in enumerate(prog.leaves)]
    root = run(prog, leaves, ENGINE)[-1]
    f = compile(root, inputs=[leaves[i] for i in sorted(chosen)], batched=use_batch)
    if f.batched is not None:
        f.batched.min_rows = batched.MIN_ROWS  # however small the graph
    for leaf, v in zip(leaves, params):
        leaf.data = v
    return many_at_once(f, rows, leaves, start), f


@settings(max_examples=250, **SETTINGS)
@given(programs(), ROWS, st.data())
def test_many_rows_of_a_random_graph_at_once_give_the_interpreters_floats(prog, nrows, data):
    prog = root_graph(prog)
    n = len(prog.leaves)
    in_graph = sorted(i for i, held in enumerate(root_leaves(prog)) if held)
    chosen = data.draw(st.sets(st.sampled_from(in_graph)), label="inputs")
    pick = st.sampled_from

    def value(v):
        return pick([v, -v, 0.5 * v + 0.25, 2.0, 0.0, -0.0, math.inf])

    rows = [
        [data.draw(value(prog.leaves[i]), label=f"row {r} x{i}") for i in sorted(chosen)]
        for r in range(nrows)
    ]
    params = [data.draw(pick([v, -v, 1.5]), label=f"x{i}") for i, v in enumerate(prog.leaves)]
    start = data.draw(st.lists(pick([0.0, -0.0, 1.5, -2.0]), min_size=n, max_size=n), label="grads")
    for i in chosen:
        start[i] = 0.0  # an input's grad is not compared
    got, f = compiled_rows(prog, chosen, rows, params, start)
    want = interpret_rows(prog, chosen, rows, params, start)
    assert got == want, f.source
    assert f.batched is not None
    plain, _ = compiled_rows(prog, chosen, rows, params, start, use_batch=False)
    assert plain == got


def root_leaves(prog) -> list[bool]:
    """Which leaves of the program the root's graph holds."""
    leaves = [Value(v) for v in prog.leaves]
    in_graph = set(topological_order(run(prog, leaves, ENGINE)[-1]))
    return [leaf in in_graph for leaf in leaves]


# ------------------------------------------------------------------ networks


def loss_of(kind, outs, y):
    if kind == "hinge":
        return (1 - y[0] * outs[0]).relu() * 0.25
    if kind == "quadratic":
        return losses.quadratic_cost(outs, y)
    if kind == "log_sum_exp":  # cross-entropy without a shift (a static graph): exp and log
        return sum_values([o.exp() for o in outs]).log() - weighted_sum(outs, y)
    return (outs[0] - y[0]) ** 2 + abs(outs[-1])


def tie(model, rng):
    """Some weights shared by other neurons, or used twice by one; one computed from a weight."""
    neurons = [n for layer in model.layers for n in layer.neurons]
    for _ in range(rng.randint(1, 3)):
        a, b = rng.choice(neurons), rng.choice(neurons)
        if len(a.w) == len(b.w):
            b.w[rng.randrange(len(b.w))] = a.w[rng.randrange(len(a.w))]
    n = rng.choice(neurons)
    n.w[0] = n.w[-1] * 0.5


def weights(model) -> list[Value]:
    """The leaves the model's weights and biases are (or are computed from), each once."""
    found: dict[Value, None] = {}
    for layer in model.layers:
        for n in layer.neurons:
            for v in (*n.w, n.b):
                found.update((leaf, None) for leaf in topological_order(v) if not leaf.children)
    return [leaf for leaf in found if type(leaf) is not Constant]


@settings(max_examples=60, **SETTINGS)
@given(
    st.integers(1, 3),
    st.lists(st.integers(1, 5), min_size=1, max_size=3),
    st.sampled_from(["relu", "sigmoid", "tanh"]),
    st.booleans(),
    st.sampled_from(["hinge", "quadratic", "log_sum_exp", "mixed"]),
    st.booleans(),
    ROWS,
    st.integers(0, 10**6),
    st.sampled_from([1, 5, layers.BLOCK_FLOATS]),
)
def test_a_networks_loss_over_many_rows_at_once_gives_the_interpreters_floats(
    nin, widths, act, fused, kind, tied, nrows, seed, block
):
    rng = random.Random(seed)
    nouts = widths[-1] if kind in ("quadratic", "log_sum_exp") else 1  # targets used

    def build():
        model = nn.MLP(nin, widths, activation=act, seed=seed % 1000, fused=fused)
        if tied:
            tie(model, random.Random(seed))
        return model

    def cost(model, x, y):
        out = model(x)
        return loss_of(kind, out if isinstance(out, list) else [out], y)

    special = [0.0, -0.0, 1e300, -1e-300, math.inf, math.nan]
    rows = [
        [rng.choice(special) if rng.random() < 0.1 else rng.uniform(-3, 3) for _ in range(nin)]
        for _ in range(nrows)
    ]
    targets = [[float(rng.randrange(2)) for _ in range(nouts)] for _ in range(nrows)]
    if kind == "log_sum_exp":
        targets = [
            [float(k == t) for k in range(nouts)]
            for t in (rng.randrange(nouts) for _ in range(nrows))
        ]
    model = build()
    xs = [Value(0.0, f"x[{k}]") for k in range(nin)]
    ys = [Value(0.0, f"y[{k}]") for k in range(nouts)]
    f = compile(cost(model, xs, ys), inputs=[*xs, *ys])
    f.batched.min_rows = batched.MIN_ROWS
    start = [rng.choice([0.0, -0.0, 0.5]) for _ in weights(model)]
    with mock.patch.object(layers, "BLOCK_FLOATS", block):  # a layer's sums in blocks of rows
        got = many_at_once(f, [[*x, *y] for x, y in zip(rows, targets)], weights(model), start)
    twin = build()
    want = backprop_each(lambda xy: cost(twin, *xy), list(zip(rows, targets)), weights(twin), start)
    assert got == want
    assert f.batched.used == (want != "error")


def demo_graph(width=16, tied=False):
    model = nn.MLP(2, [width, width, 1], activation="relu", output_activation="linear", seed=3)
    if tied:  # a weight of layer 2 shared by two of its neurons
        model.layers[1].neurons[0].w[0] = model.layers[1].neurons[1].w[0]
    x0, x1, y = Value(0.0, "x[0]"), Value(0.0, "x[1]"), Value(0.0, "y")
    return model, (1 - y * model([x0, x1])).relu() * 0.01, [x0, x1, y]


def demo_rows(n=100, seed=0):
    rng = random.Random(seed)
    return [(rng.uniform(-1, 2), rng.uniform(-1, 1), rng.choice([-1.0, 1.0])) for _ in range(n)]


def test_a_layer_of_neurons_is_one_pack_and_the_demo_runs_at_once():
    model, C, inputs = demo_graph()
    f = compile(C, inputs)
    # three layers' sums and two relus, then 1 - y·score, its relu and the 1/n
    assert f.batched.packs <= 10
    total = f.many(demo_rows())
    assert f.batched.used
    grads = [p.grad for p in model.parameters()]
    model.zero_grad()
    plain = compile(C, inputs, batched=False)
    assert plain.batched is None
    assert repr((plain.many(demo_rows()), [p.grad for p in model.parameters()])) == repr(
        (total, grads)
    )


def test_rows_in_chunks_give_the_same_floats(monkeypatch):
    model, C, inputs = demo_graph(4)
    f = compile(C, inputs)
    f.batched.min_rows = batched.MIN_ROWS
    whole = repr((f.many(demo_rows(50)), [p.grad for p in model.parameters()]))
    assert f.batched.used
    model.zero_grad()
    monkeypatch.setattr(batched, "CHUNK_FLOATS", 1)  # chunks of MIN_ROWS rows
    assert repr((f.many(demo_rows(50)), [p.grad for p in model.parameters()])) == whole


def test_the_cost_model_runs_a_batch_at_once_where_that_is_faster():
    # The demo network: its 338 leaves and 9 packs cost less than ~20 rows of straight-line
    # code. The chapter's 3-4-1 network: a few dozen edges a row, at once only from hundreds.
    _, C, inputs = demo_graph()
    assert batched.MIN_ROWS <= compile(C, inputs).batched.min_rows <= 32
    net = nn.chapter_network()
    x, y = [Value(0.0), Value(0.0), Value(0.0)], [Value(0.0)]
    tiny = compile(losses.quadratic_cost([net(x)], [y]), inputs=[*x, *y])
    assert tiny.batched.min_rows >= 100


def test_one_call_of_a_graph_of_many_leaves_runs_at_once_with_the_interpreters_floats():
    # An L2 term 1e-4·Σp² of a wide network: one call, no inputs, thousands of leaves. Its
    # lines cost more than its arrays, so even f([]) runs at once; a narrow network's stays
    # straight-line code.
    def l2(width):
        model = nn.MLP(2, [width, width, 1], seed=5)
        params = model.parameters()
        return params, 1e-4 * sum_values(p * p for p in params)

    params, C = l2(16)
    assert compile(C, []).batched.min_rows > 1
    params, C = l2(48)
    f = compile(C, [])
    assert f.batched.min_rows == 1
    start = [0.25 * i for i in range(len(params))]
    for p, g in zip(params, start):
        p.grad = g
    total = f([])
    assert f.batched.used
    got = repr((total, [p.grad for p in params]))
    for p, g in zip(params, start):
        p.grad = g
    C.backward()
    assert got == repr((C.data, [p.grad for p in params]))


def test_a_graph_the_plan_runs_is_never_named_until_its_code_is_asked_for():
    # Naming 100,000 values takes a second; the plan needs none of the names.
    model = nn.MLP(2, [48, 48, 1], seed=5)
    C = 1e-4 * sum_values(p * p for p in model.parameters())
    with mock.patch.object(writer.Writer, "_name", side_effect=AssertionError("named")):
        f = compile(C, [])
        total = f([])
    assert f.batched.used and total == C.data
    assert "def _many(" in f.source and "droot_d" in f.source  # named now


def test_a_long_chain_called_on_one_row_is_not_planned_for():
    # Planning costs about what compiling does; a chain of 2,000 steps would need hundreds of
    # rows to repay it (a pack per level), so one row never plans it, and is still right.
    x = Value(1.0, "x")
    y = x
    for _ in range(2000):
        y = y * 1.0001 + 0.0
    f = compile(y, [x])
    assert cost.fewest_rows(topological_order(y)) > 100
    with mock.patch.object(batched.RowsAtOnce, "__init__", side_effect=AssertionError("planned")):
        assert f([1.0]) == y.data
    assert f.batched.min_rows > 100  # (planned here, on asking): the plan agrees


def test_a_graph_wired_at_random_packs_by_layer_and_one_call_runs_at_once():
    # Each node of a layer takes its children from anywhere in the layer below, and c ** p
    # splits by its exponent: the lanes of a pack gather their children from several packs,
    # so each layer is five packs (*, **2, **3, +, σ), not a pack per node or so (5,843 for
    # this graph before). One call of so wide a graph then runs at once, bit for bit.
    rng = random.Random(4)
    leaves = [Value(rng.uniform(-1, 1)) for _ in range(1000)]
    layer = leaves
    for _ in range(4):
        picks = [rng.sample(layer, 3) for _ in layer]
        layer = [(a * b + c ** rng.choice((2, 3))).sigmoid() for a, b, c in picks]
    root = sum_values(layer)
    f = compile(root, [])
    assert f.batched.packs == 5 * 4 + 1
    assert f.batched.min_rows == 1
    assert repr(f([])) == repr(root.data) and f.batched.used
    got = [leaf.grad for leaf in leaves]
    for leaf in leaves:
        leaf.grad = 0.0
    root.backward()
    assert got == [leaf.grad for leaf in leaves]


def test_planning_for_one_row_stops_early_where_the_graph_hardly_packs():
    # Powers of as many exponents as nodes: a pack per power. Planning for one row stops as
    # soon as its packs cost more than that row's straight-line code; the value is the
    # engine's, and a plan asked for is made in full.
    rng = random.Random(4)
    layer = [Value(rng.uniform(-1, 1)) for _ in range(520)]  # wide: one row might pay
    for _ in range(3):
        picks = [rng.sample(layer, 3) for _ in layer]
        layer = [(a * b + abs(c) ** rng.uniform(2.0, 3.0)).sigmoid() for a, b, c in picks]
    root = sum_values(layer)
    f = compile(root, [])
    outcomes = []
    init = batched.RowsAtOnce.__init__

    def spy(self, *args, **kwargs):
        try:
            init(self, *args, **kwargs)
        except batched.Unprofitable:
            outcomes.append("stopped")
            raise
        outcomes.append("planned")

    with mock.patch.object(batched.RowsAtOnce, "__init__", spy):
        assert repr(f([])) == repr(root.data)
        assert outcomes == ["stopped"]
        assert f.batched.min_rows > 1 and outcomes == ["stopped", "planned"]


def test_few_rows_and_numbers_that_are_not_floats_run_the_straight_line_code():
    model, C, inputs = demo_graph()
    f = compile(C, inputs)
    f.many(demo_rows(f.batched.min_rows - 1))
    assert not f.batched.used
    f.many(demo_rows(f.batched.min_rows))
    assert f.batched.used
    p = model.parameters()[0]
    p.data = 1  # an int, as a user may set it: Python's arithmetic, row by row
    f.many(demo_rows(20))
    assert not f.batched.used


def test_a_row_that_raises_is_the_straight_line_codes_error_and_writes_nothing():
    w, x = Value(0.5, "w"), Value(1.0, "x")
    f = compile((w * x).log() + w, inputs=[x])
    f.batched.min_rows = batched.MIN_ROWS
    rows = [[1.0 + k] for k in range(12)]
    rows[7] = [-2.0]  # ln of -1
    w.grad = 3.0
    with pytest.raises(ValueError, match=r"log is defined only for x > 0, got x = -1\.0"):
        f.many(rows)
    assert w.grad == 3.0 and not f.batched.used
    rows[7] = [0.0]
    with pytest.raises(ValueError, match=r"got x = 0\.0"):
        f.many(rows)
    g = compile((w * x).exp() / x, inputs=[x])
    g.batched.min_rows = batched.MIN_ROWS
    with pytest.raises(OverflowError, match="too large"):
        g.many([[1.0]] * 9 + [[2000.0]])
    with pytest.raises(ZeroDivisionError):
        g.many([[1.0]] * 9 + [[0.0]])
    assert w.grad == 3.0


def test_a_fault_of_the_plan_is_reported_and_the_straight_line_code_runs_the_batch(monkeypatch):
    # A NumPy error inside the plan (here a broadcast error, as a shape bug would raise) is
    # no row's error: it used to fall back in silence, hiding the bug. Now it warns.
    model, C, inputs = demo_graph(4)
    plain = compile(C, inputs, batched=False)
    want = repr((plain.many(demo_rows(30)), [p.grad for p in model.parameters()]))
    model.zero_grad()
    f = compile(C, inputs)
    f.batched.min_rows = batched.MIN_ROWS

    def broken(*args, **kwargs):
        raise ValueError("operands could not be broadcast together with shapes (4,3) (3,4)")

    monkeypatch.setattr(batched, "outer_sum", broken)
    with pytest.warns(batched.PlanFailed, match=r"ValueError: operands could not be broadcast"):
        total = f.many(demo_rows(30))
    assert not f.batched.used and f.batched.failed
    assert repr((total, [p.grad for p in model.parameters()])) == want
    # A plan that failed is not tried again: the next calls run the straight-line code alone.
    model.zero_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert repr((f.many(demo_rows(30)), [p.grad for p in model.parameters()])) == want


def test_many_at_once_records_the_values_asked_for_row_by_row():
    _, C, inputs = demo_graph(3)
    score = C.children[0].children[0].children[1].children[1]  # 1 - y·score: the score
    f = compile(C, inputs, record=[score, inputs[2]])
    f.batched.min_rows = batched.MIN_ROWS
    seen: list = []
    f.many(demo_rows(12), seen)
    assert f.batched.used
    plain = compile(C, inputs, record=[score, inputs[2]], batched=False)
    expected: list = []
    plain.many(demo_rows(12), expected)
    assert seen == expected and len(seen) == 12 and seen[0][1] == demo_rows(12)[0][2]


def test_without_numpy_many_runs_the_straight_line_code(monkeypatch):
    _, C, inputs = demo_graph(3)
    at_once = compile(C, inputs).many(demo_rows(20))
    monkeypatch.setattr(batched, "np", None)
    monkeypatch.setitem(sys.modules, "numpy", None)  # import numpy: ImportError
    f = compile(C, inputs)
    assert f.batched is None and not batched.available()
    assert f.many(demo_rows(20)) == at_once


# ------------------------------------------------------------------ random layered graphs

LAYER_OPS = [
    "+",
    "-",
    "*",
    "neg",
    "relu",
    "abs",
    "tanh",
    "sigmoid",
    "exp",
    "wsum",
    "wsum+b",
    "sum",
    "pow2",
    "div",
]


@st.composite
def layered(draw):
    """Leaves (parameters, inputs), then layers of nodes, each of an op drawn from a few per
    layer (so that a layer's nodes form packs) and children drawn anywhere below it: lanes
    that share a child, take their children in any order, or use one child twice."""
    n_params, n_inputs = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    below = list(range(n_params + n_inputs))
    layers = []
    for _ in range(draw(st.integers(1, 3))):
        ops = draw(st.lists(st.sampled_from(LAYER_OPS), min_size=1, max_size=2))
        layer = []
        for _ in range(draw(st.integers(1, 6))):
            op = draw(st.sampled_from(ops))
            arity = {"+": 2, "-": 2, "*": 2, "div": 2, "wsum": 4, "wsum+b": 5, "sum": 3}.get(op, 1)
            layer.append((op, tuple(draw(st.sampled_from(below)) for _ in range(arity))))
        below = below + list(range(len(below), len(below) + len(layer)))
        layers.append(layer)
    return n_params, n_inputs, layers


def build_layered(spec, leaves):
    """The graph of ``spec`` over these leaf Values; its root sums every node nothing else
    uses, so that the whole graph reaches it (the interpreter builds every node)."""
    _, _, layers = spec
    nodes = list(leaves)
    used = {k for layer in layers for _, kids in layer for k in kids}
    for layer in layers:
        made = []
        for op, kids in layer:
            a = [nodes[k] for k in kids]
            if op in ("+", "-", "*"):
                v = {"+": a[0] + a[1], "-": a[0] - a[1], "*": a[0] * a[1]}[op]
            elif op == "div":
                v = a[0] / a[1]
            elif op == "neg":
                v = -a[0]
            elif op == "abs":
                v = abs(a[0])
            elif op == "pow2":
                v = a[0] ** 2
            elif op in ("relu", "tanh", "sigmoid", "exp"):
                v = getattr(a[0], op)()
            elif op == "wsum":
                v = weighted_sum(a[:2], a[2:])
            elif op == "wsum+b":
                v = weighted_sum(a[:2], a[2:4], a[4])
            else:
                v = sum_values(a)
            made.append(v)
        nodes += made
    return sum_values([v for k, v in enumerate(nodes) if k >= len(leaves) and k not in used])


@settings(max_examples=300, **SETTINGS)
@given(layered(), ROWS, st.data())
def test_random_layered_graphs_packed_into_lanes_give_the_interpreters_floats(spec, nrows, data):
    n_params, n_inputs, _ = spec
    value = st.sampled_from([0.5, -1.25, 2.0, 0.0, -0.0, 3.0, -0.75])
    params = [data.draw(value, label=f"p{i}") for i in range(n_params)]
    start = [data.draw(st.sampled_from([0.0, -0.0, 1.0]), label=f"g{i}") for i in range(n_params)]
    rows = [[data.draw(value, label=f"row {r}") for _ in range(n_inputs)] for r in range(nrows)]
    ps = [Value(v, f"p{i}") for i, v in enumerate(params)]
    xs = [Value(1.0, f"x{i}") for i in range(n_inputs)]
    try:
        root = build_layered(spec, ps + xs)
    except (ArithmeticError, ValueError):
        return  # no graph to compile at x = 1
    held = set(topological_order(root))
    inputs = [x for x in xs if x in held]
    f = compile(root, inputs=inputs)
    f.batched.min_rows = batched.MIN_ROWS
    keep = [i for i, x in enumerate(xs) if x in held]
    got = many_at_once(f, [[row[i] for i in keep] for row in rows], ps, start)
    twins = [Value(v) for v in params]
    want = backprop_each(
        lambda row: build_layered(spec, twins + [Value(v) for v in row]), rows, twins, start
    )
    assert got == want
    assert f.batched.used == (want != "error")


def test_a_layer_whose_inputs_are_lanes_of_a_pack_in_another_order_is_planned():
    # Found by the test above: a layer's inputs picked from a pack as an index array (not a
    # slice) were compared with a slice, which NumPy refuses ("truth value ... ambiguous").
    spec = (1, 1, [[("+", (0, 0))], [("+", (0, 0))],
                   [("wsum+b", (0, 0, 0, 0, 3)), ("wsum+b", (0, 0, 2, 3, 0))]])  # fmt: skip
    p, q = Value(0.5, "p0"), Value(1.0, "p1")
    root = build_layered(spec, [p, q])
    f = compile(root, [])
    f.batched.min_rows = batched.MIN_ROWS
    assert repr(f([])) == repr(root.data) and f.batched.used
    got = [p.grad, q.grad]
    p.grad = q.grad = 0.0
    root.backward()
    assert got == [p.grad, q.grad]


def test_importing_the_package_does_not_import_numpy():
    code = "import sys, micrograd_cbook; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------- the sums in order (reduce.py)

FLOATS = st.sampled_from([1e16, -1e16, 1.0, -1.0, 3e-17, 0.1, -0.0, 0.0, math.inf, -math.inf, 2.5])


def loop_sum(a):
    s = a[0].copy()
    for k in range(1, a.shape[0]):
        s += a[k]
    return s


def test_numpys_add_reduce_over_an_outer_axis_adds_in_order():
    import numpy as np

    assert reduce.reduce_in_order()  # else ordered_sum falls back to add.accumulate
    column = [1e16] + [1.0] * 20 + [-1e16]  # in order each 1.0 is lost; pairwise keeps them
    a = np.array([column, column[::-1]]).T.copy()  # (22, 2), C order: axis 0 the outer one
    assert repr(np.add.reduce(a, axis=0).tolist()) == repr(loop_sum(a).tolist()) == "[0.0, 0.0]"
    assert np.add.reduce(np.array(column)) == 16.0  # the contiguous axis: pairwise


@settings(max_examples=200, **SETTINGS)
@given(st.integers(1, 40), st.integers(1, 3), st.integers(1, 3), st.booleans(), st.data())
def test_ordered_sum_adds_as_a_loop_in_every_layout(k, m, n, fortran, data):
    import numpy as np

    values = data.draw(st.lists(FLOATS, min_size=k * m * n, max_size=k * m * n))
    a = np.array(values).reshape(k, m, n)
    if fortran:
        a = np.asfortranarray(a)
    with np.errstate(invalid="ignore"):  # inf - inf is nan, in both
        assert repr(reduce.ordered_sum(a).tolist()) == repr(loop_sum(a).tolist())


def count_sums(monkeypatch, width, nrows):
    calls = []
    real = batched.ordered_sum
    for module in (batched, layers):
        monkeypatch.setattr(
            module, "ordered_sum", lambda a, axis=0: calls.append(a.shape) or real(a, axis)
        )
    _, C, inputs = demo_graph(width)
    f = compile(C, inputs)
    f.batched.min_rows = batched.MIN_ROWS
    f.many(demo_rows(nrows))
    assert f.batched.used
    return len(calls), f.batched.packs


def test_the_numpy_calls_per_layer_do_not_grow_with_width_or_rows(monkeypatch):
    small = count_sums(monkeypatch, 4, 10)
    assert small[0] > 0
    assert count_sums(monkeypatch, 24, 10) == small
    assert count_sums(monkeypatch, 4, 90) == small


def test_a_layer_that_is_its_weights_and_inputs_only_user_adds_their_grads_itself():
    _, C, inputs = demo_graph(8)
    f = compile(C, inputs)
    # layers 1-3's weights, layer 2's and 3's inputs (layer 1's are leaves, the x's)
    assert f.batched.fused == 5
    tied = compile(*demo_graph(8, tied=True)[1:])
    assert tied.batched.fused == 4  # layer 2's weights have edge columns again
    assert tied.batched.edge_rows > f.batched.edge_rows


@settings(max_examples=200, **SETTINGS)
@given(
    st.integers(1, 9),
    st.integers(1, 4),
    st.integers(1, 4),
    st.booleans(),
    st.integers(1, 40),
    st.data(),
)
def test_outer_sum_adds_the_products_in_order_block_after_block(n, a, b, start, block, data):
    import numpy as np

    def draw(*shape):
        size = math.prod(shape)
        return np.array(data.draw(st.lists(FLOATS, min_size=size, max_size=size))).reshape(shape)

    u, v = draw(n, a), draw(n, b)
    s = draw(a, b) if start else None
    with np.errstate(invalid="ignore"):  # inf · 0 and inf - inf are nan, in both
        want = s.copy() if start else u[0][:, None] * v[0][None, :]
        for i in range(0 if start else 1, n):
            want += u[i][:, None] * v[i][None, :]
        with mock.patch.object(layers, "BLOCK_FLOATS", block):
            got = layers.outer_sum(u, v, s)
    assert repr(got.tolist()) == repr(want.tolist())
