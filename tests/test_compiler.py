"""The compiler against its oracle, the interpreter: the same floats, bit for bit.

A compiled graph called with new input values must give what building the same graph with
those values and calling backward() gives: the root's value and every non-input leaf's grad,
nan and the sign of zero included (compared by repr), or an error too. (Which error may
differ where a graph holds two bad operations, say a log of 0 and a division by 0: the
interpreter meets them in the order the program wrote them, the compiled code in the
graph's order.)
"""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import ENGINE, SETTINGS, Num, Program, programs, root_graph, run

from micrograd_cbook import Value, compile, losses, nn, sum_values, topological_order, weighted_sum
from micrograd_cbook.speed.compiler import CompiledGraph

# ------------------------------------------------------------------ random graphs


def interpret(prog, values, chosen, start=None):
    """Build the program's graph at ``values`` and backpropagate: the root value and the
    leaf grads (0 for the inputs, whose grads a compiled graph does not give), which start
    at ``start`` (a grad per leaf) or 0."""
    leaves = [Value(v, f"x{i}") for i, v in enumerate(values)]
    for leaf, g in zip(leaves, start or []):
        leaf.grad = g
    try:
        root = run(prog, leaves, ENGINE)[-1]
        root.backward()
    except (ArithmeticError, ValueError):
        return "error"
    return repr((root.data, [0.0 if i in chosen else leaf.grad for i, leaf in enumerate(leaves)]))


def compiled(prog, values, new, chosen, start=None):
    """Compile the graph built at ``values`` with the ``chosen`` leaves as inputs, call it at
    ``new``: the root value and the leaf grads (the inputs' stay 0, the others' as read,
    starting at ``start`` or 0)."""
    leaves = [Value(v, f"x{i}") for i, v in enumerate(values)]
    root = run(prog, leaves, ENGINE)[-1]
    for leaf, g in zip(leaves, start or []):
        leaf.grad = g
    in_graph = set(topological_order(root))
    chosen &= {i for i, leaf in enumerate(leaves) if leaf in in_graph}  # inputs are in it
    f = compile(root, inputs=[leaves[i] for i in sorted(chosen)])
    for i, leaf in enumerate(leaves):
        if i not in chosen:
            leaf.data = new[i]  # a parameter: read from .data at the call
    try:
        out = f([new[i] for i in sorted(chosen)])
    except (ArithmeticError, ValueError):
        return "error", f
    grads = [0.0 if i in chosen else leaf.grad for i, leaf in enumerate(leaves)]
    return repr((out, grads)), f


@settings(max_examples=300, **SETTINGS)
@given(programs(), st.data())
def test_a_compiled_random_graph_gives_the_interpreters_floats_at_new_values(prog, data):
    prog = root_graph(prog)
    n = len(prog.leaves)
    chosen = data.draw(st.sets(st.integers(0, n - 1)), label="inputs")
    new = [
        data.draw(st.sampled_from([v, -v, 0.5 * v + 0.25, 2.0, -0.0]), label=f"x{i}")
        for i, v in enumerate(prog.leaves)
    ]
    got, f = compiled(prog, prog.leaves, new, chosen)  # (narrows chosen to leaves in the graph)
    assert got == interpret(prog, new, chosen), f.source


@settings(max_examples=200, **SETTINGS)
@given(programs(), st.data())
def test_a_compiled_random_graph_adds_to_any_leaf_grads_as_the_interpreter_does(prog, data):
    """Leaf grads that already hold something, -0.0 among them: the code that skips zero
    contributions and sets an interior grad by its first edge must still add as backward()."""
    prog = root_graph(prog)
    n = len(prog.leaves)
    chosen = data.draw(st.sets(st.integers(0, n - 1)), label="inputs")
    start = data.draw(
        st.lists(st.sampled_from([0.0, -0.0, 1.5, -2.0]), min_size=n, max_size=n), label="grads"
    )
    new = [
        data.draw(st.sampled_from([v, -v, 0.0, -0.0, math.inf]), label=f"x{i}")
        for i, v in enumerate(prog.leaves)
    ]
    got, f = compiled(prog, prog.leaves, new, chosen, start)
    for i in chosen:
        start[i] = 0.0  # the inputs' grads are not compared
    assert got == interpret(prog, new, chosen, start), f.source


def test_a_step_off_the_roots_graph_is_not_compared():
    # -0.5 / x0 raises at x0 = -0.0 when the program runs, but the root, |σ(x0)|, does not
    # use it: the compiled graph (the root's) has no division; the oracle runs the root's steps.
    prog = Program((1.0,), (("/", (Num(-0.5), 0)), ("sigmoid", (0,)), ("abs", (2,))))
    assert interpret(prog, [-0.0], set()) == "error"
    assert root_graph(prog).steps == (("neg", (0,)), ("sigmoid", (0,)), ("abs", (2,)))
    got, _ = compiled(prog, prog.leaves, [-0.0], set())
    assert got == interpret(root_graph(prog), [-0.0], set()) == "(0.5, [0.25])"


# ------------------------------------------------------------------ networks


def network_loss(model, x, y, loss):
    out = model(x)
    outs = out if isinstance(out, list) else [out]
    if loss == "hinge":
        return (1 - y[0] * outs[0]).relu()
    if loss == "quadratic":
        return losses.quadratic_cost(outs, y)
    return sum_values([(o - t) ** 2 for o, t in zip(outs, y)]) * 0.5


@pytest.mark.parametrize(
    "act, loss", [("relu", "hinge"), ("sigmoid", "quadratic"), ("tanh", "mse")]
)
@pytest.mark.parametrize("fused", [True, False])
def test_many_rows_of_a_compiled_network_equal_the_interpreter_row_by_row(act, loss, fused):
    rng = random.Random(4)
    rows = [([rng.uniform(-2, 2) for _ in range(3)], [rng.choice([-1.0, 1.0])]) for _ in range(20)]
    model = nn.MLP(3, [5, 4, 1], activation=act, seed=1, fused=fused)
    xs = [Value(0.0, f"x[{k}]") for k in range(3)]
    ys = [Value(0.0, "y")]
    f = compile(network_loss(model, xs, ys, loss), inputs=[*xs, *ys])
    got_total = f.many([[*x, *y] for x, y in rows])
    got = [p.grad for p in model.parameters()]
    model.zero_grad()
    total = -0.0
    for x, y in rows:
        C = network_loss(model, x, y, loss)
        C.backward()
        total += C.data
    assert repr((got_total, got)) == repr((total, [p.grad for p in model.parameters()]))


def test_a_compiled_network_with_tied_and_computed_weights_equals_the_interpreter():
    def build():
        model = nn.MLP(2, [3, 1], activation="tanh", seed=2)
        s = Value(0.3, "s")
        a, b, c = model.layers[0].neurons
        b.w[0] = a.w[0]  # tied
        c.w[1] = s * 2.0  # computed from s
        return model, [s, a.w[0], a.w[1], b.w[1], c.w[0], model.layers[1].neurons[0].w[2]]

    model, leaves = build()
    x = [Value(0.0, "x[0]"), Value(0.0, "x[1]")]
    out = model(x)
    f = compile(out * out, inputs=x)
    rows = [[0.5, -1.0], [2.0, 0.25], [-0.75, 1.5]]
    f.many(rows)
    got = [v.grad for v in leaves]
    twin, leaves2 = build()
    for row in rows:
        out = twin(row)
        (out * out).backward()
    assert repr(got) == repr([v.grad for v in leaves2])


def test_parameters_changed_between_calls_are_read_at_each_call():
    w, x = Value(2.0, "w"), Value(0.0, "x")
    f = compile((w * x).tanh(), inputs=[x])
    first = f([0.5])
    w.data = -1.0
    assert f([0.5]) == math.tanh(-0.5) and first == math.tanh(1.0)


def test_many_is_a_loop_of_calls_summed_left_to_right():
    model = nn.MLP(2, [3, 1], activation="sigmoid", seed=0)
    x = [Value(0.0, "x[0]"), Value(0.0, "x[1]")]
    f = compile(model(x), inputs=x)
    rows = [[0.1 * k, -0.3 * k] for k in range(7)]
    total = f.many(rows)
    grads = [p.grad for p in model.parameters()]
    model.zero_grad()
    expected = -0.0
    for row in rows:
        expected += f(row)
    assert repr((total, grads)) == repr((expected, [p.grad for p in model.parameters()]))


def test_forward_gives_the_value_and_touches_no_grad():
    w, x = Value(0.5, "w"), Value(1.0, "x")
    f = compile((w * x).sigmoid(), inputs=[x])
    assert f.forward([3.0]) == Value(1.5).sigmoid().data
    assert w.grad == 0.0


def test_the_branches_of_relu_and_abs_are_taken_at_run_time():
    x = Value(2.0, "x")
    w = Value(1.5, "w")
    f = compile((w * x).relu() + abs(w * x - 1.0), inputs=[x])
    assert f([-2.0]) == 0.0 + 4.0 and w.grad == 0.0 + -1.0 * -2.0  # relu off, abs flipped
    w.grad = 0.0
    assert f([2.0]) == 3.0 + 2.0 and w.grad == 2.0 + 2.0


def test_a_value_exponent_and_a_number_exponent_compile():
    b, p = Value(2.0, "b"), Value(3.0, "p")
    f = compile(b**p + b**0.5, inputs=[b])
    f([4.0])
    assert p.grad == 4.0**3 * math.log(4.0)


def test_a_node_made_by_hand_keeps_its_recorded_value_and_local_grads():
    x, w = Value(1.0, "x"), Value(2.0, "w")
    mix = Value(7.0, "mix", (x, w), (0.5, 3.0), "mix")
    with pytest.warns(UserWarning, match="made by hand"):
        f = compile(mix * 2.0, inputs=[x])
    assert f([100.0]) == 14.0 and w.grad == 6.0
    assert "made by hand ('mix')" in f.source


def test_a_node_whose_recorded_floats_are_not_its_ops_is_frozen_too():
    x = Value(1.0, "x")
    fake = Value(5.0, "fake", (x, x), (1.0, 1.0), "+")  # says + but is not x + x
    with pytest.warns(UserWarning, match="made by hand"):
        f = compile(fake, inputs=[x])
    assert f([3.0]) == 5.0


def test_the_source_reads_in_the_chapters_notation():
    net = nn.chapter_network()
    x = [Value(0.0, f"x[{k}]") for k in range(3)]
    y = Value(0.0, "y")
    C = losses.quadratic_cost(net(x), y)
    C.label = "C"
    f = compile(C, inputs=[*x, y])
    src = f.source
    assert src.startswith("# Back-propagation through C")
    for name in (
        "z1_0 = ",
        "a1_0 = ",
        "a2_0 = ",
        "dC_dw1_0_2 += ",
        "dC_dw2_0_3 += ",
        "da2_0_dz2_0 = ",
    ):
        assert name in src
    compiled_lines = sum(
        1 for line in src.splitlines() if line.lstrip().startswith("dC_dw") and " += " in line
    )
    assert compiled_lines == 16  # one chain-rule line per weight (each used once)


def test_a_leaf_root_grows_its_grad_by_one():
    w = Value(2.0, "w")
    f = compile(w)
    assert f([]) == 2.0 and w.grad == 1.0


def test_a_failed_call_leaves_every_grad_as_it_was():
    w, x = Value(1.0, "w"), Value(1.0, "x")
    f = compile((w * x).log() + w, inputs=[x])
    with pytest.raises(ValueError, match="log is defined only for x > 0"):
        f.many([[1.0], [-1.0]])
    assert w.grad == 0.0


# ------------------------------------------------------------------ errors


def test_an_input_that_is_not_a_leaf_is_refused():
    x = Value(1.0, "x")
    y = x * 2.0
    y.label = "y"
    with pytest.raises(ValueError, match=r"input 'y' is computed .* not a leaf"):
        compile(y.sigmoid(), inputs=[y])


def test_an_input_not_in_the_graph_is_refused():
    with pytest.raises(ValueError, match="input 'q' is not a leaf of the graph"):
        compile(Value(1.0, "x") * 2.0, inputs=[Value(0.0, "q")])


def test_an_input_given_twice_is_refused():
    x = Value(1.0, "x")
    with pytest.raises(ValueError, match="given twice"):
        compile(x * x, inputs=[x, x])


def test_things_that_are_not_values_are_type_errors():
    with pytest.raises(TypeError, match="root"):
        compile(1.0)
    with pytest.raises(TypeError, match="inputs must be Values"):
        compile(Value(1.0), inputs=[1.0])


def test_a_graph_above_max_nodes_is_refused_naming_the_limit():
    x = Value(1.0)
    y = x
    for _ in range(100):
        y = y * 1.0
    with pytest.raises(ValueError, match="more than max_nodes=50"):
        compile(y, max_nodes=50)


def test_a_row_of_the_wrong_length_or_type_is_a_clear_error():
    x, w = Value(1.0, "x"), Value(1.0, "w")
    f = compile(x * w, inputs=[x])
    with pytest.raises(ValueError, match="row 1 has 2 values; the compiled graph takes 1"):
        f.many([[1.0], [1.0, 2.0]])
    with pytest.raises(TypeError, match="row 0's value needs a real number"):
        f(["a"])
    assert isinstance(f, CompiledGraph) and "1 inputs" in repr(f)


# ------------------------------------------------------------------ zero grads skipped


def relu_of_a_sum(values):
    ws = [Value(v, f"w{k}") for k, v in enumerate(values)]
    xs = [Value(0.0, f"x{k}") for k in range(len(values))]
    return ws, xs, (weighted_sum(ws, xs) * -1.0).relu()


@pytest.mark.parametrize("start", [0.0, -0.0, 2.5, -5e-324])
@pytest.mark.parametrize(
    "row",
    [
        [1.0, 2.0, -3.0, 4.0],
        [-1.0, 0.0, -0.0, 2.0],
        [math.inf, 1.0, 1.0, 1.0],
        [math.nan, 0.0, 0.0, 0.0],
    ],
)
def test_a_node_with_grad_zero_gives_the_interpreters_floats_whatever_the_leaf_grads(start, row):
    ws, xs, C = relu_of_a_sum([0.5, -1.0, 2.0, 0.25])
    f = compile(C, inputs=xs)
    for w in ws:
        w.grad = start
    got = (f(row), [w.grad for w in ws])
    ws2, _, _ = relu_of_a_sum([0.5, -1.0, 2.0, 0.25])
    for w in ws2:
        w.grad = start
    twin = (weighted_sum(ws2, row) * -1.0).relu()
    twin.backward()
    assert repr(got) == repr((twin.data, [w.grad for w in ws2]))
    assert "!= 0.0 or" in f.source  # the sum's edges are skipped when its grad is 0


# ------------------------------------------------------------------ recorded values, pdb


@pytest.mark.parametrize("x", [710.0, math.inf])
def test_exp_too_large_for_a_float_is_the_interpreters_overflow_error(x):
    w = Value(1.0, "w")
    xin = Value(0.0, "x")
    f = compile((w * xin).exp(), inputs=[xin])
    with pytest.raises(OverflowError, match="too large for a float") as compiled_error:
        f([x])
    with pytest.raises(OverflowError) as interpreter_error:
        (w * x).exp()
    assert str(compiled_error.value) == str(interpreter_error.value)
    assert f([math.nan]) != f([math.nan])  # e^nan is nan in both, not an error


def test_a_leaf_grad_that_is_not_a_number_is_a_clear_error():
    ws, xs, C = relu_of_a_sum([0.5, -1.0])
    f = compile(C, inputs=xs)
    ws[1].grad = "0"
    with pytest.raises(TypeError, match="grad of 'w1' is '0', not a number"):
        f([1.0, 2.0])


def test_many_records_the_values_asked_for_row_by_row():
    model = nn.MLP(2, [3, 2], activation="tanh", seed=0)
    x = [Value(0.0, "x[0]"), Value(0.0, "x[1]")]
    outs = model(x)
    f = compile(sum_values([o * o for o in outs]), inputs=x, record=outs)
    seen: list = []
    rows = [[0.5, 1.0], [-1.0, 2.0]]
    f.many(rows, seen)
    assert seen == [tuple(o.data for o in model(row)) for row in rows]


def test_record_refuses_a_value_outside_the_graph():
    x = Value(1.0, "x")
    with pytest.raises(ValueError, match="record takes Values of the graph"):
        compile(x * 2.0, inputs=[x], record=[Value(3.0)])


def test_debug_stops_in_pdb_on_the_generated_lines(tmp_path):
    import subprocess
    import sys
    import textwrap

    script = tmp_path / "s.py"
    script.write_text(
        textwrap.dedent("""
        from micrograd_cbook import Value, compile
        w, x = Value(0.5, "w"), Value(1.5, "x")
        z = w * x; z.label = "z"
        f = compile(z.sigmoid(), inputs=[x])
        print("RESULT", f.debug([2.0]), w.grad)
    """)
    )
    commands = ["next"] * 6 + ["p z", "continue"]
    out = subprocess.run(
        [sys.executable, str(script)],
        input="\n".join(commands) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "<micrograd_cbook compiled graph" in out.stdout
    assert "-> z = w * x" in out.stdout  # pdb shows the generated line it stops on
    assert "\n(Pdb) 1.0\n" in out.stdout  # p z, after its line ran: 0.5 · 2
    assert f"RESULT {Value(1.0).sigmoid().data} " in out.stdout


@pytest.mark.parametrize("label", ["Σ(a−y)²", "a²", "w1[0,2]", "if", "2x", "_x", "ℌ", "", "σ"])
def test_any_label_becomes_a_valid_distinct_name(label):
    x = Value(1.0, "x")
    node = x * 3.0
    node.label = label
    twin = x * 2.0
    twin.label = "H" if label == "ℌ" else label  # NFKC would make ℌ the name H
    f = compile((node + twin).tanh(), inputs=[x])
    assert f([0.5]) == math.tanh(2.5)


def test_a_sum_of_thousands_of_terms_compiles_and_adds_them_left_to_right():
    terms = [Value(0.1 * (k % 7) - 0.3, f"t{k}") for k in range(5000)]
    root = sum_values(terms)
    f = compile(root)
    assert f([]) == root.data  # (Python's own parser recurses on one long line of +)
    assert terms[123].grad == 1.0


def test_a_network_with_hundreds_of_weights_gives_the_interpreters_floats():
    model = nn.MLP(3, [24, 24, 2], activation="relu", seed=5)
    x = [Value(0.0, f"x[{k}]") for k in range(3)]
    outs = model(x)
    f = compile(outs[0] * outs[1], inputs=x)
    assert "(the names a row uses most)" in f.source  # more than 256 names
    rows = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]]
    total = f.many(rows)
    got = [p.grad for p in model.parameters()]
    model.zero_grad()
    expected = -0.0
    for row in rows:
        o = model(row)
        C = o[0] * o[1]
        C.backward()
        expected += C.data
    assert repr((total, got)) == repr((expected, [p.grad for p in model.parameters()]))


def test_many_takes_any_iterable_of_rows_and_names_a_bad_one():
    x, w = Value(1.0, "x"), Value(2.0, "w")
    f = compile(x * w, inputs=[x])
    assert f.many([float(k)] for k in range(4)) == 12.0  # a generator of rows
    assert f.many([(1,), [2.5]]) == 7.0  # ints and lists are fine
    with pytest.raises(TypeError, match="row 1: the compiled graph takes a list of 1"):
        f.many(([1.0], 5.0))
