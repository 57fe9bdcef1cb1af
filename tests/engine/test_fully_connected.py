import numpy as np
import pytest

from engine import ShapeError, traces
from engine import fully_connected as fc
from engine.steps import MAX_STEPS
from tests.engine.gradcheck import numeric_grad

W = np.array([[1.0, 3, 5], [2, 4, 6]])
B = np.array([1.0, 2, 3])
X = np.array([1.0, 2])
DY = np.array([0, 0.5, 1])


def test_sheet_task1_forward():
    np.testing.assert_array_equal(fc.forward(X, W, B), [6, 13, 20])


def test_sheet_task1_backward_corrected():
    dx, dw, db = fc.backward(X, W, DY)
    # The sheet prints δx = [6.58] and ΔW = [[0.51], [1.02]]; docs/ARCHITECTURE.md §6 lists the
    # misprint.
    np.testing.assert_array_equal(dx, [6.5, 8])
    np.testing.assert_array_equal(dw, [[0, 0.5, 1], [0, 1, 2]])
    np.testing.assert_array_equal(db, DY)


def test_sheet_task1_trace_reads_like_the_solution():
    t = traces.fully_connected.solve(X, W, B, DY)
    texts = [s.text for s in t.steps]
    assert "y₂ = Σⱼ xⱼ·Wⱼ₂ + b₂ = 1 · 5 + 2 · 6 + 3 = 20" in texts
    assert "δx₀ = Σₖ δyₖ·W₀ₖ = 0 · 1 + 0.5 · 3 + 1 · 5 = 6.5" in texts
    assert "ΔW[1,2] = x₁·δy₂ = 2 · 1 = 2" in texts
    assert [s.phase for s in t.steps][:3] == ["forward"] * 3
    assert t.phases == {"forward": 3, "backward": 2 + 6 + 3}


@pytest.mark.parametrize("batch", [None, 1, 4])
def test_gradients_match_central_differences(batch):
    rng = np.random.default_rng(7)
    n_in, n_out = 3, 4
    x = rng.normal(size=(n_in,) if batch is None else (batch, n_in))
    w, b = rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)
    dy = rng.normal(size=fc.forward(x, w, b).shape)
    dx, dw, db = fc.backward(x, w, dy)

    def loss(x_, w_, b_):
        return float(np.sum(fc.forward(x_, w_, b_) * dy))

    np.testing.assert_allclose(dx, numeric_grad(lambda v: loss(v, w, b), x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dw, numeric_grad(lambda v: loss(x, v, b), w), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(db, numeric_grad(lambda v: loss(x, w, v), b), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("shape", [(3,), (5, 3), (700, 3)])
def test_replay_reproduces_vectorised_results(shape):
    rng = np.random.default_rng(1)
    x = rng.normal(size=shape)
    w, b = rng.normal(size=(3, 2)), rng.normal(size=2)
    dy = rng.normal(size=shape[:-1] + (2,))
    t = traces.fully_connected.solve(x, w, b, dy)
    replayed = t.replay()
    assert replayed.keys() == {"y", "dx", "dw", "db"}
    dx, dw, db = fc.backward(x, w, dy)
    for name, want in (("y", fc.forward(x, w, b)), ("dx", dx), ("dw", dw), ("db", db)):
        np.testing.assert_array_equal(replayed[name], want, err_msg=name)
    if shape[0] == 700:
        assert "coarsened" in t.note and len(t) < 2000


@pytest.mark.parametrize(("args", "match"), [
    (([1, 2, 3], W, B), r"^x: x has shape \(3,\); it needs shape \(2,\) to match W's 2 rows"),
    (([1, 2], [1, 2], B), r"^w: W must be 2-D \(n_in, n_out\), got shape \(2,\)$"),
    (([1, 2], W, [1, 2]), r"^b: b has shape \(2,\); it needs shape \(3,\) to match W's 3 "
                          r"columns \(n_out\)$"),
    (([1, float("nan")], W, B), r"^x: x\[1\] is nan"),
    (([1, np.inf], W, B), r"^x: x\[1\] is inf"),
    ((["a", 2], W, B), r"^x: x\[0\] is 'a', not a number"),
])
def test_bad_input_names_the_argument(args, match):
    with pytest.raises(ValueError, match=match):
        fc.forward(*args)


def test_wrong_dy_shape_is_a_shape_error():
    with pytest.raises(ShapeError,
                       match=r"^dy: δy has shape \(2,\); it needs shape \(3,\) like y$"):
        fc.backward(X, W, [1, 2])


@pytest.mark.parametrize(("shape", "n_out", "per"), [
    ((700, 3), 2, "one step per row"),
    ((3000, 3), 2, "one step per 4 rows of y and δx, per row of ΔW"),  # per row: 6,004 steps
    ((2000,), 2, "one step per row of y and δx, per 4 rows of ΔW"),
    ((3, 2000), 2, "one step per row of y and δx, per 4 rows of ΔW"),
    ((990, 20), 2, "one step per 2 rows of y and δx, per row of ΔW"),
])
def test_coarsened_traces_stay_within_max_steps_and_replay_exactly(shape, n_out, per):
    rng = np.random.default_rng(4)
    x = rng.normal(size=shape)
    w, b = rng.normal(size=(shape[-1], n_out)), rng.normal(size=n_out)
    dy = rng.normal(size=shape[:-1] + (n_out,))
    t = traces.fully_connected.solve(x, w, b, dy)
    assert len(t) <= MAX_STEPS
    assert t.note.endswith("; coarsened: " + per) and all("coarsened" in s.note for s in t.steps)
    replayed = t.replay()
    dx, dw, db = fc.backward(x, w, dy)
    for name, want in (("y", fc.forward(x, w, b)), ("dx", dx), ("dw", dw), ("db", db)):
        np.testing.assert_array_equal(replayed[name], want, err_msg=name)
    # every element is written by exactly one step
    writes = [ref for s in t.steps for ref in s.writes]
    assert len(writes) == len(set(writes)) == sum(np.size(v) for v in (dx, dw, db)) + dy.size


def test_a_trace_too_large_to_step_through_is_declined_with_the_limit():
    x, w = np.ones((1, 2000)), np.ones((2000, 200))
    with pytest.raises(ValueError, match=r"^x: a worked solution .* would write 402,400 values, "
                                         r"more than the 300,000 that can be stepped through"):
        traces.fully_connected.solve(x, w, np.ones(200), np.ones((1, 200)))
    assert fc.backward(x, w, np.ones((1, 200))).dw.shape == (2000, 200)  # the math still runs


def test_a_negative_bias_is_parenthesised_like_every_other_term():
    t = traces.fully_connected.solve([1.0], [[2.0]], [-3.0], [1.0])
    assert t.steps[0].text == "y₀ = Σⱼ xⱼ·Wⱼ₀ + b₀ = 1 · 2 + (-3) = -1"


def test_batch_trace_names_the_row_it_reads():
    t = traces.fully_connected.solve([[1, 2], [3, 4]], W, B, [[0, 0.5, 1], [1, 0, 0]])
    texts = [s.text for s in t.steps]
    assert "y[1,0] = Σⱼ x₁ⱼ·Wⱼ₀ + b₀ = 3 · 1 + 4 · 2 + 1 = 12" in texts
    assert "δx[1,0] = Σₖ δy₁ₖ·W₀ₖ = 1 · 1 + 0 · 3 + 0 · 5 = 1" in texts


def test_batch_db_sum_parenthesises_negative_terms_like_every_other_sum():
    t = traces.fully_connected.solve([[1, 2], [3, 4]], W, B, [[0, -0.5, 1], [1, 0, -2]])
    texts = {s.title: s.text for s in t.steps}
    assert texts["Δb₁"] == "Δb₁ = Σₙ δyₙ₁ = (-0.5) + 0 = -0.5"
    assert texts["Δb₂"] == "Δb₂ = Σₙ δyₙ₂ = 1 + (-2) = -1"
