"""Gradients of gradients: grad, hessian and hvp against PyTorch, sympy and backward().

First order: bit for bit what backward() puts in .grad, every node of random programs over
every operation. Second and third order: random programs against PyTorch's
``create_graph=True`` (float64) and sympy's symbolic derivatives at 30 digits; the Hessian of
the chapter's cost against sympy. grad is a pure function (no .grad changes), 100,000-node
graphs go to the second order without recursion, and a compiled derivative graph gives the
interpreter's floats.
"""

from __future__ import annotations

import inspect
import math
import operator
import sys
import warnings

import pytest
import sympy
from helpers import assert_same_floats
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import ENGINE, SETTINGS, Backend, plain_wsum, programs, root_graph, run
from strategies import sympy_backend as sympy_of

from micrograd_cbook import Value, compile, draw_dot, grad, losses, nn
from micrograd_cbook.datasets import chapter_table
from micrograd_cbook.engine import apply
from micrograd_cbook.higher import derivative_label, hessian, hvp, local_grad_values
from micrograd_cbook.ops import OPERATIONS, Operation
from micrograd_cbook.passes import topological_order
from micrograd_cbook.second_order import explain_second
from micrograd_cbook.stepping import count_paths


def engine_graph(prog):
    """The program's leaves and every node it makes, root last."""
    leaves = [Value(x, f"x{i}") for i, x in enumerate(prog.leaves)]
    return leaves, run(prog, leaves, ENGINE)


def close(ours: float, truth: float, rel: float = 1e-9) -> bool:
    return abs(ours - truth) <= rel * max(1.0, abs(truth))


def derivatives(root: Value, leaves: list[Value], order: int) -> dict[tuple[int, ...], float]:
    """Every derivative of ``root`` of this order by the leaves (index tuples), by grad."""
    level = {(): root}
    for k in range(order):
        last = k == order - 1
        level = {
            (*key, j): d
            for key, g in level.items()
            for j, d in enumerate(grad(g, leaves, create_graph=not last))
        }
    return {key: (d if isinstance(d, float) else d.data) for key, d in level.items()}


# ------------------------------------------------------------------ the first order


@settings(max_examples=150, **SETTINGS)
@given(programs())
def test_first_order_floats_are_backward_s_bit_for_bit(prog):
    _, nodes = engine_graph(prog)
    root = nodes[-1]
    ours = grad(root, nodes)  # every node: leaves, interior, and off the root's graph (0.0)
    root.backward()
    assert_same_floats(list(ours), [n.grad for n in nodes])


@settings(max_examples=60, **SETTINGS)
@given(programs())
def test_a_derivative_graph_holds_the_first_order_gradient(prog):
    leaves, nodes = engine_graph(prog)
    floats = grad(nodes[-1], leaves)
    values = grad(nodes[-1], leaves, create_graph=True)
    assert all(isinstance(v, Value) for v in values)
    assert all(close(v.data, f, 1e-12) for v, f in zip(values, floats)), (values, floats)


@settings(max_examples=40, **SETTINGS)
@given(programs(), st.randoms(use_true_random=False))
def test_grad_leaves_every_grad_and_value_untouched(prog, rng):
    leaves, nodes = engine_graph(prog)
    order = topological_order(nodes[-1])
    for n in order:
        n.grad = rng.uniform(-5.0, 5.0)
    before = [(n.data, n.grad, n.label) for n in order]
    grad(nodes[-1], leaves)
    first = grad(nodes[-1], leaves, create_graph=True)
    grad(first[0], leaves)
    grad(first[0], leaves, create_graph=True)
    assert [(n.data, n.grad, n.label) for n in order] == before


def test_grad_of_a_leaf_or_of_a_value_the_root_does_not_use():
    x, y = Value(2.0, "x"), Value(3.0, "y")
    assert grad(x, [x, y]) == (1.0, 0.0)
    d = grad(x * x, [y], create_graph=True)[0]
    assert d.data == 0.0 and not d.children
    assert grad(x * x, x) == (4.0,)  # one Value, as torch takes it
    assert grad(x * x, []) == ()


def test_a_gradient_is_the_same_whichever_order_the_wrt_come_in():
    w, x = Value(0.5, "w"), Value(1.5, "x")
    C = (w * x).tanh() * w
    assert grad(C, [x, w]) == tuple(reversed(grad(C, [w, x])))


# ------------------------------------------------------------------ higher orders


def _torch_backend(torch) -> Backend:
    return Backend(
        num=float,
        unary={
            "neg": operator.neg,
            "abs": torch.abs,
            "sigmoid": torch.sigmoid,
            "relu": torch.relu,
            "tanh": torch.tanh,
            "exp": torch.exp,
            "log": torch.log,
            "sqrt": torch.sqrt,
            "softplus": torch.nn.functional.softplus,
        },
        wsum=plain_wsum,
        total=lambda items: sum(items[1:], items[0]),
    )


def _torch_derivatives(torch, root, leaves, order: int) -> dict[tuple[int, ...], float]:
    level = {(): root}
    for _ in range(order):
        nxt = {}
        for key, g in level.items():
            if not g.requires_grad:  # a constant: every derivative of it is 0
                ds = [None] * len(leaves)
            else:
                ds = torch.autograd.grad(g, leaves, create_graph=True, allow_unused=True)
            for j, d in enumerate(ds):
                nxt[(*key, j)] = torch.zeros((), dtype=torch.float64) if d is None else d
        level = nxt
    return {key: d.item() for key, d in level.items()}


def _masked_by_pytorch(nodes, order: int) -> bool:
    """Whether some x ** y has a Value y in 0, 1, ..., order − 1. PyTorch's ∂(x^y)/∂x is
    ``where(y == 0, 0, y·x^(y−1))``: at y = 0 a masked 0 whose ∂/∂y (1/x) is lost, and each
    order down the chain builds x^(y−1), x^(y−2), ..., so y = 1 loses a third derivative's
    term. sympy has them all, as we do (see the test below)."""
    return any(n.op == "**" and n.children[1].data in range(order) for n in nodes)


@pytest.mark.parametrize("order", [2, 3])
def test_second_and_third_derivatives_match_pytorch_create_graph_float64(order):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (CI installs it)")
    backend = _torch_backend(torch)

    @settings(max_examples=120 if order == 2 else 50, **SETTINGS)
    @given(programs(max_steps=10 if order == 2 else 6))
    def check(prog):
        leaves, nodes = engine_graph(prog)
        assume(not _masked_by_pytorch(nodes, order))
        ours = derivatives(nodes[-1], leaves, order)
        tl = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in prog.leaves]
        theirs = _torch_derivatives(torch, run(prog, tl, backend)[-1], tl, order)
        bad = {k: (ours[k], theirs[k]) for k in ours if not close(ours[k], theirs[k])}
        assert not bad, bad

    check()


@pytest.mark.parametrize("order", [2, 3])
def test_second_and_third_derivatives_match_sympy(order):
    @settings(max_examples=60 if order == 2 else 25, **SETTINGS)
    @given(programs(max_steps=6 if order == 2 else 4))
    def check(prog):
        leaves, nodes = engine_graph(prog)
        ours = derivatives(nodes[-1], leaves, order)
        symbols = sympy.symbols(f"s0:{len(leaves)}")
        point = {s: sympy.Rational(x) for s, x in zip(symbols, prog.leaves)}
        expr = run(prog, list(symbols), sympy_of(point))[-1]
        for key, value in ours.items():
            truth = float(sympy.diff(expr, *(symbols[j] for j in key)).evalf(30, subs=point))
            assert close(value, truth), (key, value, truth)

    check()


def test_x_to_a_value_power_keeps_its_cross_derivative_at_power_0():
    """∂²(x^y)/∂x∂y = x^(y−1)(1 + y ln x) is 1/x at y = 0 (PyTorch's masked rule says 0)."""
    x, y = Value(0.5, "x"), Value(0.0, "y")
    (dx,) = grad(x**y, [x], create_graph=True)
    assert dx.data == 0.0 and grad(dx, [y]) == (2.0,)


def test_x_to_a_value_power_1_keeps_its_third_derivative():
    """d³/dt³ of softplus(t) ** exp(t) at t = 0, where the power is 1 (PyTorch: 1.2398)."""
    t = Value(0.0, "t")
    (d3,) = derivatives(t.softplus() ** t.exp(), [t], 3).values()
    s = sympy.Symbol("s")
    truth = sympy.diff(sympy.log(1 + sympy.exp(s)) ** sympy.exp(s), s, 3).subs(s, 0)
    assert close(d3, float(truth), 1e-14), (d3, float(truth))


def test_a_third_derivative_by_hand():
    x = Value(0.5, "x")
    y = x.exp() * x.sigmoid()  # e^x σ(x)
    (d3,) = derivatives(y, [x], 3).values()
    s = sympy.Symbol("s")
    truth = sympy.diff(sympy.exp(s) / (1 + sympy.exp(-s)), s, 3).subs(s, sympy.Rational(1, 2))
    assert close(d3, float(truth), 1e-14)


# ------------------------------------------------------------------ the chapter's cost


def _chapter_cost(fused: bool):
    net = nn.chapter_network(fused=fused)
    X, y = chapter_table()
    C = losses.quadratic_cost([net(row) for row in X], y)
    return net, C


def _sympy_chapter_cost(net):
    """C = ½ Σ (y − σ(Σⱼ w2[0,j] σ(Σₖ w1[j,k] xₖ)))² as sympy has it, its symbols by label."""
    symbols = {p.label: sympy.Symbol(p.label) for p in net.parameters()}
    X, y = chapter_table()

    def sigma(t):
        return 1 / (1 + sympy.exp(-t))

    def row_cost(x, target):
        a1 = [sigma(sum(symbols[f"w1[{j},{k}]"] * x[k] for k in range(3))) for j in range(4)]
        a2 = sigma(sum(symbols[f"w2[0,{j}]"] * a1[j] for j in range(4)))
        return (target - a2) ** 2 / 2

    return sum(row_cost(x, t) for x, t in zip(X, y)), symbols


@pytest.mark.parametrize("fused", [True, False])
def test_the_hessian_of_the_chapter_s_cost_matches_sympy(fused):
    net, C = _chapter_cost(fused)
    params = net.parameters()
    H = hessian(C, params)
    expr, symbols = _sympy_chapter_cost(net)
    point = {symbols[p.label]: sympy.Float(p.data, 30) for p in params}
    grads = [sympy.diff(expr, symbols[p.label]) for p in params]
    for i, gi in enumerate(grads):
        for j in range(i, len(params)):
            truth = float(sympy.diff(gi, symbols[params[j].label]).evalf(30, subs=point))
            assert close(H[i][j], truth, 1e-13), (params[i].label, params[j].label)
            assert close(H[j][i], truth, 1e-13)


def test_hvp_is_the_hessian_times_the_vector():
    net, C = _chapter_cost(True)
    params = net.parameters()
    H = hessian(C, params)
    v = [math.sin(k + 1.0) for k in range(len(params))]
    Hv = [math.fsum(h * c for h, c in zip(row, v)) for row in H]
    ours = hvp(C, params, v)
    assert all(close(a, b, 1e-13) for a, b in zip(ours, Hv)), (ours, Hv)


def test_hessian_and_hvp_say_what_is_wrong():
    x = Value(1.0, "x")
    with pytest.raises(TypeError, match="list of Values"):
        hessian(x * x, x)
    with pytest.raises(ValueError, match="one number per parameter, got 2 for 1"):
        hvp(x * x, [x], [1.0, 2.0])
    with pytest.raises(TypeError, match="parameters must be Values"):
        hvp(x * x, [1.0], [1.0])


# ------------------------------------------------------------------ deep graphs


def test_a_100_000_node_chain_goes_to_the_second_order_without_recursion():
    """y ← y + 10⁻⁴·tanh(y), 33,334 times (100,002 nodes), against forward-mode duals."""
    x = Value(0.3, "x")
    y = x
    for _ in range(33_334):
        y = y + y.tanh() * 0.0001
    v, d1, d2 = 0.3, 1.0, 0.0  # y, dy/dx, d²y/dx² carried forward in floats
    for _ in range(33_334):
        t = math.tanh(v)
        s = 1.0 - t * t
        v, d1, d2 = v + 0.0001 * t, d1 + 0.0001 * s * d1, d2 + 0.0001 * (s * d2 - 2 * t * s * d1**2)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(_frames()) + 60)  # any recursion over the graph fails now
    try:
        (dy,) = grad(y, [x], create_graph=True)
        (d2y,) = grad(dy, [x])
    finally:
        sys.setrecursionlimit(limit)
    assert len(topological_order(y)) > 100_000
    assert close(dy.data, d1, 1e-12) and close(d2y, d2, 1e-11), (dy.data, d1, d2y, d2)


def _frames() -> list:
    frame, frames = sys._getframe(), []
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    return frames


# ------------------------------------------------------------------ compiled derivative graphs


@settings(max_examples=60, **SETTINGS)
@given(programs())
def test_a_compiled_second_derivative_gives_the_interpreter_s_floats(prog):
    leaves, nodes = engine_graph(root_graph(prog))
    (d,) = grad(nodes[-1], leaves[:1], create_graph=True)
    truth = grad(d, leaves)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a derivative graph has no node made by hand
        f = compile(d, inputs=[])
    assert_same_floats(f([]), d.data)
    assert_same_floats([v.grad for v in leaves], list(truth))


def test_a_compiled_derivative_graph_follows_its_inputs():
    """∂C/∂w2[0,0] of the chapter's network, compiled once with the row as its inputs."""
    net = nn.chapter_network()
    x = [Value(0.0, f"x[{k}]") for k in range(3)]
    C = losses.quadratic_cost([net(x)], [1.0])
    w = net.parameters()[-4]
    (d,) = grad(C, [w], create_graph=True)
    f = compile(d, inputs=x)
    for row, target in zip(*chapter_table()):
        if target != 1.0:
            continue
        for p in net.parameters():
            p.grad = 0.0
        value = f(row)
        for v, c in zip(x, row):
            v.data = c
        C2 = losses.quadratic_cost([net(x)], [1.0])
        (d2,) = grad(C2, [w], create_graph=True)
        assert_same_floats(value, d2.data)
        assert_same_floats([p.grad for p in net.parameters()], list(grad(d2, net.parameters())))


# ------------------------------------------------------------------ the table, nodes by hand


def test_every_operation_of_the_table_has_its_slopes_as_values():
    missing = [name for name, op in OPERATIONS.items() if op.graph_rule is None]
    assert not missing, f"no grad_graph in ops.py for {missing}"


def test_an_operation_without_grad_graph_says_so_where_a_second_derivative_is_asked_for():
    twice = Operation("twice", "twice", "2×", "2{0}", value="2.0 * x", slopes=("2.0",))
    x = Value(1.5, "x")
    y = apply(twice.tag, x) * x
    assert grad(y, [x]) == (6.0,)  # first derivatives: floats, no grad_graph needed
    with pytest.raises(NotImplementedError, match=r"'twice' has no grad_graph.*ops\.py"):
        grad(y, [x], create_graph=True)


def test_a_node_made_by_hand_is_a_leaf_of_the_derivative_graph_with_a_warning():
    x = Value(3.0, "x")
    square = Value(x.data**2, children=(x,), local_grads=(2 * x.data,), op="sq")
    with pytest.warns(UserWarning, match=r"made by hand \(op 'sq'\).*leaves of the derivative"):
        (d,) = grad(square * x, [x], create_graph=True)
    assert d.data == 27.0  # ∂(x²·x)/∂x = 3x², right to the first order
    assert grad(d, [x]) == (12.0,)  # 6x would be 18: the hand-made slope 2x stays a number


def test_the_slopes_as_values_are_a_function_pdb_can_show():
    source = inspect.getsource(OPERATIONS["sigmoid"].graph_rule)
    assert "d0 = out * (1.0 - out)" in source
    assert "y * x ** (y - 1.0)" in inspect.getsource(OPERATIONS["**"].graph_rule)


def test_a_gradient_that_is_a_node_of_the_graph_is_that_node():
    x, y = Value(2.0, "x"), Value(3.0, "y")
    (dx,) = grad(x * y, [x], create_graph=True)  # ∂(x·y)/∂x = y: no node multiplies by 1
    assert dx is y and y.label == "y"


def test_local_grad_values_follow_the_chapter_s_formulas():
    z = Value(0.5, "z")
    a = z.sigmoid()
    (s,) = local_grad_values(a)
    assert close(s.data, a.local_grads[0], 1e-15) and s.children[0] is a  # σ(z)(1 − σ(z))
    r = z.relu()
    (h,) = local_grad_values(r)  # relu's slope H(z), a node of its own whose slope is 0
    assert h.op == "heaviside" and h.data == 1.0 and h.children == (z,)


@pytest.mark.parametrize("kink", ["relu", "abs"])
def test_a_compiled_derivative_graph_follows_its_input_across_a_kink(kink):
    x, w = Value(0.5, "x"), Value(2.0, "w")
    C = getattr(w * x, kink)() if kink == "relu" else abs(w * x)
    (dC,) = grad(C, [w], create_graph=True)  # ∂C/∂w = x · H(w·x), or x · sgn(w·x)
    f = compile(dC, inputs=[x])
    for v in (0.5, -0.5, 0.0, -2.0):
        (want,) = grad(getattr(w * v, kink)() if kink == "relu" else abs(w * v), [w])
        assert f.forward([v]) == want


# ------------------------------------------------------------------ names and pictures


def test_derivatives_are_labelled_as_the_chapter_writes_them():
    w, x = Value(0.5, "w"), Value(1.5, "x")
    z = w * x
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    C = (a - 1.0) ** 2 * 0.5
    C.label = "C"
    dw, dx = grad(C, [w, x], create_graph=True)
    assert (dw.label, dx.label) == ("∂C/∂w", "∂C/∂x")
    names = {n.label for n in topological_order(dw)}
    assert {"∂C/∂a", "∂C/∂z", "a", "z", "w", "x"} <= names
    (dww,) = grad(dw, [w], create_graph=True)
    (dwwx,) = grad(dww, [x], create_graph=True)
    assert (dww.label, dwwx.label) == ("∂²C/∂w²", "∂³C/∂x∂w²")
    assert C.label == "C" and a.label == "a"  # the first graph's labels stay


@pytest.mark.parametrize(
    "of, wrt, name",
    [
        ("C", "w2[0,1]", "∂C/∂w2[0,1]"),
        ("∂C/∂w", "v", "∂²C/∂v∂w"),
        ("∂²C/∂v∂w", "v", "∂³C/∂v²∂w"),
        ("∂C/∂x²", "x²", "∂²C/∂x²∂x²"),  # a variable whose name ends in ²
        ("a/b", "x", "∂a/b/∂x"),
        ("y − a", "a", "∂(y − a)/∂a"),
    ],
)
def test_derivative_label(of, wrt, name):
    assert derivative_label(of, wrt) == name


def test_the_derivative_graph_is_drawn_like_any_other():
    w, x = Value(0.5, "w"), Value(1.5, "x")
    a = (w * x).sigmoid()
    a.label = "a"
    (d,) = grad(a, [w], create_graph=True)
    source = draw_dot(d).source
    assert "∂a/∂w" in source and "data 0.3268" in source


# ------------------------------------------------------------------ errors


def test_grad_says_what_is_wrong():
    x = Value(1.0, "x")
    with pytest.raises(TypeError, match="grad needs a Value as its root, got float"):
        grad(1.0, [x])
    with pytest.raises(TypeError, match=r"wrt must be Values.*got float at position 1"):
        grad(x * x, [x, 2.0])
    with pytest.raises(TypeError, match="create_graph must be True or False"):
        grad(x * x, [x], create_graph="yes")


# ------------------------------------------------------------------ the chain rule twice


@settings(max_examples=80, **SETTINGS)
@given(programs(max_steps=6), st.data())
def test_explain_second_sums_to_the_second_derivative(prog, data):
    leaves, nodes = engine_graph(prog)
    w, v = data.draw(st.sampled_from(leaves)), data.draw(st.sampled_from(leaves))
    assume(count_paths(nodes[-1], w))  # w is in the graph
    try:
        e = explain_second(nodes[-1], w, v, max_paths=300)
    except ValueError as error:
        assert "max_paths=300" in str(error)
        assume(False)  # too many paths to list
    (dw,) = grad(nodes[-1], [w], create_graph=True)
    (truth,) = grad(dw, [v])
    assert close(e.total, truth, 1e-9), (e.total, truth)
    assert close(e.first.total, dw.data, 1e-9)


def _neuron():
    w, x = Value(0.5, "w"), Value(1.5, "x")
    z = w * x
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    return w, x, a


def test_explain_second_writes_the_product_rule_and_the_chain_rule_of_each_factor():
    w, x, a = _neuron()
    e = explain_second(a, w, x)
    text = str(e).splitlines()
    assert text[0] == "∂²a/∂x∂w = ∂/∂x of ∂a/∂w: the chain rule applied twice"
    assert text[1] == "once: ∂a/∂w = ∂z/∂w · ∂a/∂z = 1.5000 × 0.2179 = 0.3268"
    # ∂z/∂w = x depends on x now: two terms, one for each factor
    assert [t.index for t in e.terms] == [0, 1] and e.terms[0].slope is x
    assert text[3] == "  term 1: ∂(∂z/∂w)/∂x · ∂a/∂z = 1.0000 × 0.2179 = 0.2179"
    assert "    ∂a/∂z = a·(1 − a), and" in text
    assert text[-1].startswith("∂²a/∂x∂w = 0.2179 + (−0.0586) = ")
    s = a.local_grads[0]
    truth = s + x.data * w.data * s * (1 - 2 * a.data)  # ∂(x σ'(wx))/∂x
    assert close(e.total, truth, 1e-15)
    assert repr(e) == "SecondExplanation(∂²a/∂x∂w, 2 terms, total=0.1593)"


def test_explain_second_of_a_product_linear_in_w_is_zero():
    w, x = Value(0.5, "w"), Value(1.5, "x")
    e = explain_second(w * x, w)
    assert e.total == 0.0 and not e.terms
    assert str(e).endswith("no factor depends on w\n∂²(w·x)/∂w² = 0")


def test_explain_second_says_what_is_wrong():
    w, _, a = _neuron()
    with pytest.raises(TypeError, match="v must be a Value"):
        explain_second(a, w, 2.0)
    with pytest.raises(ValueError, match="not in the graph"):
        explain_second(a, Value(1.0, "u"))
    y = a
    for _ in range(6):
        y = y * y  # 2⁶ paths to each of a's factors
    with pytest.raises(ValueError, match="max_paths=100"):
        explain_second(y, w, max_paths=100)
