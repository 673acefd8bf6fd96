"""Optimisers: move each parameter against its gradient, as ``torch.optim`` does.

The chapter's update is plain gradient descent, W_new = W_old − learningRate · ∂C/∂W:
``SGD(params, lr)``. Momentum, weight decay, :class:`Adam` and :class:`AdamW` follow
PyTorch's formulas step for step, so the same gradients give the same weights.

>>> from micrograd_cbook import Value
>>> w = Value(2.0, "w")
>>> opt = SGD([w], lr=0.1)
>>> C = w * w; C.backward()     # ∂C/∂w = 2w = 4
>>> opt.step(); w.data          # 2 − 0.1 · 4
1.6
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from . import optim_arrays
from .engine import Value

__all__ = ["SGD", "Adam", "AdamW", "Optimizer"]


def _floats(state: Any) -> Any:
    """An optimiser's state (m, v, buffers) as a list of Python floats: as the Python update
    keeps it, whether the array update left it an array or not (None stays None)."""
    return state if state is None or isinstance(state, list) else state.tolist()


def _check(name: str, x: float, ok: bool, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not ok:
        raise ValueError(f"{name} must be {what}, got {x!r}")
    return float(x)


class Optimizer:
    """The base: a fixed list of parameters, :meth:`zero_grad` and :meth:`step`.

    >>> from micrograd_cbook import Value
    >>> w = Value(1.0); w.grad = 3.0
    >>> Optimizer([w]).zero_grad(); w.grad
    0.0
    """

    def __init__(self, params: Iterable[Value]) -> None:
        if isinstance(params, Value):
            raise TypeError("params must be a list of Values (model.parameters()), got a Value")
        self.params = list(params)
        if not self.params:
            raise ValueError("the optimiser got no parameters: pass model.parameters()")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(
                    f"params must be Values (e.g. model.parameters()), got {type(p).__name__}"
                )
        # Update as NumPy arrays (same floats as the loops below) when NumPy is present;
        # set False to run the per-parameter Python update, the readable reference.
        self.arrays = optim_arrays.numpy is not None

    def read_arrays(self) -> tuple[object, object]:
        """Every parameter's current ``.data`` and ``.grad`` as float64 arrays (read each step)."""
        np = optim_arrays.numpy
        params = self.params
        n = len(params)
        data = np.fromiter([p.data for p in params], dtype=np.float64, count=n)
        grad = np.fromiter([p.grad for p in params], dtype=np.float64, count=n)
        return data, grad

    def write_arrays(self, data: object) -> None:
        """Write the updated array back to every parameter's ``.data`` (as Python floats)."""
        for p, x in zip(self.params, data.tolist()):  # type: ignore[attr-defined]
            p.data = x

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0 (gradients accumulate otherwise, as in PyTorch)."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its ``.grad``."""
        raise NotImplementedError

    def step_arrays(self, data: Any, grad: Any) -> None:
        """One :meth:`step` on arrays, the Values untouched: ``data`` (every parameter's
        value, float64, in ``params``' order) updated in place from ``grad``; the
        optimiser's state moves on as ``step()`` moves it, with the same floats (a training
        loop that keeps its parameters in arrays calls it; needs NumPy).

        >>> import numpy as np
        >>> from micrograd_cbook import Value
        >>> w = Value(2.0); data = np.array([2.0])
        >>> SGD([w], lr=0.1).step_arrays(data, np.array([4.0])); data.tolist(), w.data
        ([1.6], 2.0)
        """
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum and weight decay (PyTorch's SGD).

    Each step: g = ∂C/∂p + weight_decay·p; with momentum, buf = momentum·buf + (1 − dampening)·g
    (buf = g on the first step) and g = buf (or g + momentum·buf when ``nesterov``);
    then p ← p − lr·g.

    >>> from micrograd_cbook import Value
    >>> w = Value(1.0); opt = SGD([w], lr=0.5, momentum=0.9)
    >>> for _ in range(2):
    ...     w.grad = 1.0; opt.step()
    >>> round(w.data, 12)    # 1 − 0.5·1 − 0.5·1.9
    -0.45
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        *,
        dampening: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params)
        self.lr = _check("lr", lr, lr >= 0.0 and math.isfinite(lr), "a number ≥ 0")
        self.momentum = _check("momentum", momentum, momentum >= 0.0, "≥ 0")
        self.weight_decay = _check("weight_decay", weight_decay, weight_decay >= 0.0, "≥ 0")
        self.dampening = _check("dampening", dampening, True, "a number")
        if nesterov and (momentum <= 0.0 or dampening != 0.0):
            raise ValueError("nesterov needs momentum > 0 and dampening = 0")
        self.nesterov = bool(nesterov)
        self.buffers: Any = None  # momentum buffers (a list, or an array), made on the first step

    def step(self) -> None:
        """p ← p − lr · (∂C/∂p, with weight decay and momentum applied)."""
        lr, wd, mu = self.lr, self.weight_decay, self.momentum
        # Without momentum a step is one pass over the Values, p.data -= lr·g: faster than
        # reading them into arrays and writing them back (67,000 parameters: 2.7 against
        # 6.4 ms), so the loop (the same floats; a loop that keeps its parameters in arrays,
        # as fit does, calls step_arrays).
        if self.arrays and mu != 0.0:
            data, grad = self.read_arrays()
            self.step_arrays(data, grad)
            self.write_arrays(data)
            return
        if mu == 0.0:
            for p in self.params:
                g = p.grad + wd * p.data if wd else p.grad
                p.data -= lr * g
            return
        first = self.buffers is None
        self.buffers = [0.0] * len(self.params) if first else _floats(self.buffers)
        bufs = self.buffers
        keep = 1.0 - self.dampening
        for i, p in enumerate(self.params):
            g = p.grad + wd * p.data if wd else p.grad
            buf = g if first else bufs[i] * mu + g * keep  # type: ignore[index]
            bufs[i] = buf  # type: ignore[index]
            g = g + mu * buf if self.nesterov else buf
            p.data -= lr * g

    def step_arrays(self, data: Any, grad: Any) -> None:
        """:meth:`step` on arrays (see :meth:`Optimizer.step_arrays`)."""
        np = optim_arrays.numpy
        lr, wd, mu = self.lr, self.weight_decay, self.momentum
        if mu == 0.0:
            optim_arrays.sgd(data, grad, lr, wd)
        else:
            old = None if self.buffers is None else np.asarray(self.buffers, dtype=np.float64)
            self.buffers = optim_arrays.sgd_momentum(  # an array until a Python step
                data, grad, old, lr, wd, mu, 1.0 - self.dampening, self.nesterov
            )

    def __repr__(self) -> str:
        return (
            f"SGD({len(self.params)} parameters, lr={self.lr}, momentum={self.momentum}, "
            f"weight_decay={self.weight_decay})"
        )


class Adam(Optimizer):
    """Adam: steps scaled by running averages of the gradient and its square (PyTorch's Adam).

    Each step t: g = ∂C/∂p + weight_decay·p; m ← m + (1 − β₁)(g − m); v ← β₂v + (1 − β₂)g²;
    p ← p − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + eps).

    >>> from micrograd_cbook import Value
    >>> w = Value(1.0); opt = Adam([w], lr=0.1)
    >>> w.grad = 5.0; opt.step(); round(w.data, 6)   # the first step moves by about lr
    0.9
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params)
        self.lr = _check("lr", lr, lr >= 0.0 and math.isfinite(lr), "a number ≥ 0")
        try:
            b1, b2 = betas
        except (TypeError, ValueError):
            raise ValueError(f"betas must be a pair (β₁, β₂), got {betas!r}") from None
        self.betas = (
            _check("betas[0]", b1, 0.0 <= b1 < 1.0, "in [0, 1)"),
            _check("betas[1]", b2, 0.0 <= b2 < 1.0, "in [0, 1)"),
        )
        self.eps = _check("eps", eps, eps >= 0.0, "≥ 0")
        self.weight_decay = _check("weight_decay", weight_decay, weight_decay >= 0.0, "≥ 0")
        self.amsgrad = bool(amsgrad)
        self.t = 0
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)
        self.v_max = [0.0] * len(self.params) if self.amsgrad else None  # the largest v so far

    def step(self) -> None:
        """One Adam update of every parameter from its ``.grad``."""
        self._update(self.weight_decay)

    def step_arrays(self, data: Any, grad: Any) -> None:
        """:meth:`step` on arrays (see :meth:`Optimizer.step_arrays`)."""
        self._update(self.weight_decay, arrays=(data, grad))

    def _update(self, l2: float, keep: float = 1.0, arrays: Any = None) -> None:
        """The Adam update, with ``l2``·p added to each gradient first (0: none), every p first
        shrunk by the factor ``keep`` (AdamW's decoupled decay; 1: none). ``arrays``: (data,
        grad) to update in place instead of the Values."""
        self.t += 1
        b1, b2 = self.betas
        eps = self.eps
        step_size = self.lr / (1.0 - b1**self.t)
        bc2_sqrt = math.sqrt(1.0 - b2**self.t)
        w1 = 1.0 - b1  # PyTorch's lerp(m, g, w1) for β₁m + (1 − β₁)g, from whichever end is nearer
        if arrays is not None or self.arrays:
            np = optim_arrays.numpy
            data, grad = self.read_arrays() if arrays is None else arrays
            f64 = np.float64
            vm = None if self.v_max is None else np.asarray(self.v_max, dtype=f64)
            # m, v (and v_max) stay arrays from one array step to the next
            self.m, self.v, vm = optim_arrays.adam(
                data,
                grad,
                np.asarray(self.m, dtype=f64),
                np.asarray(self.v, dtype=f64),
                vm,
                (step_size, bc2_sqrt, w1, b2, eps),
                l2,
                keep,
            )
            if vm is not None:
                self.v_max = vm
            if arrays is None:
                self.write_arrays(data)
            return
        if keep != 1.0:
            for p in self.params:
                p.data *= keep
        m, v, v_max = _floats(self.m), _floats(self.v), _floats(self.v_max)
        self.m, self.v, self.v_max = m, v, v_max
        for i, p in enumerate(self.params):
            g = p.grad + l2 * p.data if l2 else p.grad
            mi = m[i] + w1 * (g - m[i]) if w1 < 0.5 else g - (g - m[i]) * (1.0 - w1)
            vi = v[i] * b2 + (1.0 - b2) * g * g
            m[i], v[i] = mi, vi
            if v_max is not None:  # AMSGrad: divide by the largest v seen, never a smaller one
                vi = v_max[i] = max(v_max[i], vi)
            p.data += (-step_size * mi) / (math.sqrt(vi) / bc2_sqrt + eps)  # torch's addcdiv

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({len(self.params)} parameters, lr={self.lr}, "
            f"betas={self.betas}, eps={self.eps}, weight_decay={self.weight_decay}"
            + (", amsgrad=True)" if self.amsgrad else ")")
        )


class AdamW(Adam):
    """Adam with decoupled weight decay (PyTorch's AdamW): weights shrink apart from the gradient.

    Each step first p ← p·(1 − lr·weight_decay), then Adam's update from ∂C/∂p alone (Adam's
    ``weight_decay`` adds weight_decay·p to the gradient instead, where Adam's scaling then
    weakens it). The default weight_decay is PyTorch's, 0.01.

    >>> from micrograd_cbook import Value
    >>> w = Value(1.0); opt = AdamW([w], lr=0.1, weight_decay=0.5)
    >>> w.grad = 5.0; opt.step(); round(w.data, 6)   # 1·(1 − 0.1·0.5), then about −lr
    0.85
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)

    def step(self) -> None:
        """Shrink every parameter by the factor 1 − lr·weight_decay, then one Adam update."""
        self._update(0.0, self._keep())

    def step_arrays(self, data: Any, grad: Any) -> None:
        """:meth:`step` on arrays (see :meth:`Optimizer.step_arrays`)."""
        self._update(0.0, self._keep(), arrays=(data, grad))

    def _keep(self) -> float:
        """The factor every weight shrinks by before a step: 1 − lr·weight_decay."""
        return 1.0 - self.lr * self.weight_decay if self.weight_decay else 1.0
