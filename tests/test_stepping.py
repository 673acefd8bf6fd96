"""backward_steps: backward() one node per next(), with every contribution visible; and explain:
∂root/∂wrt as a sum over paths of products of local grads, in the chapter's style."""

import math
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import build, recipes

from micrograd_cbook import Value, backward_steps, explain, losses, nn, sum_values
from micrograd_cbook.engine import topological_order
from micrograd_cbook.stepping import count_paths, folded_edges
from micrograd_cbook.viz.graph import OPTIONS, Drawing

# ------------------------------------------------------------------ backward_steps


def grads(nodes):
    return [n.grad for n in nodes]


@given(recipes)
def test_consuming_every_step_leaves_exactly_backwards_grads(recipe):
    by_backward, by_steps = build(recipe), build(recipe)
    by_backward[-1].backward()
    for _ in backward_steps(by_steps[-1]):
        pass
    assert grads(by_steps) == grads(by_backward)  # bit for bit: one chain-rule loop


@given(recipes)
def test_contributions_are_local_grad_times_grad_and_add_up_to_each_grad(recipe):
    nodes = build(recipe)
    root = nodes[-1]
    received = dict.fromkeys(map(id, topological_order(root)), 0.0)
    received[id(root)] = 1.0
    for step in backward_steps(root):
        assert step.grad == step.node.grad  # final when its step comes
        assert [c for c, _, _ in step.contributions] == list(step.node.children)
        assert [lg for _, lg, _ in step.contributions] == list(step.node.local_grads)
        for child, local_grad, contribution in step.contributions:
            assert contribution == local_grad * step.grad
            received[id(child)] += contribution  # in the order backward() adds them
    for n in topological_order(root):
        assert received[id(n)] == n.grad


@given(recipes)
def test_steps_visit_each_interior_node_once_parents_before_children(recipe):
    root = build(recipe)[-1]
    order = [step.node for step in backward_steps(root)]
    interior = [n for n in topological_order(root) if n.children]
    assert len(order) == len(set(map(id, order))) == len(interior)
    position = {id(n): i for i, n in enumerate(order)}
    for n in order:
        for child in n.children:
            if child.children:
                assert position[id(child)] > position[id(n)]


def test_each_step_is_taken_only_when_asked_for():
    x = Value(2.0, "x")
    z = x * 3.0
    z.label = "z"
    a = z.tanh()
    steps = backward_steps(a)
    assert x.grad == 0.0
    first = next(steps)
    assert first.node is a and first.index == 1
    assert z.grad == first.contributions[0][2] and x.grad == 0.0  # z has its grad, x not yet
    second = next(steps)
    assert second.node is z and x.grad == 3.0 * z.grad
    assert list(steps) == []


def test_leaves_accumulate_and_interior_nodes_are_recomputed_as_in_backward():
    x = Value(1.5, "x")
    y = (x * x).sigmoid()
    for _ in backward_steps(y):
        pass
    once = x.grad
    list(backward_steps(y))
    assert x.grad == 2 * once
    assert y.children[0].grad == y.local_grads[0]  # not doubled


def test_seed_grad_is_honoured():
    x = Value(3.0)
    list(backward_steps(x * 2.0, grad=0.5))
    assert x.grad == 1.0


def test_a_leaf_root_yields_no_steps_and_its_grad_grows_like_backward():
    x = Value(3.0, "x")
    assert list(backward_steps(x)) == []
    assert x.grad == 1.0


def test_a_100_000_node_chain_steps_without_recursion():
    x = Value(0.5, "x")
    y = x
    for _ in range(100_000):
        y = y * 1.0
    assert sum(1 for _ in backward_steps(y)) == 100_000
    assert x.grad == 1.0


def test_step_prints_as_a_small_table_naming_unlabelled_values_by_their_formula():
    w, x = Value(0.5, "w"), Value(1.5, "x")
    a = (w * x + 0.1).sigmoid()
    a.label = "a"
    steps = list(backward_steps(a))
    table = str(steps[0])
    assert table.splitlines()[0] == "step 1: a = sigmoid(w·x + 0.1)   grad 1.0000"
    assert "∂a/∂child" in table and "contribution" in table
    assert "w·x + 0.1" in table and "0.2098" in table  # σ'(0.85) = 0.2098
    assert str(steps[1]).splitlines()[0] == "step 2: w·x + 0.1 = +(w·x, 0.1)   grad 0.2098"
    assert repr(steps[2]) == "Step(3, node='w·x', grad=0.2098, 2 contributions)"
    assert "(−" not in table


def test_negative_numbers_print_with_a_real_minus_sign():
    x = Value(2.0, "x")
    y = -x
    y.label = "y"
    assert "−1.0000" in str(next(backward_steps(y)))


# ------------------------------------------------------------------ explain


def chapter_chain():
    """The chapter's last link: a¹ = σ(1), w² with z² = 1, a² = σ(z²), C = ½(y − a²)², y = 1."""
    a1 = Value(1 / (1 + math.exp(-1)), "a1")
    w2 = Value(1.0 / a1.data, "w2")
    z2 = w2 * a1
    z2.label = "z2"
    a2 = z2.sigmoid()
    a2.label = "a2"
    C = 0.5 * (1.0 - a2) ** 2
    C.label = "C"
    return w2, C


def agrees(total: float, grad: float, paths) -> bool:
    # Sums of many products in a different order: relative to the size of the terms.
    scale = sum(abs(p.product) for p in paths)
    return math.isclose(total, grad, rel_tol=1e-9, abs_tol=1e-12 * scale)


def test_the_chapters_line_for_dC_dw2():
    w2, C = chapter_chain()
    C.backward()
    assert str(explain(C, w2, labelled_only=True)) == (
        "∂C/∂w2 = ∂z2/∂w2 · ∂a2/∂z2 · ∂C/∂a2 = 0.7311 × 0.1966 × (−0.2689) = −0.0387"
    )


def test_every_node_on_the_path_appears_without_labelled_only():
    w2, C = chapter_chain()
    C.backward()
    e = explain(C, w2)
    (path,) = e.paths
    assert path.nodes[0] is w2 and path.nodes[-1] is C
    assert len(path.factors) == len(path.nodes) - 1 == 5  # z2, a2, 1 − a2, (·)², ½·
    assert str(e).startswith("∂C/∂w2 = ∂z2/∂w2 · ∂a2/∂z2 · ∂(1 − a2)/∂a2 · ∂(1 − a2)²/∂(1 − a2)")
    assert e.total == w2.grad  # one path: the same products in the same order, exactly


@given(recipes, st.data())
def test_totals_equal_grads_on_random_graphs(recipe, data):
    nodes = build(recipe)
    root = nodes[-1]
    root.backward()
    wrt = data.draw(st.sampled_from(nodes))
    n = count_paths(root, wrt)
    if n == 0 or n > 2000:
        with pytest.raises(ValueError):
            explain(root, wrt, max_paths=2000)
        return
    e = explain(root, wrt, max_paths=2000)
    assert len(e.paths) == n
    assert agrees(e.total, wrt.grad, e.paths)
    for p in e.paths:
        assert p.nodes[0] is wrt and p.nodes[-1] is root
        assert math.prod(reversed(p.factors)) == p.product  # multiplied root first


@given(recipes, st.data())
def test_labelled_only_totals_equal_grads_whichever_nodes_carry_labels(recipe, data):
    nodes = build(recipe)
    for n in nodes:
        n.label = n.label if not n.children or data.draw(st.booleans()) else ""
    root = nodes[-1]
    root.backward()
    wrt = data.draw(st.sampled_from(nodes[:-1] or nodes))
    if count_paths(root, wrt) == 0:
        return
    try:
        e = explain(root, wrt, max_paths=2000, labelled_only=True)
    except ValueError:
        return  # too many paths even between labelled nodes
    assert agrees(e.total, wrt.grad, e.paths)
    assert all(v.label or v is wrt or v is root for p in e.paths for v in p.nodes)


def test_a_node_reached_along_several_paths_sums_them():
    x = Value(0.3, "x")
    a = x.tanh()
    a.label = "a"
    b = x * x
    b.label = "b"
    C = a * b + x
    C.label = "C"
    C.backward()
    e = explain(C, x)
    assert len(e.paths) == 4  # through a, through b twice (x·x), and directly
    assert e.total == pytest.approx(x.grad, rel=1e-15)
    lines = str(e).splitlines()
    assert lines[0] == "∂C/∂x = the sum over 4 paths from x to C:"
    assert lines[-1].startswith("∂C/∂x = ") and lines[-1].endswith(f"= {x.grad:.4f}")
    assert len(lines) == 6


def test_many_paths_print_a_sum_line_without_every_term():
    x = Value(0.5, "x")
    y = sum_values([x * float(k) for k in range(1, 11)])
    y.label = "y"
    y.backward()
    lines = str(explain(y, x)).splitlines()
    assert len(lines) == 12
    assert lines[-1] == "∂y/∂x = the sum of the 10 products = 55.0000"


def test_a_60_layer_diamond_chain_is_refused_fast_without_enumerating():
    x = Value(0.1, "x")
    y = x
    for _ in range(60):
        y = y.tanh() + 0.5 * y  # two paths per layer: 2^60 in all
    start = time.perf_counter()
    assert count_paths(y, x) == 2**60
    with pytest.raises(ValueError, match=r"1152921504606846976 paths, more than max_paths=1000"):
        explain(y, x)
    assert time.perf_counter() - start < 1.0


def test_max_paths_is_the_limit_itself():
    x = Value(1.0, "x")
    y = x * x  # 2 paths
    assert len(explain(y, x, max_paths=2).paths) == 2
    with pytest.raises(ValueError, match="max_paths=1"):
        explain(y, x, max_paths=1)
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="max_paths must be a positive int"):
            explain(y, x, max_paths=bad)


def test_wrt_outside_the_graph_is_a_clear_value_error():
    x, other = Value(1.0, "x"), Value(2.0, "other")
    y = x.sigmoid()
    y.label = "y"
    with pytest.raises(ValueError, match="'other' is not in the graph of 'y'"):
        explain(y, other)
    with pytest.raises(ValueError, match=r"Value\(data=3.0000.*not in the graph"):
        explain(y, Value(3.0))


def test_wrt_must_be_a_value():
    y = Value(1.0, "x").exp()
    with pytest.raises(TypeError, match="float"):
        explain(y, 1.0)


def test_root_with_respect_to_itself_is_one():
    y = Value(2.0, "x").exp()
    y.label = "y"
    e = explain(y, y)
    assert e.total == 1.0 and len(e.paths) == 1
    assert str(e) == "∂y/∂y = ∂y/∂y = 1.0000 = 1.0000"


def test_unlabelled_nodes_get_readable_stand_ins():
    w = Value(0.5)
    C = (w * 3 - 1).relu() + 2
    e = str(explain(C, w))
    assert e.startswith("∂add#")
    for stand_in in ("/∂leaf#", "∂mul#", "∂sub#", "∂relu#"):
        assert stand_in in e


def test_a_deep_single_path_explains_without_recursion():
    x = Value(1.0, "x")
    y = x
    for _ in range(5000):
        y = y * 1.0
    e = explain(y, x)
    assert e.total == 1.0 and len(e.paths[0].factors) == 5000


def test_repr_is_one_line():
    x = Value(1.0, "x")
    y = x * x
    y.label = "y"
    assert repr(explain(y, x)) == "Explanation(∂y/∂x, 2 paths, total=2.0000)"


def test_labelled_only_folds_an_unlabelled_diamond_completely():
    # x feeds u = x + x, and v = u + x, C = u + v: unlabelled u is reached by two routes.
    x = Value(0.0, "x")
    u = x + x
    v = u + x
    C = u + v
    C.label = "C"
    C.backward()
    e = explain(C, x, labelled_only=True)
    assert len(e.paths) == 1 and e.total == x.grad == 5.0


def test_explain_and_the_pictures_read_one_fold():
    """explain(labelled_only=True)'s factors are the picture's edges: one folded_edges."""
    net = nn.chapter_network()
    C = losses.quadratic_cost(net([1.0, 0.0, 1.0]), Value(1.0, "y"))
    C.backward()
    w = net.layers[0].neurons[0].w[2]
    (path,) = explain(C, w, labelled_only=True).paths
    drawing = Drawing(C, **{**OPTIONS, "highlight": w})
    for lower, upper, f in zip(path.nodes, path.nodes[1:], path.factors):
        assert dict(drawing.inputs(upper))[lower] == f  # the same float on the picture's edge
        assert dict(folded_edges(upper, lambda n: bool(n.label)))[lower] == f
