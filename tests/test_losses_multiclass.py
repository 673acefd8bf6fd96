"""Softmax, cross-entropy and the one-hot quadratic cost against mpmath and PyTorch."""

import math

import mpmath
import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd_cbook import Value, explain, losses, nn

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # pragma: no cover - torch is optional
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

mpmath.mp.dps = 50


def values(xs):
    return [Value(float(x)) for x in xs]


def exact_cross_entropy(z, c):
    """−ln softmax(z)[c] in 50 digits: ln Σ e^zₖ − z_c."""
    zs = [mpmath.mpf(v) for v in z]
    return float(mpmath.log(mpmath.fsum(mpmath.exp(v) for v in zs)) - zs[c])


def exact_softmax(z):
    zs = [mpmath.mpf(v) for v in z]
    total = mpmath.fsum(mpmath.exp(v) for v in zs)
    return [float(mpmath.exp(v) / total) for v in zs]


def torch_cross_entropy(rows, targets):
    """PyTorch's loss and the gradient of every logit, in float64."""
    t = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
    loss = F.cross_entropy(t, torch.tensor(targets, dtype=torch.long))
    loss.backward()
    return loss.item(), t.grad.tolist()


logit_rows = st.lists(
    st.floats(-700.0, 700.0, allow_nan=False, allow_infinity=False), min_size=2, max_size=10
)


# -------------------------------------------------------------------- softmax


def test_softmax_of_small_logits_equals_the_exact_probabilities():
    z = [1.0, 2.0, 3.0, -0.5]
    p = losses.softmax(values(z))
    assert [v.data for v in p] == pytest.approx(exact_softmax(z), rel=1e-15)
    assert math.fsum(v.data for v in p) == pytest.approx(1.0, rel=1e-15)


def test_softmax_of_logits_of_700_and_minus_700_does_not_overflow():
    p = losses.softmax(values([700.0, -700.0, 699.0]))
    assert [v.data for v in p] == pytest.approx(exact_softmax([700, -700, 699]), rel=1e-15)


def test_softmax_of_logits_of_1e300_is_one_hot():
    assert [v.data for v in losses.softmax(values([-1e300, 1e300]))] == [0.0, 1.0]


@needs_torch
@given(logit_rows, st.data())
def test_softmax_values_and_grads_equal_torch(z, data):
    weights = data.draw(st.lists(st.floats(-2, 2), min_size=len(z), max_size=len(z)))
    zs = values(z)
    p = losses.softmax(zs)
    out = sum(w * pj for w, pj in zip(weights, p))  # a scalar of every probability
    out.backward()
    t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    tp = torch.softmax(t, dim=0)
    (torch.tensor(weights, dtype=torch.float64) * tp).sum().backward()
    assert [v.data for v in p] == pytest.approx(tp.tolist(), rel=1e-12, abs=1e-300)
    assert [v.grad for v in zs] == pytest.approx(t.grad.tolist(), rel=1e-9, abs=1e-15)


# -------------------------------------------------------------- cross-entropy


def test_cross_entropy_of_equal_logits_is_ln_of_the_number_of_classes():
    z = values([0.25] * 10)
    C = losses.cross_entropy(z, 7)
    C.backward()
    assert C.label == "C"
    assert C.data == pytest.approx(math.log(10), rel=1e-15)
    assert [v.grad for v in z] == pytest.approx([0.1] * 7 + [-0.9] + [0.1] * 2, rel=1e-14)


def test_cross_entropy_grad_is_softmax_minus_one_hot():
    z = values([2.0, -1.0, 0.5])
    losses.cross_entropy(z, 2).backward()
    expected = [p - y for p, y in zip(exact_softmax([2.0, -1.0, 0.5]), losses.one_hot(2, 3))]
    assert [v.grad for v in z] == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize(
    "z, c",
    [
        ([700.0, -700.0], 1),
        ([700.0, -700.0], 0),
        ([700.0, 690.0, -700.0], 1),
        ([-700.0, -700.0, -699.5], 2),
        ([1e300, -1e300], 1),
    ],
)
def test_cross_entropy_of_huge_logits_equals_the_exact_value(z, c):
    C = losses.cross_entropy(values(z), c)
    assert C.data == pytest.approx(exact_cross_entropy(z, c), rel=1e-14, abs=1e-300)


@needs_torch
@pytest.mark.parametrize(
    "z, c",
    [
        ([700.0, -700.0], 1),
        ([700.0, 690.0, -700.0], 2),
        ([-700.0, 0.0, 700.0], 0),
        ([3.0, 1.0, -2.0, 0.0], 3),
    ],
)
def test_cross_entropy_of_logits_of_700_equals_torch(z, c):
    zs = values(z)
    C = losses.cross_entropy(zs, c)
    C.backward()
    loss, grads = torch_cross_entropy([z], [c])
    assert C.data == pytest.approx(loss, rel=1e-14)
    assert [v.grad for v in zs] == pytest.approx(grads[0], rel=1e-12, abs=1e-300)


@needs_torch
@given(st.lists(logit_rows.filter(lambda r: len(r) == 4), min_size=1, max_size=6), st.data())
def test_cross_entropy_of_a_batch_equals_torch(rows, data):
    targets = data.draw(st.lists(st.integers(0, 3), min_size=len(rows), max_size=len(rows)))
    zs = [values(r) for r in rows]
    C = losses.cross_entropy(zs, targets)
    C.backward()
    loss, grads = torch_cross_entropy(rows, targets)
    # PyTorch adds back max z before subtracting z_c: an absolute error of ulp(max |z|)
    scale = max(1.0, *(abs(v) for r in rows for v in r))
    assert C.data == pytest.approx(loss, rel=1e-12, abs=4e-16 * scale)
    assert [[v.grad for v in r] for r in zs] == [
        pytest.approx(g, rel=1e-9, abs=1e-15) for g in grads
    ]


@given(logit_rows, st.data())
def test_cross_entropy_of_one_example_equals_the_exact_value(z, data):
    c = data.draw(st.integers(0, len(z) - 1))
    C = losses.cross_entropy(values(z), c)
    exact = exact_cross_entropy(z, c)
    assert C.data == pytest.approx(exact, rel=1e-13, abs=1e-13)


def test_a_batch_is_the_mean_of_its_examples():
    rows = [[1.0, 2.0, 0.0], [0.5, -1.0, 3.0]]
    C = losses.cross_entropy([values(r) for r in rows], [0, 2])
    assert C.data == pytest.approx(
        (exact_cross_entropy(rows[0], 0) + exact_cross_entropy(rows[1], 2)) / 2, rel=1e-15
    )


def test_cross_entropy_is_a_named_loss_for_fit():
    assert losses.get_loss("cross_entropy") is losses.cross_entropy


@pytest.mark.parametrize(
    "logits, targets, error, match",
    [
        ([Value(1.0), Value(2.0)], 2, ValueError, "out of range for 2 classes"),
        ([Value(1.0), Value(2.0)], -1, ValueError, "out of range"),
        ([Value(1.0), Value(2.0)], 1.0, ValueError, r"class index.*got 1\.0 \(float\)"),
        ([Value(1.0), Value(2.0)], True, ValueError, r"got True \(bool\)"),
        ([Value(1.0), Value(2.0)], "1", ValueError, "must be ints"),
        ([[Value(1.0), Value(2.0)]], [0, 1], ValueError, "1 rows of logits but 2 targets"),
        ([[Value(1.0), Value(2.0)], [Value(0.0)]], [0, 0], ValueError, "logits.1. has 1 logits"),
        ([[Value(1.0), Value(2.0)]], [None], ValueError, r"targets\[0\] must be a class index"),
        ([], [], ValueError, "no examples"),
        ([], 0, ValueError, "logits is empty"),
        (Value(1.0), 0, TypeError, "must be a list of Values"),
        ([Value(1.0), 2.0], 0, TypeError, "logits must be Values"),
        ([[Value(1.0), Value(2.0)]], 0, TypeError, "a batch. give a list of targets"),
        ([Value(math.nan), Value(0.0)], 0, ValueError, r"logit logits\[0\] is nan"),
        ([[Value(0.0), Value(math.inf)]], [0], ValueError, "logits must be finite"),
    ],
)
def test_bad_logits_or_targets_are_clear_errors(logits, targets, error, match):
    with pytest.raises(error, match=match):
        losses.cross_entropy(logits, targets)


def test_bad_softmax_input_is_a_clear_error():
    with pytest.raises(ValueError, match="empty"):
        losses.softmax([])
    with pytest.raises(TypeError, match="must be Values"):
        losses.softmax([1.0, 2.0])


# ------------------------------------------------- the chapter's ten outputs


def test_quadratic_cost_over_ten_outputs_with_a_one_hot_target_is_the_chapters_sum():
    a = values([0.125 * j for j in range(8)] + [0.5, 0.25])
    y = losses.one_hot(3, 10)
    C = losses.quadratic_cost(a, y)
    C.backward()
    assert C.data == 0.5 * sum((yj - aj.data) ** 2 for yj, aj in zip(y, a))  # dyadic: exact
    assert [v.grad for v in a] == [aj.data - yj for aj, yj in zip(a, y)]  # ∂C/∂aⱼ = aⱼ − yⱼ


def test_one_hot_rejects_a_bad_label_or_size():
    with pytest.raises(ValueError, match="out of range for 10 classes"):
        losses.one_hot(10, 10)
    with pytest.raises(ValueError, match="class index"):
        losses.one_hot(2.0, 10)
    with pytest.raises(ValueError, match="n_classes must be a positive int"):
        losses.one_hot(0, 0)


def test_explain_a_ten_output_networks_weight_in_the_chapters_notation():
    model = nn.MLP(4, [3, 10], activation="sigmoid", output_activation="linear", seed=0)
    C = losses.cross_entropy(model([0.5, 0.25, 1.0, 0.0]), 7)
    C.backward()
    w = model.layers[1].neurons[7].w[2]
    e = explain(C, w, labelled_only=True)
    text = str(e)
    assert "∂C/∂w2[7,2]" in text and "∂a2[7]/∂w2[7,2]" in text and "∂C/∂a2[7]" in text
    assert len(e.paths) == 1 and e.total == pytest.approx(w.grad, rel=1e-15)
