"""Issue 9's window items on a real X server, driven by X input and read back from its pixels:
the slider's groove jumps (item 6), a formula waits for Enter (item 3), a selected bad cell is
red (item 9), and results that do not compute are dimmed, on screen and with no stale paint
(item 9)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from pnn_gui import dialogs
from tests.xwin.real_window import pixels


@pytest.fixture(autouse=True)
def _edits_are_dropped_on_close(monkeypatch):
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda parent: "discard")


def _rgb(image, widget, window, point: QtCore.QPoint) -> tuple[int, int, int]:
    """The colour on screen at ``point`` of ``widget``."""
    at = widget.mapTo(window, point)
    v = int(pixels(image)[at.y(), at.x()])
    return v >> 16 & 255, v >> 8 & 255, v & 255


def test_a_click_on_the_sliders_groove_jumps_to_that_step(real_window):
    rw = real_window("fc", size=(1600, 1000))
    slider = rw.window.player.slider
    assert rw.window.player.step() == 0                      # an example opens at step 0
    opt = QtWidgets.QStyleOptionSlider()
    slider.initStyleOption(opt)
    cc, sc = QtWidgets.QStyle.ComplexControl, QtWidgets.QStyle.SubControl
    groove = slider.style().subControlRect(cc.CC_Slider, opt, sc.SC_SliderGroove, slider)
    handle = slider.style().subControlRect(cc.CC_Slider, opt, sc.SC_SliderHandle, slider)
    x = groove.left() + handle.width() // 2 + round((groove.width() - handle.width()) * 11 / 14)
    rw.click(slider, QtCore.QPoint(x, groove.center().y()))
    assert rw.window.player.step() == 11 and rw.window.solution.current() == 11
    rw.assert_no_stale_paint("fc after a click on the groove")


def test_typing_a_formula_waits_for_enter(real_window):
    rw = real_window("autodiff", size=(1600, 1000))
    panel = rw.window.current_panel()
    trace = panel.state.trace
    rw.click(panel.expression, panel.expression.rect().center())
    rw.keys("ctrl+a", "c", "o", "s", "parenleft", "x", "1", "asterisk")   # cos(x1*
    # (typed in well under the pause; had the pause passed, the formula would not parse either)
    variables = [panel.values_table.item(r, 0).text()
                 for r in range(panel.values_table.rowCount())]
    assert panel.state.trace is trace and variables == ["x1", "x2"]     # no graph of "co"
    rw.keys("Return")
    assert panel.expression_error_text().startswith("expression:")
    assert panel.state.trace is trace
    rw.assert_no_stale_paint("autodiff after a formula that does not parse")


def test_a_selected_bad_cell_is_red_on_screen(real_window):
    rw = real_window("fc", size=(1600, 1000))
    editor = rw.window.current_panel().editors["w"]
    table = editor.table
    rw.click(table.viewport(), table.visualRect(table.model().index(0, 1)).center())
    rw.keys("o", "o", "p", "s", "Return")                         # a bad cell
    assert editor.cell_errors() == {(0, 1): "'oops' is not a number"}
    rw.click(table.viewport(), table.visualRect(table.model().index(0, 1)).center())
    shot = rw.grab()
    rect = table.visualRect(table.model().index(0, 1))
    red = _rgb(shot, table.viewport(), rw.window, QtCore.QPoint(rect.left() + 4, rect.center().y()))
    assert red[0] > 200 and red[0] - red[2] > 60, red              # red, not the selection blue
    rw.keys("Delete")                                              # Delete: 0, and no longer bad
    assert editor.cell_errors() == {} and editor.value()[0, 1] == 0
    rw.assert_no_stale_paint("fc after Delete on a bad cell")


def test_results_that_do_not_compute_are_dimmed_on_screen(real_window):
    rw = real_window("fc", size=(1600, 1000))
    window = rw.window
    rw.keys("End")
    views = window.view_stack

    def ink() -> float:
        image = rw.grab()
        top = views.mapTo(window, QtCore.QPoint(0, 60))
        part = pixels(image)[top.y():top.y() + views.height() - 60,
                             top.x():top.x() + views.width()]
        grey = ((part >> 16 & 255) + (part >> 8 & 255) + (part & 255)) / 3
        return float(np.mean(255 - grey))

    vivid = ink()
    window.current_panel().editors["w"].resize_to(3, 3)          # x no longer fits W
    rw.settle()
    assert ink() < 0.6 * vivid
    rw.assert_no_stale_paint("fc dimmed")
    window.current_panel().editors["w"].resize_to(2, 3)          # computes again, as before
    rw.settle()
    assert ink() > 0.9 * vivid
    rw.assert_no_stale_paint("fc no longer dimmed")
