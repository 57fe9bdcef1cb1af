"""The network's small layers of their own: activations, flatten and the losses (issue 15).

Each against an independent reference (NumPy written out here, central differences, PyTorch where
installed), its worked steps replayed, and its messages.
"""

import warnings

import numpy as np
import pytest

from engine import activations, flatten, losses
from engine.steps import MAX_STEPS
from tests.engine.gradcheck import numeric_grad

try:
    import torch
except ImportError:  # optional: the NumPy checks below always run
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed (optional reference)")

SHAPES = [(5,), (3, 4), (2, 3, 2)]


def _replay_equals(trace, *names):
    replayed = trace.replay()
    for name in names:
        np.testing.assert_array_equal(replayed[name], trace.tensors[name], err_msg=name)


# ---------------------------------------------------------------------------------------------
# Activations


def _reference(function, x):
    """The formulas written out element by element."""
    out = np.empty_like(x)
    for idx in np.ndindex(*x.shape):
        v = x[idx]
        out[idx] = {"relu": max(0.0, v), "sigmoid": 1 / (1 + np.exp(-v)),
                    "tanh": np.tanh(v)}[function]
    return out


@pytest.mark.parametrize("function", activations.FUNCTIONS)
@pytest.mark.parametrize("shape", SHAPES)
def test_activation_forward_and_gradient(function, shape):
    rng = np.random.default_rng([activations.FUNCTIONS.index(function), *shape])
    x, dy = rng.normal(size=shape), rng.normal(size=shape)
    np.testing.assert_allclose(activations.forward(function, x), _reference(function, x),
                               rtol=1e-15, atol=1e-15)
    want = numeric_grad(lambda x_: float(np.sum(activations.forward(function, x_) * dy)), x)
    np.testing.assert_allclose(activations.backward(function, x, dy), want, rtol=1e-6,
                               atol=1e-8)


def test_relu_derivative_at_zero_is_zero():
    assert activations.backward("relu", [0.0, 1.0, -1.0], [5.0, 5.0, 5.0]).tolist() == [0, 5, 0]
    dx = activations.backward("relu", [-1.0, -2.0], [-3.0, 3.0])
    assert dx.tolist() == [0, 0] and not np.signbit(dx).any()   # no −0 in a CSV export


def test_sigmoid_of_large_numbers_does_not_overflow():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = activations.forward("sigmoid", [-1000.0, 0.0, 1000.0])
        dx = activations.backward("sigmoid", [-1000.0, 1000.0], [1.0, 1.0])
    assert y.tolist() == [0.0, 0.5, 1.0]
    assert dx.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("function", activations.FUNCTIONS)
def test_activation_trace_replays_to_the_vectorised_result(function):
    rng = np.random.default_rng(1)
    x, dy = rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 3, 2))
    trace = activations.solve(function, x, dy)
    assert len(trace) == 2 * x.size and trace.phases == {"forward": 12, "backward": 12}
    np.testing.assert_array_equal(trace.tensors["y"], activations.forward(function, x))
    np.testing.assert_array_equal(trace.tensors["dx"], activations.backward(function, x, dy))
    _replay_equals(trace, "y", "dx")


def test_activation_steps_read_as_on_paper():
    trace = activations.solve("sigmoid", [0.3775], [0.5])
    assert trace.steps[0].text == "y₀ = σ(x₀) = 1 / (1 + e^−x₀) = 1 / (1 + e^(-0.3775)) = 0.5933"
    assert trace.steps[1].text == "δx₀ = δy₀ · y₀(1 − y₀) = 0.5 · 0.5933(1 − 0.5933) = 0.1207"
    relu = activations.solve("relu", [[-2.0, 3.0]], [[1.0, 1.0]])
    assert [s.text for s in relu.steps] == [
        "y[0,0] = max(0, x[0,0]) = max(0, -2) = 0", "y[0,1] = max(0, x[0,1]) = max(0, 3) = 3",
        "δx[0,0] = δy[0,0] · [x[0,0] > 0] = 1 · 0 = 0",
        "δx[0,1] = δy[0,1] · [x[0,1] > 0] = 1 · 1 = 1"]
    tanh = activations.solve("tanh", [-0.5], [2.0])
    assert tanh.steps[1].text == "δx₀ = δy₀ · (1 − y₀²) = 2 · (1 − (-0.4621)²) = 1.573"


@pytest.mark.parametrize("shape", [(40, 40, 3), (3000,)])
def test_long_activation_traces_are_coarsened_and_still_replay(shape):
    rng = np.random.default_rng(2)
    x, dy = rng.normal(size=shape), rng.normal(size=shape)
    trace = activations.solve("tanh", x, dy)
    assert len(trace) <= MAX_STEPS and "coarsened" in trace.note
    _replay_equals(trace, "y", "dx")


def test_too_large_activation_is_declined_but_computes():
    x = np.zeros((400, 400))
    with pytest.raises(ValueError, match=r"^x: x of shape \(400, 400\) has 160,000 elements, more "
                                         r"than the 100,000 that can be stepped through"):
        activations.solve("relu", x, x)
    assert activations.backward("relu", x, x).shape == (400, 400)


@pytest.mark.parametrize(("call", "match"), [
    (lambda: activations.forward("softplus", [1.0]),
     r"^type: unknown activation 'softplus'; known: relu, sigmoid, tanh$"),
    (lambda: activations.forward("relu", [True, 1.0]), r"^x: contains a boolean"),
    (lambda: activations.forward("relu", np.zeros((1, 1, 1, 1))),
     r"^x: x must be 1-D or 2-D or 3-D"),
    (lambda: activations.backward("relu", [1.0, 2.0], [1.0]),
     r"^dy: δy has shape \(1,\); it needs shape \(2,\) \(the shape of x and y\)$"),
    (lambda: activations.solve("tanh", [np.nan], [1.0]), r"^x: x\[0\] is nan"),
])
def test_activation_messages_name_the_field(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@needs_torch
@pytest.mark.parametrize("function", activations.FUNCTIONS)
def test_activations_match_torch(function):
    rng = np.random.default_rng(3)
    x, dy = rng.normal(size=(3, 4, 2)), rng.normal(size=(3, 4, 2))
    xt = torch.tensor(x, requires_grad=True)
    yt = getattr(torch, function)(xt)
    yt.backward(torch.tensor(dy))
    np.testing.assert_allclose(activations.forward(function, x), yt.detach().numpy(),
                               rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(activations.backward(function, x, dy), xt.grad.numpy(),
                               rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------------------------------------
# Flatten


def test_flatten_is_row_column_channel_order():
    x = np.arange(24.0).reshape(2, 3, 4) * 1.5
    y = flatten.forward(x)
    for r in range(2):
        for c in range(3):
            for ch in range(4):
                assert y[(r * 3 + c) * 4 + ch] == x[r, c, ch]
    dy = np.arange(24.0) - 7
    dx = flatten.backward(x.shape, dy)
    assert all(dx[r, c, ch] == dy[(r * 3 + c) * 4 + ch]
               for r in range(2) for c in range(3) for ch in range(4))


def test_flatten_trace_one_step_per_row_replays():
    x = np.arange(12.0).reshape(2, 3, 2)
    trace = flatten.solve(x, -np.arange(12.0))
    assert [s.text for s in trace.steps] == [
        "y[0:6] = x[0,:,:] = [0, 1, 2, 3, 4, 5]", "y[6:12] = x[1,:,:] = [6, 7, 8, 9, 10, 11]",
        "δx[0,:,:] = δy[0:6] = [0, -1, -2, -3, -4, -5]",
        "δx[1,:,:] = δy[6:12] = [-6, -7, -8, -9, -10, -11]"]
    assert trace.steps[0].note == "row, column, channel order: k = (r·3 + c)·2 + ch"
    _replay_equals(trace, "y", "dx")
    vector = flatten.solve([1.0, 2.0], [3.0, 4.0])
    assert [s.text for s in vector.steps] == ["y = x = [1, 2]", "δx = δy = [3, 4]"]
    tall = np.ones((1500, 2))
    coarse = flatten.solve(tall, np.ones(3000))
    assert len(coarse) <= MAX_STEPS and "coarsened" in coarse.note
    _replay_equals(coarse, "y", "dx")


@pytest.mark.parametrize(("call", "match"), [
    (lambda: flatten.backward((2, 3), [1.0] * 5),
     r"^dy: δy has shape \(5,\); it needs shape \(6,\) \(the shape of y: x of shape \(2, 3\) "
     r"has 6 elements\)$"),
    (lambda: flatten.backward((2, 0), [1.0]), r"^x_shape: must be at least 1, got 0$"),
    (lambda: flatten.forward([]), r"^x: x is empty"),
])
def test_flatten_messages(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ---------------------------------------------------------------------------------------------
# Losses


def test_mse_is_the_mean_of_squared_differences_and_its_delta():
    y, t = np.array([[0.5, 1.0], [2.0, -1.0]]), np.array([[0.0, 1.0], [1.0, 1.0]])
    assert losses.forward("mse", y, t) == pytest.approx((0.25 + 0 + 1 + 4) / 4, rel=1e-15)
    np.testing.assert_allclose(losses.backward("mse", y, t), 2 * (y - t) / 4, rtol=1e-15)
    want = numeric_grad(lambda y_: losses.forward("mse", y_, t), y)
    np.testing.assert_allclose(losses.backward("mse", y, t), want, rtol=1e-7, atol=1e-9)


def test_softmax_cross_entropy_and_its_delta():
    y = np.array([0.5, 1.2, -0.3])
    e = np.exp(y)
    p = e / e.sum()
    assert losses.forward("softmax_cross_entropy", y, 1) == pytest.approx(-np.log(p[1]),
                                                                         rel=1e-14)
    np.testing.assert_allclose(losses.backward("softmax_cross_entropy", y, 1),
                               p - [0, 1, 0], rtol=1e-14, atol=1e-16)
    want = numeric_grad(lambda y_: losses.forward("softmax_cross_entropy", y_, 1), y)
    np.testing.assert_allclose(losses.backward("softmax_cross_entropy", y, 1), want,
                               rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(losses.softmax(y), p, rtol=1e-15)


def test_cross_entropy_stays_finite_where_p_underflows():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = losses.forward("softmax_cross_entropy", [1000.0, -800.0], 1)
        dy = losses.backward("softmax_cross_entropy", [1000.0, -800.0], 1)
    assert loss == pytest.approx(1800.0)
    assert dy.tolist() == [1.0, -1.0]


def test_loss_traces_read_as_on_paper_and_replay():
    mse = losses.solve("mse", [0.75136507, 0.772928465], [0.01, 0.99])
    assert [s.text for s in mse.steps] == [
        "L = (1/n) Σᵢ (yᵢ − tᵢ)², n = 2 = ((0.7514 − 0.01)² + (0.7729 − 0.99)²) / 2 = 0.2984",
        "δy₀ = 2(y₀ − t₀) / n = 2·(0.7514 − 0.01) / 2 = 0.7414",
        "δy₁ = 2(y₁ − t₁) / n = 2·(0.7729 − 0.99) / 2 = -0.2171"]
    _replay_equals(mse, "loss", "dy")
    ce = losses.solve("softmax_cross_entropy", [0.0, np.log(3.0)], 0)
    assert [s.text for s in ce.steps] == [
        "p₀ = e^y₀ / Σⱼ e^yⱼ = e^0 / (e^0 + e^1.099) = 0.25",
        "p₁ = e^y₁ / Σⱼ e^yⱼ = e^1.099 / (e^0 + e^1.099) = 0.75",
        "L = −log p_t = −log p₀ (target class t = 0) = −log(0.25) = 1.386",
        "δy₀ = p₀ − [0 = t] = 0.25 − 1 = -0.75", "δy₁ = p₁ − [1 = t] = 0.75 − 0 = 0.75"]
    assert ce.tensors["t"].tolist() == [1.0, 0.0]
    _replay_equals(ce, "p", "loss", "dy")


def test_long_loss_traces_are_coarsened():
    y = np.linspace(-1, 1, 3000)
    for trace in (losses.solve("mse", y, np.zeros(3000)),
                  losses.solve("softmax_cross_entropy", y, 7)):
        assert len(trace) <= MAX_STEPS and "coarsened" in trace.note
        _replay_equals(trace, "loss", "dy")


@pytest.mark.parametrize(("call", "match"), [
    (lambda: losses.forward("hinge", [1.0], [1.0]),
     r"^type: unknown loss 'hinge'; known: mse, softmax_cross_entropy$"),
    (lambda: losses.forward("mse", [1.0, 2.0], [1.0]),
     r"^target: target has shape \(1,\); it needs shape \(2,\) \(the shape of y\)$"),
    (lambda: losses.forward("softmax_cross_entropy", [1.0, 2.0, 3.0], 3),
     r"^target: expected a class index from 0 to 2 \(y has 3 classes\), got 3$"),
    (lambda: losses.forward("softmax_cross_entropy", [1.0, 2.0], 0.5),
     r"^target: expected a whole number, got 0.5$"),
    (lambda: losses.forward("softmax_cross_entropy", [1.0, 2.0], -1),
     r"^target: must be at least 0, got -1$"),
    (lambda: losses.forward("softmax_cross_entropy", [[1.0, 2.0]], 0),
     r"^y: y must be 1-D \(n,\), one score per class, got shape \(1, 2\)$"),
])
def test_loss_messages_name_the_field(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@needs_torch
def test_losses_match_torch():
    rng = np.random.default_rng(4)
    y, t = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    yt = torch.tensor(y, requires_grad=True)
    loss = torch.nn.functional.mse_loss(yt, torch.tensor(t))
    loss.backward()
    assert losses.forward("mse", y, t) == pytest.approx(loss.item(), rel=1e-14)
    np.testing.assert_allclose(losses.backward("mse", y, t), yt.grad.numpy(), rtol=1e-13)
    s = rng.normal(size=5)
    st = torch.tensor(s, requires_grad=True)
    ce = torch.nn.functional.cross_entropy(st[None], torch.tensor([3]))
    ce.backward()
    assert losses.forward("softmax_cross_entropy", s, 3) == pytest.approx(ce.item(), rel=1e-14)
    np.testing.assert_allclose(losses.backward("softmax_cross_entropy", s, 3), st.grad.numpy(),
                               rtol=1e-13, atol=1e-16)
