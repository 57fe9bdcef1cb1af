"""The shared input checks: what NumPy and float() would quietly accept or crash on."""

import numpy as np
import pytest

from engine import autodiff, conv2d, lstm, pooling
from engine import fully_connected as fc
from engine.validate import as_array, as_int, as_number

W = [[1.0, 3, 5], [2, 4, 6]]
B = [1.0, 2, 3]


@pytest.mark.parametrize("value", [[True, False], [1.0, True], np.array([True, False]),
                                   np.array([1, True], dtype=object)])
def test_booleans_are_not_numbers(value):
    # np.asarray(..., float) reads True as 1.0: a checkbox value must not pass as an input.
    with pytest.raises(ValueError, match=r"^x: contains a boolean"):
        fc.forward(value, W, B)


def test_booleans_nested_deep_in_a_tensor_are_found():
    x = np.ones((3, 3, 1)).tolist()
    x[2][1][0] = False
    with pytest.raises(ValueError, match=r"^x: contains a boolean"):
        pooling.avg_forward(x, 2)
    f = np.ones((2, 2, 1, 1), dtype=object)
    f[1, 1, 0, 0] = True
    with pytest.raises(ValueError, match=r"^f: contains a boolean"):
        conv2d.forward(np.ones((3, 3, 1)), f)


def test_a_boolean_lstm_weight_names_its_key():
    n_in, n_h = 1, 1
    params = {k: np.ones((n_in, n_h)) for k in ("W_f", "W_i", "W_o", "W_c")}
    params.update({k: np.ones((n_h, n_h)) for k in ("W_fc", "W_ic", "W_oc")})
    params.update({k: np.zeros(n_h) for k in ("b_f", "b_i", "b_o", "b_c")})
    params["b_o"] = np.array([True])
    with pytest.raises(ValueError, match=r"^b_o: contains a boolean"):
        lstm.forward([[1.0]], params)


def test_integers_too_large_for_a_float_are_value_errors_naming_the_argument():
    with pytest.raises(ValueError, match=r"^x: x\[1\] is too large for a float; every value must "
                                         r"be a finite number$"):
        as_array([1, 10**400], "x")
    with pytest.raises(ValueError, match=r"^x1: got a number too large"):
        autodiff.evaluate("x1 * 2", {"x1": 10**400})
    with pytest.raises(ValueError, match=r"^stride: got a number too large"):
        as_number(10**400, "stride")


def test_whole_numbers_beyond_int64_stay_exact():
    # np.isfinite() raised TypeError on ints past 64 bits; the shape calculator takes any shape.
    assert as_int(2**70, "x_shape") == 2**70
    assert as_int(10**400, "stride", 1) == 10**400
    assert conv2d.output_shape((2**70, 3, 3), (3, 3, 3, 2)) == (2**70 - 2, 1, 2)
    assert conv2d.output_shape((5, 5, 3), (3, 3, 3, 2), stride=10**400) == (1, 1, 2)


@pytest.mark.parametrize(("value", "expected"), [(2, 2.0), (" 1.5 ", 1.5), (np.float32(0.5), 0.5),
                                                 (np.int64(-3), -3.0), (np.array(2.5), 2.5)])
def test_as_number_reads_numbers_and_numeric_text(value, expected):
    assert as_number(value, "x") == expected


@pytest.mark.parametrize(("value", "match"), [
    (True, "^x: expected a number, got True"), (np.bool_(False), "^x: expected a number"),
    (None, "^x: expected a number, got None"), ("two", "^x: expected a number, got 'two'"),
    ([1, 2], "^x: expected a number"), (float("nan"), "^x: got nan"), ("inf", "^x: got inf"),
])
def test_as_number_refuses_what_is_not_a_finite_number(value, match):
    with pytest.raises(ValueError, match=match):
        as_number(value, "x")


@pytest.mark.parametrize(("value", "match"), [
    (2.5, "^size: expected a whole number, got 2.5"), (True, "^size: expected a whole number"),
    ("nan", "^size: got nan"), (0, "^size: must be at least 1, got 0"),
])
def test_as_int_messages(value, match):
    with pytest.raises(ValueError, match=match):
        as_int(value, "size", 1)
