"""LSTM panel: the timeline and the δc bars show the engine's numbers, sizes keep what fits,
the seeded fill, errors beside their field, stepping with the animation."""

import functools
import re

import numpy as np
import pytest

from engine import examples, lstm
from engine.lstm import PARAM_KEYS, TERM_KEYS
from pnn_gui.panels.lstm import TERM_LABELS, LSTMPanel, check_inputs, fit, random_inputs
from tests.gui.helpers import goto, make_panel


@pytest.fixture
def panel(qtbot):
    return make_panel(qtbot, LSTMPanel)


def engine_grads(inputs):
    run = lstm.forward(inputs["xs"], inputs["params"], inputs["c0"])
    return run, lstm.backward(run, inputs["dh"])


def test_final_dc_equals_the_engines(panel):
    goto(panel, panel.state.n_steps)
    inputs = check_inputs(examples.load("lstm").inputs)
    run, grads = engine_grads(inputs)
    shown = panel.timeline.plot.image_of("dc")          # (n_h, T + 1): column 0 is δc₀
    np.testing.assert_array_equal(shown[:, 1:].T, grads.dc)
    np.testing.assert_array_equal(shown[:, 0], grads.dc0)
    for key in ("f", "i", "o", "g", "c", "h"):
        np.testing.assert_array_equal(panel.timeline.plot.image_of(key)[:, 1:].T,
                                      getattr(run, key), err_msg=key)
    # after the backward pass the bars show the last δc computed, δc₀: its four terms (none
    # from an h) stack up to the engine's δc₀
    assert panel.dc_view.title() == "δc<sub>0</sub> by term"
    heights = panel.dc_view.segment_heights()
    np.testing.assert_allclose(heights.sum(axis=0), grads.dc0, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(heights, np.stack([np.zeros(2)] + [grads.terms0[k]
                                                                     for k in TERM_KEYS[1:]]))
    np.testing.assert_array_equal(panel.dc_view.total_values(), grads.dc0)
    # ‖δc_t‖ for every t, t = 0 included
    norms = panel.norm_view.norm_values()
    np.testing.assert_array_equal(norms[:, 0], np.arange(0, run.c.shape[0] + 1))
    np.testing.assert_allclose(norms[:, 1], np.linalg.norm(np.vstack([grads.dc0, grads.dc]),
                                                           axis=1), rtol=1e-12)
    # at δc₁'s last step the bars show δc₁: its five terms stack up to the engine's δc₁
    last_dc1 = max(i + 1 for i, s in enumerate(panel.state.trace.steps)
                   if ("dc", (0, 1)) in s.writes)
    goto(panel, last_dc1)
    assert panel.dc_view.title() == "δc<sub>1</sub> by term"
    heights = panel.dc_view.segment_heights()
    np.testing.assert_allclose(heights.sum(axis=0), grads.dc[0], rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(heights, np.stack([grads.terms[k][0] for k in TERM_KEYS]))
    np.testing.assert_array_equal(panel.dc_view.total_values(), grads.dc[0])
    goto(panel, panel.state.n_steps)
    # δx and the last parameter gradient in the grid
    np.testing.assert_array_equal(panel.grid.view("dx").values(), grads.dx)
    g = panel.grad_box.currentData()
    assert g == "db_c"
    np.testing.assert_array_equal(panel.grid.view("grad").values().ravel(), grads.params["b_c"])


def test_dc_terms_appear_as_their_steps_come(panel):
    trace = panel.state.trace
    T = trace.tensors["dc"].shape[0]
    # the first backward step that writes a term of δc_T
    k = next(i + 1 for i, s in enumerate(trace.steps)
             if any(name == "dc_from_h" for name, _ in s.writes))
    goto(panel, k - 1)
    assert np.all(panel.dc_view.segment_heights() == 0)
    goto(panel, k)
    heights = panel.dc_view.segment_heights()
    row = TERM_KEYS.index("dc_from_h")
    step = trace.steps[k - 1]
    for (name, idx), v in zip(step.writes, step.values, strict=True):
        assert name == "dc_from_h" and idx[0] == T - 1
        assert heights[row, idx[1]] == v
    assert panel.dc_view.total_values().size == 0  # δc_T not summed yet
    # the step that sums δc_T draws the total
    k2 = next(i + 1 for i, s in enumerate(trace.steps)
              if any(name == "dc" for name, _ in s.writes))
    goto(panel, k2 + trace.tensors["dc"].shape[1] - 1)
    np.testing.assert_array_equal(panel.dc_view.total_values(), trace.tensors["dc"][T - 1])


def test_animation_grows_the_new_term_then_settles(qtbot, panel):
    panel.set_animations_enabled(True)
    panel.set_animation_speed(20.0)  # 15 ms
    trace = panel.state.trace
    k = next(i + 1 for i, s in enumerate(trace.steps)
             if any(name == "dc_from_h" for name, _ in s.writes))
    goto(panel, k - 1)
    goto(panel, k)
    row = TERM_KEYS.index("dc_from_h")
    _, idx = trace.steps[k - 1].writes[0]
    final = trace.steps[k - 1].values[0]
    assert abs(panel.dc_view.segment_heights()[row, idx[1]]) < abs(final)
    qtbot.waitUntil(lambda: panel.dc_view.segment_heights()[row, idx[1]] == final, timeout=3000)


def test_flow_goes_left_into_the_previous_cell(panel):
    plot = panel.timeline.plot
    a = plot.scene_pos(("dc", (2, 0)))
    b = plot.scene_pos(("dc_from_next", (1, 0)))     # a term of δc₂ is drawn in δc₂'s cell
    assert b.x() < a.x()
    assert b.y() == pytest.approx(a.y())
    assert plot.scene_pos(("dc0", (0,))).x() < b.x()
    assert plot.scene_pos(("W_f", (0, 0))) is None


def test_resizing_T_or_n_h_keeps_what_fits(panel):
    before = panel.current_inputs()
    panel.spin_T.setValue(5)
    xs = panel.editors["xs"].value()
    assert xs.shape == (5, 2)
    np.testing.assert_array_equal(xs[:3], before["xs"])
    np.testing.assert_array_equal(xs[3:], 0)
    np.testing.assert_array_equal(panel.editors["dh"].value()[:3], before["dh"])
    assert panel.state.trace.tensors["dc"].shape == (5, 2)
    panel.spin_n_h.setValue(3)
    assert panel.state.trace.tensors["dc"].shape == (5, 3)
    w_fc = panel.editors["W_fc"].value()
    assert w_fc.shape == (3, 3)
    np.testing.assert_array_equal(w_fc[:2, :2], before["params"]["W_fc"])
    np.testing.assert_array_equal(w_fc[2], 0)
    np.testing.assert_array_equal(panel.editors["W_f"].value()[:, :2], before["params"]["W_f"])
    np.testing.assert_array_equal(panel.editors["b_i"].value()[:2], before["params"]["b_i"])
    np.testing.assert_array_equal(panel.editors["c0"].value()[:2], before["c0"])
    panel.spin_n_h.setValue(1)
    np.testing.assert_array_equal(panel.editors["W_oc"].value(),
                                  before["params"]["W_oc"][:1, :1])
    panel.spin_T.setValue(2)
    np.testing.assert_array_equal(panel.editors["xs"].value(), before["xs"][:2])
    # the state computes what the editors show
    inputs = panel.current_inputs()
    _, grads = engine_grads(inputs)
    np.testing.assert_array_equal(panel.state.trace.tensors["dc"], grads.dc)
    goto(panel, panel.state.n_steps)
    np.testing.assert_array_equal(panel.timeline.plot.image_of("dc")[:, 1:].T, grads.dc)


def test_n_in_resizes_the_input_weights(panel):
    panel.spin_n_in.setValue(3)
    assert panel.editors["xs"].value().shape == (3, 3)
    for k in ("W_f", "W_i", "W_o", "W_c"):
        assert panel.editors[k].value().shape == (3, 2)
    assert panel.state.trace.tensors["dx"].shape == (3, 3)


def test_seeded_random_fill(panel):
    panel.spin_seed.setValue(7)
    panel.random_button.click()
    assert panel.spin_seed.value() == 8  # the next click gives new values
    a = panel.current_inputs()
    expected = random_inputs(3, 2, 2, 7)
    np.testing.assert_array_equal(a["xs"], expected["xs"])
    for k in PARAM_KEYS:
        np.testing.assert_array_equal(a["params"][k], expected["params"][k])
    assert np.all(np.abs(a["dh"]) <= 1)
    assert not np.array_equal(a["xs"], random_inputs(3, 2, 2, 8)["xs"])
    _, grads = engine_grads(a)
    np.testing.assert_array_equal(panel.state.trace.tensors["dc"], grads.dc)
    panel.random_button.click()
    assert not np.array_equal(panel.current_inputs()["xs"], a["xs"])
    panel.spin_seed.setValue(7)
    panel.random_button.click()
    np.testing.assert_array_equal(panel.current_inputs()["xs"], a["xs"])


def test_editing_a_cell_recomputes_and_a_bad_cell_keeps_the_last_results(panel):
    panel.editors["W_fc"].edit_cell(0, 0, "0.7")
    inputs = panel.current_inputs()
    assert inputs["params"]["W_fc"][0, 0] == 0.7
    _, grads = engine_grads(inputs)
    np.testing.assert_array_equal(panel.state.trace.tensors["dc"], grads.dc)
    trace = panel.state.trace
    panel.editors["W_fc"].edit_cell(0, 1, "abc")
    assert (0, 1) in panel.editors["W_fc"].cell_errors()
    assert panel.state.trace is trace


def test_an_engine_error_shows_beside_its_field(panel):
    trace = panel.state.trace
    params = dict(panel.state.inputs["params"])
    panel.state.set_input("params", {**params, "W_ic": np.zeros((3, 3))})  # wrong for n_h = 2
    assert panel.editors["W_ic"].error().startswith("W_ic:")
    assert panel.state.trace is trace
    assert panel.editors["W_f"].error() == ""
    panel.state.set_input("params", {**params, "W_ic": np.zeros((2, 2))})
    assert panel.editors["W_ic"].error() == ""


def test_example_and_session(panel):
    panel.spin_T.setValue(4)
    panel.load_example(examples.load("lstm"))
    assert panel.spin_T.value() == 3
    assert panel.state.n_steps > 0 and panel.state.step == 0  # an example starts at the inputs
    data = panel.session_data()
    assert set(data["inputs"]) == {"xs", "params", "c0", "dh"}
    panel.random_button.click()
    panel.restore_session(data)
    np.testing.assert_array_equal(panel.editors["xs"].value(),
                                  examples.load("lstm").inputs["xs"])
    trace = panel.state.trace
    bad = {"kind": "lstm", "inputs": {**data["inputs"], "c0": [1, 2, 3]}}
    with pytest.raises(ValueError, match="c0"):
        panel.restore_session(bad)
    assert panel.state.trace is trace


def test_fit_keeps_the_top_left_block():
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(fit(a, (3, 2)), [[0, 1], [3, 4], [0, 0]])
    np.testing.assert_array_equal(fit(np.arange(3.0), (5,)), [0, 1, 2, 0, 0])


def test_a_long_sequence_steps_through(panel):
    panel.spin_n_h.setValue(16)
    panel.spin_T.setValue(50)
    trace = panel.state.trace
    assert trace.tensors["dc"].shape == (50, 16)
    for k in (1, len(trace) // 2, len(trace) - 3, len(trace), 5):
        goto(panel, k)
    goto(panel, len(trace))
    _, grads = engine_grads(panel.current_inputs())
    np.testing.assert_array_equal(panel.timeline.plot.image_of("dc")[:, 1:].T, grads.dc)


def test_example_loads_in_the_window_and_renders(qtbot):
    from pnn_gui.main_window import MainWindow
    from pnn_gui.screenshot import render

    window = MainWindow()
    qtbot.addWidget(window)
    window.load_example("lstm")
    panel = window.current_panel()
    assert isinstance(panel, LSTMPanel)
    assert panel.state.n_steps > 0 and panel.state.step == 0
    window.set_saved()
    image = render("lstm", step="10", size=(1280, 800))
    assert (image.width(), image.height()) == (1280, 800)


def _ink(image, rect):
    """Number of clearly non-white pixels of ``image`` inside ``rect`` (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = (int(v) for v in rect)
    count = 0
    for y in range(max(0, y0), min(image.height(), y1)):
        for x in range(max(0, x0), min(image.width(), x1)):
            c = image.pixelColor(x, y)
            if c.red() + c.green() + c.blue() < 450:
                count += 1
    return count


def test_text_layer_paints_its_labels_and_repaints_a_changed_one(qtbot):
    import pyqtgraph as pg

    from pnn_gui.views.text_layer import TextLayer

    plot = pg.PlotWidget(background="w")
    qtbot.addWidget(plot)
    plot.resize(400, 300)
    layer = TextLayer(font_size=14)
    plot.addItem(layer)
    layer.set_labels([(0, 0), (10, 10)], ["888", "888"])
    plot.getViewBox().setRange(xRange=(-2, 12), yRange=(-2, 12), padding=0)
    plot.show()
    qtbot.waitExposed(plot)

    def label_box(x, y):
        p = plot.getViewBox().mapViewToScene(pg.QtCore.QPointF(x, y))
        v = plot.mapFromScene(p)
        return (v.x() - 20, v.y() - 12, v.x() + 20, v.y() + 12)

    image = plot.grab().toImage()
    assert _ink(image, label_box(0, 0)) > 20
    assert _ink(image, label_box(10, 10)) > 20
    # one label changes (a region update): it disappears, the other stays
    layer.set_texts(["", "888"])
    qtbot.wait(50)
    image = plot.grab().toImage()
    assert _ink(image, label_box(0, 0)) == 0
    assert _ink(image, label_box(10, 10)) > 20


def test_dc_chart_fits_a_narrow_view(qtbot):
    """At 1280×800 the δc chart gets about 226 px: its legend goes to one column so that the
    bars and the ‖δc_t‖ plot stay inside the view instead of running past its right edge."""
    from pnn_gui.views.dc_terms import DcTermsView

    view = DcTermsView()
    qtbot.addWidget(view)
    view.resize(600, 450)
    view.show()
    qtbot.waitExposed(view)
    names = tuple(TERM_LABELS.values())
    terms = {n: np.ones((3, 2)) for n in names}
    view.set_geometry(2, names, terms)
    assert view.legend_columns() == 2
    view.resize(226, 450)
    qtbot.waitUntil(lambda: view.width() == 226)
    assert view.legend_columns() == 1
    qtbot.waitUntil(lambda: view.ci.geometry().width() <= view.width() + 4)  # was ~100 px over
    view.show_terms(2, {n: np.ones(2) for n in names})  # a step's title
    qtbot.waitUntil(lambda: view.ci.geometry().width() <= view.width() + 4)  # was ~100 px over
    view.resize(600, 450)
    qtbot.waitUntil(lambda: view.legend_columns() == 2)


def _texts_on_screen(panel):
    """Every text the LSTM panel shows: labels (equations, captions, editor titles), group box
    titles, tooltips, the δc legend."""
    from PySide6 import QtWidgets

    out = []
    for root in (panel.inputs_widget, panel.view_widget):
        for w in [root, *root.findChildren(QtWidgets.QWidget)]:
            out.append(w.toolTip())
            if isinstance(w, QtWidgets.QLabel):
                out.append(w.text())
            if isinstance(w, QtWidgets.QGroupBox):
                out.append(w.title())
    out += panel.dc_view.legend_texts()
    return [t for t in out if t]


def test_subscripts_are_subscripts_and_every_symbol_is_defined(panel):
    """Issue 11 item 2: c_{t−1} is never written "c_t−1", u_t is defined where δu is used, and
    the note on pre-activation deltas names δĝ too."""
    import re

    texts = _texts_on_screen(panel)
    plain = [t for t in texts if re.search(r"[a-zA-Z]_t\b|_t[−+-]1|_t\+", t)]
    assert plain == [], plain
    legend = panel.dc_view.legend_texts()
    assert "from hₜ" in legend and "from cₜ₊₁ (·fₜ₊₁)" in legend
    equations = panel.timeline.equations.text()
    assert "u<sub>t</sub> = o<sub>t</sub> ⊙ c<sub>t</sub>" in equations   # u defined
    assert "δu<sub>t</sub>" in equations
    assert "δĝ" in equations and "before σ and tanh" in equations
    assert any("fₜ = σ(xₜ·W_f + cₜ₋₁·W_fc + b_f)" in t for t in texts)


class _Queue:
    """A runner that only queues: a solve runs when the test says (as on the window's worker)."""

    def __init__(self):
        self.jobs = []

    def run(self, state, job, deliver):
        self.jobs.append((job, deliver))
        return None


def test_restoring_a_session_checks_without_solving(panel, monkeypatch):
    """Opening a session: the panel refuses what its editors cannot hold (through the engine's
    checks) but leaves the solve to the state's runner — it used to run a whole worked solution
    on the GUI thread first (~50 ms for T = 64, n_h = 16, and then the state solved again)."""
    big = random_inputs(64, 16, 16, seed=3)
    data = {"kind": "lstm", "inputs": {"xs": big["xs"].tolist(), "c0": big["c0"].tolist(),
                                       "dh": big["dh"].tolist(),
                                       "params": {k: v.tolist() for k, v in big["params"].items()}}}
    solves = []
    real = examples.KINDS["lstm"]

    @functools.wraps(real)
    def counted(**inputs):
        solves.append(1)
        return real(**inputs)

    monkeypatch.setitem(examples.KINDS, "lstm", counted)
    queue = _Queue()
    panel.state.runner = queue
    panel.restore_session(data)
    assert solves == []                           # nothing solved on the caller's thread
    assert panel.spin_T.value() == 64 and panel.editors["W_fc"].value().shape == (16, 16)
    job, deliver = queue.jobs[-1]
    deliver(job())                                # the runner's one solve
    assert solves == [1]
    assert panel.state.trace.tensors["dc"].shape == (64, 16)
    # what the editors could not hold is still refused, in the words on screen, and changes
    # nothing
    before = panel.current_inputs()
    for field, value, says in (("c0", [1.0, 2.0], "c0: c₀"), ("dh", [[1.0]], "dh: δh"),
                               ("params", {**data["inputs"]["params"], "W_ic": [[1.0]]},
                                "W_ic: W_ic"),
                               ("xs", [[float("nan")] * 16] * 64, "x[0,0] is nan")):
        bad = {"kind": "lstm", "inputs": {**data["inputs"], field: value}}
        with pytest.raises(ValueError, match=re.escape(says)):
            panel.restore_session(bad)
        np.testing.assert_array_equal(panel.current_inputs()["xs"], before["xs"])
        np.testing.assert_array_equal(panel.current_inputs()["c0"], before["c0"])
    assert solves == [1]


def test_every_term_of_dc_that_is_not_zero_shows_in_the_bars(qtbot, panel):
    """The peephole terms are a hundredth of the others in the sheet's example: they were
    drawn under a pixel thick. Now at least MIN_SEGMENT_PX, and a term that is 0 not at all."""
    from pnn_gui.views.dc_terms import MIN_SEGMENT_PX

    panel.view_widget.resize(700, 800)
    panel.view_widget.show()
    qtbot.waitExposed(panel.view_widget)
    last_dc2 = max(i + 1 for i, s in enumerate(panel.state.trace.steps)
                   if ("dc", (1, 1)) in s.writes)
    goto(panel, last_dc2)
    values = panel.dc_view.segment_heights()
    peep = [TERM_KEYS.index(k) for k in ("dc_from_peep_f", "dc_from_peep_i", "dc_from_peep_o")]
    assert np.abs(values[peep]).max() < 0.01 < np.abs(values).max()   # tiny beside the others
    drawn = panel.dc_view.drawn_heights_px()
    assert np.all(drawn[values != 0] >= MIN_SEGMENT_PX - 1e-6), drawn
    assert np.all(drawn[values == 0] == 0)
    # the big terms keep their true proportions
    big = np.abs(values) > 0.05
    ratio = drawn[big] / np.abs(values[big])
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-9)


def _first_step(trace, phase, t, time_of):
    return next(i + 1 for i, s in enumerate(trace.steps) if s.phase == phase and time_of(s) == t)


def test_a_new_T_keeps_the_pass_not_the_step_number(panel):
    """Changing T (or n_h) used to keep step k, an unrelated step of the new trace."""
    trace = panel.state.trace
    n_forward = trace.phases["forward"]
    goto(panel, n_forward + 20)                       # inside the backward pass
    panel.spin_T.setValue(4)
    st = panel.state
    assert st.trace.tensors["dc"].shape[0] == 4
    assert st.step == st.trace.phases["forward"] + 1  # the backward pass's first step
    assert st.current_step().phase == "backward"
    assert st.trace.steps[st.step - 2].phase == "forward"
    goto(panel, 5)                                    # the forward pass
    panel.spin_n_h.setValue(3)
    assert panel.state.step == 0
    goto(panel, panel.state.n_steps)                  # the end stays at the end
    panel.spin_T.setValue(2)
    assert panel.state.step == panel.state.n_steps > 0


def test_clicking_a_timeline_column_goes_to_that_times_first_step(qtbot, panel):
    from PySide6 import QtCore

    plot = panel.timeline.plot
    panel.view_widget.resize(700, 800)
    panel.view_widget.show()
    qtbot.waitExposed(panel.view_widget)
    trace = panel.state.trace

    def click(ref):
        pos = plot.mapFromScene(plot.scene_pos(ref))
        qtbot.mouseClick(plot.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=pos)

    click(("h", (1, 0)))                              # column t = 2, in the forward pass
    assert panel.state.step == _first_step(trace, "forward", 2, panel._time_of)
    assert panel.state.current_step().title == "f₂"
    goto(panel, trace.phases["forward"] + 3)          # the backward pass
    click(("f", (0, 1)))                              # column t = 1
    k = panel.state.step
    assert k == _first_step(trace, "backward", 1, panel._time_of)
    assert panel.state.current_step().phase == "backward"
    assert panel.state.current_step().writes[0][1][0] == 0    # row 0 is t = 1
    click(("c0", (0,)))                               # column 0: δc₀
    assert panel.state.current_step().writes[0] == ("dc0", (0,))
