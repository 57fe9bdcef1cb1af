"""The Network panel in the window: editing the chain (add, remove, move, undo, a layer that does
not fit), stepping at both depths (→ moves δ one layer back; Enter into a layer, Esc back out),
the SGD step, the gradient check, sessions and Export network spec. Every number on screen is
compared with the engine's own (engine/network.py), which tests/engine checks against central
differences."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from engine import examples
from engine import network as nw
from engine.steps import fmt
from pnn_gui import dialogs
from pnn_gui import main_window as mw
from pnn_gui.panels import PANELS
from pnn_gui.panels.network_state import LOSS, editable_spec
from pnn_gui.views.network_bars import Bar, NormBars
from pnn_gui.widgets.tensor_view import as_grid

NETWORK = "Network"
ONLY_NETWORK = tuple(p for p in PANELS if p.title == NETWORK)


@pytest.fixture
def window(qtbot, messages):
    w = mw.MainWindow(panels=ONLY_NETWORK)
    qtbot.addWidget(w)
    w.set_animations_enabled(False)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def panel(window):
    return window.current_panel()


def example_run(name="network") -> nw.Run:
    return nw.run(nw.parse(examples.load(name).inputs))


def image(arr) -> np.ndarray:
    """A chain tensor as its block draws it (3-D: the channels side by side, NaN between)."""
    a = np.asarray(arr, float)
    if a.ndim == 3:
        rows, cols, n = a.shape
        out = np.full((rows, n * (cols + 1) - 1), np.nan)
        for ch in range(n):
            out[:, ch * (cols + 1):ch * (cols + 1) + cols] = a[:, :, ch]
        return out
    return as_grid(a)


def key(qtbot, widget, k):
    qtbot.keyClick(widget, k)


# -- the chain at start and layer by layer ---------------------------------------------------
def test_starts_with_the_network_example_at_step_0(window, panel):
    r = example_run()
    assert window.current_title() == NETWORK
    assert window.player.text() == "step 0 of 12 · inputs"
    np.testing.assert_array_equal(panel.chain.values("x"), image(r.network.input))
    for name in ("L1.y", "L5.y", "loss", "L1.dx", "loss.dx"):
        assert np.isnan(panel.chain.values(name)).all(), name
    assert [c.title_label.text() for c in panel.layer_cards] == [
        "L1  Conv2D", "L2  ReLU", "L3  Average pooling", "L4  Flatten", "L5  Fully connected"]
    assert panel.layer_cards[2].shapes_label.text() == "(6, 6, 2) → (3, 3, 2)"
    assert not window.is_dirty()


def test_right_sends_delta_one_layer_back(window, panel):
    r = example_run()
    window.player.last()
    window.player.first()
    for _ in range(7):                  # forward through every layer, the loss and its δ
        window.player.forward()
    np.testing.assert_allclose(panel.chain.values("loss.dx"), image(r.loss_dx))
    assert np.isnan(panel.chain.values("L5.dx")).all()
    window.player.forward()             # δ through L5 fc
    assert window.player.text() == "step 8 of 12 · backward"
    np.testing.assert_allclose(panel.chain.values("L5.dx"), image(r.deltas[4]))
    assert np.isnan(panel.chain.values("L4.dx")).all()
    assert panel.chain.outlined()["L5.dx"] == "write"
    assert panel.chain.outlined()["loss.dx"] == "read"
    window.player.forward()             # δ through L4 flatten: (18,) back to (3, 3, 2)
    np.testing.assert_allclose(panel.chain.values("L4.dx"), image(r.deltas[3]))
    assert panel.chain.blocks["L4.dx"].title == "δ (3,3,2)"
    # the bars: ‖δ‖ where δ has arrived, empty where it has not
    bars = {b.label: b.value for b in panel.bars.bars()}
    assert bars["loss"] == pytest.approx(np.linalg.norm(r.loss_dx))
    assert bars["L4"] == pytest.approx(np.linalg.norm(r.deltas[3]))
    assert bars["L3"] is None and bars["ΔF L1"] is None
    assert bars["ΔW L5"] == pytest.approx(np.linalg.norm(r.grads["L5.dw"]))


@pytest.mark.parametrize("width", [450, 700])
def test_the_bars_labels_do_not_run_together(qtbot, width):
    """The network example's ten bars in the chart's width at 1280×800 (about 450 px) and at
    1600×1000: between neighbours' labels at least an M's width, every one inside the chart
    (on one line each, "ΔF L1  Δb L1" were 2–3 px apart at 450 px: they read as one)."""
    bars = NormBars()
    qtbot.addWidget(bars)
    bars.resize(width, 300)
    labels = ["L1", "L2", "L3", "L4", "L5", "loss", "ΔF L1", "Δb L1", "ΔW L5", "Δb L5"]
    bars.set_bars([Bar(t, 1.0, "grad" if " " in t else "delta") for t in labels])
    rects = bars.label_rects()
    assert len(rects) == len(labels)
    gap = bars.fontMetrics().horizontalAdvance("M")   # a word's space is not enough
    for left, right in itertools.pairwise(rects):
        assert right.left() - left.right() >= gap, (left, right)
    assert all(r.bottom() <= bars.height() for r in rects)


def test_each_bars_value_fits_its_slot_with_fewer_digits_when_needed(qtbot):
    """mlp's nine bars at 1280×800 (about 450 px): "0.00608" was cut at both ends of its
    slot; a value that does not fit is written with fewer significant digits, never cut."""
    bars = NormBars()
    qtbot.addWidget(bars)
    bars.resize(450, 300)
    values = [0.00608, 0.0133, 0.0551, 0.144, 0.772, 0.00148, 0.0133, 0.121, 0.144]
    bars.set_bars([Bar(f"b{i}", v, "delta") for i, v in enumerate(values)])
    slot = (bars.label_rects()[1].center().x() - bars.label_rects()[0].center().x())
    fm = bars.fontMetrics()
    for i, v in enumerate(values):
        text = bars.value_text(i)
        assert fm.horizontalAdvance(text) <= slot, (text, slot)
        assert float(text) == pytest.approx(v, rel=0.05)     # the same number, rounded
    assert bars.value_text(3) == "0.144"                      # room: the chart's precision


@pytest.mark.parametrize("name", examples.NETWORK_NAMES)
@pytest.mark.parametrize("size", [(1280, 800), (1600, 1000)])
def test_the_chain_fits_the_width_every_block_and_the_loss_shown(qtbot, window, panel, name,
                                                                 size):
    """At 1280×800 the network example's chain ran past the view's right edge (L5 and the loss
    behind a scroll bar): every block now shows whole, and same-shape blocks have the same
    cells."""
    window.resize(*size)
    panel.load_example(examples.load(name))
    window.player.last()
    qtbot.waitUntil(lambda: panel.chain.grid.width() <= panel.chain.viewport().width())
    assert not panel.chain.horizontalScrollBar().isVisible()
    inside = panel.chain.viewport().rect()
    for block in panel.chain.blocks:
        assert inside.contains(panel.chain.block_rect(block)), block
    cells: dict = {}
    for block, b in panel.chain.blocks.items():
        cells.setdefault(b.shape, []).append(panel.chain.grid.view(block).cell_size())
    for shape, sizes in cells.items():
        assert np.ptp(np.array(sizes), axis=0).max() < 1.5, (shape, sizes)


def test_the_loss_backward_is_worked_with_numbers(window, panel):
    r = example_run()
    window.player.last()
    line = window.solution.line_text(7)
    p = np.exp(r.outputs[-1]) / np.exp(r.outputs[-1]).sum()
    assert "loss.dx = softmax(L5.y) − onehot(1)" in line
    assert f"{p[1]:.4f}"[:6] in line and "[0, 1, 0]" in line


def test_each_layers_line_shows_its_numbers_at_the_end(window, panel):
    r = example_run()
    window.player.last()
    assert window.solution.line_text(2) == ("2. L2.y = max(0, L1.y)\n    = (6,6,2) with "
                                            f"‖L2.y‖ = {np.linalg.norm(r.outputs[1]):.4g}")
    assert window.solution.line_text(5).endswith("= [-0.275, 0.925, -0.375]")


# -- editing the chain ------------------------------------------------------------------------
def test_add_remove_and_undo(window, panel):
    f = panel.spec["layers"][0]["f"].copy()
    panel.add_layer("tanh")
    assert len(panel.layer_cards) == 6 and panel.layer_cards[5].title_label.text() == \
        "L6  Tanh"
    assert panel.layer_cards[5].shapes_label.text() == "(3,) → (3,)"
    assert window.player.text() == "step 0 of 14 · inputs"
    assert window.is_dirty()
    panel.remove_layer(1)               # the conv by mistake
    assert [c.layer["type"] for c in panel.layer_cards] == ["relu", "avgpool", "flatten",
                                                            "fc", "tanh"]
    assert "layer 3 (flatten)" not in panel.layer_cards[2].error()
    assert panel.layer_cards[3].error().startswith("layer 4 (fc): got input of shape (9,), "
                                                   "needs (18,)")
    assert panel.undo()                 # the conv is back with every value typed
    assert [c.layer["type"] for c in panel.layer_cards][:2] == ["conv2d", "relu"]
    np.testing.assert_array_equal(panel.spec["layers"][0]["f"], f)
    np.testing.assert_array_equal(panel.layer_cards[0].editors["f"].value(), f)
    assert panel.undo() and len(panel.layer_cards) == 5
    assert not panel.undo()


def test_the_cards_buttons_move_and_remove_their_own_layer(window, panel):
    panel.layer_cards[3].button("↑").click()        # flatten before the pooling
    assert [c.layer["type"] for c in panel.layer_cards] == ["conv2d", "relu", "flatten",
                                                            "avgpool", "fc"]
    panel.layer_cards[2].button("↓").click()
    panel.layer_cards[0].button("✕").click()
    assert [c.layer["type"] for c in panel.layer_cards] == ["relu", "avgpool", "flatten", "fc"]
    assert not panel.layer_cards[0].button("↑").isEnabled()
    assert not panel.layer_cards[3].button("↓").isEnabled()
    assert panel.undo_text() == "remove L1 conv2d"


def test_a_layer_moved_out_of_place_says_so_and_the_rest_keeps_its_values(window, panel):
    trace = panel.state.trace
    w = panel.spec["layers"][4]["w"].copy()
    panel.move_layer(4, -1)              # flatten before the pooling
    assert [c.layer["type"] for c in panel.layer_cards] == ["conv2d", "relu", "flatten",
                                                            "avgpool", "fc"]
    msg = panel.layer_cards[3].error()
    assert msg.startswith("layer 4 (avgpool): got input of shape (72,), needs (rows, cols, "
                          "channels)"), msg
    for i in (0, 1, 2, 4):
        assert panel.layer_cards[i].error() == "", i
    np.testing.assert_array_equal(panel.layer_cards[4].editors["w"].value(), w)
    assert panel.layer_cards[2].shapes_label.text() == "(6, 6, 2) → (72,)"
    assert panel.state.trace is trace   # the last good results stay, dimmed
    assert window.views_cover.isVisible()
    assert "not recomputed" in window.status_line.text()
    panel.move_layer(3, +1)
    assert [c.error() for c in panel.layer_cards] == [""] * 5
    assert not window.views_cover.isVisible()


def test_a_layer_that_does_not_fit_its_input_after_an_edit(window, panel):
    card = panel.layer_cards[4]
    card.set_open(True)
    card.editors["w"].resize_to(17, 3)           # W's rows: 17, the flatten gives 18
    assert card.error() == ("layer 5 (fc): got input of shape (18,), needs (17,) (w has 17 "
                            "rows)")
    assert all(c.error() == "" for c in panel.layer_cards[:4])
    assert panel.state.inputs["layers"][4]["w"].shape == (17, 3)   # kept as typed
    card.editors["w"].resize_to(18, 3)
    assert card.error() == "" and panel.state.trace.tensors["L5.w"].shape == (18, 3)


def test_a_cell_edit_recomputes_and_keeps_the_step(window, panel):
    window.player.last()
    card = panel.layer_cards[4]
    card.set_open(True)
    card.editors["b"].edit_cell(0, 1, "2")
    spec = panel.spec
    r = nw.run(nw.parse(spec))
    assert window.player.step() == 12
    np.testing.assert_allclose(panel.chain.values("loss"), [[r.loss]])
    np.testing.assert_allclose(panel.chain.values("L1.dx"), image(r.deltas[0]))


def test_a_new_layer_fits_the_shape_it_gets(window, panel):
    panel.add_layer("conv2d", after=2)          # after the ReLU: 2 input channels
    assert panel.spec["layers"][2]["f"].shape == (3, 3, 2, 2)
    assert panel.layer_cards[2].error() == ""
    panel.add_layer("fc")                        # at the end, after fc's 3 outputs
    assert panel.spec["layers"][-1]["w"].shape == (3, 3)
    assert panel.loss_card.error() == ""


def test_mse_target_fits_the_output_on_request(window, panel):
    window.load_example("mlp")
    panel.add_layer("fc")                        # 2 → 3 outputs: the target (2,) misfits
    assert panel.loss_card.error().startswith("loss (mse): got input of shape (3,)")
    assert panel.loss_card.fit_button.isVisibleTo(panel.loss_card)
    panel.loss_card.fit_button.click()
    np.testing.assert_array_equal(panel.spec["loss"]["target"], [0.01, 0.99, 0])
    assert panel.loss_card.error() == "" and not panel.state.errors


# -- into a layer and back out ----------------------------------------------------------------
def test_enter_shows_the_layers_own_steps_with_the_chains_numbers_and_esc_comes_back(
        qtbot, window, panel):
    r = example_run()
    window.player.last()
    for _ in range(4):
        window.player.back()             # step 8: δ through L5
    panel.chain.setFocus()
    key(qtbot, panel.chain, QtCore.Qt.Key.Key_Return)
    assert panel.state.depth == 5
    own = r.layer_trace(5)
    assert len(panel.state.trace) == len(own) == window.player.count()
    assert window.player.step() == own.phases["forward"]   # its backward comes next
    assert window.solution.line_text(1).startswith("1. y₀ = Σⱼ xⱼ·Wⱼ₀ + b₀")
    assert window.player.text() == "step 3 of 78 · forward"
    assert "L5 fc's own steps" in window.status_line.text()
    assert "recomputed" not in window.status_line.text()
    window.player.forward()              # δx₀ = Σₖ δyₖ·W₀ₖ with this chain's numbers
    assert window.solution.line_text(4).startswith("4. δx₀ = Σₖ δyₖ·W₀ₖ")
    shown = panel.layer_view.shown()
    assert set(shown) == {"w", "dy", "dx"}
    np.testing.assert_allclose(shown["dy"], [r.loss_dx])
    assert shown["dx"][0, 0] == pytest.approx(r.deltas[4][0])
    assert np.isnan(shown["dx"][0, 1:]).all()
    key(qtbot, panel.layer_view, QtCore.Qt.Key.Key_Escape)
    assert panel.state.depth is None
    assert window.player.text() == "step 8 of 12 · backward"
    assert window.solution.line_text(8).startswith("8. L5.dx = loss.dx · L5.wᵀ")


@pytest.mark.parametrize("chain_step", [5, 6])
def test_enter_from_the_forward_pass_shows_the_layers_y_just_computed(window, panel,
                                                                      chain_step):
    """At L5's forward step (or past it, still forward), Enter opens L5 at the end of its
    forward steps, y shown and its backward next (it opened at step 0, "inputs")."""
    r = example_run()
    for _ in range(chain_step):
        window.player.forward()
    panel.enter_layer(5)
    own = r.layer_trace(5)
    assert window.player.step() == own.phases["forward"]
    assert window.player.text() == f"step {own.phases['forward']} of {len(own)} · forward"
    np.testing.assert_allclose(panel.layer_view.shown()["y"], [r.outputs[4]])
    panel.leave_layer()
    window.player.back()                 # back to step 4: L5 not reached yet, from its start
    if chain_step == 6:
        window.player.back()
    panel.enter_layer(5)
    assert window.player.step() == 0


def test_a_layer_entered_in_the_forward_pass_shows_its_dy_not_computed_yet(window, panel):
    """Entered while the chain is still forward, L3's δy is empty (its colour bar without
    numbers) through L3's forward steps, and no outline is left over at its step 0; its own
    backward steps show the chain's δy. Entered once the chain's δ has reached L3, δy is
    there from step 0."""
    r = example_run()
    own = r.layer_trace(3)
    for _ in range(3):
        window.player.forward()           # chain step 3: L3's forward
    panel.enter_layer(3)
    window.player.first()
    shown = panel.layer_view.shown()
    assert "dy" in shown and np.isnan(shown["dy"]).all()
    assert not np.isnan(shown["x"][:, :6]).any()        # its input is there
    for i in range(4):
        assert panel.layer_view.view(f"s{i}").highlighted() == ((), ()), i
    panel.state.set_step(own.phases["forward"])
    assert np.isnan(panel.layer_view.shown().get("dy", np.nan)).all()
    window.player.forward()               # δx = 0, then the first step that reads δy
    window.player.forward()
    np.testing.assert_allclose(panel.layer_view.shown()["dy"], image(own.tensors["dy"]))
    panel.leave_layer()
    n = len(r.network.layers)
    panel.state.set_step(2 * n + 3 - 3 - 1)   # the step that hands L3 its δy
    panel.enter_layer(3)
    window.player.first()
    np.testing.assert_allclose(panel.layer_view.shown()["dy"], image(own.tensors["dy"]))


@pytest.mark.parametrize("size", [(1280, 800), (1600, 1000)])
def test_a_layers_cells_print_values_where_they_fit(qtbot, window, panel, size):
    """Inside a layer, cells wide enough for a value at two significant digits print one
    (δy of L3 printed none: its full -0.09208 did not fit 40 px cells)."""
    window.resize(*size)
    window.player.last()
    panel.enter_layer(3)
    for k in range(window.player.count() + 1):
        panel.state.set_step(k)
        for i in range(4):
            view = panel.layer_view.view(f"s{i}")
            if not view.layout.isVisible() or view.values().size > 400:
                continue
            font = QtGui.QFontMetricsF(view.text_font(1000, 1000))
            room = view.cell_size()[0] - 3
            need = max(font.horizontalAdvance(fmt(v, 2)) for v in view.values().ravel()
                       if v == v)
            if need <= room:
                assert view.drawn_texts(), (k, view.title(), view.cell_size())


def test_a_double_click_on_a_block_goes_into_its_layer(qtbot, window, panel):
    grid = panel.chain.grid
    rect = panel.chain.block_rect("L1.y")
    centre = grid.mapFrom(panel.chain, rect.center())
    qtbot.mouseDClick(grid.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=centre)
    assert panel.state.depth == 1 and window.player.step() == 0
    own = example_run().layer_trace(1)
    assert window.player.count() == len(own)
    assert window.solution.line_text(1) == "1. " + own.steps[0].formula + \
        window.solution.line_text(1).split(own.steps[0].formula, 1)[1]
    panel.leave_layer()
    assert panel.state.depth is None and window.player.count() == 12


def test_a_click_on_a_block_selects_its_layer_for_enter(qtbot, window, panel):
    window.player.last()
    grid = panel.chain.grid
    centre = grid.mapFrom(panel.chain, panel.chain.block_rect("L3.y").center())
    qtbot.mouseClick(grid.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=centre)
    assert panel.into_button.text() == "Into L3 avgpool (Enter)"
    assert panel.layer_cards[2].is_open() and panel.chain.outlined()["L3.y"] == "selected"
    key(qtbot, panel.chain, QtCore.Qt.Key.Key_Enter)
    assert panel.state.depth == 3 and window.player.step() == window.player.count()  # all done
    window.player.first()
    window.player.last()
    key(qtbot, panel.layer_view, QtCore.Qt.Key.Key_Escape)
    window.player.back()                 # a new step selects its own layer again
    assert panel.into_button.text() == "Into L2 relu (Enter)"


def test_the_loss_has_its_own_steps_too(window, panel):
    window.player.last()
    panel.enter_layer(LOSS)
    r = example_run()
    own = r.loss_trace()
    assert window.player.text() == f"step {len(own)} of {len(own)} · backward"
    assert window.solution.line_text(len(own)).startswith(f"{len(own)}. δy₂ = p₂ − [2 = t]")
    np.testing.assert_allclose(panel.state.trace.tensors["dy"], r.loss_dx)


def test_an_edit_inside_a_layer_keeps_the_depth_and_a_structural_one_leaves(window, panel):
    panel.enter_layer(5)
    window.player.forward()
    card = panel.layer_cards[4]
    card.set_open(True)
    card.editors["b"].edit_cell(0, 0, "1")
    assert panel.state.depth == 5 and window.player.step() == 1
    assert panel.state.trace.tensors["b"][0] == 1
    panel.add_layer("relu")
    assert panel.state.depth is None and window.player.count() == 14


# -- one training step, the gradient check -----------------------------------------------------
def test_sgd_step_writes_new_weights_and_the_loss_goes_down(window, panel):
    r = example_run()
    want = nw.sgd_step(r, 0.1)
    panel.lr_edit.setText("0.1")
    panel.sgd_button.click()
    got = nw.parse(panel.spec).parameters()
    for name, value in want.network.parameters().items():
        np.testing.assert_allclose(got[name], value, err_msg=name)
    np.testing.assert_allclose(panel.layer_cards[4].editors["w"].value(),
                               want.network.parameters()["L5.w"])
    assert panel.sgd_message_text() == want.message
    assert "it went down" in panel.sgd_message_text()
    assert panel.state.trace.tensors["loss"] == pytest.approx(want.after.loss)
    assert panel.undo()
    np.testing.assert_array_equal(nw.parse(panel.spec).parameters()["L5.w"],
                                  r.network.parameters()["L5.w"])


def test_sgd_step_with_too_large_a_rate_says_so(window, panel):
    """y = x·w + b with x = 1, w = 1, b = 0, target 0: L = (w + b)², ΔW = Δb = 2; η = 1.5
    jumps to w = −2, b = −3: L = 25."""
    spec = {"input": [1.0], "layers": [{"type": "fc", "w": [[1.0]]}],
            "loss": {"type": "mse", "target": [0.0]}}
    panel.restore_session({"kind": "network", "inputs": spec})
    panel.lr_edit.setText("1.5")
    panel.sgd_button.click()
    assert panel.sgd_message_text() == ("loss 1 → 25: it did not go down; η = 1.5 is too "
                                        "large a step here, try a smaller learning rate")
    assert panel.spec["layers"][0]["w"][0, 0] == -2 and panel.spec["layers"][0]["b"][0] == -3


def test_a_bad_learning_rate_is_refused_beside_its_field(window, panel):
    spec = panel.spec
    for text in ("abc", "-1", "0"):
        panel.lr_edit.setText(text)
        panel.sgd_button.click()
        assert panel.lr_error.error().startswith("η: "), text
        assert panel.spec is spec


def test_gradient_check_beside_every_parameter_gradient(qtbot, window, panel):
    panel.check_button.click()      # on a worker: 77 parameters, two passes each
    qtbot.waitUntil(lambda: bool(panel.check_results()), timeout=20_000)
    want = nw.gradient_check(example_run())
    got = panel.check_results()
    assert set(got) == set(want) == {"L1.df", "L1.db", "L5.dw", "L5.db"}
    assert all(c.ok for c in got.values())
    text = panel.check_summary.text()
    for line in ("ΔF of L1", "Δb of L1", "ΔW of L5", "Δb of L5"):
        assert line in text
    window.player.last()
    checks = {b.label: b.check for b in panel.bars.bars() if b.kind == "grad"}
    assert checks == {"ΔF L1": True, "Δb L1": True, "ΔW L5": True, "Δb L5": True}
    panel.layer_cards[4].editors["b"].edit_cell(0, 0, "1")
    assert panel.check_results() == {} and "check again" in panel.check_summary.text()


def test_gradient_check_tells_a_kink_from_the_backward_pass(qtbot, window, panel):
    """A ReLU input at exactly 0 (its derivative taken as 0, the central difference ½): the
    check says ✗ for the parameters before it, and why."""
    window.load_example("mlp")
    spec = panel.spec
    layers = list(spec["layers"])
    layers[1] = {"type": "relu"}
    layers[0] = {**layers[0], "b": -(spec["input"] @ layers[0]["w"])}   # L1.y = 0 exactly
    panel.restore_session({"kind": "network", "inputs": {
        "input": spec["input"].tolist(), "loss": {"type": "mse", "target": [0.01, 0.99]},
        "layers": [{k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in lay.items()}
                   for lay in layers]}})
    panel.check_button.click()
    qtbot.waitUntil(lambda: bool(panel.check_results()), timeout=20_000)
    got = panel.check_results()
    assert not got["L1.dw"].ok and got["L3.dw"].ok
    assert "kink" in panel.check_summary.text()


# -- sessions, spec export, examples ------------------------------------------------------------
def test_session_round_trip(qtbot, window, panel, monkeypatch, tmp_path):
    panel.add_layer("sigmoid", after=5)
    panel.layer_cards[0].editors["b"].edit_cell(0, 0, "0.25")
    panel.lr_edit.setText("0.05")
    spec = panel.spec
    path = tmp_path / "s.pnn.json"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(path))
    assert window.files.save_session_as()
    window.load_example("mlp")
    assert len(panel.layer_cards) == 4
    assert window.files.open_session_file(str(path))
    assert [c.layer["type"] for c in panel.layer_cards][-1] == "sigmoid"
    assert panel.spec["layers"][0]["b"][0] == 0.25
    for a, b in zip(panel.spec["layers"], spec["layers"], strict=True):
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])
    assert panel.lr_edit.text() == "0.05" and window.player.step() == 0


def test_a_session_with_a_misfit_chain_opens_as_typed(window, panel, monkeypatch, tmp_path):
    panel.remove_layer(4)               # no flatten: the fc does not fit
    path = tmp_path / "s.pnn.json"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(path))
    assert window.files.save_session_as()
    window.load_example("network")
    assert window.files.open_session_file(str(path))
    assert len(panel.layer_cards) == 4 and panel.layer_cards[3].error().startswith(
        "layer 4 (fc): got input of shape (3, 3, 2)")


def test_a_damaged_session_changes_nothing(window, panel, messages, tmp_path):
    data = json.loads(json.dumps(panel.session_data()))
    data["inputs"]["layers"][1]["type"] = "softplus"
    path = tmp_path / "bad.pnn.json"
    path.write_text(json.dumps({"format": 1, "app": "pnn-gui", "panel": NETWORK,
                                "panels": {NETWORK: data}}), encoding="utf-8")
    spec = panel.spec
    assert not window.files.open_session_file(str(path))
    assert "layer 2: unknown type 'softplus'" in messages[-1][1]
    assert panel.spec is spec


def test_export_network_spec_writes_the_chain_that_the_cli_reads(window, panel, monkeypatch,
                                                                 tmp_path):
    from pnn_gui import cli
    panel.layer_cards[4].editors["b"].edit_cell(0, 2, "-0.5")
    path = tmp_path / "net.json"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(path))
    assert window.files.action_export_spec.text().startswith("Export &network spec")
    window.files.action_export_spec.trigger()
    net = nw.load_file(path)
    assert net.layers[4].params["b"][2] == -0.5
    assert editable_spec(json.loads(path.read_text()))["layers"][0]["stride"] == (1, 1)
    assert cli.main(["export", "network", "--spec", str(path), "--out",
                     str(tmp_path / "t.csv")]) == 0
    assert f"Exported the network spec to {path}" == window.status_line.text()
    panel.remove_layer(4)
    window.files.action_export_spec.trigger()
    assert "does not compute yet: layer 4 (fc)" in window.status_line.text()
    assert len(json.loads(path.read_text())["layers"]) == 4


def test_the_examples_menu_has_both_network_examples(window, panel):
    assert window.example_actions["mlp"].isEnabled()
    window.example_actions["mlp"].trigger()
    r = example_run("mlp")
    window.player.last()
    np.testing.assert_allclose(panel.chain.values("loss"), [[r.loss]])
    assert r.loss == pytest.approx(0.298371109)


# -- large: off the GUI thread ------------------------------------------------------------------
def test_a_large_network_solves_off_the_gui_thread_and_steps_in(qtbot, window, panel):
    rng = np.random.default_rng(0)
    spec = {"input": rng.normal(size=(32, 32, 3)).tolist(), "layers": [
        {"type": "conv2d", "f": (rng.normal(size=(3, 3, 3, 8)) * 0.3).tolist(), "padding": 1},
        {"type": "relu"}, {"type": "maxpool", "size": 2},
        {"type": "conv2d", "f": (rng.normal(size=(3, 3, 8, 16)) * 0.1).tolist(), "padding": 1},
        {"type": "avgpool", "size": 2}, {"type": "flatten"},
        {"type": "fc", "w": (rng.normal(size=(1024, 10)) * 0.03).tolist()}],
        "loss": {"type": "softmax_cross_entropy", "target": 3}}
    with window.replacing_inputs():
        panel.restore_session({"kind": "network", "inputs": spec})
    assert window.player.count() == 2 * 7 + 2
    panel.layer_cards[6].editors["b"].edit_cell(0, 0, "0.5")
    assert panel.state.pending and "computing" in window.status_line.text()
    qtbot.waitUntil(lambda: not panel.state.pending, timeout=20_000)
    assert panel.state.trace.tensors["L7.b"][0] == 0.5
    panel.enter_layer(1)
    qtbot.waitUntil(lambda: panel.state.depth == 1, timeout=20_000)
    assert window.player.count() == len(panel.state.trace) > 0
