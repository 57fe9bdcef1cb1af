"""Large solves on a worker thread (pnn_gui.compute.QtRunner) with the real Qt runner: the
outcome arrives on the GUI thread, only the newest input applies, errors go beside their field,
the window says "computing…" meanwhile and stays usable, and closing while a solve runs is safe.
Nothing here is timed: every wait is for a result (qtbot.waitUntil)."""

import threading

import numpy as np
import pytest

from engine import examples
from pnn_gui import compute, dialogs
from pnn_gui import main_window as mw
from pnn_gui import state as state_module
from pnn_gui.panels import PANELS
from pnn_gui.state import PanelState

FC = "Fully connected"
ONLY_FC = PANELS[:1]
N = 110  # x (110,), W (110, 110): 12,430 input elements >= compute.BIG_ELEMENTS


def big_fc(seed, n=N):
    rng = np.random.default_rng(seed)
    return {"x": rng.normal(size=n), "w": rng.normal(size=(n, n)), "b": rng.normal(size=n),
            "dy": rng.normal(size=n)}


def expected(inp):
    return inp["x"] @ inp["w"] + inp["b"], inp["dy"] @ inp["w"].T


@pytest.fixture
def runner(qtbot):
    r = compute.QtRunner()
    yield r
    r.shutdown()


def test_big_inputs_go_to_a_worker_small_ones_do_not(runner):
    s = PanelState("fully_connected", examples.load("fc").inputs)
    assert not runner.wants_worker(s)
    s.inputs = big_fc(0)
    assert s.work_size() >= compute.BIG_ELEMENTS and runner.wants_worker(s)
    s.inputs = examples.load("fc").inputs
    s.last_seconds = 2 * compute.SLOW_SECONDS  # small but slow last time
    assert runner.wants_worker(s)


def test_small_edit_is_applied_at_once(runner):
    s = PanelState("fully_connected", examples.load("fc").inputs)
    s.runner = runner
    assert s.set_input("dy", [1.0, 0.0, 0.0]) and not s.pending and not runner.busy
    np.testing.assert_allclose(s.trace.tensors["dy"], [1, 0, 0])


def test_big_solve_arrives_on_the_gui_thread(qtbot, runner):
    s = PanelState("fully_connected", examples.load("fc").inputs)
    s.runner = runner
    threads = []
    s.subscribe(lambda what: threads.append((what, threading.current_thread())))
    good = s.trace
    inp = big_fc(1)
    assert s.set_inputs(inp, replace=True) is True
    assert s.pending and runner.busy and s.trace is good
    qtbot.waitUntil(lambda: not s.pending, timeout=20000)
    assert not runner.busy
    y, dx = expected(inp)
    np.testing.assert_allclose(s.trace.tensors["y"], y)
    np.testing.assert_allclose(s.trace.tensors["dx"], dx)
    assert [w for w, _ in threads] == ["busy", "trace"]
    assert all(t is threading.main_thread() for _, t in threads)


def test_two_quick_edits_only_the_second_applies(qtbot, runner):
    s = PanelState("fully_connected", examples.load("fc").inputs)
    s.runner = runner
    seen = []
    s.subscribe(seen.append)
    first, second = big_fc(2), big_fc(3)
    s.set_inputs(first, replace=True)
    s.set_inputs(second, replace=True)  # before the first came back (no event loop between)
    qtbot.waitUntil(lambda: not s.pending and not runner.busy, timeout=20000)
    np.testing.assert_allclose(s.trace.tensors["y"], expected(second)[0])
    assert seen.count("trace") == 1  # the first outcome was dropped, never shown


def test_worker_error_goes_beside_the_field_and_keeps_the_trace(qtbot, runner):
    s = PanelState("fully_connected", examples.load("fc").inputs)
    s.runner = runner
    good = big_fc(4)
    s.set_inputs(good, replace=True)
    qtbot.waitUntil(lambda: not s.pending, timeout=20000)
    shown = s.trace
    s.set_input("x", np.ones(N + 1))  # x no longer matches W
    qtbot.waitUntil(lambda: not s.pending, timeout=20000)
    assert set(s.errors) == {"x"} and s.errors["x"].startswith("x: x has shape")
    assert s.trace is shown
    s.set_input("x", good["x"] * 2)  # success after the error
    qtbot.waitUntil(lambda: not s.pending, timeout=20000)
    assert s.errors == {}
    np.testing.assert_allclose(s.trace.tensors["y"], (2 * good["x"]) @ good["w"] + good["b"])


# -- in the window ----------------------------------------------------------------------------
@pytest.fixture
def window(qtbot, monkeypatch):
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda parent: "discard")
    w = mw.MainWindow(panels=ONLY_FC, settings=False)
    qtbot.addWidget(w)
    w.set_animations_enabled(False)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def gate(monkeypatch):
    """Solves on a worker wait until the test opens the gate (so the test sees the window while
    a solve is surely still running); solves on the GUI thread pass straight through."""
    opened = threading.Event()
    real = state_module.solve_outcome

    def gated(kind, inputs, digits):
        if threading.current_thread() is not threading.main_thread():
            assert opened.wait(30), "the test never opened the gate"
        return real(kind, inputs, digits)

    monkeypatch.setattr(state_module, "solve_outcome", gated)
    yield opened
    opened.set()


def test_window_says_computing_and_stays_usable_meanwhile(qtbot, window, gate):
    panel = window.panel(FC)
    old = panel.state.trace
    inp = big_fc(5)
    panel.state.set_inputs(inp, replace=True)  # what a large paste does
    assert panel.state.pending
    assert "computing" in window.status_line.text()
    assert window.is_dirty()  # typed, not yet computed: closing would still ask
    # the GUI thread is free: the player steps through the last good trace and it repaints
    window.player.first_button.click()
    assert panel.state.step == 0 and window.player.text().startswith("step 0 of 14")
    window.player.forward_button.click()
    assert panel.state.step == 1 and window.solution.current() == 1
    assert not window.grab().isNull()
    assert panel.state.trace is old and panel.state.pending
    gate.set()
    qtbot.waitUntil(lambda: not panel.state.pending, timeout=20000)
    n = panel.state.n_steps
    assert window.status_line.text() == f"{FC}: recomputed, {n} steps"
    np.testing.assert_allclose(panel.state.trace.tensors["y"], expected(inp)[0])
    assert window.player.text().startswith(f"step 1 of {n}")  # the step kept, new trace


def test_window_error_from_a_worker_shows_beside_the_field(qtbot, window):
    panel = window.panel(FC)
    inp = big_fc(6)
    inp["x"] = np.ones(N + 1)
    panel.state.set_inputs(inp, replace=True)
    qtbot.waitUntil(lambda: not panel.state.pending, timeout=20000)
    assert panel.editors["x"].error().startswith("x: x has shape")
    assert panel.editors["w"].error() == ""
    assert "not recomputed" in window.status_line.text()


def test_closing_while_a_solve_runs_drops_it(qtbot, window, gate):
    panel = window.panel(FC)
    old = panel.state.trace
    panel.state.set_inputs(big_fc(7), replace=True)
    assert panel.state.pending
    gate.set()  # the worker may finish now, but its outcome needs the event loop to arrive
    assert window.close()
    qtbot.wait(50)  # any late delivery would run here
    assert panel.state.trace is old  # dropped, nothing applied after the close


def test_export_waits_for_the_running_solve(qtbot, window, gate, monkeypatch, tmp_path):
    panel = window.panel(FC)
    inp = big_fc(8)
    panel.state.set_inputs(inp, replace=True)
    path = tmp_path / "r.csv"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(path))
    gate.set()  # the outcome is not applied until the event loop runs, or export waits
    assert window.files.export_results()
    assert not panel.state.pending
    np.testing.assert_allclose(panel.state.trace.tensors["y"], expected(inp)[0])


CONV = "Conv2D"
FC_AND_CONV = PANELS[:2]


def test_conv_edits_in_quick_succession_only_the_last_applies(qtbot, monkeypatch):
    """Typing a bigger layer into the Conv2D editors one field at a time: every edit but the
    last leaves the shapes mismatched; the edits come faster than the solves, and only the last
    (which computes) is shown; no intermediate error ever reaches the fields."""
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda parent: "discard")
    w = mw.MainWindow(panels=FC_AND_CONV, initial=CONV, settings=False)
    qtbot.addWidget(w)
    w.set_animations_enabled(False)
    panel = w.panel(CONV)
    heard = []
    panel.state.subscribe(lambda what: heard.append((what, dict(panel.state.errors))))
    rng = np.random.default_rng(9)
    # stride 2, padding 1 as in the example: a 40x40 input gives a 20x20 output; x alone has
    # 12,800 elements, so from the first edit on every solve goes to the worker
    new = {"x": rng.normal(size=(40, 40, 8)), "f": rng.normal(size=(3, 3, 8, 16)),
           "b": rng.normal(size=16), "dy": rng.normal(size=(20, 20, 16))}
    editors = {"x": panel.x_editor, "f": panel.f_editor, "b": panel.b_editor,
               "dy": panel.dy_editor}
    editors["x"].value_changed.emit(new["x"])  # as after a paste into each editor in turn
    assert panel.state.pending and w.status_line.text().startswith(f"{CONV}: computing…")
    for name in ("f", "b", "dy"):
        editors[name].value_changed.emit(new[name])
    qtbot.waitUntil(lambda: not panel.state.pending, timeout=30000)
    assert panel.state.errors == {}
    assert [what for what, _ in heard] == ["busy"] * 4 + ["trace"]
    assert all(not errors for _, errors in heard)  # no mismatch in between was ever shown
    assert all(not ed.error() for ed in panel.error_targets().values()
               if hasattr(ed, "error"))
    want = examples.solve("conv2d", {**new, "stride": panel.state.inputs["stride"],
                                     "padding": panel.state.inputs["padding"]})
    np.testing.assert_allclose(panel.state.trace.tensors["y"], want.tensors["y"])
    np.testing.assert_allclose(panel.state.trace.tensors["df"], want.tensors["df"])
    assert w.status_line.text() == f"{CONV}: recomputed, {panel.state.n_steps} steps"
