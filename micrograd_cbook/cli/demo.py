"""`micrograd-cbook demo`: the main job (for now a short engine example)."""

from __future__ import annotations

import argparse

from ..engine import Value, fmt


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="the chapter's example, end to end (no arguments needed)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    w, x, b = Value(0.5, "w"), Value(1.5, "x"), Value(0.1, "b")
    z = w * x + b
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    print(f"forward: z = w·x + b = {fmt(z.data)}, a = σ(z) = {fmt(a.data)}")
    a.backward()
    print(f"backward: ∂a/∂w = {fmt(w.grad)}, ∂a/∂x = {fmt(x.grad)}, ∂a/∂b = {fmt(b.grad)}")
    return 0
