"""The one place the benchmarks reach past micrograd_cbook's public API.

Everything else in ``benchmarks/`` uses only the public names (``Value``, ``compile``, ``nn``,
``optim``, ``training``, ``losses``, ``datasets``). When the package moves a module (the
compiler to ``micrograd_cbook.speed``, say), repoint the import here, in one line.

>>> from micrograd_cbook import Value
>>> x, w = Value(2.0, "x"), Value(3.0, "w")
>>> f = compile_straight_line(x * w, [x])
>>> f([1.0]), values_in(f), every_row_at_once(f)
(3.0, 3, None)
"""

from __future__ import annotations

from typing import Any

from micrograd_cbook import compile
from micrograd_cbook.cli.train import DEFAULTS as _CLI_DEFAULTS  # `train --data digits`
from micrograd_cbook.files import write_atomic

__all__ = [
    "cli_digits_defaults",
    "compile_straight_line",
    "every_row_at_once",
    "last_call_ran_at_once",
    "values_in",
    "write_atomic",
]


def compile_straight_line(root: Any, inputs: Any = ()) -> Any:
    """``compile`` kept to its straight-line Python: ``many`` runs the lines once per row."""
    return compile(root, inputs, batched=False)


def values_in(f: Any) -> int | None:
    """How many values (nodes) the compiled graph ``f`` has, or None if it does not say."""
    return getattr(f, "nodes", None)


def every_row_at_once(f: Any) -> Any:
    """The plan that runs ``f.many`` over every row at once with NumPy, or None."""
    return getattr(f, "batched", None)


def last_call_ran_at_once(f: Any) -> bool | None:
    """Whether the last ``f.many`` ran every row at once (None: the package does not say)."""
    plan = every_row_at_once(f)
    return None if plan is None else getattr(plan, "used", None)


def cli_digits_defaults() -> dict[str, Any]:
    """The defaults of ``micrograd-cbook train --data digits`` (hidden sizes, AdamW, lr, ...),
    read from the command line's own table so the benchmark trains what the CLI trains."""
    return dict(_CLI_DEFAULTS["digits"])
