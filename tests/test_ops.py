"""Each operation of Value: its forward value, its recorded local derivatives and the grads
backward() leaves, including the edge cases (relu at 0, log near 0, huge exponents, saturated
sigmoid), and the error each one raises outside its domain. References are exact by
construction (dyadic numbers) or computed with mpmath."""

import inspect
import itertools
import json
import math
import struct
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from helpers import run_javascript

from micrograd_cbook import Constant, Value, compile, nn, sum_values, weighted_sum
from micrograd_cbook.engine import apply
from micrograd_cbook.ops import MAX, OPERATIONS, Operation
from micrograd_cbook.speed.javascript import RUNTIME


@pytest.fixture(autouse=True)
def _fifty_digits():
    with mpmath.workdps(50):  # the references; restored after each test
        yield


def mp(x: float) -> mpmath.mpf:
    return mpmath.mpf(x)


def rel_err(got: float, exact) -> float:
    return float(abs(mpmath.mpf(got) - exact) / abs(exact))


# ------------------------------------------------------------------ binary operations
# Dyadic inputs: every value and local derivative below is exact in floating point.

BINARY = [
    # name, f, a, b, value, (∂/∂a, ∂/∂b), op
    ("add", lambda a, b: a + b, 1.5, 2.25, 3.75, (1.0, 1.0), "+"),
    ("sub", lambda a, b: a - b, 1.5, 2.25, -0.75, (1.0, -1.0), "-"),
    ("mul", lambda a, b: a * b, 1.5, -2.25, -3.375, (-2.25, 1.5), "*"),
    ("div", lambda a, b: a / b, 3.0, 4.0, 0.75, (0.25, -0.1875), "/"),
]


@pytest.mark.parametrize("name, f, a, b, value, local, op", BINARY, ids=[r[0] for r in BINARY])
def test_binary_operation_value_local_grads_and_grads(name, f, a, b, value, local, op):
    va, vb = Value(a), Value(b)
    out = f(va, vb)
    assert out.data == value
    assert out.op == op
    assert out.children == (va, vb)
    assert out.local_grads == local
    assert all(type(g) is float for g in out.local_grads)
    out.backward()
    assert (va.grad, vb.grad) == local


def test_pow_with_a_value_exponent_records_both_partial_derivatives():
    x, p = Value(2.0), Value(3.0)
    y = x**p
    assert y.data == 8.0
    assert y.op == "**"
    assert y.children == (x, p)
    d_base, d_exp = y.local_grads
    assert d_base == 12.0  # p · x^(p−1)
    assert rel_err(d_exp, 8 * mpmath.log(2)) < 1e-15  # x^p · ln x
    y.backward()
    assert (x.grad, p.grad) == (d_base, d_exp)


@pytest.mark.parametrize(
    "p, value, local",
    [
        (3, 3.375, 6.75),
        (2, 2.25, 3.0),
        (1, 1.5, 1.0),
        (-1, 2 / 3, -1 / 2.25),
        (0.5, 1.5**0.5, None),
    ],
)
def test_pow_with_a_number_exponent_has_one_child_and_derivative_p_x_to_the_p_minus_1(
    p, value, local
):
    x = Value(1.5)
    y = x**p
    assert y.children == (x,)
    assert y.data == pytest.approx(value, rel=1e-15)
    exact = p * mp(1.5) ** (p - 1)
    assert rel_err(y.local_grads[0], exact) < 1e-15
    if local is not None:
        assert y.local_grads[0] == pytest.approx(local, rel=1e-15)


def test_pow_number_exponent_op_names_the_exponent():
    x = Value(1.5)
    assert (x**2).op == "**2"
    assert (x**0.5).op == "**0.5"
    assert (x**-1).op == "**-1"


def test_square_local_grad_is_exactly_two_x():
    x = Value(0.1)
    assert (x**2).local_grads == (2 * 0.1,)


def test_unary_minus_negates_with_local_grad_minus_one():
    x = Value(1.25)
    y = -x
    assert (y.data, y.children, y.local_grads) == (-1.25, (x,), (-1.0,))
    y.backward()
    assert x.grad == -1.0


def test_augmented_assignment_builds_a_new_node_and_leaves_the_old_one_alone():
    a = Value(1.0)
    b = a
    b += 2
    b *= 3
    assert b is not a
    assert (a.data, b.data) == (1.0, 9.0)
    b.backward()
    assert a.grad == 3.0


# ------------------------------------------------------------------ numbers on either side

EITHER_SIDE = [
    # expression, v, value, dv
    ("2*v", lambda v: 2 * v, 1.5, 3.0, 2.0),
    ("v*2", lambda v: v * 2, 1.5, 3.0, 2.0),
    ("1+v", lambda v: 1 + v, 1.5, 2.5, 1.0),
    ("v+1", lambda v: v + 1, 1.5, 2.5, 1.0),
    ("1-v", lambda v: 1 - v, 1.5, -0.5, -1.0),
    ("v-1", lambda v: v - 1, 1.5, 0.5, 1.0),
    ("10/v", lambda v: 10 / v, 4.0, 2.5, -10 / 16),
    ("v/10", lambda v: v / 4, 3.0, 0.75, 0.25),
    ("2**v", lambda v: 2**v, 3.0, 8.0, 8 * math.log(2)),
    ("v**2", lambda v: v**2, 3.0, 9.0, 6.0),
    ("2.5*v", lambda v: 2.5 * v, 2.0, 5.0, 2.5),
    ("Fraction*v", lambda v: Fraction(1, 2) * v, 3.0, 1.5, 0.5),
    ("numpy*v", lambda v: np.float64(0.5) * v, 3.0, 1.5, 0.5),
]


@pytest.mark.parametrize("expr, f, x, value, dv", EITHER_SIDE, ids=[r[0] for r in EITHER_SIDE])
def test_a_number_on_either_side_gives_the_value_and_grad(expr, f, x, value, dv):
    v = Value(x)
    y = f(v)
    assert isinstance(y, Value)
    assert y.data == pytest.approx(value, rel=1e-15)
    y.backward()
    assert v.grad == pytest.approx(dv, rel=1e-15)


def test_a_number_operand_becomes_a_constant_leaf_child():
    v = Value(3.0)
    y = 2 * v
    c, child = y.children
    assert child is v
    assert isinstance(c, Constant) and isinstance(c, Value)
    assert (c.data, c.op, c.children) == (2.0, "", ())
    assert type(c.data) is float
    assert y.local_grads == (3.0, 2.0)


# ------------------------------------------------------------------ functions


@pytest.mark.parametrize("x", [-3.0, -0.5, 0.0, 0.25, 2.0, 7.5])
def test_sigmoid_value_and_local_grad_match_high_precision(x):
    y = Value(x).sigmoid()
    s = 1 / (1 + mpmath.exp(-mp(x)))
    assert y.op == "sigmoid"
    assert rel_err(y.data, s) < 1e-15
    assert rel_err(y.local_grads[0], s * (1 - s)) < 1e-13


def test_sigmoid_at_zero_is_one_half_with_slope_one_quarter():
    y = Value(0.0).sigmoid()
    assert (y.data, y.local_grads) == (0.5, (0.25,))


@pytest.mark.parametrize("x, value", [(1000.0, 1.0), (-1000.0, 0.0), (1e308, 1.0), (-1e308, 0.0)])
def test_sigmoid_saturates_without_overflow_for_huge_inputs(x, value):
    v = Value(x)
    y = v.sigmoid()
    assert y.data == value
    assert y.local_grads == (0.0,)
    y.backward()
    assert v.grad == 0.0


def test_sigmoid_keeps_tiny_values_in_its_lower_tail():
    y = Value(-700.0).sigmoid()
    assert rel_err(y.data, mpmath.exp(-700) / (1 + mpmath.exp(-700))) < 1e-15


@pytest.mark.parametrize("x", [20.0, 30.0])
def test_sigmoid_local_grad_is_accurate_in_both_tails(x):
    # σ'(x) = σ'(−x) = e^−|x| / (1 + e^−|x|)²: a float represents it to full precision.
    exact = mpmath.exp(-mp(x)) / (1 + mpmath.exp(-mp(x))) ** 2
    assert rel_err(Value(-x).sigmoid().local_grads[0], exact) < 1e-9
    assert rel_err(Value(x).sigmoid().local_grads[0], exact) < 1e-9


@pytest.mark.parametrize("x", [-3.0, -1.0, -0.5, 0.25, 0.9999, 1.0, 1.0001, 2.0, 5.0])
def test_tanh_value_and_local_grad_match_high_precision(x):
    y = Value(x).tanh()
    t = mpmath.tanh(mp(x))
    assert y.op == "tanh"
    assert rel_err(y.data, t) < 1e-15
    assert rel_err(y.local_grads[0], 1 / mpmath.cosh(mp(x)) ** 2) < 1e-12


def test_tanh_at_zero_is_zero_with_slope_one():
    y = Value(0.0).tanh()
    assert (y.data, y.local_grads) == (0.0, (1.0,))


@pytest.mark.parametrize("x", [-1000.0, 1000.0, -1e308, 1e308])
def test_tanh_saturates_for_huge_inputs(x):
    y = Value(x).tanh()
    assert (y.data, y.local_grads) == (math.copysign(1.0, x), (0.0,))


@pytest.mark.parametrize("x", [10.0, 15.0])
def test_tanh_local_grad_is_accurate_in_the_tails(x):
    # 1 − tanh²(x) = 1/cosh²(x) ≈ 4e^−2|x| is far from underflow here.
    exact = 1 / mpmath.cosh(mp(x)) ** 2
    assert rel_err(Value(x).tanh().local_grads[0], exact) < 1e-9
    assert rel_err(Value(-x).tanh().local_grads[0], exact) < 1e-9


@pytest.mark.parametrize("x", [-20.0, -1.0, 0.0, 0.5, 3.0, 700.0])
def test_exp_value_and_local_grad_are_both_e_to_the_x(x):
    y = Value(x).exp()
    assert y.op == "exp"
    assert rel_err(y.data, mpmath.exp(mp(x))) < 1e-15
    assert y.local_grads == (y.data,)


def test_exp_of_zero_is_exactly_one():
    y = Value(0.0).exp()
    assert (y.data, y.local_grads) == (1.0, (1.0,))


@pytest.mark.parametrize("x", [1e-300, 1e-10, 0.5, 1.0, 2.0, 1e300])
def test_log_value_and_local_grad_one_over_x(x):
    y = Value(x).log()
    assert y.op == "log"
    if x == 1.0:
        assert y.data == 0.0
    else:
        assert rel_err(y.data, mpmath.log(mp(x))) < 1e-15
    assert rel_err(y.local_grads[0], 1 / mp(x)) < 1e-15


def test_log_near_zero_is_finite_with_a_huge_slope():
    v = Value(1e-300)
    y = v.log()
    assert y.data == pytest.approx(-690.7755278982137, rel=1e-15)
    y.backward()
    assert v.grad == pytest.approx(1e300, rel=1e-15)


def test_log_of_the_smallest_subnormal_is_finite_and_its_slope_overflows_to_inf():
    y = Value(5e-324).log()
    assert rel_err(y.data, mpmath.log(mp(5e-324))) < 1e-15
    assert y.local_grads == (math.inf,)


@pytest.mark.parametrize(
    "x, value, local", [(2.0, 2.0, 1.0), (-2.0, 0.0, 0.0), (1e-300, 1e-300, 1.0)]
)
def test_relu_passes_positive_inputs_and_blocks_negative_ones(x, value, local):
    v = Value(x)
    y = v.relu()
    assert (y.data, y.local_grads, y.op) == (value, (local,), "relu")
    y.backward()
    assert v.grad == local


@pytest.mark.parametrize("x", [0.0, -0.0])
def test_relu_at_zero_has_value_zero_and_grad_zero(x):
    v = Value(x)
    y = v.relu()
    assert y.data == 0.0
    assert y.local_grads == (0.0,)
    y.backward()
    assert v.grad == 0.0


def test_relu_of_nan_is_nan_as_in_pytorch():
    y = Value(math.nan).relu()
    assert math.isnan(y.data)  # a diverged run shows nan, not a loss of 0
    assert y.local_grads == (0.0,)  # torch.relu's backward masks by x > 0


@pytest.mark.parametrize(
    "x, value, local", [(2.5, 2.5, 1.0), (-0.75, 0.75, -1.0), (0.0, 0.0, 0.0), (-0.0, 0.0, 0.0)]
)
def test_abs_has_the_sign_of_x_as_its_slope(x, value, local):
    v = Value(x, "v")
    y = abs(v)
    assert (y.data, y.local_grads, y.op, y.children) == (value, (local,), "abs", (v,))
    (y * 3.0).backward()
    assert v.grad == 3.0 * local


def test_abs_of_nan_is_nan_with_a_nan_slope():
    y = abs(Value(math.nan))
    assert math.isnan(y.data) and math.isnan(y.local_grads[0])


# ------------------------------------------------------------------ pow edge cases


def test_large_integer_exponent_is_exact():
    y = Value(2.0) ** 1000
    assert y.data == 2.0**1000
    assert y.local_grads == (1000 * 2.0**999,)


def test_large_value_exponent_is_exact_in_the_base_and_accurate_in_the_exponent():
    x, p = Value(2.0), Value(1000.0)
    y = x**p
    assert y.data == 2.0**1000
    assert y.local_grads[0] == 1000 * 2.0**999
    assert rel_err(y.local_grads[1], mp(2) ** 1000 * mpmath.log(2)) < 1e-15


def test_power_too_large_for_a_float_is_an_overflow_error_naming_pow():
    with pytest.raises(OverflowError, match="pow"):
        Value(2.0) ** 1024
    with pytest.raises(OverflowError, match="pow"):
        Value(2.0) ** Value(1024.0)


def test_power_with_a_finite_value_but_overflowing_slope_behaves_like_division():
    # 1/x and x**-1 at x = 1e-300: the value 1e300 is a float, the slope −1e600 is not.
    x = Value(1e-300)
    q = 1 / x
    assert q.local_grads[1] == -math.inf
    p = x**-1
    assert p.data == pytest.approx(1e300, rel=1e-15)
    assert p.local_grads == (-math.inf,)


@pytest.mark.parametrize(
    "x, p, slope",
    [
        (1e-300, -1, -math.inf),  # −x^−2
        (-1e-300, -1, -math.inf),
        (1e-120, -2, -math.inf),  # −2x^−3
        (-1e-120, -2, math.inf),
        (0.5, -1023, -math.inf),  # value 2^1023 is a float, slope −1023 · 2^1024 is not
    ],
)
def test_a_pow_slope_too_large_for_a_float_is_infinity_with_the_right_sign(x, p, slope):
    y = Value(x) ** p
    assert math.isfinite(y.data)
    assert y.local_grads == (slope,)
    y2 = Value(x) ** Value(float(p))
    assert y2.data == y.data
    assert y2.local_grads[0] == slope


@pytest.mark.parametrize("x", [-3.0, -0.0, 0.0, 0.5, 1e300])
def test_anything_to_the_power_zero_is_one_with_slope_zero(x):
    v = Value(x)
    y = v**0
    assert (y.data, y.local_grads) == (1.0, (0.0,))
    y.backward()
    assert v.grad == 0.0


@pytest.mark.parametrize(
    "p, value, local", [(1, 0.0, 1.0), (2, 0.0, 0.0), (3, 0.0, 0.0), (0.5, 0.0, math.inf)]
)
def test_pow_at_base_zero(p, value, local):
    y = Value(0.0) ** p
    assert (y.data, y.local_grads) == (value, (local,))


def test_pow_at_base_zero_with_a_value_exponent_is_flat_in_the_exponent_as_in_pytorch():
    x, p = Value(0.0), Value(2.0)
    y = x**p
    assert (y.data, y.local_grads) == (0.0, (0.0, 0.0))


def test_negative_base_to_an_integer_power_is_real():
    y = Value(-2.0) ** 3
    assert (y.data, y.local_grads) == (-8.0, (12.0,))
    y2 = Value(-1.5) ** -2
    assert y2.data == pytest.approx(1 / 2.25, rel=1e-15)
    assert y2.local_grads[0] == pytest.approx(-2 * (-1.5) ** -3, rel=1e-15)


def test_negative_base_to_an_integer_value_exponent_has_nan_exponent_slope_as_in_pytorch():
    # d(x^p)/dp = x^p · ln x has no real value for x < 0.
    x, p = Value(-2.0), Value(3.0)
    y = x**p
    assert y.data == -8.0
    assert y.local_grads[0] == 12.0


# ------------------------------------------------------------------ errors: log


@pytest.mark.parametrize("x", [0.0, -0.0, -1.5, -1e-300, float("-inf")])
def test_log_of_x_at_most_zero_is_a_value_error_naming_log_and_x(x):
    with pytest.raises(ValueError, match="log") as info:
        Value(x).log()
    assert repr(x) in str(info.value)


# ------------------------------------------------------------------ errors: pow


@pytest.mark.parametrize("base, p", [(-8.0, 1 / 3), (-2.0, 0.5), (-1e-9, 2.5), (-3.0, -0.5)])
def test_negative_base_to_a_non_integer_number_power_is_a_value_error(base, p):
    with pytest.raises(ValueError, match="negative base"):
        Value(base) ** p


@pytest.mark.parametrize("base, p", [(-8.0, 1 / 3), (-2.0, 0.5)])
def test_negative_base_to_a_non_integer_value_power_is_a_value_error(base, p):
    with pytest.raises(ValueError, match="negative base"):
        Value(base) ** Value(p)


@pytest.mark.parametrize(
    "p, value, slope",
    [(0.3, math.inf, 0.0), (2.5, math.inf, math.inf), (-0.3, 0.0, -0.0), (-2.5, 0.0, -0.0)],
)
def test_minus_infinity_to_a_non_integer_power_follows_ieee_as_pytorch_does(p, value, slope):
    # IEEE 754 pow (and PyTorch, and Python's float **): (−∞)^p is +∞ for p > 0, +0 for p < 0
    # when p is not an integer; its slope p·(−∞)^(p−1) likewise. A finite negative base stays
    # an error: its real power does not exist.
    for y in (Value(-math.inf) ** p, Value(-math.inf) ** Value(p)):
        assert repr(y.data) == repr(value) == repr(float(-math.inf) ** p)
        assert repr(y.local_grads[0]) == repr(slope)
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (CI installs it)")
    t = torch.tensor(-math.inf, dtype=torch.float64, requires_grad=True)
    (t**p).backward()
    assert (t**p).item() == value and t.grad.item() == slope
    with pytest.raises(ValueError, match="negative base"):
        Value(-1e308) ** p


def test_negative_number_base_to_a_non_integer_value_power_is_a_value_error():
    with pytest.raises(ValueError, match="negative base"):
        (-8) ** Value(1 / 3)


def test_negative_base_power_never_returns_a_complex_number():
    # Python's own float power would return a complex here: (-8.0) ** (1/3).
    assert isinstance((-8.0) ** (1 / 3), complex)
    for build in (lambda: Value(-8.0) ** (1 / 3), lambda: Value(-8.0) ** Value(1 / 3)):
        with pytest.raises(ValueError):
            build()


# ------------------------------------------------------------------ errors: division by zero


@pytest.mark.parametrize(
    "build",
    [
        lambda: Value(1.0) / 0,
        lambda: Value(1.0) / 0.0,
        lambda: Value(1.0) / -0.0,
        lambda: Value(1.0) / Value(0.0),
        lambda: 10 / Value(0.0),
        lambda: Value(0.0) / Value(0.0),
    ],
    ids=["v/0", "v/0.0", "v/-0.0", "v/Value(0)", "10/Value(0)", "0/0"],
)
def test_division_by_zero_is_a_zero_division_error(build):
    with pytest.raises(ZeroDivisionError):
        build()


@pytest.mark.parametrize(
    "build",
    [lambda: Value(0.0) ** -1, lambda: Value(0.0) ** -0.5, lambda: Value(0.0) ** Value(-2.0)],
    ids=["0**-1", "0**-0.5", "0**Value(-2)"],
)
def test_zero_to_a_negative_power_is_a_zero_division_error(build):
    with pytest.raises(ZeroDivisionError):
        build()


# ------------------------------------------------------------------ the table, on every path
# Every operation of the table over special floats (±0, the smallest subnormal, ±1e-300,
# e^x's edge ±709.79, ±710, ±inf, nan, domain errors): the interpreter, the straight-line
# code, every row at once and the JavaScript agree, bit for bit (JavaScript's exp, log,
# tanh, log1p and pow within a few ulp) and raise the same exception with the same message.

INF, NAN = math.inf, math.nan
SPECIAL = (0.0, -0.0, 5e-324, -5e-324, 1e-300, -1e-300, 0.5, -0.5, 1.0, -1.0, 2.0, -3.0,
           709.79, -709.79, 710.0, -710.0, 1e200, -1e200, INF, -INF, NAN)  # fmt: skip
FEW = (0.0, -0.0, 5e-324, -2.0, 0.5, 3.0, 1e200, math.inf, -math.inf, math.nan)
EXPONENTS = (2.0, 3.0, 0.5, -1.0, 0.0, -0.5, 1.5, -2.0)

# How a user makes each operation of the table, by its name there: one row per operation.
BUILD = {
    "+": lambda x, y: x + y,
    "-": lambda x, y: x - y,
    "*": lambda x, y: x * y,
    "/": lambda x, y: x / y,
    "neg": lambda x: -x,
    "abs": abs,
    "**p": None,  # x ** p for each number p of EXPONENTS
    "**": lambda x, y: x**y,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "tanh": Value.tanh,
    "exp": Value.exp,
    "log": Value.log,
    "sqrt": Value.sqrt,
    "softplus": Value.softplus,
    "sign": Value.sign,
    "heaviside": Value.heaviside,
    "max": lambda x, y: apply(MAX.tag, x, y),
    "Σ": lambda x, y: sum_values([x, y]),
    "Σw·x": lambda w, x: weighted_sum([w], [x]),
    "Σw·x+b": lambda w, x, b: weighted_sum([w], [x], b),
}
EXACT_IN_JAVASCRIPT = {"+", "-", "*", "/", "neg", "abs", "relu", "sqrt", "max", "sign", "heaviside",
                       "Σ", "Σw·x", "Σw·x+b"}  # fmt: skip


def cases():
    """(name, builder, input values) for every operation of the table."""
    for name in OPERATIONS:
        if name == "**p":
            for p in EXPONENTS:
                for x in SPECIAL:
                    yield name, (lambda x, p=p: x**p), (x,), p
            continue
        arity = len(inspect.signature(BUILD[name]).parameters) if name != "abs" else 1
        values = SPECIAL if arity == 1 else FEW
        for xs in itertools.product(values, repeat=arity):
            yield name, BUILD[name], xs, None


def outcome(thunk):
    """What running ``thunk`` gives: its floats as repr (nan and -0.0 told apart), or the
    exception's type and message."""
    try:
        return repr(thunk())
    except (ArithmeticError, ValueError) as e:
        return (type(e).__name__, str(e))


def interpreted(build, xs):
    """The interpreter: the graph built at ``xs``, then backward(): the value, leaf grads."""
    leaves = [Value(x) for x in xs]
    root = build(*leaves)
    root.backward()
    return root.data, [leaf.grad for leaf in leaves]


def graph_at_half(build, n):
    """The graph built where every operation is defined (0.5, 1.5, ...): its leaves then move."""
    leaves = [Value(0.5 + k) for k in range(n)]
    return build(*leaves), leaves


def compiled(f, leaves, xs):
    """The compiled graph, called after its leaves moved to ``xs``: the value, leaf grads."""
    for leaf, x in zip(leaves, xs):
        leaf.data, leaf.grad = x, 0.0
    value = f([])
    return value, [leaf.grad for leaf in leaves]


def test_every_operation_of_the_table_has_a_row_here():
    assert set(BUILD) == set(OPERATIONS)


def test_the_interpreter_and_the_straight_line_code_agree_on_special_floats():
    checked = errors = 0
    for name, build, xs, _ in cases():
        root, leaves = graph_at_half(build, len(xs))
        f = compile(root, batched=False)
        want = outcome(lambda: interpreted(build, xs))  # noqa: B023
        got = outcome(lambda: compiled(f, leaves, xs))  # noqa: B023
        assert got == want, (name, xs)
        checked += 1
        errors += isinstance(want, tuple)
    assert checked > 2000 and 50 < errors < checked  # errors and values, both well covered


def test_every_row_at_once_agrees_with_the_straight_line_code_on_special_floats():
    pytest.importorskip("numpy")
    for name, build, xs, _ in cases():
        root, leaves = graph_at_half(build, len(xs))
        r = Value(0.0, "r")
        total = root + r  # a row's input, so that the rows run at once
        fast, slow = compile(total, [r]), compile(total, [r], batched=False)
        fast.batched.min_rows = 8
        rows = [[0.0]] * 8
        for leaf, x in zip(leaves, xs):
            leaf.data = x
        results = []
        for f in (fast, slow):
            for leaf in leaves:
                leaf.grad = 0.0
            results.append(outcome(lambda: (f.many(rows), [v.grad for v in leaves])))  # noqa: B023
        assert results[0] == results[1], (name, xs)


def _bits_script(functions: list[str], params: list[list[float]]) -> str:
    """A Node script running each compiled function on its parameters, printing each
    result as the hex of its floats' bits (JSON cannot hold nan, inf or -0.0)."""
    lines = [RUNTIME]
    lines.append(
        "function bits(x) { const b = new DataView(new ArrayBuffer(8)); b.setFloat64(0, x);"
        " return b.getBigUint64(0).toString(16); }"
    )
    lines.append("const out = [];")
    for fn, ps in zip(functions, params):
        args = "[" + ", ".join(_js_number(x) for x in ps) + "]"
        lines.append(
            f"try {{ const r = ({fn})([], {args}); out.push([bits(r.value), r.grads.map(bits)]); }}"
            " catch (e) { out.push(['error', e.kind, e.message]); }"
        )
    lines.append("console.log(JSON.stringify(out));")
    return "\n".join(lines)


def _js_number(x: float) -> str:
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return repr(x)


def _from_bits(h: str) -> float:
    return struct.unpack(">d", bytes.fromhex(h.rjust(16, "0")))[0]


def _close(a: float, b: float, exact: bool) -> bool:
    if repr(a) == repr(b):
        return True
    if exact or math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
        return False
    return abs(a - b) <= 4 * math.ulp(max(abs(a), abs(b)))


def test_the_javascript_agrees_with_the_interpreter_on_special_floats():
    runs = []
    for name, build, xs, p in cases():
        root, _ = graph_at_half(build, len(xs))
        f = compile(root, batched=False)
        runs.append((name, xs, p, f.javascript, interpreted_outcome(build, xs)))
    params = [list(xs) for _, xs, *_ in runs]
    results = json.loads(run_javascript(_bits_script([r[3] for r in runs], params)))
    assert len(results) == len(runs)
    for (name, xs, p, _, want), got in zip(runs, results):
        if want[0] == "error":
            assert got == list(want), (name, xs)
            continue
        assert got[0] != "error", (name, xs, got)
        value, grads = want
        exact = name in EXACT_IN_JAVASCRIPT or p == 2.0
        assert _close(_from_bits(got[0]), value, exact), (name, xs, p)
        for g, h in zip(grads, got[1]):
            assert _close(_from_bits(h), g, exact), (name, xs, p, "grad")


def interpreted_outcome(build, xs):
    """The interpreter's value and leaf grads, or ("error", its type, its message)."""
    try:
        return interpreted(build, xs)
    except (ArithmeticError, ValueError) as e:
        return ("error", type(e).__name__, str(e))


# ------------------------------------------------------------------ ops beyond the sources


CUBE = Operation("cube", "cube", "³", "{0}³", rule=lambda x: (x * x * x, (3.0 * x * x,)))


def test_an_operation_with_a_float_rule_alone_compiles_and_runs_every_path():
    x = Value(0.5, "x")
    w = Value(2.0, "w")
    y = apply(CUBE.tag, x * w)
    f = compile(y, inputs=[x])
    assert "_rule_" not in f.source or "cube" in f.source  # named after its word
    for v in (-1.5, 0.0, 2.0, 1e200):
        w.grad = 0.0
        got = f([v])
        want_node = apply(CUBE.tag, Value(v) * w)
        assert got == want_node.data
        gw = w.grad
        w.grad = 0.0
        want_node.backward()
        assert gw == w.grad
    if f.batched is not None:
        f.batched.min_rows = 8
        rows = [[float(k)] for k in range(10)]
        w.grad = 0.0
        fast = f.many(rows), w.grad
        w.grad = 0.0
        slow = compile(y, inputs=[x], batched=False).many(rows), w.grad
        assert repr(fast) == repr(slow)
    with pytest.raises(ValueError, match="no sources"):
        f.javascript  # noqa: B018  (JavaScript needs the sources: said, never guessed)


def test_a_node_made_by_hand_is_frozen_said_by_a_warning_the_header_and_the_repr():
    x = Value(2.0, "x")
    mine = Value(x.data**3, "mine", children=(x,), local_grads=(12.0,), op="cube")
    with pytest.warns(UserWarning, match=r"1 node made by hand \(op 'cube'\) is frozen"):
        f = compile(mine * 1.0, inputs=[x])
    assert f.frozen == 1 and "frozen" in repr(f) and "frozen: 1" in f.source
    assert f([3.0]) == 8.0  # its value stays the one it was compiled with: frozen, as said


def test_a_hand_made_node_under_a_table_name_is_frozen_too():
    x = Value(2.0, "x")
    fake = Value(5.0, children=(x, x), local_grads=(1.0, 1.0), op="+")
    with pytest.warns(UserWarning, match="frozen"):
        f = compile(fake, inputs=[x])
    assert f([10.0]) == 5.0


def test_a_graph_compiled_after_its_leaves_moved_computes_from_their_values():
    w, x = Value(0.3, "w"), Value(1.0, "x")
    y = (w * x).tanh()
    x.data = 2.0  # moved after the graph was built: the nodes no longer match their inputs
    w.data = 0.3
    f = compile(y, inputs=[x])
    assert f([2.0]) == math.tanh(0.6)
    assert f.frozen == 0


# ------------------------------------------------------------------ √ and softplus, everywhere


def test_sqrt_and_softplus_in_a_formula_explain_and_the_picture():
    from micrograd_cbook import draw_dot, explain
    from micrograd_cbook.formula import parse_formula

    built = parse_formula("C = sqrt(x) + softplus(w * x)").evaluate({"x": 4.0, "w": -0.5})
    C = built.root
    assert C.data == 2.0 + math.log1p(math.exp(-2.0))
    C.backward()
    x = built.leaves["x"]
    s = 1 / (1 + math.exp(2.0))
    assert math.isclose(x.grad, 0.25 + s * -0.5, rel_tol=1e-15)
    assert math.isclose(explain(C, x).total, x.grad, rel_tol=1e-15)
    source = draw_dot(C).source
    assert "√" in source and "softplus" in source


def test_softplus_is_an_activation_and_goes_to_torch():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (CI installs it)")
    model = nn.MLP(3, [4, 2], activation="softplus", output_activation="linear", seed=0)
    seq = model.to_torch()
    assert isinstance(seq[1], torch.nn.Softplus)
    x = [0.5, -1.0, 2.0]
    out = seq(torch.tensor(x, dtype=torch.float64)).tolist()
    assert max(abs(a - b.data) for a, b in zip(out, model(x))) < 1e-12
    assert [a.data for a in nn.MLP.from_torch(seq)(x)] == [a.data for a in model(x)]


def test_softplus_and_sqrt_edges():
    assert Value(-1000.0).softplus().data == 0.0 and Value(1000.0).softplus().data == 1000.0
    assert Value(0.0).softplus().local_grads == (0.5,)
    assert Value(0.0).sqrt().local_grads == (math.inf,)  # vertical, as 0 ** 0.5's
    assert (Value(0.0) ** 0.5).local_grads == (math.inf,)
    with pytest.raises(ValueError, match=r"sqrt is defined only for x ≥ 0, got x = -1\.0"):
        Value(-1.0).sqrt()
    assert repr(Value(-0.0).sqrt().data) == "-0.0"
