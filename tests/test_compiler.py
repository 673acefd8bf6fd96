"""The compiler against its oracle, the interpreter: the same floats, bit for bit.

A compiled graph called with new input values must give what building the same graph with
those values and calling backward() gives: the root's value and every non-input leaf's grad,
nan and the sign of zero included (compared by repr), or an error too. (Which error may
differ where a graph holds two bad operations, say a log of 0 and a division by 0: the
interpreter meets them in the order the program wrote them, the compiled code in the
graph's order.)
"""

from __future__ import annotations

import builtins
import json
import keyword
import math
import operator
import random
import re
import sys
import threading
import warnings
from functools import reduce

import numpy as np
import pytest
from helpers import run_javascript
from hypothesis import event, given, settings
from hypothesis import strategies as st
from strategies import ENGINE, SETTINGS, Num, Program, fuzz_examples, programs, root_graph, run

from micrograd_cbook import Value, compile, losses, nn, sum_values, topological_order, weighted_sum
from micrograd_cbook.optim import SGD
from micrograd_cbook.speed.compiler import CompiledGraph
from micrograd_cbook.speed.javascript import RUNTIME as JS_RUNTIME

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


def test_a_sums_term_with_no_other_use_shares_the_sums_grad_and_writes_no_line():
    # x · 1.0001 + 0.0, repeated: the product's grad is the sum's, so the backward pass has
    # one line fewer a step (no copy g_mul = g_add), and the same floats as backward().
    x = Value(0.7, "x")
    y, used_twice = x, None
    for k in range(50):
        y = y * 1.0001 + 0.0
        if k == 25:
            used_twice = y * 1.0  # a term used twice keeps its own grad, added to
            y = used_twice + used_twice * y
    f = compile(y, inputs=[x])
    got = f([0.7])
    lines = [line.strip() for line in f.source.split("# backward")[1].splitlines()]
    copied = [m[1] for m in map(re.compile(r"(\w+) = \w+").fullmatch, lines) if m]
    added_to = {line.split(" += ")[0] for line in lines if " += " in line}
    assert copied == ["droot_dmul106"] and "droot_dmul106" in added_to  # u: used twice
    leaves = [n for n in topological_order(y) if not n.children and n is not x]
    grads = [n.grad for n in leaves]
    for n in leaves:
        n.grad = 0.0
    x.data = 0.7
    y.backward()
    assert repr(got) == repr(y.data) and [repr(n.grad) for n in leaves] == list(map(repr, grads))


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


# ------------------------------------------------------------------ leaves that moved, labels


def test_a_graph_compiled_after_an_optimiser_step_computes_from_the_moved_leaves():
    # The case: w·x traced at w = 0.5, x = 1; then an optimiser moves w, and x is
    # set to 2. The nodes no longer match their children; compile must not freeze them.
    w, x = Value(0.5, "w"), Value(1.0, "x")
    y = (w * x).tanh()
    y.backward()
    SGD([w], lr=0.2 / w.grad).step()  # w: 0.5 → 0.3
    x.data = 2.0
    assert math.isclose(w.data, 0.3, rel_tol=1e-15)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing is frozen: no warning
        f = compile(y, inputs=[x])
    w.grad = 0.0
    value = f([2.0])
    assert f.frozen == 0 and "frozen" not in repr(f)
    assert value == math.tanh(w.data * 2.0) and round(value, 4) == 0.5370  # not tanh(0.5)
    twin = Value(w.data, "w")
    (twin * 2.0).tanh().backward()
    assert w.grad == twin.grad


@pytest.mark.parametrize("label", ["zip", "_zip", "_total", "_rows", "_p", "_g", "_exp", "len"])
def test_a_label_named_like_a_name_the_code_uses_shadows_nothing(label):
    x, w = Value(1.0, "x"), Value(2.0, label)
    node = (x * w).exp()
    node.label = label + "2"
    f = compile(node * w, inputs=[x])
    assert f([0.5]) == math.exp(1.0) * 2.0
    assert w.grad == math.exp(1.0) * (1.0 + 0.5 * 2.0)


@pytest.mark.parametrize("label", ["\u0301a", "\u0301", "a\u0301", "\u0300\u0301x", "１x", "²"])
def test_a_label_that_cannot_start_a_name_still_compiles(label):
    x, w = Value(1.0, "x"), Value(3.0, label)
    f = compile((x * w).sigmoid(), inputs=[x])
    assert f([0.0]) == 0.5
    assert w.grad == 0.0


# Labels drawn from all of Unicode (surrogates aside: a str may hold them, no file can),
# Python's builtins and keywords, JavaScript's reserved words, and the code's own names.
NAMES = sorted(set(dir(builtins)) | set(keyword.kwlist) | set(keyword.softkwlist))
LABELS = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=6),
    st.sampled_from(NAMES),
    st.sampled_from(["_zip", "_total", "_rows", "_params", "_leaves", "_grads", "_seen",
                     "function", "let", "const", "NaN", "Infinity", "Math", "_fail", "_repr"]),
)  # fmt: skip


@settings(**SETTINGS, max_examples=fuzz_examples(150))
@given(st.lists(LABELS, min_size=4, max_size=4))
def test_labels_from_all_of_unicode_and_pythons_builtins_and_keywords_compile(labels):
    x, w, b = Value(0.5, labels[0]), Value(-1.5, labels[1]), Value(0.25, labels[2])
    z = w * x + b
    z.label = labels[3]
    f = compile(z.tanh() * w, inputs=[x])
    value = f([2.0])
    twin_w, twin_b = Value(-1.5), Value(0.25)
    want = (twin_w * 2.0 + twin_b).tanh() * twin_w
    want.backward()
    assert repr((value, w.grad, b.grad)) == repr((want.data, twin_w.grad, twin_b.grad))


def test_hostile_labels_give_javascript_that_runs_and_agrees():
    labels = ["zip", "\u0301a", "let", "function", "NaN", "_fail", "class", "x", "Math", "ℌ"]
    calls, expected = [], []
    for k, label in enumerate(labels):
        w, b = Value(0.5 + k, label), Value(-0.25, labels[-1 - k])
        z = w * w + b
        z.label = labels[(k + 3) % len(labels)]
        f = compile(z.sigmoid())
        params = ", ".join(repr(p.data) for p in f.parameters)
        calls.append(f"out.push((({f.javascript})([], [{params}])));")
        expected.append([f([]), *(p.grad for p in f.parameters)])
    script = "\n".join([JS_RUNTIME, "const out = [];", *calls, "console.log(JSON.stringify(out));"])
    got = [[r["value"], *r["grads"]] for r in json.loads(run_javascript(script))]
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g == pytest.approx(e, rel=1e-15, abs=1e-300)  # (JavaScript's exp: an ulp)


def test_x_squared_too_large_in_compiled_code_is_the_interpreters_overflow_error():
    x = Value(0.5, "x")
    f = compile(x**2 + 0.0)  # traced where x² is a float; then x moves to -1e200
    x.data = -1e200
    with pytest.raises(OverflowError) as compiled_error:
        f([])
    with pytest.raises(OverflowError) as interpreter_error:
        Value(-1e200) ** 2
    assert str(compiled_error.value) == str(interpreter_error.value)
    assert str(compiled_error.value) == "pow: -1e+200 ** 2.0 is too large for a float"


# ------------------------------------------------------------------ threads


def threaded_calls(call, rows_per_thread, threads=4):
    """Run ``call(row)`` for each thread's rows, in several threads at once (every thread
    starts at one barrier); what the calls returned, in the order they returned it."""
    barrier = threading.Barrier(threads)
    errors, values = [], []

    def work(rows):
        try:
            barrier.wait()
            for row in rows:
                values.append(call(row))
        except Exception as e:  # (said below, in the test's thread)
            errors.append(e)

    pool = [threading.Thread(target=work, args=(rows_per_thread[t],)) for t in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert not errors, errors
    return values


@pytest.mark.parametrize("path", ["call", "many", "many at once"])
def test_compiled_calls_from_four_threads_give_the_interpreters_sums(path):
    sys.setswitchinterval(1e-6)  # switch threads as often as CPython can: races show at once
    try:
        model = nn.MLP(2, [6, 1], activation="tanh", seed=4)
        x = [Value(0.0, "x0"), Value(0.0, "x1")]
        f = compile(model(x), inputs=x)
        if path == "many at once" and f.batched is not None:
            f.batched.min_rows = 8
        rows = [[[0.1 * t + 0.01 * k, 1.0 - 0.02 * k] for k in range(16)] for t in range(4)]
        model.zero_grad()
        for per_thread in rows:  # the interpreter's sums: every row's backward() in turn
            for row in per_thread:
                model(row).backward()
        want = [p.grad for p in model.parameters()]
        call = f if path == "call" else lambda r: f.many([r] * 8)
        scale = 1 if path == "call" else 8
        for _ in range(20):
            model.zero_grad()
            threaded_calls(call, rows)
            got = [p.grad for p in model.parameters()]
            # The sums of the same terms in another order: equal to rounding, never short of
            # a term (a lost row would be off by its whole contribution, about 1e-1).
            assert got == pytest.approx([scale * g for g in want], rel=1e-12, abs=1e-15)
    finally:
        sys.setswitchinterval(0.005)


# ------------------------------------------------------------------ rows: sequences only


@pytest.mark.parametrize(
    "row, shown",
    [({0: 3.0}, "dict"), ({3.0}, "set"), ("3", "str"), (b"3", "bytes"), (iter([3.0]), "iterator")],
    ids=["dict", "set", "str", "bytes", "iterator"],
)
def test_a_row_that_is_not_a_sequence_is_a_type_error_naming_it(row, shown):
    x, w = Value(1.0, "x"), Value(2.0, "w")
    f = compile(x * w, inputs=[x])
    for call in (f, f.forward, lambda r: f.many([[1.0], r]), f.debug):
        with pytest.raises(
            TypeError, match=rf"row \d: the compiled graph takes a sequence .*{shown}"
        ):
            call(row)
    assert w.grad == 0.0  # nothing was computed: a dict's key 0 is not x = 0


def test_numpy_rows_and_arrays_of_rows_are_read_in_order():
    x = [Value(0.0, "x0"), Value(0.0, "x1")]
    w = Value(2.0, "w")
    f = compile((x[0] - x[1]) * w, inputs=x)
    assert f(np.array([3.0, 1.0])) == 4.0
    assert f.many(np.array([[3.0, 1.0], [1.0, 3.0]])) == 0.0
    assert f.many(r for r in [[1.0, 0.0]]) == 2.0  # an iterator of rows is in order


@pytest.mark.parametrize("rows", [{(1.0,), (2.0,)}, {(1.0,): 1}, frozenset({(1.0,)})])
def test_rows_in_a_set_or_a_dict_are_refused_they_have_no_order(rows):
    x, w = Value(1.0, "x"), Value(2.0, "w")
    f = compile(x * w, inputs=[x])
    with pytest.raises(
        TypeError, match=r"many: rows must be a sequence of rows .* got (set|dict|frozenset)"
    ):
        f.many(rows)


# ------------------------------------------------------------------ errors: the interpreter's


def error_of(thunk):
    try:
        thunk()
    except (ArithmeticError, ValueError) as e:
        return type(e).__name__, str(e)
    return None


ERRORS = [  # an operation on x · w, w = 1, and a row that takes it outside its domain
    ("div", lambda z: 1.0 / z, 0.0),
    ("div by -0", lambda z: 1.0 / -z, 0.0),
    ("log", lambda z: z.log(), -1.5),
    ("log 0", lambda z: z.log(), 0.0),
    ("exp", lambda z: z.exp(), 710.0),
    ("pow negative base", lambda z: z**0.5, -4.0),
    ("pow zero", lambda z: z**-1, 0.0),
    ("pow overflow", lambda z: z**3, 1e200),
    ("pow value", lambda z: z ** Value(0.5), -4.0),
    ("square overflow", lambda z: z**2, -1e200),
    ("sqrt", lambda z: z.sqrt(), -1.0),
]


@pytest.mark.parametrize("build, bad", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
@pytest.mark.parametrize("path", ["call", "forward", "many", "many at once", "after a move"])
def test_a_compiled_error_is_the_interpreters_error_message_for_message(build, bad, path):
    want = error_of(lambda: build(Value(bad) * Value(1.0)))
    assert want is not None
    x, w = Value(1.0, "x"), Value(1.0, "w")
    root = build(x * w) + 0.0
    f = compile(root, inputs=[x])
    if path == "many at once":
        assert f.batched is not None
        f.batched.min_rows = 8
    run = {
        "call": lambda: f([bad]),
        "forward": lambda: f.forward([bad]),
        "many": lambda: f.many([[1.0], [bad]]),
        "many at once": lambda: f.many([[1.0]] * 8 + [[bad]]),
        "after a move": lambda: compile(root, inputs=[w])([1.0]),
    }[path]
    if path == "after a move":
        x.data = bad  # the graph's leaves moved after it was built, before it is compiled
    assert error_of(run) == want
    assert w.grad == 0.0  # a failed call leaves the grads as they were


# ------------------------------------------------------------------ the fuzz
# Random programs over every operation, compiled after their leaves moved (as after an
# optimiser's step), their leaves and some nodes named by hostile labels, maybe ending in a
# cross-entropy of several of their nodes shifted by a row's offset (logits ±1e3 apart from
# row to row), called row by row, over many rows, every row at once, or from four threads:
# always the interpreter's floats, bit for bit, or an error where it raises.

OFFSETS = (0.0, 1e3, -1e3, 730.0, -730.0, 100.0)


def fuzz_graph(prog, leaves, labels, logits, target, offset):
    """The program on these leaves, its last nodes labelled; its root, or the cross-entropy
    of its last ``logits`` nodes, each plus ``offset``."""
    nodes = run(prog, leaves, ENGINE)
    for node, label in zip(nodes[len(leaves) :][-3:], labels):
        node.label = label
    if not logits:
        return nodes[-1]
    return losses.cross_entropy([nodes[-1 - j] + offset for j in range(logits)], target)


@settings(**SETTINGS, max_examples=fuzz_examples(100))
@given(programs(), st.data())
def test_a_fuzz_of_compile_against_the_interpreter(prog, data):
    prog = root_graph(prog)
    n = len(prog.leaves)
    labels = data.draw(st.lists(LABELS, min_size=n + 3, max_size=n + 3), label="labels")
    moved = [data.draw(st.sampled_from([v, -v, 0.5 * v + 0.25, 2.0, -0.0]), label=f"moved x{i}")
             for i, v in enumerate(prog.leaves)]  # fmt: skip
    logits = data.draw(st.sampled_from([0, 0, 2, 3, 4]), label="logits")
    logits = min(logits, n + len(prog.steps))
    target = data.draw(st.integers(0, max(0, logits - 1)), label="class")
    mode = data.draw(st.sampled_from(["call", "many", "many at once", "threads"]), label="mode")

    # The compiled side: built where the program was drawn, its leaves moved, then compiled.
    leaves = [Value(v, label) for v, label in zip(prog.leaves, labels)]
    offset = Value(0.0, "o")
    root = fuzz_graph(prog, leaves, labels[n:], logits, target, offset)
    in_graph = set(topological_order(root))
    chosen = sorted(data.draw(st.sets(st.sampled_from(range(n))), label="inputs"))
    chosen = [i for i in chosen if leaves[i] in in_graph]
    params = [i for i in range(n) if leaves[i] in in_graph and i not in chosen]
    for leaf, v in zip(leaves, moved):
        leaf.data = v
    f = compile(root, inputs=[leaves[i] for i in chosen] + [offset] * bool(logits))

    def row():
        xs = [data.draw(st.sampled_from([moved[i], -moved[i], 0.5 * moved[i] + 0.25, -0.0,
                                         1e3 * moved[i]])) for i in chosen]  # fmt: skip
        return xs + [data.draw(st.sampled_from(OFFSETS))] * bool(logits)

    rows = [row() for _ in range(data.draw(st.integers(1, 6), label="rows"))]
    if mode == "many at once" and f.batched is not None:
        f.batched.min_rows = 8
        rows = (rows * 8)[: max(8, len(rows))]
    if mode == "threads":  # four threads, three calls each, of one row: any order adds alike
        rows = [rows[0]] * 12

    # The interpreter: the same leaves' values, each row's graph built anew, then backward().
    twins = [Value(v) for v in moved]
    total, want = -0.0, "error"
    try:
        for r in rows:
            given_ = dict(zip(chosen, r))
            row_leaves = [Value(given_[i]) if i in given_ else twins[i] for i in range(n)]
            shift = Value(r[-1] if logits else 0.0)
            twin = fuzz_graph(prog, row_leaves, labels[n:], logits, target, shift)
            twin.backward()
            total += twin.data
        want = repr((total, [twins[i].grad for i in params]))
    except (ArithmeticError, ValueError):
        pass

    try:
        if mode == "threads" and want != "error":
            values = threaded_calls(f, [rows[k::4] for k in range(4)])
            total = reduce(operator.add, values, -0.0)
        elif mode in ("call", "threads"):
            total = reduce(operator.add, [f(r) for r in rows], -0.0)
        else:
            total = f.many(rows)
        got = repr((total, [leaves[i].grad for i in params]))
    except (ArithmeticError, ValueError):
        got = "error"
    kind = "cross-entropy" if logits else "a program"
    event(f"mode {mode}, {kind}, {'an error' if want == 'error' else 'floats'}")
    assert got == want, (mode, f.source)


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
    with pytest.raises(TypeError, match=r"row 1: the compiled graph takes a sequence .* of 1 "):
        f.many(([1.0], 5.0))
