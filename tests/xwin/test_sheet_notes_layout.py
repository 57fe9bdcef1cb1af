"""The sheet's notes in a real window (issue 11 item 1): every note row in view is tall enough
for its text wrapped at the width it is painted at, so it shows whole. (With Qt's information
icon as the rows' decoration, Qt measured the wrapped text wider than it painted it, and notes
lost their middles on screen: "(channel 0 o…ilter 1)".)

Where the text starts is read from the screen (the leftmost pixel of the note's colour), where
it ends from the row (QListView paints a row no wider than its viewport less the spacing on both
sides, the style keeps a margin), and the text is wrapped there as Qt's style wraps it."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtGui, QtWidgets

from tests.xwin.real_window import pixels


def _text_left(shot: np.ndarray, top_left, rect) -> int:
    """x (in the row) of the leftmost pixel of the note's text: purple-ish, red well above green
    (the lilac background is not, nor is a blue icon or white)."""
    x0, y0 = top_left.x(), top_left.y()
    block = shot[y0:y0 + rect.height(), x0:x0 + rect.width()]
    r, g = block >> 16 & 255, block >> 8 & 255
    cols = np.nonzero(((r > g + 40) & (g < 200)).any(axis=0))[0]
    assert cols.size, "no text of the note's colour in its row"
    return int(cols[0])


def _wrapped_height(text: str, font: QtGui.QFont, width: int) -> int:
    layout = QtGui.QTextLayout(text, font)
    option = QtGui.QTextOption()
    option.setWrapMode(QtGui.QTextOption.WrapMode.WordWrap)
    layout.setTextOption(option)
    layout.beginLayout()
    height = 0.0
    while (line := layout.createLine()).isValid():
        line.setLineWidth(width)
        height += line.height()
    layout.endLayout()
    return int(height + 0.999)


@pytest.mark.parametrize(("menu", "steps", "size"), [
    (("Down",), ("End",), (1600, 1000)),                          # conv-filter
    (("Down",) * 6, ("Home",) + ("Right",) * 28, (1280, 800)),    # lstm, at δc₃[1]
    (("Down",) * 7, ("End",), (1280, 800)),                       # autodiff
])
def test_every_note_in_view_shows_whole(real_window, menu, steps, size):
    """From the fc panel, an example picked in the Examples menu as a user does, then stepped
    to where its notes are."""
    rw = real_window("fc", size)
    rw.keys("alt+e", *menu, "Return", *steps)
    view = rw.window.solution.view
    pane = rw.window.solution
    shot = pixels(rw.grab())
    margin = view.style().pixelMetric(QtWidgets.QStyle.PixelMetric.PM_FocusFrameHMargin, None,
                                      view) + 1
    right = view.viewport().width() - view.spacing() - margin      # where the text must end
    bottom = view.viewport().rect().bottom()
    notes = [pane.index_of_sheet_note(k) for k in range(1, pane.current() + 1)]  # (shown)
    in_view = [i for i in notes if i.isValid() and view.visualRect(i).top() >= 0
               and view.visualRect(i).bottom() <= bottom]
    assert in_view, rw.window.current_title()
    for index in in_view:
        rect = view.visualRect(index)
        left = _text_left(shot, view.viewport().mapTo(rw.window, rect.topLeft()), rect)
        need = _wrapped_height(index.data(), view.font(), right - (rect.left() + left))
        assert need <= rect.height(), f"{index.data()!r}: needs {need} px, has {rect.height()}"
