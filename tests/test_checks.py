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
