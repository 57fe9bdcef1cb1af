import math

import numpy as np
import pytest

from engine import autodiff, gradcheck


def test_central_differences_of_a_function_of_an_array():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    grad = gradcheck.central_differences(lambda a: float(np.sum(a ** 3) + a[0, 1] * a[1, 0]), x)
    want = 3 * x ** 2
    want[0, 1] += x[1, 0]
    want[1, 0] += x[0, 1]
    np.testing.assert_allclose(grad, want, rtol=1e-8)
    np.testing.assert_array_equal(x, [[1.0, -2.0], [0.5, 3.0]])  # x is left as it was


def test_the_step_grows_with_x():
    # relative to |x|: an absolute 1e-6 at x = 1e8 would be lost to rounding
    assert gradcheck.difference(lambda v: v * v, 1e8) == pytest.approx(2e8, rel=1e-6)
    assert gradcheck.difference(math.sin, 0.0) == pytest.approx(1.0, rel=1e-10)


def test_outside_the_domain_the_value_error_is_passed_on():
    with pytest.raises(ValueError, match="log of"):
        gradcheck.central_differences(
            lambda a: autodiff.evaluate("log(x1)", {"x1": a[0]}).value, [0.0])


def test_by_name_through_the_engine_and_a_message_where_undefined():
    def loss(expression):
        return lambda values: autodiff.evaluate(expression, values).value

    out = gradcheck.central_differences_by_name(loss("x1**3 + sqrt(x2)"), {"x1": 2.0, "x2": 4.0})
    assert out["x1"] == pytest.approx(12.0, rel=1e-8)
    assert out["x2"] == pytest.approx(0.25, rel=1e-8)
    out = gradcheck.central_differences_by_name(loss("log(x1) + x2"), {"x1": 1e-7, "x2": 1.0})
    assert out["x1"].startswith("not defined at x ± h (expression: ")
    assert out["x2"] == pytest.approx(1.0, rel=1e-8)
