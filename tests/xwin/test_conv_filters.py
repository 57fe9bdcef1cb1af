"""The Conv2D filter bank in a real window (issue 9, item 1): start the app, click Conv2D in the
sidebar, choose *Filter transform* in the mode box — every cell of every filter matrix is on
screen with its number drawn (it was a lone horizontal scroll bar under "Values", and where a
table was drawn, f₁'s third column hid behind a scroll bar)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore

from tests.xwin.real_window import pixels


def _darkest(shot: np.ndarray, rect: QtCore.QRect) -> int:
    """The darkest grey level inside ``rect`` of the screenshot (text is dark, paper light)."""
    part = shot[rect.top():rect.bottom() + 1, rect.left():rect.right() + 1]
    grey = ((part >> 16 & 255) + (part >> 8 & 255) + (part & 255)) // 3
    return int(grey.min()) if grey.size else 255


@pytest.mark.parametrize("size", [(1280, 800), (1600, 1000)])
def test_filter_transform_shows_every_filter_cell(real_window, size):
    rw = real_window("fc", size)
    win = rw.window
    sidebar = win.sidebar
    row = win.titles().index("Conv2D")
    rw.click(sidebar.viewport(), sidebar.visualItemRect(sidebar.item(row)).center())
    assert win.current_title() == "Conv2D"
    panel = win.current_panel()

    box = panel.mode_box
    rw.click(box, box.rect().center())  # the list opens on the current mode (Full pass)
    rw.keys("Down", "Return")
    assert panel.mode == "filter"
    rw.assert_no_stale_paint(f"Conv2D filter transform at {size}")

    editors = panel.f_editor.editors
    f = panel.state.inputs["f"]
    k_r, k_c, c_in, c_out = f.shape
    assert len(editors) == c_in * c_out, "one table per filter matrix"
    for (ci, co), ed in editors.items():
        table = ed.table
        win.inputs_scroll.ensureWidgetVisible(table, 0, 0)
        rw.settle()
        # the whole table is in the inputs column's view, not cut by it
        top_left = table.mapTo(win.inputs_scroll.viewport(), QtCore.QPoint(0, 0))
        in_view = QtCore.QRect(top_left, table.size())
        assert win.inputs_scroll.viewport().rect().contains(in_view), \
            f"f[:,:,{ci},{co}] is cut by the inputs column ({in_view} in " \
            f"{win.inputs_scroll.viewport().rect()})"
        assert not table.horizontalScrollBar().isVisible(), f"f[:,:,{ci},{co}] scrolls sideways"
        assert not table.verticalScrollBar().isVisible(), f"f[:,:,{ci},{co}] scrolls"
        shot = pixels(rw.grab())
        viewport = table.viewport()
        for r in range(k_r):
            for c in range(k_c):
                cell = table.visualRect(table.model().index(r, c))
                assert viewport.rect().contains(cell), \
                    f"f[{r},{c},{ci},{co}] lies outside its table's viewport"
                on_screen = QtCore.QRect(viewport.mapTo(win, cell.topLeft()), cell.size())
                assert _darkest(shot, on_screen.adjusted(2, 2, -2, -2)) < 0x60, \
                    f"f[{r},{c},{ci},{co}] = {f[r, c, ci, co]:g} is not drawn on screen"
                assert float(ed.cell_text(r, c)) == f[r, c, ci, co]
