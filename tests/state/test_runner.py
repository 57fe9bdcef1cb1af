"""PanelState with a runner that defers solves (as the GUI's worker does), Qt-free: a fake
runner keeps the jobs and the test decides when and in what order they finish."""

import numpy as np

from engine import examples
from pnn_gui.state import GENERAL, Outcome, PanelState, solve_outcome


class FakeRunner:
    """Defers every solve; ``finish(i)`` runs job i and delivers its outcome, like the Qt
    runner's queued signal would (later, on the state's thread)."""

    def __init__(self, defer=True):
        self.defer = defer
        self.jobs = []

    def run(self, state, job, deliver):
        if not self.defer:
            return job()
        self.jobs.append((job, deliver))
        return None

    def finish(self, i):
        job, deliver = self.jobs[i]
        deliver(job())


def fc_state():
    s = PanelState("fully_connected", examples.load("fc").inputs)
    seen = []
    s.subscribe(seen.append)
    s.runner = FakeRunner()
    return s, seen


def dx_of(x, w, dy):
    return np.asarray(dy, float) @ np.asarray(w, float).T


def test_queued_solve_keeps_the_last_good_trace_until_it_arrives():
    s, seen = fc_state()
    good = s.trace
    s.set_step(s.n_steps)
    seen.clear()
    assert s.set_input("dy", [1.0, 2.0, 3.0]) is True  # queued: True, pending
    assert s.pending and seen == ["busy"]
    assert s.trace is good and s.inputs["dy"] == [1.0, 2.0, 3.0]  # typed value kept
    s.runner.finish(0)
    assert not s.pending and seen == ["busy", "trace"]
    np.testing.assert_allclose(s.trace.tensors["dx"],
                               dx_of(s.inputs["x"], s.inputs["w"], [1, 2, 3]))
    assert s.step == s.n_steps  # was at the end, stays at the end


def test_stale_outcome_is_dropped_only_the_newest_applies():
    s, seen = fc_state()
    s.set_input("dy", [1.0, 0.0, 0.0])
    job0, deliver0 = s.runner.jobs[0]
    old = job0()  # the first solve ran (on the worker) before the user typed again
    assert old.trace is not None
    s.set_input("dy", [0.0, 0.0, 5.0])
    assert s.pending
    s.runner.finish(1)  # the newer one is delivered first
    newest = s.trace
    np.testing.assert_allclose(newest.tensors["dy"], [0, 0, 5])
    deliver0(old)  # the older one arrives late: dropped
    assert s.trace is newest and not s.pending
    assert seen == ["busy", "busy", "trace"]


def test_stale_outcome_arriving_first_is_dropped_and_the_wait_goes_on():
    s, seen = fc_state()
    before = s.trace
    s.set_input("dy", [1.0, 0.0, 0.0])
    job0, deliver0 = s.runner.jobs[0]
    old = job0()
    s.set_input("dy", [0.0, 0.0, 5.0])
    deliver0(old)
    assert s.trace is before and s.pending and seen == ["busy", "busy"]
    s.runner.finish(1)
    np.testing.assert_allclose(s.trace.tensors["dy"], [0, 0, 5])


def test_older_outcome_arriving_first_does_not_end_the_wait():
    s, _ = fc_state()
    s.set_input("dy", [1.0, 0.0, 0.0])
    s.set_input("dy", [0.0, 0.0, 5.0])
    before = s.trace
    s.runner.finish(0)  # stale
    assert s.pending and s.trace is before
    s.runner.finish(1)
    assert not s.pending
    np.testing.assert_allclose(s.trace.tensors["dy"], [0, 0, 5])


def test_error_after_success_routes_to_the_field():
    s, seen = fc_state()
    s.set_input("dy", [1.0, 1.0, 1.0])
    s.runner.finish(0)
    good = s.trace
    assert s.set_input("x", [1.0, 2.0, 3.0]) is True  # not known to be wrong yet
    s.runner.finish(1)
    assert set(s.errors) == {"x"} and s.errors["x"].startswith("x: x has shape (3,); it needs "
                                                                "shape (2,)")
    assert s.trace is good  # last good result stays
    assert seen == ["busy", "trace", "busy", "errors"]


def test_success_after_error_clears_the_error():
    s, seen = fc_state()
    s.set_input("x", [1.0, 2.0, 3.0])
    s.runner.finish(0)
    assert "x" in s.errors
    s.set_input("x", [2.0, -1.0])
    assert "x" in s.errors  # shown until the new outcome arrives
    s.runner.finish(1)
    assert s.errors == {}
    assert seen[-2:] == ["errors", "trace"]
    np.testing.assert_allclose(s.trace.tensors["x"], [2, -1])


def test_a_solve_at_once_makes_a_running_one_stale():
    s, _ = fc_state()
    s.set_input("dy", [9.0, 9.0, 9.0])  # queued
    s.runner.defer = False
    assert s.set_input("dy", [1.0, 0.0, 0.0]) is True  # at once
    assert not s.pending
    s.runner.finish(0)  # the queued one comes back late: dropped
    np.testing.assert_allclose(s.trace.tensors["dy"], [1, 0, 0])


def test_queued_reset_clears_the_old_kind_then_takes_the_new():
    s, seen = fc_state()
    conv = examples.load("conv")
    assert s.reset(conv.kind, conv.inputs) is True
    assert s.pending and s.trace is None and s.kind == conv.kind
    assert seen == ["errors", "trace", "busy"]
    s.runner.finish(0)
    assert s.trace is not None and s.n_steps > 0 and s.step == 0  # a new kind: from 0
    np.testing.assert_allclose(s.trace.tensors["y"], examples.solve(conv.kind,
                                                                   conv.inputs).tensors["y"])


def test_queued_failing_reset_names_the_field():
    s, seen = fc_state()
    s.reset("conv2d_filter", {"f": [[1, 2], [3, 4]]})
    s.runner.finish(0)
    assert s.trace is None and not s.pending
    assert set(s.errors) <= {"f", GENERAL} and s.errors
    assert seen[-2:] == ["errors", "trace"]


def test_solve_outcome_and_work_size():
    out = solve_outcome("fully_connected", examples.load("fc").inputs)
    assert out.error is None and len(out.trace) == 14 and out.seconds >= 0
    bad = solve_outcome("fully_connected", {**examples.load("fc").inputs, "x": [1, 2, 3]})
    assert bad.trace is None and bad.error.startswith("x:")
    s, _ = fc_state()
    # x (2,), W (2, 3), b (3,), dy (3,)
    assert s.work_size() == 2 + 6 + 3 + 3
    s.inputs = {"a": np.zeros((4, 5)), "p": {"w": np.zeros(3), "u": [[1, 2], [3, 4]]}, "t": "x"}
    assert s.work_size() == 20 + 3 + 4


def test_a_job_outcome_is_what_the_runner_delivers():
    """The state hands the runner a job that solves the inputs as they were when queued."""
    s, _ = fc_state()
    s.set_input("dy", [1.0, 2.0, 3.0])
    s.inputs["dy"] = [7.0, 7.0, 7.0]  # changing the dict afterwards does not reach the job
    job, _ = s.runner.jobs[0]
    out = job()
    assert isinstance(out, Outcome)
    np.testing.assert_allclose(out.trace.tensors["dy"], [1, 2, 3])


def test_a_job_already_stale_when_its_turn_comes_does_no_work(monkeypatch):
    from pnn_gui import state as state_module

    s, seen = fc_state()
    calls = []
    real = state_module.solve_outcome
    monkeypatch.setattr(state_module, "solve_outcome",
                        lambda kind, inputs, digits: calls.append(kind)
                        or real(kind, inputs, digits))
    s.set_input("dy", [1.0, 0.0, 0.0])
    s.set_input("dy", [0.0, 0.0, 5.0])
    s.runner.finish(0)  # its turn comes after the second edit: skipped, dropped
    assert calls == [] and s.pending
    s.runner.finish(1)
    assert calls == ["fully_connected"] and not s.pending
    np.testing.assert_allclose(s.trace.tensors["dy"], [0, 0, 5])
    assert seen == ["busy", "busy", "trace"]
