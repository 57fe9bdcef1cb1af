"""Conv2D step traces: the sheet's Task 2 as worked steps, the replay property, what each step
reads, coarsening, and the examples conv, conv-filter and conv-shape."""

import numpy as np
import pytest
from hypothesis import given, settings

from engine import conv2d, examples, traces
from engine.steps import MAX_STEPS, fmt_paren
from tests.engine.test_conv2d import SHEET_F, conv2d_naive, conv_cases, pair, random_case


def values_of(trace, refs):
    return np.array([trace.tensors[name][idx] for name, idx in refs])


def assert_replay_matches(trace):
    replayed = trace.replay()
    for name, arr in replayed.items():
        np.testing.assert_array_equal(arr, trace.tensors[name], err_msg=name)
    return replayed


def assert_refs_in_range(trace):
    for s in trace.steps:
        for name, idx in s.reads + s.writes:
            assert name in trace.tensors, (s.title, name)
            shape = np.shape(trace.tensors[name])
            assert len(idx) == len(shape) and all(0 <= i < n for i, n in zip(idx, shape,
                                                                               strict=True)), \
                (s.title, name, idx, shape)


# ---------------------------------------------------------------------------------------------
# Task 2b: the output shape


def test_sheet_task2b_trace_reads_like_the_solution():
    t = traces.conv2d.solve_shape([20, 18, 5], [3, 4, 5, 1337], 2, 3)
    texts = [s.text for s in t.steps]
    assert texts == ["o_x = ⌊(x + 2p_x − k_x)/s_x⌋ + 1 = ⌊(20 + 2·3 − 3)/2⌋ + 1 = 12",
                     "o_y = ⌊(y + 2p_y − k_y)/s_y⌋ + 1 = ⌊(18 + 2·3 − 4)/2⌋ + 1 = 11",
                     "o_c = c_out (one output channel per filter) = 1337"]
    assert set(t.tensors) == {"output_shape"}
    np.testing.assert_array_equal(t.tensors["output_shape"], [12.0, 11.0, 1337.0])
    np.testing.assert_array_equal(assert_replay_matches(t)["output_shape"], [12, 11, 1337])
    # 23/2 rounds down: the last padded row is never visited; 20/2 is exact
    assert "23/2 is not whole" in t.steps[0].note and "last row" in t.steps[0].note
    assert t.steps[1].note == ""


def test_shape_trace_takes_shapes_too_big_to_allocate():
    t = traces.conv2d.solve_shape([10**9, 10**9, 64], [3, 3, 64, 10**6], (2, 1), (0, 1))
    np.testing.assert_array_equal(t.tensors["output_shape"], [(10**9 - 3) // 2 + 1, 10**9, 10**6])
    assert "last 2 rows" not in t.steps[0].note  # (10⁹ − 3)/2 leaves exactly one row over
    assert "last row" in t.steps[0].note


def test_shape_trace_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="f_shape: f's kernel of 30 rows is larger"):
        traces.conv2d.solve_shape([20, 18, 5], [30, 4, 5, 1], 1, 0)
    with pytest.raises(ValueError, match="x_shape: the shape of x needs 3 whole numbers"):
        traces.conv2d.solve_shape([20, 18], [3, 4, 5, 1])


# ---------------------------------------------------------------------------------------------
# Task 2a: the backward filters


def test_sheet_task2a_trace_swaps_then_rotates():
    t = traces.conv2d.solve_filter(SHEET_F)
    assert len(t) == 8 and t.note == ""
    assert t.phases == {"backward": 8}  # preparing the backward pass's filters
    texts = [s.text for s in t.steps]
    # swap: one step per matrix, f[:, :, c, o] -> f_swapped[:, :, o, c]
    assert texts[:4] == [
        "f_swapped[:,:,0,0] = f[:,:,0,0] = [[1, 3, 5], [2, 4, 6]]",
        "f_swapped[:,:,1,0] = f[:,:,0,1] = [[7, 9, 11], [8, 10, 12]]",
        "f_swapped[:,:,0,1] = f[:,:,1,0] = [[13, 15, 17], [24, 16, 18]]",
        "f_swapped[:,:,1,1] = f[:,:,1,1] = [[19, 21, 23], [20, 22, 24]]"]
    # then the 180° rotation, ending on the sheet's rotated filters
    assert texts[4:] == [
        "f_back[:,:,0,0] = rot180(f_swapped[:,:,0,0]) = [[6, 4, 2], [5, 3, 1]]",
        "f_back[:,:,0,1] = rot180(f_swapped[:,:,0,1]) = [[18, 16, 24], [17, 15, 13]]",
        "f_back[:,:,1,0] = rot180(f_swapped[:,:,1,0]) = [[12, 10, 8], [11, 9, 7]]",
        "f_back[:,:,1,1] = rot180(f_swapped[:,:,1,1]) = [[24, 22, 20], [23, 21, 19]]"]
    swap = t.steps[2]
    assert swap.reads == tuple(("f", (i, j, 1, 0)) for i in range(2) for j in range(3))
    assert swap.writes == tuple(("f_swapped", (i, j, 0, 1)) for i in range(2) for j in range(3))
    rot = t.steps[5]
    assert rot.reads == tuple(("f_swapped", (i, j, 0, 1)) for i in range(2) for j in range(3))
    assert rot.writes[-1] == ("f_back", (1, 2, 0, 1))
    assert set(t.tensors) == {"f", "f_swapped", "f_back"}
    replayed = assert_replay_matches(t)
    np.testing.assert_array_equal(replayed["f_back"], conv2d.backward_filter(SHEET_F))
    assert_refs_in_range(t)


@pytest.mark.parametrize(("shape", "n_steps", "note"), [
    ((2, 2, 3, 4), 24, ""),
    ((1, 2, 40, 50), 100, "one step per filter"),
    ((1, 1, 2, 1337), 2, "two steps"),
])
def test_filter_trace_coarsens_with_a_note(shape, n_steps, note):
    f = np.random.default_rng(0).normal(size=shape)
    t = traces.conv2d.solve_filter(f)
    assert len(t) == n_steps <= MAX_STEPS
    assert (note in t.note) and (("coarsened" in t.note) == bool(note))
    replayed = assert_replay_matches(t)
    np.testing.assert_array_equal(replayed["f_back"], conv2d.backward_filter(f))


def test_filter_trace_declines_a_huge_filter_bank():
    with pytest.raises(ValueError, match=r"^f: f of shape .* is too large to show step by step "
                                         r".*; use fewer channels or filters$"):
        traces.conv2d.solve_filter(np.zeros((3, 3, 256, 256)))


# ---------------------------------------------------------------------------------------------
# Forward and backward


TRACE_CASES = [
    ((4, 4, 1), (3, 3, 1, 2), 2, 1),
    ((6, 7, 2), (3, 3, 2, 2), 2, 1),             # leftovers in both axes
    ((7, 6, 2), (2, 3, 2, 2), (3, 2), (1, 0)),   # per-axis stride and padding, leftovers
    ((5, 5, 1), (2, 2, 1, 1), 1, 0),             # no padding: steps read x itself
    ((3, 4, 2), (3, 3, 2, 1), 3, 3),             # padding > k − 1
]


@pytest.mark.parametrize(("x_shape", "f_shape", "stride", "padding"), TRACE_CASES)
def test_replay_reproduces_the_vectorised_results(x_shape, f_shape, stride, padding):
    x, f, b, dy = random_case(np.random.default_rng(9), x_shape, f_shape, stride, padding)
    t = traces.conv2d.solve(x, f, b, dy, stride, padding)
    assert t.note == ""
    replayed = assert_replay_matches(t)
    np.testing.assert_array_equal(replayed["y"], conv2d.forward(x, f, b, stride, padding))
    grads = conv2d.backward(x, f, dy, stride, padding)
    for name in ("dx", "df", "db"):
        np.testing.assert_array_equal(replayed[name], getattr(grads, name), err_msg=name)
    np.testing.assert_array_equal(replayed["f_back"], conv2d.backward_filter(f))
    # and the numbers are right (the loop reference)
    y_ref, (dx_ref, df_ref, db_ref) = conv2d_naive(x, f, b, dy, pair(stride), pair(padding))
    np.testing.assert_allclose(replayed["y"], y_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(replayed["dx"], dx_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(replayed["df"], df_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(replayed["db"], db_ref, rtol=1e-12, atol=1e-12)
    assert_refs_in_range(t)
    padded = np.any(np.array(pair(padding)) > 0)
    assert ("x_padded" in t.tensors) == bool(padded)


@settings(max_examples=30, deadline=None)
@given(conv_cases())
def test_property_replay_reproduces_the_vectorised_results(case):
    x_shape, f_shape, s, p, seed = case
    x, f, b, dy = random_case(np.random.default_rng(seed), x_shape, f_shape, s, p)
    t = traces.conv2d.solve(x, f, b, dy, s, p)
    replayed = assert_replay_matches(t)
    grads = conv2d.backward(x, f, dy, s, p)
    np.testing.assert_array_equal(replayed["y"], conv2d.forward(x, f, b, s, p))
    for name in ("dx", "df", "db"):
        np.testing.assert_array_equal(replayed[name], getattr(grads, name), err_msg=name)
    assert_refs_in_range(t)


@pytest.mark.parametrize(("x_shape", "f_shape", "stride", "padding"), TRACE_CASES)
def test_each_step_reads_exactly_what_its_sum_uses(x_shape, f_shape, stride, padding):
    """Σ (read pairs) reproduces every written cell: the reads are the right window."""
    x, f, b, dy = random_case(np.random.default_rng(10), x_shape, f_shape, stride, padding)
    t = traces.conv2d.solve(x, f, b, dy, stride, padding)
    kinds = {"y": 0, "dx": 0, "df": 0, "db": 0}
    for s in t.steps:
        (name, idx), = s.writes if len(s.writes) == 1 else ((None, None),)
        if name == "y":
            n = (len(s.reads) - 1) // 2
            assert [r[0] for r in s.reads[n:2 * n]] == ["f"] * n
            assert all(r[1][3] == idx[2] for r in s.reads[n:2 * n])  # f[:, :, :, o]
            assert s.reads[-1] == ("b", (idx[2],))
            got = values_of(t, s.reads[:n]) @ values_of(t, s.reads[n:2 * n]) + b[idx[2]]
        elif name in ("dx", "df"):
            n = len(s.reads) // 2
            got = values_of(t, s.reads[:n]) @ values_of(t, s.reads[n:])
        elif name == "db":
            got = values_of(t, s.reads).sum()
        else:
            continue
        kinds[name] += 1
        assert got == pytest.approx(s.values[0], rel=1e-12, abs=1e-12), s.title
    assert kinds == {"y": t.tensors["y"].size, "dx": x.size, "df": f.size, "db": b.size}


def test_long_sums_are_shortened_and_never_show_empty_terms():
    x, f, b, dy = random_case(np.random.default_rng(8), (3, 3, 4), (3, 3, 4, 1), 1, 0)
    t = traces.conv2d.solve(x, f, b, dy)
    y_step = next(s for s in t.steps if s.title == "y[0,0,0]")
    # 36 products + b: the first and last 14 terms, the rest counted
    assert "+ … (9 more) +" in y_step.substituted
    assert y_step.substituted.endswith(" + " + fmt_paren(b[0]))
    for s in t.steps:
        assert "+  +" not in s.substituted and not s.substituted.startswith(" +"), s.title
        assert s.substituted.count(" · ") <= 28, s.title


def test_step_order_and_phases():
    x, f, b, dy = random_case(np.random.default_rng(1), (5, 5, 1), (3, 3, 1, 2), 2, 1)
    t = traces.conv2d.solve(x, f, b, dy, 2, 1)
    titles = [s.title for s in t.steps]
    n_y = t.tensors["y"].size
    assert titles[0] == "pad x"
    assert titles[1:1 + n_y] == [f"y[{r},{c},{o}]" for r in range(3) for c in range(3)
                                 for o in range(2)]
    assert titles[1 + n_y:3 + n_y] == ["backward filters", "δy dilated and padded"]
    rest = titles[3 + n_y:]
    assert rest[:25] == [f"δx[{r},{c},0]" for r in range(5) for c in range(5)]
    assert rest[25:43] == [f"ΔF[{i},{j},0,{o}]" for i in range(3) for j in range(3)
                           for o in range(2)]
    assert rest[43:] == ["Δb₀", "Δb₁"]
    assert t.phases == {"forward": 1 + n_y, "backward": 2 + 25 + 18 + 2}
    assert set(t.tensors) == {"x", "f", "b", "x_padded", "y", "dy", "f_back", "dy_dilated",
                              "dx", "df", "db"}


def test_dilated_dy_is_dilated_by_the_stride_and_padded_by_k_minus_1():
    # 6×7 input, 3×3 kernel, stride 2, padding 1: y is 3×4, padded input 8×9, windows reach
    # 7 rows and 9 columns -> one leftover row
    x, f, b, dy = random_case(np.random.default_rng(2), (6, 7, 1), (3, 3, 1, 1), 2, 1)
    t = traces.conv2d.solve(x, f, b, dy, 2, 1)
    d = t.tensors["dy_dilated"][:, :, 0]
    assert d.shape == (8 + 2, 9 + 2)
    want = np.zeros((10, 11))
    want[2:2 + 5:2, 2:2 + 7:2] = dy[:, :, 0]
    np.testing.assert_array_equal(d, want)
    note = next(s.note for s in t.steps if s.title == "δy dilated and padded")
    assert "1 zero row between" in note and "2 zero rows above, 3 below" in note
    assert "extra 1 row and 0 columns stand for the leftovers" in note


def test_forward_only_trace_without_dy():
    x, f, b, _ = random_case(np.random.default_rng(3), (4, 4, 2), (2, 2, 2, 2), 1, 0)
    t = traces.conv2d.solve(x, f, b, None, 1, 0)
    assert set(t.tensors) == {"x", "f", "b", "y"}
    assert t.phases == {"forward": 18}
    assert_replay_matches(t)


def test_missing_bias_is_zero():
    x, f, _, dy = random_case(np.random.default_rng(3), (3, 3, 1), (2, 2, 1, 2), 1, 0)
    t = traces.conv2d.solve(x, f, None, dy)
    np.testing.assert_array_equal(t.tensors["b"], [0, 0])
    np.testing.assert_array_equal(t.tensors["y"], conv2d.forward(x, f))


@pytest.mark.parametrize(("x_shape", "f_shape", "stride", "padding", "level_note"), [
    ((20, 20, 2), (3, 3, 2, 4), 1, 1, "one step per output row"),
    ((2, 2, 1), (1, 1, 1, 2500), 1, 0, "one step per tensor"),
])
def test_large_traces_are_coarsened_with_a_note(x_shape, f_shape, stride, padding, level_note):
    x, f, b, dy = random_case(np.random.default_rng(4), x_shape, f_shape, stride, padding)
    t = traces.conv2d.solve(x, f, b, dy, stride, padding)
    assert "too many to step through" in t.note and level_note in t.note
    assert len(t) <= MAX_STEPS
    coarse = [s for s in t.steps if s.title not in ("pad x", "backward filters",
                                                    "δy dilated and padded")]
    assert coarse and all(s.note.startswith("coarsened") for s in coarse)
    replayed = assert_replay_matches(t)
    grads = conv2d.backward(x, f, dy, stride, padding)
    np.testing.assert_array_equal(replayed["dx"], grads.dx)
    np.testing.assert_array_equal(replayed["df"], grads.df)
    np.testing.assert_array_equal(replayed["y"], conv2d.forward(x, f, b, stride, padding))
    assert_refs_in_range(t)


def test_too_large_to_trace_is_declined_with_the_limit():
    x, f, b, dy = random_case(np.random.default_rng(5), (100, 100, 8), (3, 3, 8, 8), 1, 1)
    with pytest.raises(ValueError, match=r"^x: this convolution is too large to show step by "
                                         r"step \(.* more than 1,000,000\); use a smaller x"):
        traces.conv2d.solve(x, f, b, dy, 1, 1)


def test_trace_bad_input_names_the_argument():
    x, f, b, dy = random_case(np.random.default_rng(6), (4, 4, 1), (3, 3, 1, 2), 1, 0)
    with pytest.raises(ValueError, match=r"^dy: δy has shape .*; it needs shape"):
        traces.conv2d.solve(x, f, b, dy[:1], 1, 0)
    with pytest.raises(ValueError, match="stride: must be at least 1"):
        traces.conv2d.solve(x, f, b, dy, 0, 0)
    with pytest.raises(ValueError, match=r"^b: b has shape"):
        traces.conv2d.solve(x, f, [1, 2, 3], dy, 1, 0)


# ---------------------------------------------------------------------------------------------
# The examples


def test_example_conv_filter_is_the_sheet_filter_as_printed():
    ex = examples.load("conv-filter")
    np.testing.assert_array_equal(np.array(ex.inputs["f"], dtype=float), SHEET_F)
    t = ex.solve()
    np.testing.assert_array_equal(t.tensors["f_back"][:, :, 0, 1], [[18, 16, 24], [17, 15, 13]])


def test_example_conv_shape_is_task_2b():
    ex = examples.load("conv-shape")
    assert ex.inputs == {"x_shape": [20, 18, 5], "f_shape": [3, 4, 5, 1337], "stride": 2,
                         "padding": 3}
    np.testing.assert_array_equal(ex.solve().tensors["output_shape"], [12, 11, 1337])


def test_example_conv_is_small_and_right():
    ex = examples.load("conv")
    t = ex.solve()
    ins = {k: np.array(v, dtype=float) for k, v in ex.inputs.items() if k not in
           ("stride", "padding")}
    assert ins["x"].size <= 50 and len(t) <= 60
    s, p = pair(ex.inputs["stride"]), pair(ex.inputs["padding"])
    y_ref, (dx_ref, df_ref, db_ref) = conv2d_naive(ins["x"], ins["f"], ins["b"], ins["dy"], s, p)
    np.testing.assert_array_equal(t.tensors["y"], y_ref)
    np.testing.assert_array_equal(t.tensors["dx"], dx_ref)
    np.testing.assert_array_equal(t.tensors["df"], df_ref)
    np.testing.assert_array_equal(t.tensors["db"], db_ref)
    texts = [st.text for st in t.steps]
    assert ("y[0,1,1] = Σᵢⱼₖ x_padded[0+i,2+j,k]·f[i,j,k,1] + b₁ = 0 · 0 + 0 · 1 + 0 · 0 + "
            "2 · 1 + 0 · (-2) + 1 · 1 + 1 · 0 + 3 · 1 + 1 · 0 + 1 = 7") in texts
    assert "ΔF[1,2,0,1] = Σₘₙ x_padded[2m+1,2n+2,0]·δy[m,n,1] = 2 · 0.5 + 1 · 0 + 1 · 0 + " \
           "2 · 0.5 = 2" in texts
    assert "Δb₀ = Σₘₙ δy[m,n,0] = 1 + 0 + 0 + (-1) = 0" in texts


def test_a_large_filter_matrix_is_shown_shortened():
    f = np.arange(9 * 10, dtype=float).reshape(9, 10, 1, 1)
    text = traces.conv2d.solve_filter(f).steps[0].substituted
    assert text.startswith("[[0, 1, 2, 3, … (2 more), 6, 7, 8, 9], [10, 11, 12, 13, … (2 more), ")
    assert text.endswith(", … (1 more), [50, 51, 52, 53, … (2 more), 56, 57, 58, 59], "
                         "[60, 61, 62, 63, … (2 more), 66, 67, 68, 69], [70, 71, 72, 73, … (2 "
                         "more), 76, 77, 78, 79], [80, 81, 82, 83, … (2 more), 86, 87, 88, 89]]")
