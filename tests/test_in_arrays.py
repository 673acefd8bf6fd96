"""fit with the parameters in arrays from step to step (speed/in_arrays.py): the same
history, weights and grads as the interpreter, bit for bit, and the Values always given
their numbers back before anyone reads them (a replay, an error, the end of training)."""

from contextlib import contextmanager
from unittest import mock

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from strategies import OPTIMIZERS, SETTINGS, FitRun, fit_runs, fuzz_examples

from micrograd_cbook import datasets, losses, nn
from micrograd_cbook.optim import SGD, Adam, AdamW
from micrograd_cbook.speed.compiled_loss import CompiledLoss
from micrograd_cbook.speed.in_arrays import TrainingInArrays
from micrograd_cbook.training import fit

pytest.importorskip("numpy", reason="the arrays are NumPy's (the `fast` extra)")

MAKERS = {
    "sgd": lambda ps: SGD(ps, lr=0.3),
    "nesterov, decay": lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "adam, amsgrad, decay": lambda ps: Adam(ps, lr=0.05, weight_decay=0.01, amsgrad=True),
    "adamw": lambda ps: AdamW(ps, lr=0.05, weight_decay=0.1),
}


@contextmanager
def steps_counted(min_rows: int | None = 1):
    """Every compiled loss's batches of ``min_rows`` rows or more run at once (None: as
    planned); yields the list of the array steps taken (one None per TrainingInArrays.step)."""
    compiled, step, taken = CompiledLoss.compiled, TrainingInArrays.step, []

    def compiled_at_once(self):
        graph = compiled(self)
        if min_rows is not None and graph.batched is not None:
            graph.batched.min_rows = min_rows
        return graph

    def counted(self):
        taken.append(None)
        return step(self)

    with (
        mock.patch.object(CompiledLoss, "compiled", compiled_at_once),
        mock.patch.object(TrainingInArrays, "step", counted),
    ):
        yield taken


def spiral_run(make, compiled, *, order=None, replay=None, epochs=4):
    X, y = datasets.spiral(30, seed=0)  # 30 rows: batches of 16, the last of 14
    model = nn.MLP(2, [6, 3], activation="tanh", output_activation="linear", seed=3)
    params = model.parameters()
    opt = make(params if order is None else order(params))
    h = fit(model, X, y, loss="cross_entropy", optimizer=opt, epochs=epochs, batch_size=16,
            seed=0, progress=False, compiled=compiled, replay=replay)  # fmt: skip
    return repr((h.loss, h.accuracy, h.final_loss, [(p.data, p.grad) for p in params]))


@pytest.mark.parametrize("name", MAKERS)
def test_fit_steps_on_arrays_with_the_interpreters_floats(name):
    with steps_counted() as taken:
        on_arrays = spiral_run(MAKERS[name], True)
    assert len(taken) == 4 * 2  # every batch of every epoch
    assert on_arrays == spiral_run(MAKERS[name], False)


def test_an_optimiser_holding_the_parameters_in_another_order_steps_them_alike():
    with steps_counted() as taken:
        reversed_ = spiral_run(MAKERS["adamw"], True, order=lambda ps: ps[::-1])
    assert taken and reversed_ == spiral_run(MAKERS["adamw"], False, order=lambda ps: ps[::-1])


def test_an_optimiser_of_some_parameters_only_trains_on_the_values():
    with steps_counted() as taken:
        some = spiral_run(MAKERS["sgd"], True, order=lambda ps: ps[:5])
    assert taken == [] and some == spiral_run(MAKERS["sgd"], False, order=lambda ps: ps[:5])


def test_an_optimiser_set_to_its_python_update_trains_on_the_values():
    def python_sgd(ps):
        opt = SGD(ps, lr=0.3)
        opt.arrays = False
        return opt

    with steps_counted() as taken:
        python = spiral_run(python_sgd, True)
    assert taken == [] and python == spiral_run(MAKERS["sgd"], False)


def test_batches_too_small_to_run_at_once_train_on_the_values():
    with steps_counted(min_rows=None) as taken:
        X, y = datasets.xor()  # 4 rows: far fewer than the plan of so small a graph needs
        model = nn.MLP(2, [3, 1], seed=1)
        fit(model, X, y, loss="mse", epochs=5, lr=0.5, progress=False)
    assert taken == []
    again = nn.MLP(2, [3, 1], seed=1)
    fit(again, X, y, loss="mse", epochs=5, lr=0.5, progress=False, compiled=False)
    assert repr([p.data for p in model.parameters()]) == repr([p.data for p in again.parameters()])


def test_a_last_batch_too_small_to_run_at_once_trains_on_the_values_and_the_next_on_arrays():
    with steps_counted(min_rows=16) as taken:  # batches of 16 at once, the last of 14 not
        mixed = spiral_run(MAKERS["nesterov, decay"], True)
    assert len(taken) == 4  # the first batch of each epoch
    assert mixed == spiral_run(MAKERS["nesterov, decay"], False)


def test_a_replay_sees_each_epochs_weights_as_the_interpreter_gives_them():
    def weights_seen():
        seen = []

        def replay(epoch, history):
            seen.append(repr([(p.data, p.grad) for p in params[0]]))

        return seen, replay

    params = [None]

    def make(ps):
        params[0] = ps
        return MAKERS["adam, amsgrad, decay"](ps)

    got, replay = weights_seen()
    with steps_counted() as taken:
        spiral_run(make, True, replay=replay)
    want, replay = weights_seen()
    spiral_run(make, False, replay=replay)
    assert taken and got == want and len(got) == 4


def test_a_replay_that_moves_a_weight_moves_it_for_the_next_epoch_as_on_the_values():
    params = []

    def make(ps):
        params[:] = ps
        return MAKERS["sgd"](ps)

    def replay(epoch, history):
        params[0].data = 0.25 * epoch  # a teacher's hand on the weights between epochs

    with steps_counted() as taken:
        moved = spiral_run(make, True, replay=replay)
    assert taken and moved == spiral_run(make, False, replay=replay)


class Stops(SGD):
    """SGD that raises at its third step (with momentum, step() on the Values runs
    step_arrays too)."""

    steps = 0

    def step_arrays(self, data, grad):
        self.steps += 1
        if self.steps == 3:
            raise RuntimeError("stopped")
        super().step_arrays(data, grad)


def test_an_error_mid_training_leaves_the_values_with_every_number_so_far():
    outcomes = []
    for compiled in (True, False):
        with steps_counted() as taken:
            X, y = datasets.spiral(30, seed=0)
            model = nn.MLP(2, [6, 3], activation="tanh", output_activation="linear", seed=3)
            opt = Stops(model.parameters(), 0.3, 0.5)
            with pytest.raises(RuntimeError, match="stopped"):
                fit(model, X, y, loss="cross_entropy", optimizer=opt,
                    batch_size=16, seed=0, progress=False, compiled=compiled)  # fmt: skip
        assert len(taken) == (3 if compiled else 0)
        outcomes.append(repr([(p.data, p.grad) for p in model.parameters()]))
    assert outcomes[0] == outcomes[1]


def fit_outcome(run: FitRun, compiled: bool) -> str:
    model = run.model()
    params = model.parameters()
    try:
        h = fit(model, list(run.X), list(run.y), loss=run.loss,
                optimizer=run.make_optimizer(params), epochs=run.epochs,
                batch_size=run.batch_size, seed=1, progress=False, compiled=compiled)  # fmt: skip
    except (ArithmeticError, ValueError) as e:  # (a run that diverges: the same error)
        return repr((type(e).__name__, str(e)))
    return repr((h.loss, h.accuracy, h.final_loss, [(p.data, p.grad) for p in params]))


@settings(**SETTINGS, max_examples=fuzz_examples(100))
@given(fit_runs(), st.sampled_from((1, 2, 3)))
def test_fit_on_arrays_gives_the_interpreters_history_weights_and_grads(run, min_rows):
    # Every optimiser of the strategies, every loss, full and mini-batches, the batches of
    # min_rows rows or more run at once (on the arrays), the others on the Values, against
    # the interpreter.
    assert run.optimizer in OPTIMIZERS
    with steps_counted(min_rows) as taken:
        outcome = fit_outcome(run, True)
    if run.loss != "bce":
        loss_fn = losses.get_loss(run.loss)
        assert CompiledLoss.build(run.model(), loss_fn, list(run.X), list(run.y)) is not None
    event("on arrays" if taken else "on the values")
    assert outcome == fit_outcome(run, False)
