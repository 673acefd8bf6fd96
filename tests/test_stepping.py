"""backward_steps: backward() one node per next(), with every contribution visible; repr(Value)."""

import math

from hypothesis import given
from hypothesis import strategies as st

from micrograd_cbook import Value, backward_steps
from micrograd_cbook.engine import topological_order

# A random graph is a recipe: leaves, then operations on earlier nodes (reuse makes shared
# sub-expressions, so many nodes are reached along several paths).
OPS = ("+", "-", "*", "sigmoid", "tanh", "*c", "**2", "relu")
recipes = st.tuples(
    st.lists(st.floats(-2, 2, allow_nan=False), min_size=1, max_size=4),
    st.lists(
        st.tuples(
            st.sampled_from(OPS),
            st.integers(0, 10**6),
            st.integers(0, 10**6),
            st.floats(-2, 2, allow_nan=False),
        ),
        min_size=1,
        max_size=25,
    ),
)


def build(recipe):
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


def test_step_prints_as_a_small_table_with_stand_in_names():
    w, x = Value(0.5, "w"), Value(1.5, "x")
    a = (w * x + 0.1).sigmoid()
    a.label = "a"
    steps = list(backward_steps(a))
    table = str(steps[0])
    assert table.splitlines()[0] == "step 1: a = sigmoid(add#5)   grad 1.0000"
    assert "∂a/∂child" in table and "contribution" in table
    assert "add#5" in table and "0.2098" in table  # σ'(0.85) = 0.2098
    assert str(steps[1]).splitlines()[0] == "step 2: add#5 = +(mul#3, 0.1)   grad 0.2098"
    assert repr(steps[2]) == "Step(3, node='mul#3', grad=0.2098, 2 contributions)"
    assert "(−" not in table


def test_negative_numbers_print_with_a_real_minus_sign():
    x = Value(2.0, "x")
    y = -x
    y.label = "y"
    assert "−1.0000" in str(next(backward_steps(y)))


# ------------------------------------------------------------------ repr(Value)


def test_repr_shows_label_data_grad_and_op_as_in_the_api():
    a = Value(1.0).sigmoid()
    a.label = "a1"
    a.grad = -0.0313
    assert repr(a) == "Value(label='a1', data=0.7311, grad=-0.0313, op='sigmoid')"


def test_repr_of_an_unlabelled_leaf_leaves_out_label_and_op():
    assert repr(Value(2.0)) == "Value(data=2.0000, grad=0.0000)"


def test_repr_of_tiny_and_huge_numbers_stays_readable():
    v = Value(1e-9, "eps")
    v.grad = 3e7
    assert repr(v) == "Value(label='eps', data=1.0000e-09, grad=3.0000e+07)"
    assert math.isnan(Value(float("nan")).data) and "nan" in repr(Value(float("nan")))
