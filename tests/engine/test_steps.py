import threading

import numpy as np
import pytest

from engine import traces
from engine.steps import Trace, fmt, fmt_paren, label, significant_digits, step, sum_text


@pytest.mark.parametrize(("x", "text"), [
    (6.5, "6.5"), (13.0, "13"), (-0.909297, "-0.9093"), (0.0, "0"), (-0.0, "0"),
    (1.18140514, "1.181"), (1e-7, "1e-7"), (123456.0, "123456"), (123456.7, "1.235e5"),
    (1e20, "1e20"),
])
def test_fmt_writes_numbers_as_a_student_does(x, text):
    assert fmt(x) == text


def test_significant_digits_sets_fmt_and_the_steps_built_inside():
    with significant_digits(7):
        assert fmt(1.18140514) == "1.181405" and fmt_paren(-1 / 3) == "(-0.3333333)"
        with significant_digits(2):
            assert fmt(1.18140514) == "1.2"
        assert fmt(1.18140514) == "1.181405"
        trace = traces.fully_connected.solve([1.0 / 3, 2.0], [[1.0, 2.0], [3.0, 4.0]],
                                             [0.0, 0.0], [1.0, 0.0])
    assert fmt(1.18140514) == "1.181"  # restored on leaving
    assert fmt(1.18140514, 3) == "1.18"  # an explicit count wins
    first = trace.steps[0]
    # the line was written with 7 digits and keeps them when read outside the block
    assert first.digits == 7 and "0.3333333" in first.text


def test_significant_digits_are_per_thread():
    seen = {}
    with significant_digits(9):
        t = threading.Thread(target=lambda: seen.setdefault("other", fmt(1 / 3)))
        t.start()
        t.join()
        seen["here"] = fmt(1 / 3)
    assert seen == {"other": "0.3333", "here": "0.333333333"}


@pytest.mark.parametrize("bad", [0, 18, -1, 2.5, "4", True, None])
def test_significant_digits_refuses_bad_counts(bad):
    with pytest.raises(ValueError, match="digits: expected a whole number from 1 to 17"), \
            significant_digits(bad):
        pass
    assert fmt(1 / 3) == "0.3333"


def test_fmt_paren_and_label():
    assert fmt_paren(-2) == "(-2)" and fmt_paren(2) == "2"
    assert label("δx", (0,)) == "δx₀" and label("ΔW", (1, 2)) == "ΔW[1,2]" and label("L", ()) == "L"


def test_sum_text_shortens_long_sums_but_says_how_many():
    assert sum_text(["a", "b"]) == "a + b"
    long = sum_text([str(i) for i in range(20)], limit=4)
    assert long.startswith("0 + 1 + … (16 more) + 18 + 19")


def test_step_checks_its_writes_and_values():
    with pytest.raises(ValueError, match="2 writes but 1 values"):
        step("forward", "t", "f", "s", (), [("y", (0,)), ("y", (1,))], [1.0])
    with pytest.raises(ValueError, match="phase"):
        step("sideways", "t", "f", "s", (), [("y", (0,))], [1.0])


def test_replay_leaves_unwritten_elements_empty():
    steps = [step("forward", "a", "a", "", (), [("y", (0,))], [1.0]),
             step("backward", "b", "b", "", (), [("y", (1,))], [2.0])]
    t = Trace(steps, {"y": np.array([1.0, 2.0])})
    assert t.phases == {"forward": 1, "backward": 1}
    part = t.replay(1)["y"]
    assert part[0] == 1.0 and np.isnan(part[1])
    np.testing.assert_array_equal(t.replay()["y"], [1.0, 2.0])


def test_text_ends_on_the_written_values_unless_told_otherwise():
    one = step("backward", "t", "δx₀", "0 · 1 + 0.5 · 3", (), [("dx", (0,))], [1.5])
    assert one.text == "δx₀ = 0 · 1 + 0.5 · 3 = 1.5"
    many = step("backward", "t", "δx = δy · Wᵀ", "", (), [("dx", (0,)), ("dx", (1,))], [6.5, 8])
    assert many.text == "δx = δy · Wᵀ = [6.5, 8]"
    said = step("backward", "t", "δx[0..1] += 0.2", "δx[0] = 0.1 + 0.2 = 0.3; δx[1] = 0.2", (),
                [("dx", (0,)), ("dx", (1,))], [0.3, 0.2], result_text="")
    assert said.text == "δx[0..1] += 0.2 = δx[0] = 0.1 + 0.2 = 0.3; δx[1] = 0.2"
