"""Stepping in a real window: what the X server shows after each step change is what a full
repaint shows, and the worked solution's lines have the colours of their step (issue 9, item 2:
after Home only the old and new current rows were repainted, so lines 1-13 of fc stayed dark);
a line not reached yet shows its formula only, and its numbers appear in place when it is."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from engine import examples
from tests.xwin.real_window import pixels


def _lines_in_view(pane) -> dict[int, QtCore.QRect]:
    """Step k -> its line's rectangle in the list's viewport, for the lines wholly in view."""
    viewport = pane.view.viewport().rect()
    rects = {k: pane.view.visualRect(pane.index_of_step(k))
             for k in range(1, len(pane.model.row_of_step))}
    return {k: r & viewport for k, r in rects.items()
            if r.top() >= 0 and r.bottom() <= viewport.bottom()}


def _assert_line_colours(rw, what: str) -> None:
    """On screen, every step line in view up to the current step is dark, every later one grey
    (the darkest grey level inside a line's row: its text)."""
    pane, window = rw.window.solution, rw.window
    shot = pixels(rw.grab())
    grey = ((shot >> 16 & 255) + (shot >> 8 & 255) + (shot & 255)) // 3
    k_now = pane.current()
    lines = _lines_in_view(pane)
    for k, rect in lines.items():
        top = pane.view.viewport().mapTo(window, rect.topLeft())
        level = int(grey[top.y():top.y() + rect.height(), top.x():top.x() + rect.width()].min())
        if k <= k_now:
            assert level < 0x50, f"{what}: line {k} is grey (level {level}) at step {k_now}"
        else:
            assert level > 0x70, f"{what}: line {k} is dark (level {level}) at step {k_now}"
    assert len(lines) >= min(5, window.current_panel().state.n_steps), \
        f"{what}: only {len(lines)} lines in view"


@pytest.mark.parametrize("example", examples.ALL_NAMES)
def test_step_changes_leave_no_stale_paint(real_window, example):
    """Home, →, End, ←, then End after Home, then a click on a line: each time the screen equals
    a full repaint and every line of the worked solution has its step's colour."""
    rw = real_window(example)
    n = rw.window.current_panel().state.n_steps
    for key, step, compare in (("Home", 0, True), ("Right", 1, True), ("End", n, True),
                               ("Left", n - 1, True), ("Home", 0, False), ("End", n, False)):
        rw.keys(key)
        assert rw.window.solution.current() == step, key
        _assert_line_colours(rw, f"{example} after {key}")
        if compare:
            rw.assert_no_stale_paint(f"{example} after {key}")
    pane = rw.window.solution
    lines = _lines_in_view(pane)
    step = sorted(lines)[len(lines) // 2]
    rw.click(pane.view.viewport(), lines[step].center())
    assert pane.current() == step
    _assert_line_colours(rw, f"{example} after a click on line {step}")
    rw.assert_no_stale_paint(f"{example} after a click on line {step}")


def _ink(image: QtGui.QImage) -> np.ndarray:
    """The text of ``image`` (dark pixels), cropped to its bounding box."""
    grey = pixels(image)
    dark = ((grey >> 16 & 255) + (grey >> 8 & 255) + (grey & 255)) // 3 < 0xA0
    ys, xs = np.nonzero(dark)
    return dark[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def _drawn_with_all_the_room_it_wants(view, index, width: int) -> QtGui.QImage:
    """Row ``index`` as the view's delegate draws it ``width`` wide and far taller than needed
    (nothing can be cut or elided)."""
    option = QtWidgets.QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = QtCore.QRect(0, 0, width, 2000)
    image = QtGui.QImage(option.rect.size(), QtGui.QImage.Format.Format_RGB32)
    image.fill(QtGui.QColor("white"))
    painter = QtGui.QPainter(image)
    view.itemDelegateForIndex(index).paint(painter, option, index)
    painter.end()
    return image


def test_current_line_shows_whole(real_window):
    """At the LSTM steps whose line was cut before its result ("… + …", issue 9 item 2), the
    current line on screen holds all the text its delegate draws when given unlimited room."""
    rw = real_window("lstm")
    pane, window = rw.window.solution, rw.window
    viewport = pane.view.viewport()
    rw.keys("Home")
    for k in (48, 62, 63, 96, 97):
        window.current_panel().state.set_step(k)
        rw.settle()
        index = pane.index_of_step(k)
        rect = pane.view.visualRect(index)
        assert rect.top() >= 0 and rect.bottom() < viewport.height(), f"line {k} is not in view"
        rect &= viewport.rect()
        shown = rw.grab().copy(QtCore.QRect(viewport.mapTo(window, rect.topLeft()), rect.size()))
        whole = _drawn_with_all_the_room_it_wants(pane.view, index, rect.width())
        assert np.array_equal(_ink(shown), _ink(whole)), \
            f"step {k}'s line on screen is not all of its text"
        rw.assert_no_stale_paint(f"lstm at step {k}")


def _ink_rows(rw, rect_in_viewport: QtCore.QRect) -> np.ndarray:
    """The pixel rows of a line's rectangle that hold text on screen (grey or dark)."""
    pane, window = rw.window.solution, rw.window
    top = pane.view.viewport().mapTo(window, rect_in_viewport.topLeft())
    shot = pixels(rw.grab())
    block = shot[top.y():top.y() + rect_in_viewport.height(),
                 top.x():top.x() + rect_in_viewport.width()]
    grey = ((block >> 16 & 255) + (block >> 8 & 255) + (block & 255)) // 3
    return np.nonzero((grey < 0xC0).any(axis=1))[0]


@pytest.mark.parametrize("example", ["fc", "autodiff"])
def test_a_line_shows_its_numbers_when_its_step_is_reached(real_window, example):
    """At step 1, line 2 on screen is its formula: its text starts where the reached line's
    does and ends about a text line above it. → reaches it: the numbers appear below the
    formula, in the same place (no row moved), and the screen equals a full repaint."""
    rw = real_window(example)
    pane = rw.window.solution
    rw.keys("Home", "Right")
    rect = _lines_in_view(pane)[2]
    formula = _ink_rows(rw, rect)
    rw.keys("Right")
    assert pane.current() == 2 and _lines_in_view(pane)[2] == rect
    whole = _ink_rows(rw, rect)
    line = pane.view.fontMetrics().lineSpacing()
    assert formula.size and abs(int(formula[0]) - int(whole[0])) <= 1
    assert int(formula[-1]) < int(whole[-1]) - line // 2, \
        f"{example}: line 2 showed more than its formula before its step (ink to row " \
        f"{formula[-1]}, {whole[-1]} once reached)"
    rw.assert_no_stale_paint(f"{example} with line 2 reached")
