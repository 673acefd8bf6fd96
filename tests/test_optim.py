"""Optimisers: the chapter's update by hand, and PyTorch's optimisers step for step."""

import math
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_cbook import Value, nn, optim_arrays
from micrograd_cbook.optim import SGD, Adam, AdamW

try:
    import torch
except ImportError:  # pragma: no cover - torch is optional
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

START = [0.5, -1.25, 2.0, 0.0, 3.5]


def grads_at(step, data):
    """Gradients that change from step to step and depend on the weights (like a real loss)."""
    return [math.sin(1.3 * i + step) + 0.5 * d - 0.1 * d * d for i, d in enumerate(data)]


def run_ours(make, steps):
    params = [Value(x) for x in START]
    opt = make(params)
    for step in range(steps):
        opt.zero_grad()
        for p, g in zip(params, grads_at(step, [p.data for p in params])):
            p.grad += g
        opt.step()
    return [p.data for p in params]


def run_torch(make, steps):
    params = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    opt = make(params)
    for step in range(steps):
        opt.zero_grad()
        for p, g in zip(params, grads_at(step, [p.item() for p in params])):
            p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
    return [p.item() for p in params]


def test_sgd_is_the_chapters_update():
    w = Value(0.8)
    opt = SGD([w], lr=1.0)
    w.grad = 0.3
    opt.step()
    assert w.data == 0.8 - 1.0 * 0.3  # W_new = W_old − learningRate · ∂C/∂W


def test_zero_grad_clears_and_grads_otherwise_accumulate():
    w = Value(1.0)
    opt = SGD([w], lr=0.1)
    (w * 2).backward()
    (w * 2).backward()
    assert w.grad == 4.0
    opt.zero_grad()
    assert w.grad == 0.0


def test_sgd_on_a_model_lowers_a_quadratic():
    model = nn.MLP(1, [1], activation="linear", seed=0)
    opt = SGD(model.parameters(), lr=0.1)
    for _ in range(200):
        opt.zero_grad()
        C = (model([2.0]) - 3.0) ** 2
        C.backward()
        opt.step()
    assert model([2.0]).data == pytest.approx(3.0, abs=1e-9)


SGD_SETTINGS = [
    {"lr": 0.1},
    {"lr": 0.05, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.01},
    {"lr": 0.02, "momentum": 0.8, "dampening": 0.3},
    {"lr": 0.03, "momentum": 0.7, "nesterov": True, "weight_decay": 0.1},
    {"lr": 0.1, "weight_decay": 0.5},
]


@needs_torch
@pytest.mark.parametrize("kwargs", SGD_SETTINGS, ids=str)
def test_sgd_matches_torch(kwargs):
    ours = run_ours(lambda ps: SGD(ps, **kwargs), 25)
    theirs = run_torch(lambda ps: torch.optim.SGD(ps, **kwargs), 25)
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-12)


ADAM_SETTINGS = [
    {},
    {"lr": 0.1},
    {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6},
    {"lr": 0.01, "weight_decay": 0.1},
    {"lr": 0.3, "betas": (0.0, 0.5)},
]


@needs_torch
@pytest.mark.parametrize("kwargs", ADAM_SETTINGS, ids=str)
def test_adam_matches_torch(kwargs):
    ours = run_ours(lambda ps: Adam(ps, **kwargs), 25)
    theirs = run_torch(lambda ps: torch.optim.Adam(ps, **kwargs), 25)
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-12)


ADAMW_SETTINGS = [
    {},  # PyTorch's defaults: lr 1e-3, weight_decay 0.01
    {"lr": 0.1, "weight_decay": 0.0},
    {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.5},
    {"lr": 0.1, "weight_decay": 0.05, "amsgrad": True},
]


@needs_torch
@pytest.mark.parametrize("kwargs", ADAMW_SETTINGS, ids=str)
def test_adamw_matches_torch_over_25_steps(kwargs):
    ours = run_ours(lambda ps: AdamW(ps, **kwargs), 25)
    theirs = run_torch(lambda ps: torch.optim.AdamW(ps, **kwargs), 25)
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-12)


BETA = st.one_of(
    st.floats(0.0, 1.0, exclude_max=True),
    st.sampled_from([0.0, 0.25, 0.5, 0.5 - 2**-53, 0.75, 1 - 1e-9]),
)


@needs_torch
@settings(max_examples=60, deadline=None)
@given(BETA, BETA, st.sampled_from([1e-3, 0.05, 0.3]), st.booleans(), st.booleans())
def test_adam_and_adamw_match_torch_for_every_beta(b1, b2, lr, decoupled, amsgrad):
    """Every β in [0, 1), β₁ below 0.5 too (where PyTorch's lerp counts from g's end), on grads
    that do not depend on the weights, so no rounding is amplified by the problem itself.
    PyTorch fuses the multiply-add in lerp and addcmul (one rounding where Python's floats take
    two), so "equal" is to the last bits, not bit for bit."""
    ours_cls, torch_cls = (AdamW, torch.optim.AdamW) if decoupled else (Adam, torch.optim.Adam)
    kwargs = {"lr": lr, "betas": (b1, b2), "amsgrad": amsgrad, "weight_decay": 0.1 * decoupled}
    fixed = [
        [math.sin(1.3 * i + step) * 10.0 ** (i - 2) for i in range(len(START))]
        for step in range(25)
    ]

    def run(params, opt, read, write):
        for step in range(25):
            opt.zero_grad()
            for p, g in zip(params, fixed[step]):
                write(p, g)
            opt.step()
        return [read(p) for p in params]

    mine = [Value(x) for x in START]
    ours = run(mine, ours_cls(mine, **kwargs), lambda p: p.data, lambda p, g: setattr(p, "grad", g))
    theirs_params = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    theirs = run(
        theirs_params,
        torch_cls(theirs_params, **kwargs),
        lambda p: p.item(),
        lambda p, g: setattr(p, "grad", torch.tensor(g, dtype=torch.float64)),
    )
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-14)


@needs_torch
def test_adam_with_amsgrad_matches_torch():
    ours = run_ours(lambda ps: Adam(ps, lr=0.1, weight_decay=0.05, amsgrad=True), 25)
    theirs = run_torch(lambda ps: torch.optim.Adam(ps, lr=0.1, weight_decay=0.05, amsgrad=True), 25)
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-12)


def test_adamw_decay_is_decoupled_from_the_gradient():
    # with no gradient, Adam's L2 term still moves by about lr; AdamW only shrinks by lr·λ
    w_adamw, w_adam = Value(2.0), Value(2.0)
    AdamW([w_adamw], lr=0.1, weight_decay=0.5).step()
    Adam([w_adam], lr=0.1, weight_decay=0.5).step()
    assert w_adamw.data == 2.0 * (1 - 0.1 * 0.5)
    assert w_adam.data == pytest.approx(2.0 - 0.1, rel=1e-9)


def test_adamw_without_weight_decay_is_adam():
    a, b = (
        run_ours(lambda ps: AdamW(ps, lr=0.1, weight_decay=0.0), 10),
        run_ours(lambda ps: Adam(ps, lr=0.1), 10),
    )
    assert a == b


def test_adam_first_step_moves_each_weight_by_about_lr():
    # with m = (1 − β₁)g and v = (1 − β₂)g², the corrected step is lr · g/|g| (eps aside)
    params = [Value(1.0), Value(1.0)]
    opt = Adam(params, lr=0.01)
    params[0].grad, params[1].grad = 123.0, -0.004
    opt.step()
    assert params[0].data == pytest.approx(0.99, rel=1e-9)
    assert params[1].data == pytest.approx(1.01, rel=1e-5)


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: SGD([], lr=0.1), ValueError, "got no parameters: pass model.parameters()"),
        (lambda: SGD(Value(1.0), lr=0.1), TypeError, "list of Values"),
        (lambda: SGD([1.0], lr=0.1), TypeError, "params must be Values"),
        (lambda: SGD([Value(1.0)], lr=-1), ValueError, "lr must be a number ≥ 0"),
        (lambda: SGD([Value(1.0)], lr=0.1, momentum=-0.5), ValueError, "momentum must be ≥ 0"),
        (lambda: SGD([Value(1.0)], lr=0.1, nesterov=True), ValueError, "nesterov needs momentum"),
        (lambda: Adam([Value(1.0)], betas=(0.9, 1.0)), ValueError, r"betas\[1\] must be in"),
        (lambda: Adam([Value(1.0)], betas=0.9), ValueError, "betas must be a pair"),
        (lambda: Adam([Value(1.0)], eps=-1.0), ValueError, "eps must be ≥ 0"),
        (lambda: AdamW([Value(1.0)], weight_decay=-0.1), ValueError, "weight_decay must be"),
        (lambda: AdamW([]), ValueError, "got no parameters"),
    ],
)
def test_bad_settings_are_clear_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_reprs():
    assert repr(SGD([Value(1.0)], lr=0.5)) == (
        "SGD(1 parameters, lr=0.5, momentum=0.0, weight_decay=0.0)"
    )
    assert repr(Adam([Value(1.0)])).startswith("Adam(1 parameters, lr=0.001, betas=(0.9, 0.999)")
    assert repr(AdamW([Value(1.0)])) == (
        "AdamW(1 parameters, lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.01)"
    )


# The array update (NumPy) against the per-parameter Python update, by repr, over many steps.
_grads = st.one_of(
    st.sampled_from([0.0, -0.0, 5e-324, -5e-324, 1e-300, 1e300, -1e300, 1e-8]),
    st.floats(-1e6, 1e6, allow_nan=False),
)


def _both(make, grads_per_step, start):
    """Run the same optimiser through the array path, the Python path, and the two in turn
    (the state handed from one to the other each step); their reprs."""
    out = []
    for arrays in (True, False, "in turn"):
        ps = [Value(x) for x in start]
        opt = make(ps)
        trace = []
        for step, gs in enumerate(grads_per_step):
            opt.arrays = step % 2 == 0 if arrays == "in turn" else arrays
            for p, g in zip(ps, gs):
                p.grad = g
            if arrays is True:  # (SGD's step() without momentum runs its loop: one pass)
                data, grad = opt.read_arrays()
                opt.step_arrays(data, grad)
                opt.write_arrays(data)
            else:
                opt.step()
            trace.append([repr(p.data) for p in ps])
        state = [getattr(opt, k, None) for k in ("m", "v", "v_max", "buffers", "t")]
        # (the array path keeps its state as arrays between its steps: the same floats)
        out.append((trace, [repr(getattr(x, "tolist", lambda x=x: x)()) for x in state]))
    return out


_makers = [
    lambda ps: SGD(ps, lr=0.1),
    lambda ps: SGD(ps, lr=0.05, weight_decay=0.3),
    lambda ps: SGD(ps, lr=0.1, momentum=0.9),
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    lambda ps: SGD(ps, lr=0.1, momentum=0.5, dampening=0.3),
    lambda ps: Adam(ps, lr=0.01),
    lambda ps: Adam(ps, lr=0.01, betas=(0.3, 0.5), weight_decay=0.1),
    lambda ps: Adam(ps, lr=0.01, amsgrad=True),
    lambda ps: AdamW(ps, lr=0.01),
    lambda ps: AdamW(ps, lr=0.1, betas=(0.2, 0.99), weight_decay=0.5, amsgrad=True),
]


@pytest.mark.skipif(optim_arrays.numpy is None, reason="NumPy (the fast extra) is not installed")
@settings(max_examples=150, deadline=None)
@given(
    which=st.integers(0, len(_makers) - 1),
    n=st.integers(1, 5),
    data=st.data(),
)
def test_array_update_equals_python_update(which, n, data):
    start = data.draw(st.lists(st.floats(-10, 10), min_size=n, max_size=n))
    steps = data.draw(st.lists(st.lists(_grads, min_size=n, max_size=n), min_size=1, max_size=8))
    array_path, python_path, in_turn = _both(_makers[which], steps, start)
    assert array_path == python_path == in_turn


@pytest.mark.skipif(optim_arrays.numpy is None, reason="NumPy (the fast extra) is not installed")
def test_array_update_rereads_data_set_by_hand():
    w = Value(1.0)
    opt = Adam([w], lr=0.1)
    w.grad = 1.0
    opt.step()
    w.data = 5.0  # a user's edit between steps is the starting point of the next step
    opt.step()
    assert 4.5 < w.data < 5.0
    assert opt.arrays is True
    opt.arrays = False  # state is interchangeable: lists of floats on both paths
    opt.step()
    assert isinstance(opt.m[0], float) and opt.t == 3


@pytest.mark.parametrize("arrays", [True, False])
def test_adam_with_eps_0_and_a_zero_grad_raises_on_either_path(arrays):
    if arrays and optim_arrays.numpy is None:
        pytest.skip("NumPy (the fast extra) is not installed")
    w = Value(1.0)
    opt = Adam([w], lr=0.1, eps=0.0)
    opt.arrays = arrays
    w.grad = 0.0
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        opt.step()


@pytest.mark.skipif(optim_arrays.numpy is None, reason="NumPy (the fast extra) is not installed")
@pytest.mark.parametrize("which", range(len(_makers)))
def test_an_update_that_overflows_gives_inf_quietly_on_the_array_path_as_in_python(which):
    # Python's float * and + overflow to inf without a word; NumPy's warned (RuntimeWarning:
    # overflow encountered in multiply) where the Python update said nothing.
    start = [1.79e308, -1.79e308, 2.0]  # then inf - inf: nan, also quietly
    steps = [[-1e308, 1e308, 1.0], [1e300, 1e308, -1e308], [1.0, 1.0, 1.0]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        array_path, python_path, in_turn = _both(_makers[which], steps, start)
    assert array_path == python_path == in_turn


@pytest.mark.skipif(optim_arrays.numpy is None, reason="NumPy (the fast extra) is not installed")
def test_sgd_without_momentum_updates_in_one_pass_over_the_values_and_with_it_as_arrays(
    monkeypatch,
):
    # One pass, p.data -= lr·g, costs less than reading the Values into arrays and back.
    ps = [Value(1.0), Value(-2.0)]
    plain, heavy = SGD(ps, lr=0.1, weight_decay=0.1), SGD(ps, lr=0.1, momentum=0.9)
    read = []
    monkeypatch.setattr(SGD, "read_arrays", lambda self: read.append(self) or (None, None))
    monkeypatch.setattr(SGD, "step_arrays", lambda self, data, grad: None)
    monkeypatch.setattr(SGD, "write_arrays", lambda self, data: None)
    for p in ps:
        p.grad = 0.5
    plain.step()
    assert [p.data for p in ps] == [1.0 - 0.1 * (0.5 + 0.1 * 1.0), -2.0 - 0.1 * (0.5 - 0.1 * 2.0)]
    heavy.step()
    assert read == [heavy] and plain.arrays is heavy.arrays is True
