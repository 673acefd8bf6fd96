"""The table of operations (being grown): every operation described once."""

from __future__ import annotations

ACTIVATIONS = ("sigmoid", "relu", "tanh", "linear")
