"""What a user reads when an input is refused: one test per kind of message, in full.

Every message starts with the field's key (``w:``, ``dy:``, ``x_shape:``; the GUI puts it beside
that field) and then uses the names on screen (W, δy, c₀, x), numbers elements as the tables do
(from 0: ``W[0,1]``) and says what is needed.
"""

import re

import numpy as np
import pytest

from engine import conv2d, examples, lstm, pooling, traces
from engine import fully_connected as fc

W = [[1.0, 3, 5], [2, 4, 6]]
B = [1.0, 2, 3]


def message(call) -> str:
    with pytest.raises(ValueError) as info:
        call()
    return str(info.value)


def lstm_params(n_in=2, n_h=2, **changed):
    out = {k: np.zeros((n_h,) if k.startswith("b_") else (n_h, n_h) if k in ("W_fc", "W_ic", "W_oc")
                       else (n_in, n_h)) for k in lstm.PARAM_KEYS}
    out.update(changed)
    return out


# -- a table that is not a table of numbers ---------------------------------------------------

def test_ragged_rows_say_which_row_and_how_long():
    # NumPy would say "setting an array element with a sequence… inhomogeneous" (cut at 80)
    assert message(lambda: fc.forward([1, 2], [[1, 2], [3, 4, 5]], B)) == (
        "w: rows have different lengths (row 1 has 3 numbers, row 0 has 2); every row needs the "
        "same number of values")


def test_a_ragged_tensor_names_the_element_where_it_breaks():
    assert message(lambda: conv2d.forward([[[1], [2]], [[3], [4, 5]]], [[[[1]]]])) == (
        "x: x[1,1] has length 2 where x[1,0] has length 1; every row must have the same shape")
    assert message(lambda: fc.forward([1, 2], [[1, 2], 3], B)) == (
        "w: W[1] is a number where W[0] is a list; every row must have the same shape")


def test_text_that_is_not_a_number_is_named_by_its_cell():
    assert message(lambda: fc.forward([1, 2], [[1, "a", 3], [1, 2, 3]], B)) == (
        "w: W[0,1] is 'a', not a number; type a number there")


def test_an_empty_cell_from_a_file_is_not_called_nan():
    assert message(lambda: fc.forward([1, 2], [[1, 2, 3], [None, 2, 3]], B)) == (
        "w: W[1,0] is empty (null); type a number there")


def test_nan_and_inf_are_named_by_their_cell():
    assert message(lambda: fc.forward([1, 2], [[1, np.nan, 3], [1, 2, 3]], B)) == (
        "w: W[0,1] is nan; every value must be a finite number")
    assert message(lambda: lstm.forward([[0.0, 0.0]], lstm_params(), [0.0, -np.inf])) == (
        "c0: c₀[1] is -inf; every value must be a finite number")


def test_a_number_too_large_for_a_float():
    assert message(lambda: fc.forward([1, 10**400], W, B)) == (
        "x: x[1] is too large for a float; every value must be a finite number")


def test_true_and_false_are_not_numbers():
    assert message(lambda: fc.forward([1, True], W, B)) == (
        "x: contains a boolean (True/False); every value must be a number")


# -- shapes -----------------------------------------------------------------------------------

def test_wrong_number_of_axes():
    assert message(lambda: fc.forward([1, 2], [1, 2], B)) == (
        "w: W must be 2-D (n_in, n_out), got shape (2,)")
    assert message(lambda: lstm.forward([1.0, 2.0], lstm_params())) == (
        "xs: x must be 2-D (T, n_in): one row per time step, got shape (2,)")


def test_empty_tensor():
    assert message(lambda: pooling.avg_forward(np.zeros((0, 3, 1)), 1)) == (
        "x: x is empty (shape (0, 3, 1)); it needs at least one value along every axis")


def test_a_shape_that_does_not_match_says_what_it_needs_and_why():
    assert message(lambda: fc.forward([1, 2, 3], W, B)) == (
        "x: x has shape (3,); it needs shape (2,) to match W's 2 rows (n_in)")
    assert message(lambda: fc.forward([1, 2], W, [1, 2])) == (
        "b: b has shape (2,); it needs shape (3,) to match W's 3 columns (n_out)")


def test_a_shape_free_on_one_axis_says_only_the_fixed_size_never_any():
    assert message(lambda: fc.forward([[1, 2, 3]], W, B)) == (
        "x: x has shape (1, 3); it needs 2 columns to match W's 2 rows (n_in)")
    assert message(lambda: lstm.forward(np.zeros((3, 2)), lstm_params(W_f=np.zeros((3, 2))))) == (
        "W_f: W_f has shape (3, 2); it needs 2 rows to match x's 2 columns (n_in)")


def test_deltas_are_called_as_on_screen():
    assert message(lambda: fc.backward([1, 2], W, [1, 2])) == (
        "dy: δy has shape (2,); it needs shape (3,) like y")
    run = lstm.forward(np.zeros((3, 2)), lstm_params())
    assert message(lambda: lstm.backward(run, np.zeros((2, 2)))) == (
        "dh: δh has shape (2, 2); it needs shape (3, 2) (T, n_h): one row per time step, like h")


def test_lstm_parameters_name_where_their_sizes_come_from():
    assert message(lambda: lstm.forward(np.zeros((3, 2)), lstm_params(W_ic=np.zeros((2, 3))))) == (
        "W_ic: W_ic has shape (2, 3); it needs shape (2, 2) (n_h, n_h), with n_h = 2, the columns "
        "of W_f")
    assert message(lambda: lstm.forward(np.zeros((3, 2)), lstm_params(), [0.0] * 3)) == (
        "c0: c₀ has shape (3,); it needs shape (2,) to match W_f's 2 columns (n_h, the units)")
    params = lstm_params()
    del params["b_c"]
    assert message(lambda: lstm.forward(np.zeros((3, 2)), params)) == (
        "b_c: b_c is missing; the LSTM needs W_f, W_fc, b_f, W_i, W_ic, b_i, W_o, W_oc, b_o, W_c, "
        "b_c")


def test_conv_channels_and_kernel_in_both_modes_name_x_and_f():
    x, f = np.zeros((4, 4, 1)), np.zeros((3, 3, 2, 2))
    assert message(lambda: conv2d.forward(x, f)) == (
        "f: f has 2 input channels (shape (3, 3, 2, 2)); it needs 1 input channel, one per "
        "channel of x")
    assert message(lambda: conv2d.output_shape((4, 4, 1), (3, 3, 2, 2))) == (
        "f_shape: f has 2 input channels (shape (3, 3, 2, 2)); it needs 1 input channel, one per "
        "channel of x")
    assert message(lambda: conv2d.output_shape((4, 4, 1), (3, 9, 1, 1), 1, 2)) == (
        "f_shape: f's kernel of 9 columns is larger than the padded input's 8 columns (x's 4 + "
        "2·2 padding); use a smaller kernel or more padding")


def test_a_typed_shape():
    assert message(lambda: conv2d.output_shape((4, 4), (3, 3, 1, 1))) == (
        "x_shape: the shape of x needs 3 whole numbers (rows, cols, channels), got 2")
    assert message(lambda: pooling.avg_backward((4, 0, 1), np.ones((2, 2, 1)), 2)) == (
        "x_shape (cols): must be at least 1, got 0")


def test_a_pooling_window_larger_than_x():
    assert message(lambda: pooling.avg_forward(np.zeros((4, 4, 1)), (2, 5))) == (
        "size (cols): the window's 5 columns do not fit in x's 4 columns (x has shape (4, 4, 1)); "
        "use a window of at most 4 columns")


def test_stride_and_padding():
    assert message(lambda: conv2d.forward(np.zeros((4, 4, 1)), np.zeros((3, 3, 1, 1)), stride=0)) \
        == "stride: must be at least 1, got 0"
    assert message(lambda: pooling.avg_forward(np.zeros((4, 4, 1)), 2, (1, 2, 3))) == (
        "stride: expected one whole number or a (rows, cols) pair, got 3 values")


# -- sizes ------------------------------------------------------------------------------------

def test_too_large_to_compute_says_what_to_make_smaller():
    assert message(lambda: pooling.avg_forward(np.zeros((2001, 2001, 1)), 2)) == (
        "x: x of shape (2001, 2001, 1) has 4,004,001 elements, more than the 4,000,000 that can "
        "be computed interactively; use a smaller x")
    assert message(lambda: conv2d.forward(np.zeros((1000, 1000, 4)), np.ones((5, 5, 4, 1)))) == (
        "x: the windows of x, one row of 100 values per output cell, would hold 99,201,600 "
        "values, more than the 50,000,000 that can be computed interactively; use a smaller x "
        "or kernel, or a larger stride")


def test_too_large_to_step_through_says_what_to_make_smaller():
    assert message(lambda: traces.fully_connected.solve(np.ones(2000), np.ones((2000, 200)),
                                                        np.ones(200), np.ones(200))) == (
        "x: a worked solution for 1 row(s) and W of shape (2000, 200) would write 402,400 "
        "values, more than the 300,000 that can be stepped through; use fewer rows or a smaller W")
    assert message(lambda: traces.conv2d.solve_filter(np.zeros((3, 3, 256, 256)))) == (
        "f: f of shape (3, 3, 256, 256) is too large to show step by step (2,359,296 element "
        "references, more than 1,000,000); use fewer channels or filters")


# -- an example or session file ---------------------------------------------------------------

def test_a_file_with_a_missing_or_unknown_input():
    inputs = examples.load("fc").inputs
    assert message(lambda: examples.solve("fully_connected", {**inputs, "q": 1})) == (
        "inputs: unknown input 'q'; a fully_connected example takes x, W, b, δy")
    del inputs["w"]
    assert message(lambda: examples.solve("fully_connected", inputs)) == (
        "w: W is missing; a fully_connected example needs x, W, b, δy")


# -- no internal names, anywhere --------------------------------------------------------------

X3, F4 = np.zeros((4, 4, 1)), np.zeros((3, 3, 1, 2))
BAD = [
    lambda: fc.forward([1, 2], [[1, 2], [3, 4, 5]], B),
    lambda: fc.forward([[1, 2], [3]], W, B),
    lambda: fc.forward([1, 2], [[1, "a", 3], [1, 2, 3]], B),
    lambda: fc.forward([[1, 2, 3]], W, B),
    lambda: fc.backward([[1, 2]], W, [[1, 2]]),
    lambda: fc.forward(np.zeros((1, 1, 2)), W, B),
    lambda: conv2d.forward(X3, np.zeros((3, 3, 2, 2))),
    lambda: conv2d.backward(X3, F4, np.zeros((3, 3, 2))),
    lambda: conv2d.output_shape((4, 4, 1), (3, 3, 2, 1)),
    lambda: conv2d.output_shape((4, 4, 1), (9, 3, 1, 1)),
    lambda: conv2d.output_shape("abc", (3, 3, 1, 1)),
    lambda: conv2d.backward(np.zeros((1000, 1000, 1)), np.ones((1, 1, 1, 100)),
                            np.zeros((100, 100, 100)), stride=10),
    lambda: traces.conv2d.solve(np.zeros((60, 60, 8)), np.zeros((3, 3, 8, 16)), None,
                                np.zeros((58, 58, 16))),
    lambda: pooling.avg_backward((4, 4, 1), np.zeros((3, 3, 1)), 2),
    lambda: pooling.max_forward([[[1], [2]], [[3]]], 1),
    lambda: traces.pooling.solve_avg(np.zeros((200, 200, 3)), 2, 2, np.zeros((100, 100, 3))),
    lambda: lstm.forward(np.zeros((3, 2)), lstm_params(W_f=np.zeros((3, 2)))),
    lambda: lstm.forward(np.zeros((3, 2)), lstm_params(b_o=[[0.0, "x"]])),
    lambda: traces.lstm.solve(np.zeros((3, 2)), lstm_params(), None, np.zeros((2, 2))),
    lambda: examples.solve("conv2d", {"x": X3}),
]
INTERNAL = re.compile(r"\bw\[|\bw's|\bdy\b|\bdh\b|\bxs\b|\bc0\b|f_shape|x_shape|\(any|any\)"
                      r"|conv2d\.|backward_filter|lstm\.|im2col|solve\(|setting an array"
                      r"|inhomogeneous|could not convert|\.\.\.$")


@pytest.mark.parametrize("call", BAD)
def test_no_message_uses_an_internal_name(call):
    text = message(call)
    key, _, words = text.partition(": ")
    assert re.fullmatch(r"[A-Za-z_][A-Za-z_0-9]*( \([a-z_]+\))?", key), text  # the field key
    assert not INTERNAL.search(words), text
