"""fit(): full-batch and mini-batch steps, the history, accuracy, the progress bar, validation."""

import io
import math

import pytest

from micrograd_cbook import datasets, losses, nn
from micrograd_cbook.optim import SGD, Adam
from micrograd_cbook.training import History, accuracy, evaluate, fit


def test_full_batch_fit_equals_the_hand_written_loop():
    X, y = datasets.xor()
    a = nn.MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", seed=2)
    b = nn.MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", seed=2)
    history = fit(a, X, y, loss="quadratic", epochs=5, lr=0.7, progress=False, compiled=False)
    expected = []
    for _ in range(5):
        C = losses.quadratic_cost([b(x) for x in X], y)
        expected.append(C.data)
        for p in b.parameters():
            p.grad = 0.0
        C.backward()
        for p in b.parameters():
            p.data -= 0.7 * p.grad
    assert history.loss == expected  # loss[e]: before epoch e's step
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    final = losses.quadratic_cost([b(x) for x in X], y).data
    assert history.final_loss == final


def test_fit_learns_xor_with_adam_and_reports_accuracy():
    X, y = datasets.xor()
    model = nn.MLP(2, [4, 1], activation="tanh", output_activation="linear", seed=0)
    opt = Adam(model.parameters(), lr=0.05)
    h = fit(model, X, y, loss="bce", optimizer=opt, epochs=300, progress=False)
    assert len(h.loss) == len(h.accuracy) == 300
    assert h.final_accuracy == 1.0
    assert h.final_loss < 0.05 < h.loss[0]
    assert all(0.0 <= a <= 1.0 for a in h.accuracy)


def test_minibatches_are_seeded_and_each_epoch_sees_every_row():
    X, y = datasets.moons(30, noise=0.1, seed=0)
    y = datasets.signed(y)

    def run(seed):
        model = nn.MLP(2, [6, 1], activation="relu", output_activation="linear", seed=1)
        h = fit(
            model, X, y, loss="hinge", epochs=4, batch_size=8, lr=0.05, seed=seed, progress=False
        )
        return h, [p.data for p in model.parameters()]

    h1, w1 = run(0)
    h2, w2 = run(0)
    _, w3 = run(1)
    assert (h1.loss, w1) == (h2.loss, w2)
    assert w1 != w3  # another shuffle, other steps
    assert len(h1.loss) == 4


def test_minibatch_count_per_epoch(monkeypatch):
    X, y = datasets.moons(10, seed=0)
    model = nn.MLP(2, [2, 1], seed=0)
    opt = SGD(model.parameters(), lr=0.1)
    steps = []
    original = opt.step
    monkeypatch.setattr(opt, "step", lambda: (steps.append(1), original()))
    fit(model, X, y, optimizer=opt, epochs=3, batch_size=4, progress=False)
    assert len(steps) == 3 * 3  # batches of 4, 4, 2


def test_accuracy_thresholds_and_moot_cases():
    from micrograd_cbook import Value

    out = [Value(0.7), Value(0.4), Value(-0.2)]
    assert accuracy(out, [1, 0, 0]) == 1.0
    assert accuracy(out, [1, -1, -1], threshold=0.0) == pytest.approx(2 / 3)
    model = nn.MLP(1, [1], activation="linear", seed=0)
    h = fit(model, [[0.0], [1.0], [2.0]], [0.5, 1.5, 2.5], loss="mse", epochs=2, progress=False)
    assert h.accuracy is None and h.final_accuracy is None  # regression: no accuracy
    with pytest.raises(ValueError, match="accuracy needs targets"):
        accuracy(out, [0.5, 1.5, 2.5])


def test_one_hot_targets_use_argmax_accuracy():
    model = nn.MLP(2, [3, 2], activation="tanh", output_activation="linear", seed=0)
    X = [[0.0, 1.0], [1.0, 0.0]]
    Y = [[1, 0], [0, 1]]
    loss, acc = evaluate(model, X, Y, loss="mse")
    outs = [model(x) for x in X]
    expected = sum((o[0].data > o[1].data) == (t[0] == 1) for o, t in zip(outs, Y)) / 2
    assert acc == expected
    assert math.isfinite(loss)


def test_progress_bar_only_on_a_terminal(monkeypatch, capsys):
    X, y = datasets.chapter_table()
    fit(nn.chapter_network(), X, y, epochs=3, lr=1.0, progress=True)
    assert capsys.readouterr().err == ""  # pytest's stderr is not a terminal

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    fit(nn.chapter_network(), X, y, epochs=3, lr=1.0, progress=True)
    assert "training" in terminal.getvalue() and "3/3" in terminal.getvalue()
    quiet = Terminal()
    monkeypatch.setattr("sys.stderr", quiet)
    fit(nn.chapter_network(), X, y, epochs=3, lr=1.0, progress=False)
    assert quiet.getvalue() == ""


def test_zero_epochs_only_measures():
    X, y = datasets.chapter_table()
    h = fit(nn.chapter_network(), X, y, epochs=0, progress=False)
    assert h.loss == [] and h.final_loss == pytest.approx(0.6559191074721229, rel=1e-12)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"y": [0, 1]}, ValueError, "X has 4 rows but y has 2 targets"),
        ({"epochs": -1}, ValueError, "epochs must be an int ≥ 0"),
        ({"batch_size": 0}, ValueError, "batch_size must be a positive int or None"),
        ({"optimizer": "sgd"}, TypeError, "optimizer must be an optimiser"),
        ({"loss": "nope"}, ValueError, "unknown loss 'nope'"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    X, y = datasets.chapter_table()
    args = {"X": X, "y": y, "progress": False, **kwargs}
    with pytest.raises(error, match=match):
        fit(nn.chapter_network(), **args)


def test_history_repr():
    h = History(loss=[0.5, 0.25], accuracy=[0.5, 1.0], final_loss=0.125, final_accuracy=1.0)
    assert repr(h) == "History(2 epochs, loss 0.5000 → 0.1250, accuracy 100.0%)"


# ------------------------------------------------------------------ the compiled path


def _moons_run(compiled):
    X, y = datasets.moons(100, noise=0.1, seed=0)
    y = datasets.signed(y)
    model = nn.MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=1)
    h = fit(model, X, y, loss="hinge", epochs=100, lr=0.05, progress=False, compiled=compiled)
    return h, [p.data for p in model.parameters()]


def test_compiled_and_interpreted_moons_training_agree_to_1e12_over_100_epochs():
    (hc, wc), (hi, wi) = _moons_run(True), _moons_run(False)
    assert len(hc.loss) == len(hi.loss) == 100
    for a, b in zip(hc.loss, hi.loss):
        assert math.isclose(a, b, rel_tol=1e-12), (a, b)
    assert hc.accuracy == hi.accuracy and hc.final_accuracy == hi.final_accuracy
    assert all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) for a, b in zip(wc, wi))


@pytest.mark.parametrize(
    "loss, data", [("cross_entropy", "spiral"), ("mse", "xor"), ("quadratic", "chapter")]
)
def test_compiled_and_interpreted_training_agree_for_each_static_loss(loss, data):
    if data == "spiral":
        X, y = datasets.spiral(60, seed=0)
        shape = [8, 3]
    elif data == "xor":
        X, y = datasets.xor()
        shape = [4, 1]
    else:
        X, y = datasets.chapter_table()
        shape = [4, 1]

    def run(compiled):
        model = nn.MLP(
            len(X[0]),
            shape,
            activation="tanh",
            output_activation="linear" if loss == "cross_entropy" else "sigmoid",
            seed=3,
        )
        h = fit(
            model,
            X,
            y,
            loss=loss,
            epochs=20,
            batch_size=16,
            lr=0.3,
            seed=0,
            progress=False,
            compiled=compiled,
        )
        return h.loss, h.accuracy

    (lc, ac), (li, ai) = run(True), run(False)
    assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(lc, li)), (lc, li)
    assert ac == ai


def test_a_loss_of_your_own_trains_through_the_interpreter_when_compiled():
    X, y = datasets.xor()

    def doubled(outputs, targets):
        return losses.quadratic_cost(outputs, targets) * 2.0

    model = nn.MLP(2, [3, 1], seed=0)
    h = fit(model, X, y, loss=doubled, epochs=3, lr=0.5, progress=False)
    assert (
        len(h.loss) == 3
        and h.loss[0]
        == 2.0 * losses.quadratic_cost([nn.MLP(2, [3, 1], seed=0)(x) for x in X], y).data
    )
