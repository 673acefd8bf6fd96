"""scikit-learn's MLPClassifier on the digits: the same architecture, trained one epoch a call.

``MLPClassifier(hidden_layer_sizes=(32,), activation="relu", solver="adam")`` with the command
line's learning rate and batch size; ``partial_fit`` runs one epoch (its own shuffle of the
rows, its own Glorot initial weights: not ours). Its ``alpha`` is an L2 penalty added to the
loss (Adam, not AdamW's decoupled decay); it is given the command line's weight decay.
Optional (the ``bench`` extra): without scikit-learn the digits table leaves it out, with a
note. NumPy's BLAS runs one thread (``run.py`` sets it).
"""

from __future__ import annotations

import warnings

import numpy as np
import sklearn
from sklearn.neural_network import MLPClassifier

NAME = f"scikit-learn {sklearn.__version__} MLPClassifier"


class SklearnDigits:
    """The digits network as scikit-learn trains it; ``epoch()`` is one ``partial_fit``."""

    name = NAME

    def __init__(self, X, y, *, hidden, lr, weight_decay, batch_size, seed) -> None:
        self.model = MLPClassifier(
            hidden_layer_sizes=tuple(hidden),
            activation="relu",
            solver="adam",
            alpha=weight_decay,
            batch_size=batch_size,
            learning_rate_init=lr,
            shuffle=True,
            random_state=seed,
        )
        self.X, self.y = np.asarray(X, dtype=np.float64), np.asarray(y)
        self.classes = np.unique(self.y)

    def epoch(self) -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # no convergence warnings: one epoch is meant
            self.model.partial_fit(self.X, self.y, classes=self.classes)
        return float(self.model.loss_curve_[-1])

    def accuracy(self, X, y) -> float:
        return float(self.model.score(np.asarray(X, dtype=np.float64), np.asarray(y)))
