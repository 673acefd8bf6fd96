"""The optional peers: each benchmark module is imported when its library is installed.

PyTorch, NumPy, JAX and scikit-learn are optional (JAX and scikit-learn come with the
``bench`` extra: ``pip install -e '.[bench]'``). A missing one, or one left out with
``run.py --without``, leaves its rows out of the tables, with a note saying why.

>>> left_out.add("jax"); module("jax_jit") is None, notes["jax"]
(True, 'JAX (--without jax)')
>>> left_out.clear(); notes.clear(); _loaded.clear()
"""

from __future__ import annotations

import importlib
from types import ModuleType

# benchmark module → (library, its import name, how to install it)
LIBRARIES = {
    "torch_linear": ("torch", "PyTorch", "pip install torch"),
    "torch_scalars": ("torch", "PyTorch", "pip install torch"),
    "numpy_by_hand": ("numpy", "NumPy", "pip install numpy"),
    "jax_jit": ("jax", "JAX", "pip install -e '.[bench]' (jax, jaxlib)"),
    "sklearn_mlp": ("sklearn", "scikit-learn", "pip install -e '.[bench]' (scikit-learn)"),
}
NAMES = sorted({lib for lib, _, _ in LIBRARIES.values()})  # what --without takes

left_out: set[str] = set()  # libraries left out on purpose (run.py --without)
notes: dict[str, str] = {}  # library → why its rows are missing
_loaded: dict[str, ModuleType | None] = {}


def module(name: str) -> ModuleType | None:
    """The benchmark module ``name`` (e.g. ``"jax_jit"``), or None with a note in ``notes``."""
    if name not in _loaded:
        lib, shown, install = LIBRARIES[name]
        if lib in left_out:
            notes[lib] = f"{shown} (--without {lib})"
            _loaded[name] = None
        else:
            try:
                _loaded[name] = importlib.import_module(name)
            except ImportError as e:
                notes[lib] = f"{shown}, not installed ({e.name or e}): {install}"
                _loaded[name] = None
    return _loaded[name]


def installed(lib: str) -> bool:
    """Whether any module of ``lib`` loaded (after ``module`` was asked for it)."""
    return any(_loaded.get(m) is not None for m, (lb, _, _) in LIBRARIES.items() if lb == lib)
