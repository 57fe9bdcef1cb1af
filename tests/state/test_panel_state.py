"""PanelState is Qt-free (run again by tests/run_without_qt.py) and keeps everything typed."""

import numpy as np

from engine import examples
from pnn_gui.state import GENERAL, PanelState, field_of


def fc_state():
    return PanelState("fully_connected", examples.load("fc").inputs)


def test_starts_computed_at_step_0():
    """Step 0 shows the inputs only: no answer is shown before the student has thought."""
    s = fc_state()
    assert s.errors == {} and s.trace is not None
    assert s.step == 0 and s.n_steps == 14
    np.testing.assert_array_equal(s.trace.tensors["dx"], [6.5, 8])


def test_bad_edit_keeps_the_value_and_the_last_good_result():
    s = fc_state()
    seen = []
    s.subscribe(seen.append)
    assert not s.set_input("x", [1, 2, 3])
    assert set(s.errors) == {"x"} and "it needs shape (2,)" in s.errors["x"]
    assert s.inputs["x"] == [1, 2, 3]  # what was typed is kept
    np.testing.assert_array_equal(s.trace.tensors["dx"], [6.5, 8])  # last good result
    assert seen == ["errors"]
    # fixing the other side of the mismatch computes with both new values
    assert s.set_input("w", [[1, 3, 5], [2, 4, 6], [1, 1, 1]])
    assert s.errors == {}
    np.testing.assert_array_equal(s.trace.tensors["dx"], [6.5, 8, 1.5])
    assert seen[-2:] == ["errors", "trace"]


def test_step_is_clamped_and_kept_across_edits():
    s = fc_state()
    s.set_step(5)
    assert s.step == 5 and s.current_step().title == "δx₁"
    s.set_input("dy", [1, 1, 1])
    assert s.step == 5  # same number of steps: the student stays where they were
    s.set_step(99)
    assert s.step == 14
    assert not s.set_input("x", [[1, 2], [3, 4]])  # a batch needs a batch of δy
    assert list(s.errors) == ["dy"]
    assert s.set_input("dy", [[1, 1, 1], [0, 0, 1]])  # more steps; at the end stays at the end
    assert s.n_steps > 14 and s.step == s.n_steps
    s.set_step(-3)
    assert s.step == 0 and s.current_step() is None


def test_field_of_reads_the_leading_name():
    assert field_of("x: expected shape") == "x"
    assert field_of("stride (rows): must be at least 1") == "stride"
    assert field_of("something odd happened") == GENERAL
    assert field_of("zz: nope", fields={"x": 1}) == GENERAL


def test_unknown_field_goes_to_general():
    s = fc_state()
    assert not s.set_inputs({"x": "abc"})
    assert "x" in s.errors
    s2 = PanelState("fully_connected", {"x": [1, 2]})  # missing inputs
    assert s2.trace is None and GENERAL in s2.errors and "W is missing" in s2.errors[GENERAL]


def test_reset_switches_kind_and_starts_over():
    s = fc_state()
    s.set_step(3)
    seen = []
    s.subscribe(seen.append)
    conv = examples.load("conv-filter")
    assert s.reset(conv.kind, conv.inputs)
    assert s.kind == conv.kind and s.errors == {}
    assert s.trace is not None and s.n_steps > 0 and s.step == 0  # the new trace, from 0
    assert set(s.trace.tensors) >= {"f", "f_back"}
    assert seen == ["errors", "trace"]


def test_failed_reset_leaves_no_trace_of_the_old_kind():
    s = fc_state()
    seen = []
    s.subscribe(seen.append)
    assert not s.reset("conv2d_filter", {"f": [[1, 2], [3, 4]]})  # f must be 4-D
    assert s.trace is None and s.n_steps == 0 and s.step == 0 and s.current_step() is None
    assert list(s.errors) == ["f"] and s.errors["f"].startswith("f:")
    assert s.inputs == {"f": [[1, 2], [3, 4]]}  # what was typed is kept
    assert seen == ["errors", "trace"]  # listeners hear the trace went (pane and player clear)
    # fixing it computes from scratch, from step 0
    assert s.set_input("f", np.ones((2, 2, 1, 1)))
    assert s.trace is not None and s.n_steps > 0 and s.step == 0 and s.errors == {}


def test_set_digits_rewrites_the_formulas_and_keeps_the_step():
    s, seen = fc_state(), []
    s.subscribe(seen.append)
    s.set_input("x", [1 / 3, 2.0])
    s.set_step(4)
    before = s.trace.tensors
    assert s.set_digits(6)
    assert s.digits == 6 and s.step == 4
    assert "0.333333 ·" in s.trace.steps[0].substituted
    for name, value in before.items():  # the numbers themselves are the same
        np.testing.assert_array_equal(s.trace.tensors[name], value)
    seen.clear()
    assert s.set_digits(6) and seen == []  # no change, no recompute


def test_set_digits_refuses_a_bad_count_and_changes_nothing():
    s = fc_state()
    trace = s.trace
    for bad in (0, 40, "6"):
        try:
            s.set_digits(bad)
        except ValueError as exc:
            assert str(exc).startswith("digits:")
        else:
            raise AssertionError(f"{bad!r} accepted")
    assert s.digits == 4 and s.trace is trace


def test_state_counts_edits_not_resets_or_precision():
    s = PanelState("fully_connected", examples.load("fc").inputs)
    assert s.edits == 0
    s.set_input("dy", [1, 1, 1])
    s.set_inputs({"dy": [1, 2, 1]})
    assert s.edits == 2
    s.set_digits(6)
    s.reset("conv2d_filter", examples.load("conv-filter").inputs)
    assert s.edits == 2
