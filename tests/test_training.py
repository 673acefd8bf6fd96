"""fit(): full-batch and mini-batch steps, the history, the progress bar, validation, the
compiled path, ten outputs trained with cross-entropy; and the chapter's training run.

The chapter's run has the same outputs as the classic NumPy recipe: the two-layer NumPy
network the chapter's next chapter writes by hand (``l1 = sigmoid(l0 @ syn0); l2 =
sigmoid(l1 @ syn1)`` and the deltas of the quadratic cost), with its weights drawn by NumPy
itself, not read from our data file.
"""

import io
import json
import math
from importlib import resources

import pytest
from hypothesis import event, given, settings
from strategies import SETTINGS, FitRun, fit_runs, fuzz_examples

from micrograd_cbook import datasets, losses, nn
from micrograd_cbook.optim import SGD, Adam, AdamW
from micrograd_cbook.speed.compiled_loss import CompiledLoss
from micrograd_cbook.training import (
    History,
    accuracy,
    chapter_run,
    confusion_matrix,
    evaluate,
    fit,
    predict,
)


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
    return repr((h.loss, h.accuracy, h.final_loss, h.final_accuracy)), [
        p.data for p in model.parameters()
    ]


def test_compiled_and_interpreted_moons_training_are_the_same_floats_over_100_epochs():
    (hc, wc), (hi, wi) = _moons_run(True), _moons_run(False)
    assert hc == hi
    assert repr(wc) == repr(wi)


@pytest.mark.parametrize(
    "loss, data", [("cross_entropy", "spiral"), ("mse", "xor"), ("quadratic", "chapter")]
)
def test_compiled_and_interpreted_training_are_the_same_floats_for_each_static_loss(loss, data):
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
        return repr((h.loss, h.accuracy, h.final_loss, [p.data for p in model.parameters()]))

    assert run(True) == run(False)


def fit_outcome(run: FitRun, compiled: bool) -> str:
    """What fit does with this run: its history and the weights, or the error it raises."""
    model = run.model()
    params = model.parameters()
    try:
        h = fit(
            model,
            list(run.X),
            list(run.y),
            loss=run.loss,
            optimizer=run.make_optimizer(params),
            epochs=run.epochs,
            batch_size=run.batch_size,
            seed=1,
            progress=False,
            compiled=compiled,
        )
    except (ArithmeticError, ValueError) as e:  # (a run that diverges: the same error)
        return repr((type(e).__name__, str(e)))
    return repr((h.loss, h.accuracy, h.final_loss, h.final_accuracy, [p.data for p in params]))


@settings(**SETTINGS, max_examples=fuzz_examples(100))
@given(fit_runs())
def test_fit_gives_the_same_history_and_weights_bit_for_bit_with_and_without_the_compiler(run):
    # Every built-in loss (bce through the interpreter on both sides), every optimiser,
    # full and mini-batches (a last batch smaller), one to three epochs.
    if run.loss != "bce":
        loss_fn = losses.get_loss(run.loss)
        assert CompiledLoss.build(run.model(), loss_fn, list(run.X), list(run.y)) is not None
    outcome = fit_outcome(run, True)
    event(f"{run.loss}, {'raised' if 'Error' in outcome[:24] else 'trained'}")
    assert outcome == fit_outcome(run, False)


def test_fit_compiled_trains_on_rows_whose_logits_lie_730_below_the_traced_row():
    # The first row, which the compiled graph is traced on, has logits near 730; the others
    # near 0. A shift fixed at the traced row's max made their e^(z − 730) subnormal: a wrong
    # loss, infinite grads, a nan logit after one step. Each row's own max: the interpreter's.
    def model():
        m = nn.MLP(1, [2], activation="linear", seed=0)
        first, second = m.layers[0].neurons
        first.w[0].data, first.b.data = 730.0, 0.0
        second.w[0].data, second.b.data = 729.0, -0.5
        return m

    X, y = [[1.0], [0.0], [0.0]], [0, 1, 0]
    runs = []
    for compiled in (True, False):
        m = model()
        h = fit(m, X, y, loss="cross_entropy", epochs=3, lr=1e-6, progress=False,
                compiled=compiled)  # fmt: skip
        runs.append(repr((h.loss, h.final_loss, [p.data for p in m.parameters()])))
        assert all(math.isfinite(v) for v in h.loss) and h.loss[-1] < h.loss[0]
    assert runs[0] == runs[1]


def test_a_compiled_batch_whose_logit_is_not_finite_says_so_as_the_interpreter_does():
    model = nn.MLP(1, [2], activation="linear", seed=0)
    model.layers[0].neurons[0].w[0].data = math.inf
    X, y = [[0.0], [1.0]], [0, 1]
    errors = []
    for compiled in (True, False):
        with pytest.raises(ValueError) as info:
            fit(model, X, y, loss="cross_entropy", epochs=1, progress=False, compiled=compiled)
        errors.append(str(info.value))
    assert errors[0] == errors[1] and "logits must be finite" in errors[0]


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


# ------------------------------------------------------------------ several outputs


def test_fit_with_cross_entropy_reports_argmax_accuracy_each_epoch():
    X, y = datasets.spiral(30, n_classes=3, seed=0)
    model = nn.MLP(2, [8, 3], activation="tanh", output_activation="linear", seed=0)
    h = fit(
        model,
        X,
        y,
        loss="cross_entropy",
        optimizer=AdamW(model.parameters(), lr=0.05),
        epochs=3,
        progress=False,
    )
    assert len(h.accuracy) == 3
    loss, acc = evaluate(model, X, y, loss="cross_entropy")
    assert (h.final_loss, h.final_accuracy) == (loss, acc)
    assert acc == accuracy([model(x) for x in X], y)
    assert loss == losses.cross_entropy([model(x) for x in X], y).data


def test_a_short_run_on_a_digits_subset_lifts_held_out_accuracy_above_80_percent():
    X, y = datasets.digits()
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, test=0.8, seed=0)
    X_test, y_test = X_test[:200], y_test[:200]
    model = nn.MLP(64, [16, 10], activation="relu", output_activation="linear", seed=0)
    _, before = evaluate(model, X_test, y_test, loss="cross_entropy")
    fit(
        model,
        X_train,
        y_train,
        loss="cross_entropy",
        optimizer=AdamW(model.parameters(), lr=0.02),
        epochs=10,
        batch_size=32,
        seed=0,
        progress=False,
    )
    _, after = evaluate(model, X_test, y_test, loss="cross_entropy")
    assert len(X_train) == 359 and before < 0.3
    assert after > 0.8
    matrix = confusion_matrix(y_test, predict(model, X_test), n_classes=10)
    assert sum(matrix[i][i] for i in range(10)) == round(after * 200)


# ------------------------------------------------------------------ the chapter's run against NumPy


X = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
Y = [0, 1, 1, 0]


def numpy_weights():
    np = pytest.importorskip("numpy")
    rng_state = np.random.get_state()
    try:
        np.random.seed(1)
        syn0 = np.random.random((3, 4))
        syn1 = np.random.random((4, 1))
    finally:
        np.random.set_state(rng_state)
    return syn0, syn1


def numpy_run(steps, lr=1.0):
    """The chapter's recipe in NumPy: full batch, quadratic cost summed over rows, lr 1."""
    np = pytest.importorskip("numpy")

    def sigmoid(x):
        return 1.0 / (1.0 + np.exp(-x))

    l0 = np.array(X, dtype=float)
    y = np.array(Y, dtype=float).reshape(4, 1)
    syn0, syn1 = numpy_weights()
    for _ in range(steps):
        l1 = sigmoid(l0 @ syn0)
        l2 = sigmoid(l1 @ syn1)
        l2_delta = (l2 - y) * l2 * (1 - l2)  # ∂C/∂z2 with C = ½ Σ (y − a2)²
        l1_delta = (l2_delta @ syn1.T) * l1 * (1 - l1)  # ∂C/∂z1
        syn1 = syn1 - lr * l1.T @ l2_delta
        syn0 = syn0 - lr * l0.T @ l1_delta
    l2 = sigmoid(sigmoid(l0 @ syn0) @ syn1)
    return l2.ravel(), syn0, syn1


def test_shipped_weights_are_numpys_seed_1_draws():
    syn0, syn1 = numpy_weights()
    data = json.loads(
        resources.files("micrograd_cbook").joinpath("data", "chapter_weights.json").read_text()
    )
    assert data["syn0"] == syn0.tolist()
    assert data["syn1"] == syn1.tolist()
    assert "np.random.seed(1)" in data["source"]


def test_chapter_network_maps_syn0_k_j_to_w1_j_k():
    syn0, syn1 = numpy_weights()
    net = nn.chapter_network()
    assert repr(net) == (
        "MLP(3, [4, 1], activation='sigmoid', output_activation='sigmoid', bias=False)"
    )
    for j, neuron in enumerate(net.layers[0].neurons):
        for k, w in enumerate(neuron.w):
            assert w.label == f"w1[{j},{k}]"
            assert w.data == syn0[k, j]
    assert [w.data for w in net.layers[1].neurons[0].w] == syn1.ravel().tolist()


def test_untrained_outputs_equal_numpy_forward():
    expected, _, _ = numpy_run(0)
    net = nn.chapter_network()
    assert [net(x).data for x in X] == pytest.approx(expected.tolist(), abs=1e-15)


def test_chapter_table_is_the_chapters_data():
    rows, targets = datasets.chapter_table()
    assert rows == [[float(v) for v in row] for row in X]
    assert targets == [float(v) for v in Y]


def test_1000_steps_give_numpys_outputs_and_weights():
    expected, syn0, syn1 = numpy_run(1000)
    model, history = chapter_run(epochs=1000, lr=1.0)
    outputs = [model(x).data for x in X]
    assert outputs == pytest.approx(expected.tolist(), abs=1e-9)
    w1 = [w.data for n in model.layers[0].neurons for w in n.w]
    assert w1 == pytest.approx(syn0.T.ravel().tolist(), abs=1e-9)
    assert [w.data for w in model.layers[1].neurons[0].w] == pytest.approx(
        syn1.ravel().tolist(), abs=1e-9
    )
    assert len(history.loss) == 1000
    assert history.final_loss == pytest.approx(0.5 * float(((expected - Y) ** 2).sum()), abs=1e-9)


def test_training_learns_the_table():
    _, history = chapter_run(epochs=1000)
    assert history.final_accuracy == 1.0
    assert history.loss[0] > 0.6 > 0.02 > history.final_loss
