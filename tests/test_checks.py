"""gradcheck at every scale: the step is relative to |x|, so exact grads pass far from 1."""

import math

import pytest

from micrograd_cbook import Value, gradcheck


@pytest.mark.parametrize("a", [1e5, -1e5, 1e12, 3.7e100, 1e-8, 0.0])
def test_the_exact_grad_of_3a_passes_at_any_scale(a):
    result = gradcheck(lambda v: 3 * v, [a])
    assert result.ok, str(result)
    assert result.rows[0].numeric == pytest.approx(3.0, rel=1e-9)


@pytest.mark.parametrize("a", [1e5, 2.5e7, -4e9])
def test_the_exact_grads_of_a_product_and_a_square_pass_far_from_1(a):
    assert gradcheck(lambda v, w: v * w + v * v / 4, [a, 0.3 * a]).ok


def test_a_wrong_slope_is_still_a_mismatch_at_1e5():
    def wrong(v):  # the value of 3v with a slope of 3.01
        return Value(3 * v.data, "", (v,), (3.01,), "3v?")

    result = gradcheck(wrong, [1e5])
    assert not result.ok
    assert "MISMATCH" in str(result)


def test_the_step_really_taken_is_used():
    """At 2**53 + 2 the floats are 2 apart: x ± 1.5 land on 2**53 + 4 and 2**53, 4 apart."""
    x = 2.0**53 + 2
    assert gradcheck(lambda v: 3 * v, [x], eps=1.5 / x).rows[0].numeric == 3.0


def test_a_step_lost_in_rounding_is_a_clear_error():
    with pytest.raises(ValueError, match="eps 1e-20 is too small at x0 = 1"):
        gradcheck(lambda v: 3 * v, [1.0], eps=1e-20)


@pytest.mark.parametrize(
    ("bad", "error"),
    [("1", TypeError), (True, TypeError), (math.nan, ValueError), (math.inf, ValueError)],
)
def test_an_input_that_is_no_finite_number_is_refused(bad, error):
    with pytest.raises(error, match="gradcheck input"):
        gradcheck(lambda v: v * 2, [bad])


# ------------------------------------------------------------------ steps inside the domain


def test_log_at_1e_minus_7_takes_a_shrunk_step_inside_its_domain_and_passes():
    # h = 1e-6 would evaluate ln at −9e-7: the step shrinks (and says so) instead.
    result = gradcheck(lambda v: v.log(), [1e-7])
    (row,) = result.rows
    assert result.ok, str(result)
    assert row.how == "central, shrunk" and 0.0 < row.step < 1e-7
    assert row.numeric == pytest.approx(1e7, rel=1e-8)
    assert "x0: central, shrunk difference, h = " in str(result)


def test_sqrt_at_0_takes_a_one_sided_step_and_says_its_slope_is_not_confirmed():
    result = gradcheck(lambda v: v.sqrt(), [0.0])
    (row,) = result.rows
    assert row.how == "forward" and row.step == 1e-6
    h = row.step  # (−3√0 + 4√h − √(2h)) / 2h: finite, however steep √ is at 0
    assert row.numeric == pytest.approx((4 * math.sqrt(h) - math.sqrt(2 * h)) / (2 * h), rel=1e-12)
    assert row.engine == math.inf and not result.ok  # an infinite slope: no difference shows it
    assert "forward difference, h = 1e-06 (f is defined only above x)" in str(result)


@pytest.mark.parametrize(
    "f, x, how, slope",
    [
        (lambda v: (-v).log(), -1e-7, "central, shrunk", -1e7),  # the edge above x
        (lambda v: (1.0 - v).log(), 1.0 - 1e-9, "central, shrunk", -1e9),
        (lambda v: (-v).sqrt() + v, 0.0, "backward", None),  # defined below x only
        (lambda v: (v * v - 1.0).sqrt(), 1.0 + 1e-7, "central, shrunk", None),
        (lambda v: v.exp(), 709.7825, "central, shrunk", None),  # e^(x + h) overflows
    ],
)
def test_every_step_stays_where_f_is_defined(f, x, how, slope):
    result = gradcheck(f, [x])
    (row,) = result.rows
    assert row.how == how, str(result)
    if slope is not None:
        assert result.ok and row.numeric == pytest.approx(slope, rel=1e-7)
    if how != "backward":
        assert result.ok, str(result)


def test_a_function_defined_at_x_alone_is_a_clear_error():
    with pytest.raises(ValueError, match="not defined on either side of x = 1"):
        gradcheck(lambda v: (-abs(v - 1.0)).sqrt(), [1.0])
