"""TraceCursor (Qt-free) gives exactly Trace.replay(k) for any k in any order: single steps,
spans applied at once (a jump after an edit) and checkpoints going back; ``tensors_at(k)`` is
every tensor a panel draws at step k."""

import numpy as np
import pytest

from engine import conv2d, examples, lstm, traces
from pnn_gui.trace_cursor import CHECKPOINT, StepTally, TraceCursor


def _check(trace, order):
    cursor = TraceCursor(trace)
    for k in order:
        got, want = cursor.at(int(k)), trace.replay(int(k))
        assert set(got) == set(want)
        for name in want:
            np.testing.assert_array_equal(got[name], want[name], err_msg=f"{name} at {k}")
        every = cursor.tensors_at(int(k))  # the inputs as given, the written ones so far
        assert set(every) == set(trace.tensors)
        for name, arr in every.items():
            np.testing.assert_array_equal(arr, want.get(name, trace.tensors[name]),
                                          err_msg=f"{name} at {k}")


@pytest.mark.parametrize("name", examples.NAMES)
def test_every_example_any_order(name):
    trace = examples.load(name).solve()
    n = len(trace)
    rng = np.random.default_rng(len(name))
    _check(trace, [n, 0, n, 1, 2, n - 1, n // 2, *rng.integers(0, n + 1, 12), n])


def _random_conv(rng):
    x, f = rng.normal(size=(5, 4, 2)), rng.normal(size=(3, 2, 2, 3))
    dy = rng.normal(size=conv2d.output_shape(x.shape, f.shape, (2, 1), (1, 0)))
    return traces.conv2d.solve(x, f, rng.normal(size=3), dy, (2, 1), (1, 0))


def test_a_conv_trace_any_order():
    rng = np.random.default_rng(7)
    trace = _random_conv(rng)
    _check(trace, [len(trace), 3, 0, 70, 69, 150, 1, *rng.integers(0, len(trace) + 1, 20)])


def test_step_tally_matches_a_plain_count_in_any_order():
    rng = np.random.default_rng(7)
    trace = _random_conv(rng)
    shape = trace.tensors["x"].shape

    def count_dx(step, arr):
        for name, idx in step.writes:
            if name == "dx":
                arr[idx] += 1

    tally = StepTally(trace, np.zeros(shape), count_dx)
    for k in [len(trace), 3, 0, 70, 69, 150, 1, *rng.integers(0, len(trace) + 1, 20)]:
        want = np.zeros(shape)
        for step in trace.steps[:int(k)]:
            count_dx(step, want)
        np.testing.assert_array_equal(tally.at(int(k)), want, err_msg=f"at {k}")


def test_overlapping_writes_the_last_one_wins():
    # average pooling, 2x2 window, stride 1: δx elements are written by up to four steps
    rng = np.random.default_rng(0)
    x, dy = rng.normal(size=(5, 5, 1)), rng.normal(size=(4, 4, 1))
    trace = traces.pooling.solve_avg(x, 2, 1, dy)
    writes = [ref for s in trace.steps for ref in s.writes]
    assert len(writes) > len(set(writes))  # the same element written more than once
    n = len(trace)
    _check(trace, [n, 5, n - 1, 0, 17, n])


def test_long_trace_across_checkpoints():
    rng = np.random.default_rng(1)
    T, n_in, n_h = 12, 3, 5
    params = {k: rng.normal(size=(n_h,) if k.startswith("b_") else
                            (n_h, n_h) if k.endswith("c") and k != "W_c" else (n_in, n_h)) * 0.5
              for k in lstm.PARAM_KEYS}
    trace = traces.lstm.solve(rng.normal(size=(T, n_in)), params, np.zeros(n_h),
                       rng.normal(size=(T, n_h)))
    n = len(trace)
    assert n > 3 * CHECKPOINT
    _check(trace, [n, CHECKPOINT + 1, CHECKPOINT, CHECKPOINT - 1, 2 * CHECKPOINT + 5,
                   n - 1, n - 2, 3, n])


def test_the_last_step_is_the_traces_own_tensors():
    trace = examples.load("fc").solve()
    assert TraceCursor(trace).tensors_at(len(trace)) is trace.tensors


def test_the_step_before_leaves_what_was_drawn_intact():
    """A panel drawing step k asks for k − 1 too (the state before an animated step): what it
    got for k must not change under it."""
    trace = examples.load("avgpool").solve()
    cursor = TraceCursor(trace)
    for k in range(1, len(trace)):
        now = cursor.tensors_at(k)
        before = cursor.tensors_at(k - 1)
        np.testing.assert_array_equal(now["dx"], trace.replay(k)["dx"], err_msg=f"at {k}")
        np.testing.assert_array_equal(before["dx"], trace.replay(k - 1)["dx"])
