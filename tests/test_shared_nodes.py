"""Graphs that share nodes: tied and computed weights, a layer used twice, pickled graphs,
interleaved passes and threads. The grads are checked against 50-digit central differences
of the same functions written out in mpmath, which share nothing with the engine.
"""

import math
import pickle
import subprocess
import sys
import textwrap
import threading

import mpmath
import pytest

from micrograd_cbook import Value, backward_steps, nn, sum_values


def central_difference(f, at: float) -> float:
    """df/dx at ``at``, at 50 digits (error far below a float's rounding)."""
    with mpmath.workdps(50):
        h = mpmath.mpf("1e-20")
        x = mpmath.mpf(at)
        return float((f(x + h) - f(x - h)) / (2 * h))


def layer_math(weights, biases, a, act):
    """a^l = act(w^l a^(l-1) + b^l), written out: rows of weights, one bias per row."""
    return [act(sum(w * x for w, x in zip(row, a)) + b) for row, b in zip(weights, biases)]


def test_a_layer_with_computed_weights_applied_twice_gets_the_true_grad():
    layer = nn.Layer(2, 2, activation="tanh", seed=3)
    s = Value(0.8, "s")
    for n in layer.neurons:  # every weight an interior node made from one leaf
        n.w = [s * 1.3, s * -0.4]
    layer.neurons[1].b = Value(0.25, "b")
    x = [0.5, -1.0]
    C = sum_values([a * a for a in layer(layer(x))])
    C.backward()
    biases = [layer.neurons[0].b.data, layer.neurons[1].b.data]

    def cost(sv):
        rows = [[sv * mpmath.mpf(1.3), sv * mpmath.mpf(-0.4)]] * 2
        bs = [mpmath.mpf(b) for b in biases]
        a = layer_math(
            rows, bs, layer_math(rows, bs, [mpmath.mpf(v) for v in x], mpmath.tanh), mpmath.tanh
        )
        return sum(v * v for v in a)

    assert math.isclose(C.data, float(cost(mpmath.mpf(0.8))), rel_tol=1e-14)
    assert math.isclose(s.grad, central_difference(cost, 0.8), rel_tol=1e-12)


def test_a_neuron_applied_to_its_own_output_with_a_computed_weight_gets_the_true_grad():
    n = nn.Neuron(1, activation="sigmoid", seed=0)
    v = Value(0.6, "v")
    n.w = [v * 1.0]
    n.b.data = -0.2
    C = n([n([1.5])])
    C.backward()

    def sigmoid(z):
        return 1 / (1 + mpmath.exp(-z))

    def cost(vv):
        b = mpmath.mpf(-0.2)
        return sigmoid(vv * sigmoid(vv * mpmath.mpf(1.5) + b) + b)

    assert math.isclose(v.grad, central_difference(cost, 0.6), rel_tol=1e-12)


def tied_model_graph():
    """A model whose first-layer neurons share one computed weight, and its cost on 3 rows."""
    model = nn.MLP(2, [3, 1], activation="tanh", seed=5)
    s = Value(0.3, "s")
    tied = s * 2.0
    for n in model.layers[0].neurons:
        n.w[1] = tied
    leaves = [s, model.layers[0].neurons[0].w[0], model.layers[1].neurons[0].w[0]]
    rows = ([1.0, 2.0], [-0.5, 0.25], [0.75, -1.5])
    C = sum_values([model(x) * model(x) for x in rows])
    return C, leaves


def test_a_graph_pickled_after_backward_backpropagates_right_in_a_new_process(tmp_path):
    C, leaves = tied_model_graph()
    C.backward()
    expected = [leaf.grad for leaf in leaves]
    path = tmp_path / "graph.pickle"
    path.write_bytes(pickle.dumps((C, leaves)))
    script = textwrap.dedent(f"""
        import pickle
        C, leaves = pickle.loads(open({str(path)!r}, "rb").read())
        for leaf in leaves:
            leaf.grad = 0.0
        C.backward()
        print(repr([leaf.grad for leaf in leaves]))
    """)
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert out.strip() == repr(expected)
    assert all(g != 0.0 for g in expected)


def test_a_second_backward_steps_over_the_same_graph_is_refused_while_the_first_runs():
    x = Value(1.5, "x")
    y = (x * x).tanh() * x
    first = backward_steps(y)
    next(first)
    second = backward_steps(y)
    with pytest.raises(RuntimeError, match="under way in this thread"):
        next(second)
    with pytest.raises(RuntimeError, match="backward_steps"):
        y.backward()
    for _ in first:  # the first pass ends: its grads are the plain pass's
        pass
    got = x.grad
    x.grad = 0.0
    y.backward()
    assert got == x.grad


def test_a_pass_left_unfinished_and_closed_frees_the_graph():
    x = Value(2.0, "x")
    y = x.exp() * x
    steps = backward_steps(y)
    next(steps)
    steps.close()
    x.grad = 0.0
    y.backward()
    assert x.grad == math.exp(2.0) * 3.0


def test_interleaved_passes_over_graphs_sharing_only_leaves_both_add_their_grads():
    w = Value(0.5, "w")
    a, b = (w * 3.0).sigmoid(), (w * -2.0).tanh()
    steps_a, steps_b = backward_steps(a), backward_steps(b)
    for pair in zip(steps_a, steps_b):
        assert len(pair) == 2
    for rest in (steps_a, steps_b):
        for _ in rest:
            pass
    together = w.grad
    w.grad = 0.0
    a.backward()
    b.backward()
    assert math.isclose(together, w.grad, rel_tol=1e-15)


def test_threads_backpropagating_a_model_with_a_tied_computed_weight_get_right_grads():
    model = nn.MLP(2, [4, 1], activation="tanh", seed=2)
    s = Value(0.4, "s")
    tied = s * 1.5  # one interior node in every thread's graph
    for n in model.layers[0].neurons:
        n.w[0] = tied
    rows = [[0.1 * k, 1.0 - 0.2 * k] for k in range(6)]

    def one_pass(x):
        out = model(x)
        (out * out).backward()

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can
    try:
        for _ in range(5):
            s.grad = 0.0
            threads = [threading.Thread(target=one_pass, args=(x,)) for x in rows for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            in_threads = s.grad
            s.grad = 0.0
            for x in rows:
                for _ in range(4):
                    one_pass(x)
            assert math.isclose(in_threads, s.grad, rel_tol=1e-12), (in_threads, s.grad)
    finally:
        sys.setswitchinterval(old)
