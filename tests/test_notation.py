"""How numbers are written: 4 decimals, and the chapter's true minus sign."""

from micrograd_cbook.notation import number


def test_number_writes_4_decimals_and_a_true_minus_sign():
    assert number(-0.2994328) == "−0.2994"
    assert number(1.0) == "1.0000"
    assert number(-0.0) == "0.0000"
    assert number(-1e-7) == "−1.0000e-07"
