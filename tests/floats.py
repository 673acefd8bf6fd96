"""Comparing a one-node sum with the chain of plain + nodes that it replaces.

Up to Python 3.11, ``sum()`` adds floats left to right, exactly as the chain of ``+`` nodes
does: the two agree bit for bit, and the tests say so. Python 3.12's ``sum()`` is
compensated (more accurate), so there they may differ in the last bits.
"""

import math
import sys

LEFT_TO_RIGHT_SUM = sys.version_info < (3, 12)


def assert_same_floats(a, b) -> None:
    """``a`` and ``b`` (floats, or nested lists and tuples of them) are the same floats:
    bit for bit (nan and the sign of zero included) where ``sum()`` adds left to right,
    else equal within 1e-9 relative (1e-12 absolute), nan matching nan."""
    if LEFT_TO_RIGHT_SUM:
        assert repr(a) == repr(b)
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), (a, b)
        for x, y in zip(a, b):
            assert_same_floats(x, y)
    elif math.isnan(a) or math.isnan(b):
        assert math.isnan(a) and math.isnan(b), (a, b)
    else:
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), (a, b)
