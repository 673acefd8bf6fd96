"""`micrograd-cbook train`: train a small MLP on built-in data and save what came out.

micrograd-cbook train --data moons --hidden 16,16 --activation relu --loss hinge \\
    --epochs 100 --lr 0.05 --seed 0 --out run/
micrograd-cbook train --data digits     # ten outputs, cross-entropy, AdamW: test accuracy
"""

from __future__ import annotations

import argparse
import itertools
import math
import os

from .. import datasets
from ..losses import one_hot
from ..modelfiles import MAX_PARAMETERS
from ..nn import ACTIVATIONS, INITS, MLP
from ..optim import SGD, Adam, AdamW
from ..training import confusion_matrix, evaluate, fit, predict
from ..viz.plots import confusion_matrix_svg, decision_boundary_svg, images_svg, loss_curve_svg
from .common import UsageError, positive_int, prepare_folder

DEFAULT_OUT = "micrograd-cbook-run"
LOSS_CHOICES = ("hinge", "bce", "mse", "quadratic", "cross_entropy")
DATA_CHOICES = ("moons", "circles", "xor", "chapter", "spiral", "digits")
DEFAULT_NOISE = {"moons": 0.1, "circles": 0.05, "xor": 0.0, "spiral": 0.2}
MULTICLASS = ("spiral", "digits")  # class labels 0, 1, …: one output per class, a test split

# Defaults that depend on the data: two classes (one output), the spiral, the digits.
DEFAULTS = {
    "two classes": {
        "samples": 100,
        "hidden": [16, 16],
        "loss": "hinge",
        "optimizer": "sgd",
        "lr": 0.05,
        "weight_decay": 0.0,
        "epochs": 100,
        "batch_size": None,
    },
    "spiral": {
        "samples": 300,
        "hidden": [16, 16],
        "loss": "cross_entropy",
        "optimizer": "adamw",
        "lr": 0.02,
        "weight_decay": 1e-4,
        "epochs": 100,
        "batch_size": 16,
        "test": 0.2,
    },
    "digits": {
        "samples": None,
        "hidden": [32],
        "loss": "cross_entropy",
        "optimizer": "adamw",
        "lr": 0.01,
        "weight_decay": 1e-4,
        "epochs": 20,
        "batch_size": 32,
        "test": 0.2,
    },
}
MISCLASSIFIED_SHOWN = 30  # digits drawn in misclassified.svg
# A million passes over the data are long already (measured: a quarter of an hour on the
# chapter's four rows, an hour and a half on the 100 moons): more is a slip of the keyboard.
MAX_EPOCHS = 1_000_000


class _Diverged(Exception):
    """Training met a non-finite gradient or weight: stop at once, say where."""

    def __init__(self, epoch: int, what: str) -> None:
        super().__init__(what)
        self.epoch, self.what = epoch, what


def _watch(opt, n: int, batch_size: int | None):
    """Make ``opt.step`` check every grad and weight: a nan or infinite one stops the run.

    The optimiser stays what it was (fit takes only optimisers); its step is wrapped.
    Returns a function telling the epoch training is in.
    """
    batches = -(-n // (batch_size or n))  # steps per epoch
    step, params, done = opt.step, opt.params, [0]

    def checked_step() -> None:
        epoch = done[0] // batches + 1
        bad = next((p for p in params if not math.isfinite(p.grad)), None)
        if bad is not None:
            raise _Diverged(epoch, f"the gradient of {bad.label or 'a weight'} became {bad.grad}")
        step()
        done[0] += 1
        bad = next((p for p in params if not math.isfinite(p.data)), None)
        if bad is not None:
            raise _Diverged(epoch, f"weight {bad.label or '?'} became {bad.data}")

    opt.step = checked_step
    return lambda: done[0] // batches + 1


def _diverged(args: argparse.Namespace, epoch: int | None, what: str) -> UsageError:
    """The one line that says where training diverged and what to do."""
    at = f" at epoch {epoch} of {args.epochs}" if epoch is not None else ""
    return UsageError(f"training diverged{at}: {what} with --lr {args.lr:g}; try a smaller --lr")


def _first_bad_epoch(history) -> int | None:
    """The first epoch whose loss is nan or infinite, counted from 1 (None: all finite)."""
    return next((i + 1 for i, v in enumerate(history.loss) if not math.isfinite(v)), None)


def _number(text: str, *, positive: bool) -> float:
    try:
        x = float(text)
    except ValueError:
        x = math.nan
    if not math.isfinite(x) or x < 0.0 or (positive and x == 0.0):
        what = "a number > 0" if positive else "a number ≥ 0"
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
    return x


def _fraction(text: str) -> float:
    x = _number(text, positive=True)
    if x >= 1.0:
        raise argparse.ArgumentTypeError(f"must be a fraction between 0 and 1, got {text!r}")
    return x


def _epochs(text: str) -> int:
    n = positive_int(text)
    if n > MAX_EPOCHS:
        raise argparse.ArgumentTypeError(
            f"too many epochs: {text} (at most {MAX_EPOCHS:,} passes over the data)"
        )
    return n


def _check_network(args: argparse.Namespace, sizes: list[int]) -> None:
    """The network's size, checked before it is built: no more parameters than a model file
    may hold (modelfiles.MAX_PARAMETERS), or a one-line error."""
    count = sum((a + 1) * b for a, b in itertools.pairwise(sizes))  # weights, a bias per unit
    if count > MAX_PARAMETERS:
        hidden = ",".join(map(str, args.hidden)) or "none"
        raise UsageError(
            f"--hidden {hidden} makes a network of {count:,} parameters, above the cap of "
            f"{MAX_PARAMETERS:,} (the most a model file may hold): give smaller layers"
        )


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

    p = sub.add_parser(
        "train",
        help="train a small network on built-in data (moons, circles, xor, the chapter's table, "
        "spiral, digits)",
        description="Train an MLP on built-in data with a progress bar; print the final loss and "
        "accuracy; write model.json, loss.svg and, for 2-D data, boundary.svg into --out. "
        "Spiral and digits (several classes) train on a stratified split, print the test "
        "accuracy and write confusion.svg (and misclassified.svg for the digits). Defaults in "
        "parentheses are for two classes; [spiral; digits] where they differ.",
        epilog="examples:\n  micrograd-cbook train --data moons --hidden 16,16 --activation relu "
        "--loss hinge \\\n      --epochs 100 --lr 0.05 --seed 0 --out run/\n"
        "  micrograd-cbook train --data digits",
    )
    p.add_argument("--data", choices=DATA_CHOICES, default="moons", help="data set (moons)")
    p.add_argument(
        "--samples",
        type=positive_int,
        default=None,
        metavar="N",
        help="points to generate (100) [300; the digits: all 1797, or a stratified subset of N]",
    )
    p.add_argument(
        "--noise",
        type=lambda t: _number(t, positive=False),
        default=None,
        help="noise standard deviation (moons 0.1, circles 0.05, xor 0, spiral 0.2 radians)",
    )
    p.add_argument(
        "--hidden",
        type=_hidden,
        default=None,
        metavar="SIZES",
        help="hidden layer sizes, comma-separated (16,16) [16,16; 32]; 'none' for no hidden layer",
    )
    p.add_argument(
        "--activation", choices=ACTIVATIONS, default="relu", help="hidden layers' activation (relu)"
    )
    p.add_argument(
        "--output-activation",
        choices=ACTIVATIONS,
        default=None,
        help="output activation (linear for hinge, bce and cross_entropy, sigmoid for "
        "mse and quadratic)",
    )
    p.add_argument(
        "--loss",
        choices=LOSS_CHOICES,
        default=None,
        help="the cost: hinge (labels become −1/+1), bce (cross-entropy from logits), "
        "mse, quadratic (the chapter's ½(y − a)²; one-hot targets for several "
        "classes) or cross_entropy (several classes) (default: hinge) "
        "[cross_entropy]",
    )
    p.add_argument(
        "--optimizer",
        choices=("sgd", "adam", "adamw"),
        default=None,
        help="sgd: gradient descent, W ← W − lr·∂C/∂W (with --momentum if given); "
        "adam: Adam's adaptive steps; adamw: Adam with decoupled weight decay "
        "(default: sgd) [adamw]",
    )
    p.add_argument(
        "--lr",
        type=lambda t: _number(t, positive=True),
        default=None,
        help="learning rate (0.05) [0.02; 0.01]",
    )
    p.add_argument(
        "--momentum",
        type=lambda t: _number(t, positive=False),
        default=0.0,
        help="SGD momentum (0)",
    )
    p.add_argument(
        "--weight-decay",
        type=lambda t: _number(t, positive=False),
        default=None,
        help="weight decay: L2 added to each gradient for sgd and adam, decoupled "
        "for adamw (0) [0.0001]",
    )
    p.add_argument(
        "--epochs",
        type=_epochs,
        default=None,
        help=f"passes over the data, at most {MAX_EPOCHS:,} (100) [100; 20]",
    )
    p.add_argument(
        "--batch-size",
        type=positive_int,
        default=None,
        help="mini-batch size (the full batch) [16; 32]",
    )
    p.add_argument(
        "--test",
        type=_fraction,
        default=None,
        metavar="FRACTION",
        help="share of the rows held out for the test accuracy, stratified; spiral "
        "and digits only (0.2)",
    )
    p.add_argument(
        "--init",
        choices=INITS,
        default="uniform",
        help="initial weights: uniform in [-1, 1) or the chapter's [0, 1) (uniform)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed for the data, weights and batches (0)")
    p.add_argument(
        "--out",
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"folder for model.json and the plots (./{DEFAULT_OUT}/)",
    )
    p.add_argument(
        "--replay",
        metavar="DIR",
        default=None,
        help="also write DIR/index.html, an offline page replaying the training "
        "epoch by epoch (loss, boundary, weights and grads, one example's graph)",
    )
    p.add_argument(
        "--no-compile",
        action="store_true",
        help="train through the interpreter (graph and backward() per batch) rather "
        "than the compiled graph of one row: the same numbers to rounding, slower",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _fill_defaults(args: argparse.Namespace) -> None:
    """Give each option the user left out its default for this data (see DEFAULTS)."""
    if args.data not in MULTICLASS and args.test is not None:
        raise UsageError(
            f"--test applies to --data spiral and digits (--data {args.data} trains and "
            "reports on all its points)"
        )
    table = DEFAULTS[args.data if args.data in MULTICLASS else "two classes"]
    for name, value in table.items():
        if getattr(args, name) is None:
            setattr(args, name, list(value) if isinstance(value, list) else value)


def _optimizer(args: argparse.Namespace, params: list) -> object:

    if args.optimizer == "adamw":
        return AdamW(params, lr=args.lr, weight_decay=args.weight_decay)
    if args.optimizer == "adam":
        return Adam(params, lr=args.lr, weight_decay=args.weight_decay)
    return SGD(params, lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)


def _fit(args: argparse.Namespace, fit, model, X, y, opt, **options):
    """fit(), stopped at the first nan or infinite grad or weight, said in one line."""
    epoch_now = _watch(opt, len(X), args.batch_size)
    try:
        history = fit(
            model,
            X,
            y,
            loss=args.loss,
            optimizer=opt,
            epochs=args.epochs,
            batch_size=args.batch_size,
            seed=args.seed,
            progress=not args.no_progress,
            compiled=not args.no_compile,
            **options,
        )
    except _Diverged as e:
        raise _diverged(args, e.epoch, e.what) from None
    except (OverflowError, ValueError) as e:  # a square or an exp beyond the largest float,
        raise _diverged(args, min(epoch_now(), args.epochs), str(e)) from None  # a nan logit
    epoch = _first_bad_epoch(history)
    if epoch is not None or not math.isfinite(history.final_loss):
        loss = history.loss[epoch - 1] if epoch is not None else history.final_loss
        raise _diverged(args, epoch or args.epochs, f"the loss became {loss}")
    return history


def run(args: argparse.Namespace) -> int:

    _fill_defaults(args)
    if args.optimizer != "sgd" and args.momentum:
        raise UsageError("--momentum is for --optimizer sgd (Adam has its own betas)")
    if args.data in MULTICLASS:
        return _run_classes(args)
    if args.loss == "cross_entropy":
        raise UsageError(
            f"--loss cross_entropy is for several classes (--data spiral or digits); for the two "
            f"classes of --data {args.data} use bce"
        )
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

    # before training: a network too large or a bad folder costs no run
    _check_network(args, [len(X[0]), *args.hidden, 1])
    prepare_folder(args.out, "--out", ["model.json", "loss.svg", "boundary.svg"])
    replay = _replay_folder(args.replay)

    model = MLP(
        len(X[0]),
        [*args.hidden, 1],
        activation=args.activation,
        output_activation=out_act,
        seed=args.seed,
        init=args.init,
    )
    params = model.parameters()
    opt = _optimizer(args, params)
    print(f"data   {args.data}: {len(X)} points, {len(X[0])} inputs")
    print(f"model  {model!r}: {len(params)} parameters")
    print(
        f"train  {args.loss} loss, {opt!r}, {args.epochs} epochs, "
        f"{'full batch' if args.batch_size is None else f'batches of {args.batch_size}'}"
    )
    history = _fit(args, fit, model, X, y, opt, threshold=threshold, replay=replay)
    right = round(history.final_accuracy * len(X)) if history.final_accuracy is not None else None
    acc = f", accuracy {history.final_accuracy:.1%} ({right}/{len(X)})" if right is not None else ""
    print(f"final  loss {history.final_loss:.4f}{acc}  ({history.seconds:.1f} s)")

    try:  # checked before training; a disk that fills up now is still one line
        written = _save_model_and_loss(args, model, history)
        if len(X[0]) == 2:
            boundary_path = os.path.join(args.out, "boundary.svg")
            decision_boundary_svg(
                model,
                X,
                y,
                boundary_path,
                threshold=threshold,
                resolution=40,
                title=f"{args.data}: decision boundary after {args.epochs} epochs",
            )
            written.append(boundary_path)
    except OSError as e:
        raise UsageError(f"cannot write {e.filename or args.out}: {e.strerror or e}") from None
    return _report(written, replay)


def _run_classes(args: argparse.Namespace) -> int:
    """Several classes (spiral, digits): one output per class, trained on a stratified split,
    judged on the rows held out."""

    if args.loss in ("hinge", "bce"):
        raise UsageError(
            f"--loss {args.loss} is for two classes; --data {args.data} has more: use "
            "cross_entropy or quadratic"
        )
    if args.data == "digits":
        if args.noise:
            raise UsageError("--noise does not apply to --data digits (the images are fixed)")
        X, y = datasets.digits()
        if args.samples is not None and args.samples != len(X):
            if not 20 <= args.samples < len(X):
                raise UsageError(
                    f"--samples for the digits must be from 20 to {len(X)} (a stratified "
                    f"subset), got {args.samples}"
                )
            _, X, _, y = datasets.train_test_split(X, y, test=args.samples / len(X), seed=args.seed)
    else:
        noise = DEFAULT_NOISE[args.data] if args.noise is None else args.noise
        try:
            X, y = datasets.spiral(args.samples, noise=noise, seed=args.seed)
        except ValueError as e:
            raise UsageError(str(e).replace("n must", "--samples must")) from None
    n_classes = max(y) + 1
    try:
        X_train, X_test, y_train, y_test = datasets.train_test_split(
            X, y, test=args.test, seed=args.seed
        )
    except ValueError as e:
        raise UsageError(str(e).replace("train_test_split: ", "")) from None
    out_act = args.output_activation
    if out_act is None:
        out_act = "linear" if args.loss == "cross_entropy" else "sigmoid"
    # cross-entropy takes the class; the chapter's quadratic cost (and mse) one-hot rows
    targets = y_train if args.loss == "cross_entropy" else [one_hot(c, n_classes) for c in y_train]

    _check_network(args, [len(X[0]), *args.hidden, n_classes])
    outputs = ["model.json", "loss.svg", "confusion.svg"]
    prepare_folder(args.out, "--out", outputs + ["misclassified.svg"] * (args.data == "digits"))
    replay = _replay_folder(args.replay)

    model = MLP(
        len(X[0]),
        [*args.hidden, n_classes],
        activation=args.activation,
        output_activation=out_act,
        seed=args.seed,
        init=args.init,
    )
    params = model.parameters()
    opt = _optimizer(args, params)
    print(
        f"data   {args.data}: {len(X)} rows, {len(X[0])} inputs, {n_classes} classes; "
        f"{len(X_train)} to train, {len(X_test)} held out for the test (stratified)"
    )
    print(f"model  {model!r}: {len(params)} parameters")
    print(
        f"train  {args.loss} loss, {opt!r}, {args.epochs} epochs, "
        f"{'full batch' if args.batch_size is None else f'batches of {args.batch_size}'}"
    )
    history = _fit(args, fit, model, X_train, targets, opt, replay=replay)
    try:
        test_loss, _ = evaluate(
            model,
            X_test,
            y_test if args.loss == "cross_entropy" else [one_hot(c, n_classes) for c in y_test],
            loss=args.loss,
        )
    except (OverflowError, ValueError) as e:  # an exp beyond the largest float, a nan logit
        raise _diverged(args, args.epochs, str(e)) from None
    per_epoch = history.seconds / args.epochs
    right_train = round(history.final_accuracy * len(X_train))
    print(
        f"final  loss {history.final_loss:.4f}, accuracy {history.final_accuracy:.1%} "
        f"({right_train}/{len(X_train)})  ({history.seconds:.1f} s, {per_epoch:.2f} s per epoch)"
    )
    predicted = predict(model, X_test)
    right = sum(p == t for p, t in zip(predicted, y_test))
    print(
        f"test accuracy {right / len(y_test):.1%} ({right}/{len(y_test)} held-out rows), "
        f"loss {test_loss:.4f}"
    )

    try:  # checked before training; a disk that fills up now is still one line
        written = _save_model_and_loss(args, model, history)
        matrix = confusion_matrix(y_test, predicted, n_classes=n_classes)
        confusion_path = os.path.join(args.out, "confusion.svg")
        confusion_matrix_svg(
            matrix, confusion_path, title=f"{args.data}: the {len(y_test)} held-out rows"
        )
        written.append(confusion_path)
        if args.data == "digits":
            wrong = [i for i, (p, t) in enumerate(zip(predicted, y_test)) if p != t]
            shown = wrong[:MISCLASSIFIED_SHOWN] or list(range(min(10, len(y_test))))
            title = f"{len(wrong)} of {len(y_test)} test digits misclassified (true → read as)"
            if len(wrong) > len(shown):
                title += f", the first {len(shown)}"
            elif not wrong:
                title = "No test digit misclassified: the first ones, as read"
            pictures_path = os.path.join(args.out, "misclassified.svg")
            images_svg(
                [X_test[i] for i in shown],
                pictures_path,
                title=title,
                captions=[f"{y_test[i]} → {predicted[i]}" for i in shown],
                wrong=[predicted[i] != y_test[i] for i in shown],
            )
            written.append(pictures_path)
    except OSError as e:
        raise UsageError(f"cannot write {e.filename or args.out}: {e.strerror or e}") from None
    return _report(written, replay)


def _save_model_and_loss(args: argparse.Namespace, model, history) -> list[str]:
    """Write model.json and loss.svg into --out; what was written, for the report."""

    model_path = os.path.join(args.out, "model.json")
    model.save(model_path)
    loss_path = os.path.join(args.out, "loss.svg")
    loss_curve_svg(history.loss, loss_path, title=f"{args.data}: {args.loss} loss per epoch")
    return [f"{model_path}  (load with nn.MLP.from_file)", loss_path]


def _report(written: list[str], replay: str | None) -> int:
    """Say what was written (the replay's page last); the command's exit status, 0."""
    if replay is not None:
        written.append(f"{os.path.join(replay, 'index.html')}  (the training, epoch by epoch)")
    print("wrote  " + "\n       ".join(written))
    return 0


def _replay_folder(folder: str | None) -> str | None:
    """--replay's folder, checked now: a bad one is a one-line error before any training."""
    if folder is not None:
        prepare_folder(folder, "--replay", ["index.html"])
    return folder
