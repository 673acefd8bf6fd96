"""Section 4: a digits epoch, ``training.fit`` against PyTorch and scikit-learn's MLPClassifier.

The command line's ``train --data digits`` run (its split, network, AdamW and batches, read
from its own defaults), trained by ``training.fit``; after each of its epochs (fit's ``replay``
hook) each peer trains one epoch, so the systems take turns epoch by epoch. PyTorch starts from
the same weights (``model.to_torch()``) and takes the same batches in the same order: its
losses must agree with fit's. scikit-learn trains the same architecture its own way (its own
initial weights and shuffle): its time per epoch and test accuracy are the figures. The first
epoch (fit builds, compiles and plans its graph in it) is reported apart; the medians are
over the others. The whole run is made twice: with the collector on, then paused.
"""

from __future__ import annotations

import gc
import time
from typing import Any

import compiled
import peers
from timing import GC_NOTE, SPREAD_NOTE, fmt_ratio, rel_diff, spread, table, verdict
from workload import DigitsWork, digits_work

EPOCH_TARGET = 2.0  # fit's epoch ÷ PyTorch's, at most
ACCURACY_TARGET = 0.97  # test accuracy with the command line's defaults, at least
LOSS_TOLERANCE = 1e-9  # relative, fit's final loss to PyTorch's (AdamW: rounding grows a little)


PEER_MODULES = ("torch_linear", "sklearn_mlp")


def digits_run(
    work: DigitsWork, gc_on: bool, peer_modules: tuple[str, ...] = PEER_MODULES
) -> dict[str, Any]:
    """One training run of fit and the peers (those installed), taking turns epoch by epoch;
    their figures."""
    model = compiled.digits_model(work)
    others: list[Any] = []
    torch_linear = peers.module("torch_linear") if "torch_linear" in peer_modules else None
    if torch_linear is not None:  # from the same starting weights: made before fit trains
        others.append(
            torch_linear.TorchDigits(
                model,
                work.X_train,
                work.y_train,
                lr=work.lr,
                weight_decay=work.weight_decay,
                batch_size=work.batch_size,
                seed=work.seed,
            )
        )
    sklearn_mlp = peers.module("sklearn_mlp") if "sklearn_mlp" in peer_modules else None
    if sklearn_mlp is not None:
        others.append(
            sklearn_mlp.SklearnDigits(
                work.X_train,
                work.y_train,
                hidden=work.hidden,
                lr=work.lr,
                weight_decay=work.weight_decay,
                batch_size=work.batch_size,
                seed=work.seed,
            )
        )
    ours = compiled.FIT_NAME
    seconds: dict[str, list[float]] = {ours: [], **{p.name: [] for p in others}}
    losses: dict[str, list[float]] = {p.name: [] for p in others}
    started = [0.0]

    def pause() -> None:
        gc.collect()
        if not gc_on:
            gc.disable()

    def after_epoch(epoch: int, history: Any) -> None:
        seconds[ours].append(time.perf_counter() - started[0])
        gc.enable()
        for p in others if epoch % 2 else others[::-1]:  # each leads in turn
            pause()
            t0 = time.perf_counter()
            losses[p.name].append(p.epoch())
            seconds[p.name].append(time.perf_counter() - t0)
            gc.enable()
        pause()
        started[0] = time.perf_counter()

    pause()
    started[0] = time.perf_counter()
    try:
        history = compiled.fit_digits(model, work, after_epoch)
    finally:
        gc.enable()
    out: dict[str, Any] = {
        "seconds": seconds,
        "names": [ours, *(p.name for p in others)],
        "accuracy": {ours: compiled.test_accuracy(model, work)},
        "epoch_losses": {ours: list(history.loss), **losses},
        "final_loss": {ours: history.final_loss},
    }
    for p in others:
        out["accuracy"][p.name] = p.accuracy(work.X_test, work.y_test)
        if hasattr(p, "loss"):
            out["final_loss"][p.name] = p.loss()
    if torch_linear is not None:
        t = torch_linear.DIGITS
        out["torch"] = t
        out["epoch_loss_rel_diff"] = max(map(rel_diff, history.loss, losses[t]))
        out["final_loss_rel_diff"] = rel_diff(history.final_loss, out["final_loss"][t])
    return out


def steady(xs: list[float]) -> list[float]:
    """The epochs after the first (the first alone if there is no other)."""
    return xs[1:] or xs


def digits_section(samples: int | None, epochs: int | None, results: dict[str, Any]) -> None:
    work = digits_work(samples, epochs)
    runs = {gc_on: digits_run(work, gc_on) for gc_on in (True, False)}
    on = runs[True]
    ours = compiled.FIT_NAME
    print(
        "\n== 4. A digits epoch: training.fit against PyTorch and scikit-learn ==\n"
        f"micrograd-cbook train --data digits, its defaults: {work.describe()}, "
        f"{work.epochs} epochs, seed {work.seed}.\nThe systems take turns epoch by epoch; "
        "s per epoch: the median over epochs 2 onward (q1–q3); the first epoch (fit\ncompiles "
        "and plans its graph in it) apart. torch: model.to_torch() (the same weights), "
        "torch.optim.AdamW, the same\nbatches; scikit-learn: MLPClassifier(hidden "
        f"{tuple(work.hidden)}, relu, adam, alpha = the weight decay), its own initial weights "
        "and\nshuffle, partial_fit once per epoch. One thread each."
    )
    summary: dict[str, Any] = {"workload": work.describe(), "epochs": work.epochs, "runs": {}}
    for gc_on, run in runs.items():
        print(f"\n-- gc {'on (the main table)' if gc_on else 'paused'} --")
        rows = []
        per_system: dict[str, Any] = {}
        for name in run["names"]:
            secs = run["seconds"][name]
            ratio = spread([a / b for a, b in zip(steady(run["seconds"][ours]), steady(secs))])
            rows.append(
                [
                    name,
                    fmt_s(spread(steady(secs))),
                    f"{secs[0]:.3f}",
                    fmt_ratio(ratio),
                    f"{run['final_loss'][name]:.6f}" if name in run["final_loss"] else "-",
                    f"{run['accuracy'][name]:.1%}",
                ]
            )
            per_system[name] = {
                "seconds_per_epoch": spread(steady(secs)),
                "first_epoch_seconds": secs[0],
                "fit_over_it": ratio,
                "test_accuracy": run["accuracy"][name],
                "final_training_loss": run["final_loss"].get(name),
                "seconds_per_round": secs,
            }
        table(
            [
                "system",
                "s/epoch (q1–q3)",
                "first epoch s",
                "fit ÷ it",
                "final training loss",
                "test accuracy",
            ],
            rows,
        )
        summary["runs"]["gc_on" if gc_on else "gc_paused"] = {
            "systems": per_system,
            "epoch_losses": run["epoch_losses"],
        }
    print(GC_NOTE)
    print(SPREAD_NOTE)
    for lib in ("torch", "sklearn"):
        if lib in peers.notes:
            print(f"left out: {peers.notes[lib]}")
    if "torch" in on:
        t = on["torch"]
        same = on["final_loss_rel_diff"] <= LOSS_TOLERANCE
        print(
            f"same training as PyTorch: {'yes' if same else 'NO'}: every epoch's mean batch "
            f"loss within {on['epoch_loss_rel_diff']:.1e}, the final training loss within "
            f"{on['final_loss_rel_diff']:.1e} (required ≤ {LOSS_TOLERANCE:g})"
        )
        per_epoch = [a / b for a, b in zip(steady(on["seconds"][ours]), steady(on["seconds"][t]))]
        fit_over_torch = spread(per_epoch)
        print(
            f"fit's epoch ÷ PyTorch's: {fmt_ratio(fit_over_torch)}; "
            + verdict(fit_over_torch.median, EPOCH_TARGET, at_most=True)
        )
        summary["fit_over_torch"] = fit_over_torch
        summary["fit_over_torch_per_epoch"] = per_epoch
        summary["epoch_loss_rel_diff"] = on["epoch_loss_rel_diff"]
        summary["final_loss_rel_diff"] = on["final_loss_rel_diff"]
        summary["same_as_torch"] = same
    repeat = runs[True]["epoch_losses"][ours] == runs[False]["epoch_losses"][ours]
    print(
        f"fit's test accuracy {on['accuracy'][ours]:.1%}: "
        + verdict(on["accuracy"][ours] * 100, ACCURACY_TARGET * 100, at_most=False, unit="%")
        + f"; the two runs trained the same numbers: {'yes' if repeat else 'NO'}"
    )
    summary["test_accuracy"] = on["accuracy"][ours]
    summary["runs_repeat_exactly"] = repeat
    results["digits"] = summary


def fmt_s(s: Any) -> str:
    return f"{s.median:.4f} ({s.q1:.4f}–{s.q3:.4f})"
