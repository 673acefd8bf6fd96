"""Speed without tricks in the core: a graph of fixed shape compiled into straight-line code.

:mod:`~micrograd_cbook.speed.compiler` writes one Python function per graph (its forward and
backward pass, bit for bit the interpreter's floats); :mod:`~micrograd_cbook.speed.batched`
runs its rows all at once with NumPy; :mod:`~micrograd_cbook.speed.compiled_loss` is a
network's loss compiled for :func:`micrograd_cbook.training.fit`.
"""
