"""A step that changes a heatmap's shape, title or visibility is painted with the final layout at
once: what the first paint after the change shows equals a fresh repaint after the event loop
has run out (before, the nested layouts of a TensorGrid settled one level per event-loop pass,
so the paint that followed a step could show the old layout)."""

import numpy as np
import pytest
from PySide6 import QtWidgets

from pnn_gui.widgets.tensor_view import TensorGrid


def _settled(qtbot, widget) -> QtWidgets.QWidget:
    """Let every pending relayout and paint happen, then repaint everything."""
    qtbot.wait(60)
    for w in [widget, *widget.findChildren(QtWidgets.QWidget)]:
        w.update()
    qtbot.wait(20)
    return widget


def _first_paint_equals_settled(qtbot, widget, change) -> None:
    change()
    QtWidgets.QApplication.processEvents()  # the step change's own paint
    first = widget.grab().toImage()
    again = _settled(qtbot, widget).grab().toImage()
    assert first == again, "the first paint after the change shows a layout still settling"


def _grid(qtbot) -> TensorGrid:
    grid = TensorGrid()
    qtbot.addWidget(grid)
    grid.resize(280, 520)
    grid.show()
    qtbot.waitExposed(grid)
    return grid


@pytest.mark.parametrize("new_shape", [(4, 16), (16, 4)])
def test_gradient_view_changing_shape_under_a_tall_view(qtbot, new_shape):
    # the LSTM panel's grid: δx (T × n_in) over the gradient chosen (ΔW_f (4, 16) or Δb (16,))
    rng = np.random.default_rng(0)
    grid = _grid(qtbot)
    dx = grid.add_view("dx", "δx", 0, 0)
    grad = grid.add_view("grad", "Δb_f", 1, 0)
    dx.set_array(rng.normal(size=(50, 4)))
    grad.set_array(rng.normal(size=(16,)))
    _settled(qtbot, grid)
    _first_paint_equals_settled(qtbot, grid,
                                lambda: grad.set_array(rng.normal(size=new_shape)))


def test_batch_size_change_reshapes_several_views(qtbot):
    # the fully connected panel: x, δy, y, δx gain rows with the batch size, titles change
    rng = np.random.default_rng(1)
    grid = _grid(qtbot)
    grid.resize(700, 500)
    views = {n: grid.add_view(n, n, i // 2, i % 2) for i, n in enumerate(("x", "w", "y", "dx"))}
    views["w"].set_array(rng.normal(size=(3, 2)))
    for n in ("x", "dx"):
        views[n].set_array(rng.normal(size=(3,)))
    views["y"].set_array(rng.normal(size=(2,)))
    _settled(qtbot, grid)

    def batch_of_five():
        for n, cols in (("x", 3), ("dx", 3), ("y", 2)):
            views[n].set_array(rng.normal(size=(5, cols)))
            views[n].set_title(f"{n}   (5, {cols})")

    _first_paint_equals_settled(qtbot, grid, batch_of_five)


def test_slots_hidden_and_reshaped(qtbot):
    # the Conv2D panel's slots: switching passes reshapes every slot and hides one
    rng = np.random.default_rng(2)
    grid = _grid(qtbot)
    grid.resize(640, 460)
    slots = [grid.add_view(f"s{i}", "", i // 2, i % 2) for i in range(4)]
    for s, shape in zip(slots, ((6, 6), (2, 5), (3, 7), (2, 5)), strict=True):
        s.set_array(rng.normal(size=shape))
    _settled(qtbot, grid)

    def backward_pass():
        for s, shape in zip(slots, ((8, 17), (7, 3), (4, 4), (1, 2)), strict=True):
            s.set_array(rng.normal(size=shape))
            s.set_title(f"slot {shape}")
        slots[3].set_visible(False)

    _first_paint_equals_settled(qtbot, grid, backward_pass)


def test_lstm_panel_last_step_back_one(qtbot):
    # the reported case: T = 50, n_h = 16, seeded random fill, step 1216 -> 1215 (the gradient
    # view switches from Δb_i (16,) to the tensor that step writes)
    from pnn_gui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    try:
        _reported_case(qtbot, window)
    finally:
        window.set_saved()  # closing asks nothing


def _reported_case(qtbot, window):
    window.set_animations_enabled(False)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    window.show_panel("LSTM")
    panel = window.current_panel()
    panel.spin_seed.setValue(1)
    panel.spin_n_in.setValue(4)
    panel.spin_n_h.setValue(16)
    panel.spin_T.setValue(50)
    panel.random_button.click()
    window.compute.finish()
    n = panel.state.n_steps
    assert n == 1216
    panel.state.set_step(n)
    _settled(qtbot, panel.grid)
    shape_before = panel.grid.view("grad").shape
    _first_paint_equals_settled(qtbot, panel.grid, lambda: panel.state.set_step(n - 1))
    assert panel.grid.view("grad").shape != shape_before  # the case that reshapes the view
