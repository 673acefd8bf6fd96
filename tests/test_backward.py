"""backward(): deep graphs, repeated calls, shared subexpressions, scaling, the fused n-ary
nodes against plain graphs, and gradcheck."""

import math
import random

import pytest
from floats import assert_same_floats

from micrograd_cbook import Value, gradcheck, sum_values, weighted_sum

# ------------------------------------------------------------------ depth


def test_a_chain_one_million_nodes_deep_backpropagates_exactly():
    x = Value(0.5)
    y = x
    for _ in range(1_000_000):
        y = -y  # each local grad is −1: after an even number of steps, ∂y/∂x = 1 exactly
    y.backward()
    assert y.data == 0.5
    assert x.grad == 1.0


def test_a_chain_deeper_than_the_recursion_limit_with_a_constant_each_step():
    x = Value(0.0)
    y = x
    for _ in range(20_000):
        y = y * 1.0 + 1.0
    y.backward()
    assert (y.data, x.grad) == (20_000.0, 1.0)


# ------------------------------------------------------------------ repeated backward


def test_repeated_backward_accumulates_on_leaves():
    x = Value(3.0)
    y = x * x
    y.backward()
    y.backward()
    y.backward()
    assert x.grad == 3 * 6.0


def test_repeated_backward_does_not_double_count_interior_nodes():
    x = Value(3.0)
    h = x * 2.0  # interior
    y = h * h
    y.backward()
    assert h.grad == 12.0
    y.backward()
    assert h.grad == 12.0  # recomputed, not 24
    assert x.grad == 2 * 24.0


def test_zeroing_leaf_grads_between_calls_gives_the_same_grads():
    w, x = Value(0.5), Value(-1.5)
    C = (w * x).sigmoid()
    C.backward()
    first = (w.grad, x.grad)
    w.grad = x.grad = 0.0
    C.backward()
    assert (w.grad, x.grad) == first


def test_backward_from_an_interior_node_then_the_root_resets_the_shared_interior_grads():
    x = Value(2.0)
    h = x * 3.0
    y = h + 1.0
    h.backward()
    assert (h.grad, x.grad) == (1.0, 3.0)
    y.backward()
    assert h.grad == 1.0
    assert x.grad == 3.0 + 3.0


# ------------------------------------------------------------------ shared subexpressions


def test_shared_subexpressions_are_counted_once_per_path():
    a = Value(1.0)
    b = a + a
    c = b + b
    c.backward()
    assert (c.data, b.grad, a.grad) == (4.0, 2.0, 4.0)


def test_a_diamond_sums_both_paths():
    x = Value(3.0)
    u, v = x * 2.0, x * x
    y = u * v  # 2x³: dy/dx = 6x² = 54
    y.backward()
    assert x.grad == 54.0


def test_a_node_used_twice_by_one_operation_gets_both_contributions():
    x = Value(1.5)
    y = x * x
    y.backward()
    assert x.grad == 3.0


def test_a_doubling_ladder_counts_two_to_the_n_paths_exactly():
    a = Value(1.0)
    y = a
    for _ in range(60):
        y = y + y
    y.backward()
    assert a.grad == 2.0**60


# ------------------------------------------------------------------ root and scaling


def test_backward_on_a_leaf_sets_its_grad_to_one_and_accumulates():
    x = Value(7.0)
    x.backward()
    assert x.grad == 1.0
    x.backward()
    assert x.grad == 2.0


def test_backward_grad_scales_every_grad():
    w, x = Value(0.5), Value(-1.5)
    C = (w * x).tanh() * 3.0
    C.backward()
    base = (w.grad, x.grad)
    w.grad = x.grad = 0.0
    C.backward(grad=2.5)
    assert C.grad == 2.5
    assert (w.grad, x.grad) == (2.5 * base[0], 2.5 * base[1])


def test_backward_accepts_an_int_grad():
    x = Value(2.0)
    y = x * 3.0
    y.backward(grad=2)
    assert x.grad == 6.0 and type(x.grad) is float


def test_nodes_not_reaching_the_root_are_untouched():
    x, z = Value(1.0), Value(2.0)
    y = x * 2.0
    side = z * x
    y.backward()
    assert (z.grad, side.grad) == (0.0, 0.0)


def test_constants_receive_their_grad_too():
    x = Value(3.0)
    y = 2.0 * x
    y.backward()
    c = y.children[0]
    assert c.grad == 3.0


# ------------------------------------------------------------------ fused n-ary nodes


def _random_terms(n, seed):
    rng = random.Random(seed)
    ws = [Value(rng.uniform(-2, 2)) for _ in range(n)]
    xs = [Value(rng.uniform(-2, 2)) for _ in range(n)]
    b = Value(rng.uniform(-2, 2))
    return ws, xs, b


def _plain_weighted_sum(ws, xs, b=None):
    z = ws[0] * xs[0]
    for w, x in zip(ws[1:], xs[1:]):
        z = z + w * x
    return z if b is None else z + b


@pytest.mark.parametrize("n", [1, 2, 3, 17])
@pytest.mark.parametrize("bias", [True, False])
def test_weighted_sum_equals_plain_mul_and_add_bit_for_bit(n, bias):
    ws, xs, b = _random_terms(n, seed=n)
    fused = weighted_sum(ws, xs, b if bias else None)
    fused.backward(grad=0.7)
    grads_fused = [v.grad for v in (*ws, *xs, b)]
    for v in (*ws, *xs, b):
        v.grad = 0.0
    plain = _plain_weighted_sum(ws, xs, b if bias else None)
    plain.backward(grad=0.7)
    grads_plain = [v.grad for v in (*ws, *xs, b)]
    assert_same_floats(fused.data, plain.data)
    assert grads_fused == grads_plain  # the local grads do not depend on how Σ adds


def test_weighted_sum_records_the_chapters_local_grads():
    ws, xs, b = _random_terms(3, seed=0)
    z = weighted_sum(ws, xs, b)
    assert z.children == (*ws, *xs, b)
    assert z.local_grads == (*(x.data for x in xs), *(w.data for w in ws), 1.0)


def test_weighted_sum_with_number_inputs_matches_plain_graph():
    ws = [Value(0.3), Value(-1.1), Value(2.5)]
    xs = [1.5, -0.25, 3.0]
    fused = weighted_sum(ws, xs)
    fused.backward()
    grads = [w.grad for w in ws]
    for w in ws:
        w.grad = 0.0
    plain = _plain_weighted_sum(ws, xs)
    plain.backward()
    assert_same_floats(fused.data, plain.data)
    assert grads == [w.grad for w in ws] == xs


# An n-ary node whose grad is 0 passes nothing down (each contribution would be 0), but only
# when its local grads are finite: 0 · inf is nan, as in the plain graph and in PyTorch.


@pytest.mark.parametrize(
    "build",
    [
        lambda w: weighted_sum(w, [math.inf, 1.0, 1.0]),
        lambda w: Value(0.0, "", tuple(w), (math.inf, 1.0, 1.0), "custom"),
        lambda w: sum_values(w) * math.inf,  # a zero grad through a finite sum: all 0
    ],
    ids=["weighted-sum", "hand-made", "plain-sum"],
)
def test_a_many_child_node_with_grad_zero_gives_what_the_chain_rule_gives(build):
    w = [Value(1.0), Value(2.0), Value(3.0)]
    z = build(w)
    (z * 0.0).backward()
    if z.op == "*":  # sum_values(w) * inf: the sum's grad is inf · 0 = nan, passed to each
        assert all(math.isnan(v.grad) for v in w)
    else:
        assert math.isnan(w[0].grad)  # ∂z/∂w0 = inf, times ∂C/∂z = 0
        assert w[1].grad == w[2].grad == 0.0


def test_a_sum_with_grad_zero_leaves_its_childrens_grads_as_they_were():
    x = Value(2.0)
    s = sum_values([x, x * 3.0, Value(1.0)])
    C = s * 0.0 + x * 5.0
    C.backward()
    assert x.grad == 5.0 and s.grad == 0.0


@pytest.mark.parametrize("n", [1, 2, 5, 40])
def test_sum_values_equals_plain_addition_bit_for_bit(n):
    rng = random.Random(n)
    vs = [Value(rng.uniform(-5, 5)) for _ in range(n)]
    items = [*vs, 0.1]  # a number becomes a Constant
    fused = sum_values(items)
    fused.backward(grad=1.3)
    grads_fused = [v.grad for v in vs]
    for v in vs:
        v.grad = 0.0
    plain = vs[0]
    for v in items[1:]:
        plain = plain + v
    plain.backward(grad=1.3)
    assert_same_floats(fused.data, plain.data)
    assert grads_fused == [v.grad for v in vs] == [1.3] * n


# ------------------------------------------------------------------ gradcheck


def test_gradcheck_passes_on_a_correct_function():
    result = gradcheck(lambda w, x, b: (w * x + b).sigmoid() ** 2 / (1 + x.exp()), [0.5, -1.5, 0.2])
    assert result.ok and bool(result)
    assert result.max_error <= 1e-6
    assert "gradcheck ok" in str(result)


def _with_wrong_slope(x: Value) -> Value:
    # x² whose recorded local derivative is deliberately wrong (3x instead of 2x).
    return Value(x.data**2, "", (x,), (3.0 * x.data,), "bad")


def test_gradcheck_reports_a_wrong_local_grad_as_a_mismatch():
    result = gradcheck(lambda a, b: _with_wrong_slope(a) + b * b, [1.5, 0.5])
    assert not result.ok and not bool(result)
    assert result.worst.index == 0
    assert result.worst.engine == pytest.approx(4.5)
    assert result.worst.numeric == pytest.approx(3.0, rel=1e-6)
    assert result.max_error == pytest.approx(0.5, rel=1e-5)  # |4.5 − 3| / 3


def test_gradcheck_str_names_the_worst_input_readably():
    text = str(gradcheck(lambda a, b: b * b + _with_wrong_slope(a), [1.5, 0.5]))
    assert "MISMATCH" in text
    assert "at x0" in text
    worst_line = next(line for line in text.splitlines() if "<-- worst" in line)
    assert worst_line.split()[0] == "x0"
    assert "4.5000" in worst_line and "3.0000" in worst_line


def test_gradcheck_rejects_a_function_not_returning_a_value():
    with pytest.raises(TypeError, match="Value"):
        gradcheck(lambda a: a.data, [1.0])


def test_gradcheck_treats_a_nan_gradient_as_a_mismatch():
    result = gradcheck(lambda a: Value(a.data, "", (a,), (math.nan,), "bad"), [1.0])
    assert not result.ok
