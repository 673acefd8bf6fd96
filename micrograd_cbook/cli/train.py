"""`micrograd-cbook train`: train a small MLP on built-in data and save what came out.

micrograd-cbook train --data moons --hidden 16,16 --activation relu --loss hinge \\
    --epochs 100 --lr 0.05 --seed 0 --out run/
"""

from __future__ import annotations

import argparse
import math
import os

from . import UsageError, positive_int, prepare_folder

DEFAULT_OUT = "micrograd-cbook-run"
LOSS_CHOICES = ("hinge", "bce", "mse", "quadratic")
DATA_CHOICES = ("moons", "circles", "xor", "chapter")
DEFAULT_NOISE = {"moons": 0.1, "circles": 0.05, "xor": 0.0}





class _Diverged(Exception):
    """Training met a non-finite loss or weight: stop at once, say where."""

    def __init__(self, epoch: int, what: str) -> None:
        super().__init__(what)
        self.epoch, self.what = epoch, what


class _Watch:
    """The loss, checked at every batch: a nan or infinite loss or weight stops the run.

    A parameter that overflowed in the last step shows here, before the next batch uses it.
    """

    def __init__(self, loss, params, n: int, batch_size: int | None, epochs: int) -> None:
        self.loss, self.params, self.epochs = loss, params, epochs
        self.batches = -(-n // (batch_size or n))  # batches per epoch
        self.calls = 0

    @property
    def epoch(self) -> int:
        """The epoch of the current call (the last one for fit's final evaluation)."""
        return min(max(self.calls - 1, 0) // self.batches + 1, self.epochs)

    def __call__(self, outputs, targets):
        self.calls += 1
        bad = next((p for p in self.params if not math.isfinite(p.data)), None)
        if bad is not None:
            raise _Diverged(self.epoch, f"weight {bad.label} became {bad.data}")
        C = self.loss(outputs, targets)
        if not math.isfinite(C.data):
            raise _Diverged(self.epoch, f"the loss became {C.data}")
        return C


def _number(text: str, *, positive: bool) -> float:
    try:
        x = float(text)
    except ValueError:
        x = math.nan
    if not math.isfinite(x) or x < 0.0 or (positive and x == 0.0):
        what = "a number > 0" if positive else "a number ≥ 0"
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
    return x


def _hidden(text: str) -> list[int]:
    if text.strip().lower() in ("", "none", "0"):
        return []
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        sizes = [0]
    if any(n <= 0 for n in sizes):
        raise argparse.ArgumentTypeError(
            f"must be comma-separated positive layer sizes like 16,16 (or none), got {text!r}"
        )
    return sizes


def register(sub: argparse._SubParsersAction) -> None:
    from ..nn import ACTIVATIONS, INITS

    p = sub.add_parser(
        "train",
        help="train a small network on built-in data (moons, circles, xor, the chapter's table)",
        description="Train an MLP on built-in data with a progress bar; print the final loss and "
        "accuracy; write model.json, loss.svg and, for 2-D data, boundary.svg into --out.",
        epilog="example:\n  micrograd-cbook train --data moons --hidden 16,16 --activation relu "
        "--loss hinge \\\n      --epochs 100 --lr 0.05 --seed 0 --out run/",
    )
    p.add_argument("--data", choices=DATA_CHOICES, default="moons", help="data set (moons)")
    p.add_argument("--samples", type=positive_int, default=100, metavar="N",
                   help="points to generate for moons, circles and xor (100)")
    p.add_argument("--noise", type=lambda t: _number(t, positive=False), default=None,
                   help="noise standard deviation (moons 0.1, circles 0.05, xor 0)")
    p.add_argument("--hidden", type=_hidden, default=[16, 16], metavar="SIZES",
                   help="hidden layer sizes, comma-separated (16,16); 'none' for no hidden layer")
    p.add_argument("--activation", choices=ACTIVATIONS, default="relu",
                   help="hidden layers' activation (relu)")
    p.add_argument("--output-activation", choices=ACTIVATIONS, default=None,
                   help="output activation (linear for hinge and bce, sigmoid for mse and "
                   "quadratic)")
    p.add_argument("--loss", choices=LOSS_CHOICES, default="hinge",
                   help="hinge (labels become −1/+1), bce (cross-entropy from logits), mse, or "
                   "quadratic, the chapter's ½(y − a)² (default: hinge)")
    p.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd",
                   help="sgd: gradient descent, W ← W − lr·∂C/∂W (with --momentum if given); "
                   "adam: Adam's adaptive steps (default: sgd)")
    p.add_argument("--lr", type=lambda t: _number(t, positive=True), default=0.05,
                   help="learning rate (0.05)")
    p.add_argument("--momentum", type=lambda t: _number(t, positive=False), default=0.0,
                   help="SGD momentum (0)")
    p.add_argument("--weight-decay", type=lambda t: _number(t, positive=False), default=0.0,
                   help="L2 weight decay added to each gradient (0)")
    p.add_argument("--epochs", type=positive_int, default=100, help="passes over the data (100)")
    p.add_argument("--batch-size", type=positive_int, default=None,
                   help="mini-batch size (default: the full batch)")
    p.add_argument("--init", choices=INITS, default="uniform",
                   help="initial weights: uniform in [-1, 1) or the chapter's [0, 1) (uniform)")
    p.add_argument("--seed", type=int, default=0, help="seed for the data, weights and batches (0)")
    p.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                   help=f"folder for model.json, loss.svg, boundary.svg (./{DEFAULT_OUT}/)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import datasets
    from ..losses import get_loss
    from ..nn import MLP
    from ..optim import SGD, Adam
    from ..plots import decision_boundary_svg, loss_curve_svg
    from ..training import fit

    if args.optimizer == "adam" and args.momentum:
        raise UsageError("--momentum is for --optimizer sgd (Adam has its own betas)")
    if args.data == "chapter":
        if args.noise:
            raise UsageError("--noise does not apply to --data chapter (its four rows are fixed)")
        X, y = datasets.chapter_table()
    else:
        noise = DEFAULT_NOISE[args.data] if args.noise is None else args.noise
        make = getattr(datasets, args.data)
        try:
            X, y = make(args.samples, noise=noise, seed=args.seed)
        except ValueError as e:
            raise UsageError(str(e).replace("n must", "--samples must")) from None
    if args.loss == "hinge":
        y = datasets.signed(y)
    out_act = args.output_activation
    if out_act is None:
        out_act = "linear" if args.loss in ("hinge", "bce") else "sigmoid"
    threshold = 0.0 if args.loss in ("hinge", "bce") else 0.5

    # before training: a bad folder costs no run
    prepare_folder(args.out, "--out", ["model.json", "loss.svg", "boundary.svg"])

    model = MLP(
        len(X[0]), [*args.hidden, 1], activation=args.activation,
        output_activation=out_act, seed=args.seed, init=args.init,
    )
    params = model.parameters()
    if args.optimizer == "adam":
        opt = Adam(params, lr=args.lr, weight_decay=args.weight_decay)
    else:
        opt = SGD(params, lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)
    print(f"data   {args.data}: {len(X)} points, {len(X[0])} inputs")
    print(f"model  {model!r}: {len(params)} parameters")
    print(f"train  {args.loss} loss, {opt!r}, {args.epochs} epochs, "
          f"{'full batch' if args.batch_size is None else f'batches of {args.batch_size}'}")
    watch = _Watch(get_loss(args.loss), params, len(X), args.batch_size, args.epochs)
    try:
        history = fit(
            model, X, y, loss=watch, optimizer=opt, epochs=args.epochs,
            batch_size=args.batch_size, seed=args.seed, threshold=threshold,
            progress=not args.no_progress,
        )
    except _Diverged as e:
        raise UsageError(f"training diverged at epoch {e.epoch} of {args.epochs}: {e.what} with "
                         f"--lr {args.lr:g}; try a smaller --lr") from None
    except OverflowError as e:  # e.g. a square or an exp beyond the largest float
        raise UsageError(f"training diverged at epoch {watch.epoch} of {args.epochs} ({e}) "
                         f"with --lr {args.lr:g}; try a smaller --lr") from None
    right = round(history.final_accuracy * len(X)) if history.final_accuracy is not None else None
    acc = f", accuracy {history.final_accuracy:.1%} ({right}/{len(X)})" if right is not None else ""
    print(f"final  loss {history.final_loss:.4f}{acc}  ({history.seconds:.1f} s)")

    written = []
    try:  # checked before training; a disk that fills up now is still one line
        model_path = os.path.join(args.out, "model.json")
        model.save(model_path)
        written.append(f"{model_path}  (load with nn.MLP.from_file)")
        loss_path = os.path.join(args.out, "loss.svg")
        loss_curve_svg(history.loss, loss_path, title=f"{args.data}: {args.loss} loss per epoch")
        written.append(loss_path)
        if len(X[0]) == 2:
            boundary_path = os.path.join(args.out, "boundary.svg")
            decision_boundary_svg(
                model, X, y, boundary_path, threshold=threshold, resolution=40,
                title=f"{args.data}: decision boundary after {args.epochs} epochs",
            )
            written.append(boundary_path)
    except OSError as e:
        raise UsageError(f"cannot write {e.filename or args.out}: {e.strerror or e}") from None
    print("wrote  " + "\n       ".join(written))
    return 0
