"""Comparing floats bit for bit: a one-node sum against the chain of plain + nodes it replaces.

The engine's sums add left to right (not with ``sum()``, which Python 3.12 made compensated),
so on every Python they give exactly the floats of the plain graph.
"""


def assert_same_floats(a, b) -> None:
    """``a`` and ``b`` (floats, or nested lists and tuples of them) are the same floats, bit
    for bit: nan and the sign of zero included (``repr`` tells -0.0 from 0.0)."""
    assert repr(a) == repr(b)
