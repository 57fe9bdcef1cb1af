import numpy as np
import pytest

from engine.steps import Trace, fmt, fmt_paren, label, step, sum_text


@pytest.mark.parametrize(("x", "text"), [
    (6.5, "6.5"), (13.0, "13"), (-0.909297, "-0.9093"), (0.0, "0"), (-0.0, "0"),
    (1.18140514, "1.181"), (1e-7, "1e-7"), (123456.0, "123456"), (123456.7, "1.235e5"),
    (1e20, "1e20"),
])
def test_fmt_writes_numbers_as_a_student_does(x, text):
    assert fmt(x) == text


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
