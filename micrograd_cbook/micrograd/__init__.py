"""micrograd 0.1.0's names and defaults on this engine: change the import, keep the script.

``from micrograd.engine import Value`` becomes ``from micrograd_cbook.micrograd.engine import
Value``; ``from micrograd.nn import MLP`` becomes ``from micrograd_cbook.micrograd.nn import
MLP`` (both are also here). ``MLP(nin, nouts)`` has ReLU hidden layers and a linear output,
draws its weights from the global ``random`` as micrograd does, lists ``parameters()`` in
micrograd's order and prints micrograd's reprs; its values are micrograd's bit for bit, its
gradients to their last bits (see :mod:`micrograd_cbook.micrograd.nn`).

>>> import random
>>> from micrograd_cbook.micrograd import MLP, Value
>>> random.seed(1337)
>>> model = MLP(2, [16, 16, 1])
>>> model.layers[-1]
Layer of [LinearNeuron(16)]
>>> x, y = [Value(0.5), Value(-1.0)], -1     # one point and its label (±1)
>>> loss = (1 + -y * model(x)).relu()         # micrograd's hinge loss
>>> round(loss.data, 4)
0.3338
>>> model.zero_grad(); loss.backward()
>>> for p in model.parameters():
...     p.data -= 0.01 * p.grad
>>> (1 + -y * model(x)).relu().data           # one step of SGD: the margin is met
0.0

``Value`` is :class:`micrograd_cbook.Value` itself, so every picture, ``explain`` and
``compile`` works on these graphs. Where it differs from micrograd's: ``data`` and ``grad``
are floats (micrograd keeps an int as given: ``Value(2)`` is ``2``, ours ``2.0``); its repr is
ours (label, 4 decimals, op); ``a / b`` is one division node (micrograd computes
``a * b**-1``: the last bit can differ); ``backward()`` never double counts an interior node
when called twice and has no recursion limit; the graph is ``.children``, ``.local_grads`` and
``.op`` (micrograd's private ``_prev``, ``_op`` and ``_backward`` closures do not exist).
"""

from .engine import Value
from .nn import MLP, Layer, Module, Neuron

__all__ = ["MLP", "Layer", "Module", "Neuron", "Value"]
