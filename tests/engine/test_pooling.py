import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import ShapeError, examples, traces
from engine import pooling as pool
from engine.steps import MAX_STEPS
from tests.engine.gradcheck import numeric_grad

# ---------------------------------------------------------------------------------------------
# Slow, obviously correct references: one Python loop per window.


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _windows(shape, size, stride):
    """Yield (r, c, rows slice, cols slice) for every output cell."""
    k_r, k_c = _pair(size)
    s_r, s_c = _pair(stride if stride is not None else size)
    o_r, o_c = (shape[0] - k_r) // s_r + 1, (shape[1] - k_c) // s_c + 1
    for r in range(o_r):
        for c in range(o_c):
            yield r, c, slice(r * s_r, r * s_r + k_r), slice(c * s_c, c * s_c + k_c)


def ref_avg_forward(x, size, stride=None):
    cells = list(_windows(x.shape, size, stride))
    o_r, o_c = cells[-1][0] + 1, cells[-1][1] + 1
    y = np.zeros((o_r, o_c, x.shape[2]))
    for r, c, rs, cs in cells:
        for h in range(x.shape[2]):
            y[r, c, h] = np.mean(x[rs, cs, h])
    return y


def ref_avg_backward(x_shape, dy, size, stride=None):
    dx = np.zeros(x_shape)  # Task 5: start from zeros, then += per δy cell
    k = _pair(size)[0] * _pair(size)[1]
    for r, c, rs, cs in _windows(x_shape, size, stride):
        for h in range(x_shape[2]):
            dx[rs, cs, h] += dy[r, c, h] / k
    return dx


def ref_max_forward(x, size, stride=None):
    cells = list(_windows(x.shape, size, stride))
    y = np.zeros((cells[-1][0] + 1, cells[-1][1] + 1, x.shape[2]))
    for r, c, rs, cs in cells:
        for h in range(x.shape[2]):
            y[r, c, h] = np.max(x[rs, cs, h])
    return y


def ref_max_backward(x, dy, size, stride=None):
    dx = np.zeros(x.shape)
    for r, c, rs, cs in _windows(x.shape, size, stride):
        for h in range(x.shape[2]):
            win = x[rs, cs, h]
            i, j = np.unravel_index(np.argmax(win), win.shape)  # argmax: the first maximum
            dx[rs.start + i, cs.start + j, h] += dy[r, c, h]
    return dx


def _dy_for(x_shape, size, stride, rng):
    g = pool.window(x_shape, size, stride)
    return rng.normal(size=(g.o_rows, g.o_cols, x_shape[2]))


# (shape, size, stride): overlapping, tiling, stride > window, per-axis, leftovers, 1×1, full
CASES = [
    ((4, 4, 1), 2, 1),
    ((4, 4, 1), 2, None),
    ((6, 5, 2), 2, 3),          # stride > window: elements between windows get nothing
    ((7, 8, 3), (3, 2), (2, 1)),
    ((5, 7, 2), 3, 2),          # leftover row and column
    ((9, 6, 1), (2, 3), (3, 2)),
    ((3, 4, 2), 1, 1),
    ((4, 5, 2), (4, 5), 1),     # one window covering everything
    ((6, 6, 2), 3, 1),
]


@pytest.mark.parametrize(("shape", "size", "stride"), CASES)
def test_vectorised_matches_loop_reference(shape, size, stride):
    rng = np.random.default_rng(3)
    x = rng.normal(size=shape)
    dy = _dy_for(shape, size, stride, rng)
    np.testing.assert_allclose(pool.avg_forward(x, size, stride), ref_avg_forward(x, size, stride),
                               rtol=1e-14, atol=1e-15)
    np.testing.assert_array_equal(pool.max_forward(x, size, stride),
                                  ref_max_forward(x, size, stride))
    # Backward adds the shares in the same (row-major δy) order as the loop: bit for bit.
    np.testing.assert_array_equal(pool.avg_backward(shape, dy, size, stride),
                                  ref_avg_backward(shape, dy, size, stride))
    np.testing.assert_array_equal(pool.max_backward(x, dy, size, stride),
                                  ref_max_backward(x, dy, size, stride))


@pytest.mark.parametrize("block", [1, 7, 40, 333])
@pytest.mark.parametrize(("shape", "size", "stride"), CASES + [((23, 9, 3), (3, 2), (2, 3)),
                                                             ((17, 6, 2), (4, 1), (3, 1))])
def test_blocks_of_rows_give_the_same_numbers(monkeypatch, block, shape, size, stride):
    # The vectorised paths work through the rows in blocks of about BLOCK_ELEMENTS elements; with
    # tiny blocks every boundary case (a window straddling two blocks, δy rows shared by two
    # blocks, strides that skip a block's first rows) comes up.
    monkeypatch.setattr(pool, "BLOCK_ELEMENTS", block)
    rng = np.random.default_rng(block)
    x = rng.normal(size=shape)
    dy = _dy_for(shape, size, stride, rng)
    np.testing.assert_allclose(pool.avg_forward(x, size, stride), ref_avg_forward(x, size, stride),
                               rtol=1e-14, atol=1e-15)
    np.testing.assert_array_equal(pool.avg_backward(shape, dy, size, stride),
                                  ref_avg_backward(shape, dy, size, stride))


@pytest.mark.parametrize(("shape", "size", "stride"), CASES)
def test_avg_backward_matches_central_differences(shape, size, stride):
    rng = np.random.default_rng(11)
    x = rng.normal(size=shape)
    dy = _dy_for(shape, size, stride, rng)
    dx = pool.avg_backward(shape, dy, size, stride)
    num = numeric_grad(lambda v: float(np.sum(pool.avg_forward(v, size, stride) * dy)), x)
    np.testing.assert_allclose(dx, num, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(("shape", "size", "stride"), CASES)
def test_max_backward_matches_central_differences(shape, size, stride):
    rng = np.random.default_rng(5)
    # Distinct values at least 0.01 apart: no ties, and ±1e-6 never changes a window's maximum.
    n = int(np.prod(shape))
    x = (rng.permutation(n) * 0.01).reshape(shape)
    dy = _dy_for(shape, size, stride, rng)
    dx = pool.max_backward(x, dy, size, stride)
    num = numeric_grad(lambda v: float(np.sum(pool.max_forward(v, size, stride) * dy)), x)
    np.testing.assert_allclose(dx, num, rtol=1e-6, atol=1e-8)


def test_output_size_floors_and_leftovers_get_no_gradient():
    x_shape = (7, 7, 1)  # window 3, stride 3: rows/cols 6 are left over
    dy = np.ones((2, 2, 1))
    assert pool.avg_forward(np.ones(x_shape), 3, 3).shape == (2, 2, 1)
    dx = pool.avg_backward(x_shape, dy, 3, 3)
    assert np.all(dx[6, :, 0] == 0) and np.all(dx[:, 6, 0] == 0)
    np.testing.assert_allclose(dx[:6, :6, 0], np.full((6, 6), 1 / 9))


def test_overlapping_windows_accumulate():
    # 3×3 input, 2×2 window, stride 1: the centre lies in all four windows.
    dx = pool.avg_backward((3, 3, 1), np.ones((2, 2, 1)), 2, 1)
    np.testing.assert_array_equal(dx[:, :, 0], [[0.25, 0.5, 0.25], [0.5, 1, 0.5],
                                                [0.25, 0.5, 0.25]])
    x = np.array([[1.0, 2, 1], [2, 9, 2], [1, 2, 1]])[:, :, None]
    dx = pool.max_backward(x, np.array([[1.0, 2], [3, 4]])[:, :, None], 2, 1)
    np.testing.assert_array_equal(dx[:, :, 0], [[0, 0, 0], [0, 10, 0], [0, 0, 0]])


def test_max_routes_to_the_first_maximum_in_row_major_order():
    x = np.array([[1.0, 7], [7, 7]])[:, :, None]
    dx = pool.max_backward(x, [[[2.5]]], 2)
    np.testing.assert_array_equal(dx[:, :, 0], [[0, 2.5], [0, 0]])
    x = np.array([[3.0, 3], [3, 3]])[:, :, None]
    np.testing.assert_array_equal(pool.max_backward(x, [[[1.0]]], 2)[:, :, 0], [[1, 0], [0, 0]])


def test_channels_are_independent():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(5, 6, 3))
    dy = _dy_for(x.shape, 2, 1, rng)
    for h in range(3):
        np.testing.assert_array_equal(pool.avg_backward((5, 6, 1), dy[:, :, h:h + 1], 2, 1),
                                      pool.avg_backward(x.shape, dy, 2, 1)[:, :, h:h + 1])
        np.testing.assert_array_equal(pool.max_forward(x[:, :, h:h + 1], 2, 1),
                                      pool.max_forward(x, 2, 1)[:, :, h:h + 1])


def test_non_power_of_two_window_divides():
    x = np.full((3, 3, 1), 1.0)
    np.testing.assert_array_equal(pool.avg_forward(x, 3), [[[1.0]]])
    np.testing.assert_array_equal(pool.avg_backward((3, 3, 1), [[[1.0]]], 3),
                                  np.full((3, 3, 1), 1.0 / 9))


# ---------------------------------------------------------------------------------------------
# Property tests

@st.composite
def pooling_case(draw):
    k_r, k_c = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    s_r, s_c = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    rows = draw(st.integers(k_r, k_r + 7))
    cols = draw(st.integers(k_c, k_c + 7))
    ch = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    return (rows, cols, ch), (k_r, k_c), (s_r, s_c), seed


def _arrays(shape, size, stride, seed):
    """A drawn case with its random input and δy."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    return shape, size, stride, x, _dy_for(shape, size, stride, rng)


@settings(max_examples=60, deadline=None)
@given(pooling_case())
def test_property_matches_reference_and_conserves_delta(case):
    shape, size, stride, x, dy = _arrays(*case)
    g = pool.window(shape, size, stride)
    assert g.o_rows == (shape[0] - size[0]) // stride[0] + 1
    assert g.o_cols == (shape[1] - size[1]) // stride[1] + 1
    np.testing.assert_allclose(pool.avg_forward(x, size, stride), ref_avg_forward(x, size, stride),
                               rtol=1e-13, atol=1e-14)
    np.testing.assert_array_equal(pool.max_forward(x, size, stride),
                                  ref_max_forward(x, size, stride))
    dxa = pool.avg_backward(shape, dy, size, stride)
    dxm = pool.max_backward(x, dy, size, stride)
    np.testing.assert_array_equal(dxa, ref_avg_backward(shape, dy, size, stride))
    np.testing.assert_array_equal(dxm, ref_max_backward(x, dy, size, stride))
    # Every δy is handed out whole: in total (per channel) δx holds exactly what δy held.
    np.testing.assert_allclose(dxa.sum(axis=(0, 1)), dy.sum(axis=(0, 1)), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dxm.sum(axis=(0, 1)), dy.sum(axis=(0, 1)), rtol=1e-12, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(pooling_case())
def test_property_replay_reproduces_vectorised_results(case):
    _, size, stride, x, dy = _arrays(*case)
    for solve in (traces.pooling.solve_avg, traces.pooling.solve_max):
        t = solve(x, size, stride, dy)
        replayed = t.replay()
        assert replayed.keys() == {"y", "dx"}
        for name, arr in replayed.items():
            np.testing.assert_array_equal(arr, t.tensors[name], err_msg=f"{solve.__name__} {name}")


# ---------------------------------------------------------------------------------------------
# Traces


@pytest.mark.parametrize("shape", [(12, 12, 4), (40, 40, 3), (200, 200, 1), (8, 8, 900),
                                   (100, 100, 10)])
def test_large_traces_are_coarsened_with_a_note_and_still_replay_exactly(shape):
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape)
    dy = _dy_for(shape, 2, 1, rng)
    for solve, vec in ((traces.pooling.solve_avg, lambda: pool.avg_backward(shape, dy, 2, 1)),
                       (traces.pooling.solve_max, lambda: pool.max_backward(x, dy, 2, 1))):
        t = solve(x, 2, 1, dy)
        assert len(t) <= MAX_STEPS
        cells = dy.size
        if 2 * cells + 1 > MAX_STEPS:
            assert "coarsened" in t.note and f"{cells:,} output cells" in t.note
            assert all("coarsened" in s.note for s in t.steps if "zero" not in s.title)
        else:
            assert t.note == "" and len(t) == 2 * cells + 1
        replayed = t.replay()
        np.testing.assert_array_equal(replayed["dx"], vec())
        np.testing.assert_array_equal(replayed["y"], t.tensors["y"])
        if solve is traces.pooling.solve_max:  # max steps write only the maxima they route δy to
            routed = [i for s in t.steps if s.phase == "backward" and "zero" not in s.title
                      for _, i in s.writes]
            assert all(t.tensors["mask"][i] > 0 for i in routed)
            assert len(set(routed)) == int(np.count_nonzero(t.tensors["mask"]))


@pytest.mark.parametrize(("shape", "size", "how"), [
    # A step per output row would read 32 input rows each: 3.3 million references.
    ((64, 64, 24), 32, "one step per channel"),
    ((300, 300, 1), 20, "one step per channel"),
    # Few references: a step per output row is kept.
    ((64, 64, 24), 3, "one step per output row"),
    # 24 windows of 64×64: one step per window still fits.
    ((64, 64, 24), 64, ""),
])
def test_large_overlapping_windows_coarsen_by_references_and_replay_exactly(shape, size, how):
    rng = np.random.default_rng(2)
    x = rng.normal(size=shape)
    dy = _dy_for(shape, size, 1, rng)
    for solve, dx in ((traces.pooling.solve_avg, pool.avg_backward(shape, dy, size, 1)),
                      (traces.pooling.solve_max, pool.max_backward(x, dy, size, 1))):
        t = solve(x, size, 1, dy)
        assert len(t) <= MAX_STEPS and t.note.endswith(how)
        assert sum(len(s.reads) + len(s.writes) for s in t.steps) <= traces.pooling.MAX_TRACE_REFS
        replayed = t.replay()
        np.testing.assert_array_equal(replayed["dx"], dx)
        np.testing.assert_array_equal(replayed["y"], t.tensors["y"])


def test_a_huge_window_formats_only_the_terms_it_shows():
    x = np.arange(64 * 64, dtype=float).reshape(64, 64, 1)
    t = traces.pooling.solve_avg(x, 64, 1, np.ones((1, 1, 1)))
    assert t.steps[0].substituted == ("(0 + 1 + 2 + 3 + … (4088 more) + 4092 + 4093 + 4094 + "
                                      "4095) / 4096")
    assert t.steps[-1].substituted.startswith("1 / 4096 = 0.0002441 to each; δx[0,0,0] = 0 + ")
    assert "; … (4088 more); δx[63,60,0] = 0 + " in t.steps[-1].substituted


def test_trace_too_large_to_build_is_refused_with_the_limit():
    shape = (200, 200, 3)
    with pytest.raises(ValueError, match=r"^x: x of shape \(200, 200, 3\) has 120,000 elements, "
                                         r"more than the 100,000 that can be stepped through; use "
                                         r"a smaller x$"):
        traces.pooling.solve_avg(np.zeros(shape), 2, 2, np.zeros((100, 100, 3)))
    assert pool.avg_forward(np.zeros(shape), 2).shape == (100, 100, 3)  # the math still runs


def test_task5_avg_trace_starts_from_zero_and_splits_each_delta_into_k_shares():
    ex = examples.load("avgpool")
    assert "no numbers" in ex.description
    t = ex.solve()
    x, dy, dx = t.tensors["x"], t.tensors["dy"], t.tensors["dx"]
    assert x.shape == (4, 4, 1) and dy.shape == (3, 3, 1)
    fwd = [s for s in t.steps if s.phase == "forward"]
    bwd = [s for s in t.steps if s.phase == "backward"]
    assert len(fwd) == 9 and len(bwd) == 1 + 9
    assert fwd[1].text == ("y[0,1,0] = (x[0,1,0] + x[0,2,0] + x[1,1,0] + x[1,2,0]) / 4 = "
                           "(2 + 3 + 6 + 7) / 4 = 4.5")
    # δx starts at zeros, everywhere.
    zero = bwd[0]
    assert len(zero.writes) == 16 and set(zero.values) == {0.0} and "0" in zero.text
    assert "Task 5" in zero.note and "+=" in zero.note
    # Each δy cell hands δy/4 to each of the 4 elements of its window, added with +=.
    running = np.zeros((4, 4, 1))
    for s, (r, c) in zip(bwd[1:], [(r, c) for r in range(3) for c in range(3)], strict=True):
        assert s.title == f"δy[{r},{c},0] → window"
        assert s.reads == (("dy", (r, c, 0)),)
        share = dy[r, c, 0] / 4
        window = [(r + a, c + b, 0) for a in range(2) for b in range(2)]
        assert [idx for _, idx in s.writes] == window
        for idx, v in zip(window, s.values, strict=True):
            running[idx] += share
            assert v == running[idx]
        assert "+=" in s.formula and f"/ 4 = {share:g} to each" in s.substituted
    np.testing.assert_array_equal(running, dx)
    # The centre elements lie in four windows: 0.1 + 0.2 + 0.3 + 0.1 (δy = 0.4, 0.8, 1.2, 0.4).
    assert bwd[5].substituted.startswith("0.4 / 4 = 0.1 to each; δx[1,1,0] = 0.6 + 0.1 = 0.7")
    np.testing.assert_allclose(dx[:, :, 0], [[0.1, 0.3, 0.3, 0.1], [0.4, 0.7, 0.6, 0.3],
                                             [0.4, 0.9, 0.8, 0.3], [0.1, 0.5, 0.5, 0.1]])


def test_maxpool_example_names_the_first_maximum_and_routes_delta_to_it():
    t = examples.load("maxpool").solve()
    fwd = [s for s in t.steps if s.phase == "forward"]
    bwd = [s for s in t.steps if s.phase == "backward"]
    assert fwd[0].text == ("y[0,0,0] = max(x[0,0,0], x[0,1,0], x[1,0,0], x[1,1,0]) = "
                           "max(1, 3, 3, 0) = x[0,1,0] = 3")
    assert "tie" in fwd[0].note and "x[0,1,0] and x[1,0,0] both hold 3" in fwd[0].note
    assert bwd[0].title == "δx starts at zero"
    assert bwd[1].text == "δx[0,1,0] += δy[0,0,0] = 0 + 0.5 = 0.5"
    assert bwd[2].text == "δx[1,3,0] += δy[0,1,0] = 0 + (-1) = -1"
    np.testing.assert_array_equal(t.tensors["dx"][:, :, 0], [[0, 0.5, 0, 0], [0, 0, 0, -1],
                                                             [2, 0, 0, 1.5], [0, 0, 0, 0]])
    np.testing.assert_array_equal(t.tensors["mask"][:, :, 0], [[0, 1, 0, 0], [0, 0, 0, 1],
                                                               [1, 0, 0, 1], [0, 0, 0, 0]])
    assert set(t.tensors) == {"x", "y", "dy", "dx", "mask"}


def test_max_trace_accumulates_where_maxima_are_shared():
    # stride 1: the centre 9 is the maximum of all four windows and receives 1 + 2 + 3 + 4.
    x = np.array([[1.0, 2, 1], [2, 9, 2], [1, 2, 1]])[:, :, None]
    t = traces.pooling.solve_max(x, 2, 1, np.array([[1.0, 2], [3, 4]])[:, :, None])
    texts = [s.text for s in t.steps if s.phase == "backward"][1:]
    assert texts == ["δx[1,1,0] += δy[0,0,0] = 0 + 1 = 1", "δx[1,1,0] += δy[0,1,0] = 1 + 2 = 3",
                     "δx[1,1,0] += δy[1,0,0] = 3 + 3 = 6", "δx[1,1,0] += δy[1,1,0] = 6 + 4 = 10"]
    np.testing.assert_array_equal(t.tensors["mask"][:, :, 0], [[0, 0, 0], [0, 4, 0], [0, 0, 0]])


# ---------------------------------------------------------------------------------------------
# Bad input

X = np.arange(16.0).reshape(4, 4, 1)


@pytest.mark.parametrize(("call", "match"), [
    (lambda: pool.avg_forward(X, 5), r"size \(rows\): the window's 5 rows do not fit"),
    (lambda: pool.max_forward(X, (2, 5)), r"^size \(cols\): the window's 5 columns do not fit in "
                                          r"x's 4 columns \(x has shape \(4, 4, 1\)\); use a "
                                          r"window of at most 4 columns$"),
    (lambda: pool.avg_forward(X, 2, 0), "stride: must be at least 1, got 0"),
    (lambda: pool.avg_forward(X, 2, -1), "stride: must be at least 1, got -1"),
    (lambda: pool.max_forward(X, 2, (1, 0)), r"stride \(cols\): must be at least 1, got 0"),
    (lambda: pool.avg_forward(X, 0), "size: must be at least 1, got 0"),
    (lambda: pool.avg_forward(X, 1.5), "size: expected a whole number, got 1.5"),
    (lambda: pool.avg_forward(X, (2, 2, 2)), "size: expected one whole number or a"),
    (lambda: pool.avg_forward(X, "two"), "size: expected a whole number, got 'two'"),
    (lambda: pool.avg_forward(X[:, :, 0], 2), r"^x: x must be 3-D \(rows, cols, channels\)"),
    (lambda: pool.max_forward(X[None], 2), "^x: x must be 3-D"),
    (lambda: pool.avg_forward(np.full((2, 2, 1), np.nan), 2), r"^x: x\[0,0,0\] is nan"),
    (lambda: pool.max_forward(np.full((2, 2, 1), np.inf), 2), r"^x: x\[0,0,0\] is inf"),
    (lambda: pool.avg_forward([[["a"]]], 1), r"^x: x\[0,0,0\] is 'a', not a number"),
    (lambda: pool.avg_forward(np.zeros((0, 3, 1)), 1), "^x: x is empty"),
    (lambda: pool.avg_forward(np.zeros((2001, 2001, 1)), 2), "^x: x of shape .* more than the"),
    (lambda: pool.avg_backward((4, 4, 1), np.ones((2, 2, 1)), 2, 1),
     r"^dy: δy has shape \(2, 2, 1\); it needs shape \(3, 3, 1\) like y$"),
    (lambda: pool.max_backward(X, np.ones((3, 3)), 2, 1), "^dy: δy must be 3-D"),
    (lambda: pool.max_backward(X, np.ones((2, 2, 2)), 2), r"^dy: δy .* needs shape \(2, 2, 1\)"),
    (lambda: pool.avg_backward((4, 4, 1), [[[np.nan]]], 4), r"^dy: δy\[0,0,0\] is nan"),
    (lambda: pool.avg_backward((4, 4), np.ones((2, 2, 1)), 2),
     r"^x_shape: the shape of x needs 3 whole numbers \(rows, cols, channels\), got 2$"),
    (lambda: pool.avg_backward((4, 0, 1), np.ones((2, 2, 1)), 2),
     r"^x_shape \(cols\): must be at least 1"),
    (lambda: pool.avg_backward((4, 4.5, 1), np.ones((2, 2, 1)), 2),
     r"^x_shape \(cols\): expected a whole"),
    (lambda: pool.avg_backward((3000, 3000, 1), np.ones((2, 2, 1)), 2),
     r"^x_shape: x of shape \(3000, 3000, 1\) has 9,000,000 elements"),
    (lambda: traces.pooling.solve_avg(X, 2, 1, np.ones((2, 2, 1))),
     r"^dy: δy .* needs shape \(3, 3, 1\)"),
    (lambda: traces.pooling.solve_max(X, 5, 1, np.ones((1, 1, 1))), r"size \(rows\)"),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_shape_problems_are_shape_errors():
    with pytest.raises(ShapeError):
        pool.avg_forward(X, 5)
    with pytest.raises(ShapeError):
        pool.avg_backward((4, 4, 1), np.ones((2, 2, 1)), 2, 1)


def test_inputs_are_not_modified():
    x = X.copy()
    dy = np.ones((3, 3, 1))
    traces.pooling.solve_avg(x, 2, 1, dy)
    traces.pooling.solve_max(x, 2, 1, dy)
    pool.avg_backward(x.shape, dy, 2, 1)
    np.testing.assert_array_equal(x, X)
    np.testing.assert_array_equal(dy, np.ones((3, 3, 1)))
