"""micrograd_cbook: a small, exact, fast scalar autograd engine for learning back-propagation.

>>> from micrograd_cbook import Value
>>> w = Value(0.5, "w")
>>> C = (w * 3).sigmoid()
>>> C.backward()
>>> round(w.grad, 4)
0.4474
"""

from __future__ import annotations

import importlib
from typing import Any

from .checks import gradcheck
from .engine import Constant, Value, sum_values, topological_order, weighted_sum
from .higher import grad
from .speed.compiler import compile

__version__ = "0.1.0"

# Loaded on first use, so `import micrograd_cbook` stays light (graphviz, nn, ...).
_LAZY = {
    "draw_dot": "viz",
    "render_svg": "viz",
    "backward_steps": "stepping",
    "explain": "stepping",
    "explain_second": "second_order",
    "nn": None,
    "losses": None,
    "optim": None,
    "datasets": None,
    "equations": None,
    "viz": None,
}

__all__ = [
    "Constant",
    "Value",
    "__version__",
    "compile",
    "grad",
    "gradcheck",
    "sum_values",
    "topological_order",
    "weighted_sum",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = _LAZY[name]
        if module is None:
            return importlib.import_module(f".{name}", __name__)
        return getattr(importlib.import_module(f".{module}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
