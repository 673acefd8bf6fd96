"""Model files: what :meth:`Module.save <micrograd_cbook.nn.Module.save>` writes, and the
checks every file passes before a model is built from it or loaded with it.

A file is JSON: its format and version, the model's class, its config (the constructor's
arguments) and every parameter slot by name. Sizes are capped before anything is built, so a
small file cannot ask for 10¹⁰ weights; any bad file is a ValueError naming what is wrong.
"""

from __future__ import annotations

import errno
import json
import math
import os
import stat
from numbers import Real
from typing import Any

from .ops import ACTIVATIONS

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MAX_PARAMETERS",
    "check_header",
    "checked_config",
    "file_values",
    "read_model_file",
]

FORMAT = "micrograd_cbook.nn"
FORMAT_VERSION = 1

# Caps on what a model file may ask for, checked before anything is built: a small file must
# not be able to ask for 10¹⁰ weights. Far above what a scalar engine trains.
MAX_FILE_BYTES = 64 * 2**20  # 64 MiB: about 2 million parameters as save() writes them
MAX_UNITS = 100_000  # inputs, or units of one layer
MAX_LAYERS = 1_000
MAX_PARAMETERS = 2_000_000

# The config keys save() writes for each class (its _config()), and so all from_file accepts.
CONFIG_KEYS = {
    "MLP": ("nin", "nouts", "activation", "output_activation", "bias"),
    "Layer": ("nin", "nout", "activation", "bias", "layer"),
    "Neuron": ("nin", "activation", "bias", "layer", "unit"),
}


def read_model_file(path: str | os.PathLike) -> object:
    """The JSON of a model file; ValueError (naming the file) for anything that is not one.

    A missing or unreadable file raises OSError; a FIFO or device is refused without
    opening it (opening a FIFO would wait for a writer).
    """
    name = os.fspath(path)
    mode = os.stat(path).st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a model file", name)
    if not stat.S_ISREG(mode):
        raise ValueError(f"{name}: not a model file (not a regular file)")
    with open(path, "rb") as f:
        raw = f.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise ValueError(
            f"{name}: larger than {MAX_FILE_BYTES:,} bytes, the most a model file may have"
        )
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{name}: not a model file (not UTF-8 text)") from None
    except RecursionError:
        raise ValueError(f"{name}: not a model file (JSON nested too deeply)") from None
    except ValueError as e:
        raise ValueError(f"{name}: not a model file (invalid JSON: {e})") from None


def check_header(data: object, kind: str) -> dict:
    """The file's dict, once its format, version and class are ours; else ValueError."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f'not a model file (no "format": "{FORMAT}")')
    if data.get("version") != FORMAT_VERSION:
        raise ValueError(
            f"unsupported model file version {shown(data.get('version'))} "
            f"(this library reads version {FORMAT_VERSION})"
        )
    if data.get("class") != kind:
        held = data.get("class")
        raise ValueError(f"holds a {held if isinstance(held, str) else shown(held)}, not a {kind}")
    return data


def shown(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters (a file's values may be huge)."""
    try:
        text = repr(value)
    except (RecursionError, ValueError):  # deeply nested, or an int too long to print
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_count(name: str, n: object, what: str, cap: int, low: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < low:
        raise ValueError(f"{name} must be an int ≥ {low} ({what}), got {shown(n)}")
    if n > cap:
        raise ValueError(
            f"{name} is {shown(n)}, above the cap of {cap:,} {what} a model file may ask for"
        )
    return n


def checked_config(kind: str, data: dict) -> dict[str, Any]:
    """The constructor arguments in ``data["config"]``, checked and capped before building."""
    config = data.get("config")
    if not isinstance(config, dict):
        raise ValueError('not a model file (no "config")')
    keys = CONFIG_KEYS.get(kind)
    if keys is None:  # a user's own Module: its constructor checks its own arguments
        return config
    unknown = [k for k in config if k not in keys]
    if unknown:
        raise ValueError(
            f"unknown config entry {shown(unknown[0])} for a {kind} (it takes {', '.join(keys)})"
        )
    missing = [k for k in ("nin", "nouts", "nout") if k in keys and k not in config]
    if missing:
        raise ValueError(f"config has no {missing[0]!r}")
    nin = check_count("nin", config["nin"], "inputs", MAX_UNITS)
    for key in ("activation", "output_activation"):
        if key in config and not (config[key] is None and key == "output_activation"):
            act = config[key]
            if not isinstance(act, str) or act not in ACTIVATIONS:
                choices = ", ".join(repr(a) for a in ACTIVATIONS)
                raise ValueError(f"{key} must be one of {choices}, got {shown(act)}")
    bias = config.get("bias", True)
    if not isinstance(bias, bool):
        raise ValueError(f"bias must be true or false, got {shown(bias)}")
    for key in ("layer", "unit"):
        if key in config:
            check_count(key, config[key], "its index", MAX_UNITS, low=0 if key == "unit" else 1)
    if kind == "MLP":
        nouts = config["nouts"]
        if not isinstance(nouts, list) or not nouts:
            raise ValueError(f"nouts must list the layer sizes, e.g. [4, 1], got {shown(nouts)}")
        if len(nouts) > MAX_LAYERS:
            raise ValueError(f"nouts has {len(nouts)} layers, above the cap of {MAX_LAYERS:,}")
        sizes = [nin, *(check_count("each size in nouts", n, "units", MAX_UNITS) for n in nouts)]
        count = sum((sizes[i] + bias) * sizes[i + 1] for i in range(len(nouts)))
    elif kind == "Layer":
        count = (nin + bias) * check_count("nout", config["nout"], "units", MAX_UNITS)
    else:
        count = nin + bias
    if count > MAX_PARAMETERS:
        raise ValueError(
            f"its config asks for {count:,} parameters, above the cap of "
            f"{MAX_PARAMETERS:,} a model file may ask for"
        )
    params = data.get("parameters")
    if isinstance(params, dict) and len(params) != count:
        raise ValueError(f"its config asks for {count:,} parameters but it holds {len(params):,}")
    return config


def finite_float(label: str, v: object) -> float:
    """A parameter's value from a file as a float, or ValueError (never OverflowError)."""
    if isinstance(v, bool) or not isinstance(v, Real):
        raise ValueError(f"parameter {label} must be a finite number, got {shown(v)}")
    try:
        x = float(v)
    except OverflowError:  # an integer beyond the largest float
        x = math.inf
    if not math.isfinite(x):
        raise ValueError(f"parameter {label} must be a finite number, got {shown(v)}")
    return x


def file_values(
    data: dict, kind: str, ours: dict[str, Any], slots: list[tuple[str, Any]]
) -> list[float]:
    """The parameter values of a model file's ``data`` in the order of ``slots`` (each slot's
    name and Value) for a model of class ``kind`` whose config is ``ours``; or ValueError
    naming the first problem."""
    theirs = data.get("config")
    if theirs != ours:
        if isinstance(theirs, dict):
            diffs = [
                f"{k} {shown(theirs.get(k))} (this model: {ours.get(k)!r})"
                for k in sorted(set(ours) | set(theirs))
                if theirs.get(k) != ours.get(k)
            ]
            detail = ", ".join(diffs)
        else:
            detail = f"config {shown(theirs)}"
        raise ValueError(
            f"saved model has a different shape: {detail}; build the model with the same "
            f"arguments, or use {kind}.from_file"
        )
    params = data.get("parameters")
    if not isinstance(params, dict):
        raise ValueError('"parameters" must map each label to a number')
    labels = [name for name, _ in slots]
    if set(params) != set(labels) or len(params) != len(labels):
        missing = [label for label in labels if label not in params]
        extra = [label for label in params if label not in set(labels)]
        raise ValueError(
            f"parameters do not match: missing {shown(missing, 200)}, "
            f"unexpected {shown(extra, 200)}"
        )
    values = [finite_float(label, params[label]) for label in labels]
    given: dict[Any, tuple[str, float]] = {}
    for (name, p), v in zip(slots, values):  # a tied weight: one number for all
        first = given.setdefault(p, (name, v))
        if first[1] != v:
            raise ValueError(
                f"{first[0]} and {name} are one tied weight in this model, but the file "
                f"gives them different values ({first[1]!r} and {v!r})"
            )
    return values
