"""Conv2D numbers: the sheet's Task 2, a slow loop reference, central differences, properties,
and every bad input. The step traces are tested in test_conv2d_trace.py."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import ShapeError, conv2d
from engine.validate import MAX_ELEMENTS, MAX_WORK_ELEMENTS
from tests.engine.gradcheck import numeric_grad

# The sheet's Task 2a filter as printed, f[:, :, c, o] = channel c of filter o (the 24 in
# channel 1 of filter 0 is the sheet's; it is kept).
SHEET_F = np.zeros((2, 3, 2, 2))
SHEET_F[:, :, 0, 0] = [[1, 3, 5], [2, 4, 6]]
SHEET_F[:, :, 0, 1] = [[7, 9, 11], [8, 10, 12]]
SHEET_F[:, :, 1, 0] = [[13, 15, 17], [24, 16, 18]]
SHEET_F[:, :, 1, 1] = [[19, 21, 23], [20, 22, 24]]


def conv2d_naive(x, f, b, dy, stride, padding):
    """Slow, obviously correct: loops over every output cell and every filter element.

    Returns y and, when dy is given, (dx, df, db) by accumulating each product's contribution.
    """
    (sr, sc), (pr, pc) = stride, padding
    rows, cols, c_in = x.shape
    k_rows, k_cols, _, c_out = f.shape
    xp = np.zeros((rows + 2 * pr, cols + 2 * pc, c_in))
    for r in range(rows):
        for c in range(cols):
            for k in range(c_in):
                xp[r + pr, c + pc, k] = x[r, c, k]
    o_rows = (rows + 2 * pr - k_rows) // sr + 1
    o_cols = (cols + 2 * pc - k_cols) // sc + 1
    y = np.zeros((o_rows, o_cols, c_out))
    dxp, df, db = np.zeros_like(xp), np.zeros_like(f), np.zeros(c_out)
    for r in range(o_rows):
        for c in range(o_cols):
            for o in range(c_out):
                total = b[o]
                for i in range(k_rows):
                    for j in range(k_cols):
                        for k in range(c_in):
                            total += xp[r * sr + i, c * sc + j, k] * f[i, j, k, o]
                            if dy is not None:
                                dxp[r * sr + i, c * sc + j, k] += dy[r, c, o] * f[i, j, k, o]
                                df[i, j, k, o] += xp[r * sr + i, c * sc + j, k] * dy[r, c, o]
                y[r, c, o] = total
                if dy is not None:
                    db[o] += dy[r, c, o]
    dx = dxp[pr:pr + rows, pc:pc + cols]
    return y, (dx, df, db)


def random_case(rng, x_shape, f_shape, stride, padding):
    x = rng.normal(size=x_shape)
    f = rng.normal(size=f_shape)
    b = rng.normal(size=f_shape[3])
    y_shape = conv2d.output_shape(x_shape, f_shape, stride, padding)
    dy = rng.normal(size=y_shape)
    return x, f, b, dy


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


# (x_shape, f_shape, stride, padding): stride > 1, padding, per-axis values, odd leftovers
CASES = [
    ((5, 5, 1), (3, 3, 1, 1), 1, 0),
    ((6, 7, 2), (3, 3, 2, 3), 2, 1),             # leftovers: 8 padded rows, windows reach 7
    ((7, 6, 3), (2, 3, 3, 2), (3, 2), (1, 0)),   # per-axis stride and padding, leftovers
    ((4, 9, 2), (4, 2, 2, 2), (1, 3), (2, 1)),   # padding larger than k - 1 on rows
    ((3, 3, 1), (3, 3, 1, 2), 5, 0),             # stride larger than the input: one window
    ((1, 1, 2), (1, 1, 2, 3), 1, 0),             # 1×1 everything
    ((2, 3, 1), (3, 3, 1, 1), 2, 2),             # windows that lie mostly in the padding
]


# ---------------------------------------------------------------------------------------------
# The sheet


def test_sheet_task2a_backward_filter_exactly_as_printed():
    fb = conv2d.backward_filter(SHEET_F)
    assert fb.shape == (2, 3, 2, 2)
    np.testing.assert_array_equal(fb[:, :, 0, 0], [[6, 4, 2], [5, 3, 1]])
    np.testing.assert_array_equal(fb[:, :, 0, 1], [[18, 16, 24], [17, 15, 13]])
    np.testing.assert_array_equal(fb[:, :, 1, 0], [[12, 10, 8], [11, 9, 7]])
    np.testing.assert_array_equal(fb[:, :, 1, 1], [[24, 22, 20], [23, 21, 19]])


def test_backward_filter_is_swap_then_rotate_for_any_shape():
    f = np.random.default_rng(3).normal(size=(3, 2, 4, 5))
    fb = conv2d.backward_filter(f)
    assert fb.shape == (3, 2, 5, 4)
    for c in range(4):
        for o in range(5):
            np.testing.assert_array_equal(fb[:, :, o, c], np.rot90(f[:, :, c, o], 2))


def test_sheet_task2b_output_shape():
    assert conv2d.output_shape([20, 18, 5], [3, 4, 5, 1337], 2, 3) == (12, 11, 1337)


def test_output_shape_takes_shapes_too_big_to_allocate():
    big = 10**12
    assert conv2d.output_shape((big, big, 3), (3, 3, 3, 10**9), 1, 1) == (big, big, 10**9)
    assert conv2d.output_shape((20.0, "18", 5), (3, 4, 5, 1), (2, 2), [3, 3]) == (12, 11, 1)


# ---------------------------------------------------------------------------------------------
# The loop reference and central differences


@pytest.mark.parametrize(("x_shape", "f_shape", "stride", "padding"), CASES)
def test_matches_loop_reference(x_shape, f_shape, stride, padding):
    rng = np.random.default_rng(11)
    x, f, b, dy = random_case(rng, x_shape, f_shape, stride, padding)
    y_ref, (dx_ref, df_ref, db_ref) = conv2d_naive(x, f, b, dy, pair(stride), pair(padding))
    y = conv2d.forward(x, f, b, stride, padding)
    dx, df, db = conv2d.backward(x, f, dy, stride, padding)
    np.testing.assert_allclose(y, y_ref, rtol=1e-12, atol=1e-12, err_msg="y")
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-12, atol=1e-12, err_msg="dx")
    np.testing.assert_allclose(df, df_ref, rtol=1e-12, atol=1e-12, err_msg="df")
    np.testing.assert_allclose(db, db_ref, rtol=1e-12, atol=1e-12, err_msg="db")
    assert dx.shape == x.shape and df.shape == f.shape and db.shape == b.shape


@pytest.mark.parametrize(("x_shape", "f_shape", "stride", "padding"), CASES)
def test_gradients_match_central_differences(x_shape, f_shape, stride, padding):
    rng = np.random.default_rng(5)
    x, f, b, dy = random_case(rng, x_shape, f_shape, stride, padding)
    grads = conv2d.backward(x, f, dy, stride, padding)

    def loss(x_, f_, b_):
        return float(np.sum(conv2d.forward(x_, f_, b_, stride, padding) * dy))

    for name, got, want in (
            ("dx", grads.dx, numeric_grad(lambda v: loss(v, f, b), x)),
            ("df", grads.df, numeric_grad(lambda v: loss(x, v, b), f)),
            ("db", grads.db, numeric_grad(lambda v: loss(x, f, v), b))):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7, err_msg=name)


def test_leftover_rows_and_cols_get_zero_dx():
    # 7 rows, kernel 3, stride 2, no padding: windows start at rows 0, 2, 4 and cover 0..6;
    # 8 rows: the last row (7) is never visited. Same for columns.
    rng = np.random.default_rng(2)
    x, f = rng.normal(size=(8, 8, 2)), rng.normal(size=(3, 3, 2, 2))
    dy = rng.normal(size=conv2d.output_shape(x.shape, f.shape, 2, 0))
    dx = conv2d.backward(x, f, dy, 2).dx
    assert np.all(dx[7] == 0) and np.all(dx[:, 7] == 0)
    assert np.all(dx[:7, :7] != 0)
    x2 = x.copy()
    x2[7] = 1e3
    x2[:, 7] = -1e3
    np.testing.assert_array_equal(conv2d.forward(x2, f, None, 2), conv2d.forward(x, f, None, 2))


def test_bias_is_optional_and_broadcast():
    rng = np.random.default_rng(4)
    x, f = rng.normal(size=(4, 4, 2)), rng.normal(size=(2, 2, 2, 3))
    b = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(conv2d.forward(x, f, b), conv2d.forward(x, f) + b, rtol=1e-15)


def test_backward_returns_named_fields():
    g = conv2d.backward(np.ones((3, 3, 1)), np.ones((2, 2, 1, 1)), np.ones((2, 2, 1)))
    assert g._fields == ("dx", "df", "db")
    np.testing.assert_array_equal(g.dx[:, :, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    np.testing.assert_array_equal(g.df[:, :, 0, 0], [[4, 4], [4, 4]])
    np.testing.assert_array_equal(g.db, [4])


def test_integer_and_nested_list_input_is_read_as_float64():
    y = conv2d.forward([[[1], [2]], [[3], [4]]], [[[[1]], [[1]]], [[[1]], [[1]]]], [0.5])
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, [[[10.5]]])


# ---------------------------------------------------------------------------------------------
# Properties


@st.composite
def conv_cases(draw):
    rows, cols = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    c_in, c_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    p = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    k = (draw(st.integers(1, rows + 2 * p[0])), draw(st.integers(1, cols + 2 * p[1])))
    seed = draw(st.integers(0, 2**32 - 1))
    return (rows, cols, c_in), (k[0], k[1], c_in, c_out), s, p, seed


@settings(max_examples=60, deadline=None)
@given(conv_cases())
def test_property_matches_loop_reference(case):
    x_shape, f_shape, s, p, seed = case
    x, f, b, dy = random_case(np.random.default_rng(seed), x_shape, f_shape, s, p)
    y_ref, (dx_ref, df_ref, db_ref) = conv2d_naive(x, f, b, dy, s, p)
    y = conv2d.forward(x, f, b, s, p)
    grads = conv2d.backward(x, f, dy, s, p)
    assert y.shape == conv2d.output_shape(x_shape, f_shape, s, p)
    for got, want, name in ((y, y_ref, "y"), (grads.dx, dx_ref, "dx"), (grads.df, df_ref, "df"),
                            (grads.db, db_ref, "db")):
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-11, err_msg=name)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 50), st.integers(1, 9), st.integers(1, 6), st.integers(0, 5))
def test_property_output_size_is_the_number_of_windows(n, k, s, p):
    if k > n + 2 * p:
        with pytest.raises(ShapeError, match="f_shape: f's kernel of"):
            conv2d.output_shape((n, 1, 1), (k, 1, 1, 1), s, p)
        return
    o = conv2d.output_shape((n, 1, 1), (k, 1, 1, 1), s, p)[0]
    starts = [r for r in range(0, n + 2 * p) if r % s == 0 and r + k <= n + 2 * p]
    assert o == len(starts)


# ---------------------------------------------------------------------------------------------
# Bad input

X = np.ones((4, 4, 2))
F = np.ones((3, 3, 2, 3))
DY = np.ones((2, 2, 3))


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"stride": 0}, r"stride: must be at least 1, got 0"),
    ({"stride": (1, 0)}, r"stride \(cols\): must be at least 1, got 0"),
    ({"stride": -2}, r"stride: must be at least 1"),
    ({"stride": 1.5}, r"stride: expected a whole number, got 1.5"),
    ({"stride": "two"}, r"stride: expected a whole number"),
    ({"stride": (1, 2, 3)}, r"stride: expected one whole number or a \(rows, cols\) pair"),
    ({"padding": -1}, r"padding: must be at least 0, got -1"),
    ({"padding": (0, -1)}, r"padding \(cols\): must be at least 0, got -1"),
    ({"x": np.ones((2, 2, 2))}, r"^f: f's kernel of 3 rows is larger than the padded input's 2 "
                                r"rows \(x's 2 \+ 2·0 padding\); use a smaller kernel or more "
                                r"padding$"),
    ({"x": np.ones((4, 2, 2))}, r"^f: f's kernel of 3 columns is larger than the padded input's 2 "
                                r"columns"),
    ({"f": np.ones((3, 3, 1, 3))}, r"^f: f has 1 input channel \(shape \(3, 3, 1, 3\)\); it needs "
                                   r"2 input channels, one per channel of x$"),
    ({"x": np.ones((4, 4))}, r"^x: x must be 3-D \(rows, cols, channels\), got shape \(4, 4\)$"),
    ({"f": np.ones((3, 3, 2))}, r"^f: f must be 4-D \(k_rows, k_cols, c_in, c_out\)"),
    ({"b": np.ones(2)}, r"^b: b has shape \(2,\); it needs shape \(3,\) to match f's 3 filters "
                       r"\(c_out\)$"),
    ({"b": np.ones((3, 1))}, r"^b: b must be 1-D"),
    ({"x": np.full((4, 4, 2), np.nan)}, r"^x: x\[0,0,0\] is nan; every value must be a finite "
                                        r"number$"),
    ({"f": np.where(np.arange(54).reshape(3, 3, 2, 3) == 7, np.inf, 1.0)},
     r"^f: f\[0,1,0,1\] is inf"),
    ({"b": [1, -np.inf, 0]}, r"^b: b\[1\] is -inf"),
    ({"x": [[["a"]]]}, r"^x: x\[0,0,0\] is 'a', not a number; type a number there$"),
    ({"f": "filters"}, r"^f: f is 'filters', not a number"),
    ({"x": np.ones((0, 4, 2))}, r"^x: x is empty \(shape \(0, 4, 2\)\)"),
])
def test_forward_bad_input_names_the_argument(kwargs, match):
    args = {"x": X, "f": F, "b": np.zeros(3), "stride": 1, "padding": 0, **kwargs}
    with pytest.raises(ValueError, match=match):
        conv2d.forward(**args)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"dy": np.ones((2, 2, 2))}, r"^dy: δy has shape \(2, 2, 2\); it needs shape \(2, 2, 3\) "
                                 r"like y$"),
    ({"dy": np.ones((3, 3, 3))}, r"^dy: δy has shape \(3, 3, 3\); it needs shape \(2, 2, 3\)"),
    ({"dy": np.ones((2, 2, 3)), "stride": 2}, r"^dy: δy .* it needs shape \(1, 1, 3\)"),
    ({"dy": np.ones(12)}, r"^dy: δy must be 3-D"),
    ({"dy": np.full((2, 2, 3), np.inf)}, r"^dy: δy\[0,0,0\] is inf"),
    ({"dy": [[["x"]]]}, r"^dy: δy\[0,0,0\] is 'x', not a number"),
    ({"padding": -3}, r"padding: must be at least 0"),
])
def test_backward_bad_input_names_the_argument(kwargs, match):
    args = {"x": X, "f": F, "dy": DY, "stride": 1, "padding": 0, **kwargs}
    with pytest.raises(ValueError, match=match):
        conv2d.backward(**args)


def test_shape_errors_are_shape_errors():
    with pytest.raises(ShapeError):
        conv2d.forward(X, np.ones((3, 3, 1, 3)))
    with pytest.raises(ShapeError):
        conv2d.backward(X, F, np.ones((1, 1, 3)))
    with pytest.raises(ShapeError):
        conv2d.output_shape((2, 2, 1), (3, 3, 1, 1))


@pytest.mark.parametrize(("args", "match"), [
    (((20, 18), (3, 4, 5, 1)), r"^x_shape: the shape of x needs 3 whole numbers \(rows, cols, "
                               r"channels\), got 2$"),
    (((20, 18, 5), (3, 4, 5)), r"^f_shape: the shape of f needs 4 whole numbers"),
    ((20, (3, 4, 5, 1)), r"^x_shape: the shape of x needs 3 whole numbers .*, got 20$"),
    (("20,18,5", (3, 4, 5, 1)), r"^x_shape: the shape of x needs 3 whole numbers"),
    (((20, 0, 5), (3, 4, 5, 1)), r"x_shape \(cols\): must be at least 1, got 0"),
    (((20, 18, 5), (3, 4.5, 5, 1)), r"f_shape \(k_cols\): expected a whole number, got 4.5"),
    (((20, 18, 5), (3, 4, 4, 1)), r"^f_shape: f has 4 input channels \(shape \(3, 4, 4, 1\)\); "
                                  r"it needs 5 input channels, one per channel of x$"),
    (((2, 18, 5), (3, 4, 5, 1)), r"^f_shape: f's kernel of 3 rows is larger than the padded "
                                 r"input's 2 rows \(x's 2"),
    (((20, 18, 5), (3, 4, 5, 1), 0), r"stride: must be at least 1"),
    (((20, 18, 5), (3, 4, 5, 1), 1, -1), r"padding: must be at least 0"),
    (((20, 18, 5), (3, 4, 5, True)), r"f_shape \(c_out\): expected a whole number, got True"),
])
def test_output_shape_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        conv2d.output_shape(*args)


def test_backward_filter_bad_input():
    with pytest.raises(ShapeError, match="^f: f must be 4-D"):
        conv2d.backward_filter(np.ones((2, 3, 2)))
    with pytest.raises(ValueError, match=r"^f: f\[0,0,0,0\] is nan"):
        conv2d.backward_filter(np.full((1, 1, 1, 1), np.nan))


def test_too_large_is_refused_up_front_with_the_limit():
    # the input itself
    with pytest.raises(ValueError, match=f"^x: x of shape .* more than the {MAX_ELEMENTS:,} that "
                                         "can be computed interactively; use a smaller x$"):
        conv2d.forward(np.zeros((MAX_ELEMENTS + 1, 1, 1)), np.ones((1, 1, 1, 1)))
    # the output: a small input with huge padding
    with pytest.raises(ValueError, match=f"more than the {MAX_ELEMENTS:,}"):
        conv2d.forward(np.ones((1, 1, 1)), np.ones((1, 1, 1, 1)), padding=2000)
    # the im2col matrix: a 1000×1000×4 input (4,000,000 elements, allowed) with 5×5 filters
    x = np.zeros((1000, 1000, 4))
    with pytest.raises(ValueError, match=f"^x: the windows of x, one row of 100 values per output "
                                         f"cell, would hold .* more than the "
                                         f"{MAX_WORK_ELEMENTS:,}"):
        conv2d.forward(x, np.ones((5, 5, 4, 1)))
    # backward: δy dilated by stride 10 over 100 filters is 1000×1000×100
    x = np.zeros((1000, 1000, 1))
    f = np.ones((1, 1, 1, 100))
    dy = np.zeros((100, 100, 100))
    conv2d.forward(x, f, stride=10)  # the forward pass alone is fine
    with pytest.raises(ValueError, match=r"^dy: δy dilated and padded would have shape "
                                         r"\(1000, 1000, "
                                         f"100\\) = 100,000,000 elements, more than the "
                                         f"{MAX_WORK_ELEMENTS:,}"):
        conv2d.backward(x, f, dy, stride=10)


# ---------------------------------------------------------------------------------------------
# forward_backward: one im2col matrix for y and ΔF, the same numbers as forward + backward


@pytest.mark.parametrize(("x_shape", "f_shape", "stride", "padding"), [
    ((6, 7, 2), (3, 3, 2, 3), 2, 1),
    ((3, 4, 2), (1, 1, 2, 2), 1, 0),   # 1×1 kernel: the im2col matrix is a view of x
    ((5, 6, 1), (2, 3, 1, 2), (2, 1), (0, 2)),
])
def test_forward_backward_equals_forward_then_backward(x_shape, f_shape, stride, padding):
    x, f, b, dy = random_case(np.random.default_rng(12), x_shape, f_shape, stride, padding)
    y, grads = conv2d.forward_backward(x, f, b, dy, stride, padding)
    np.testing.assert_array_equal(y, conv2d.forward(x, f, b, stride, padding))
    want = conv2d.backward(x, f, dy, stride, padding)
    for name in ("dx", "df", "db"):
        np.testing.assert_array_equal(getattr(grads, name), getattr(want, name), err_msg=name)
