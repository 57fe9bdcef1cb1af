"""The autodiff graph in a real window (issue 11 item 2): picked from the Examples menu and
stepped to its end at 1280x800, the graph on screen is what every one of its items paints now
(with Qt's device-coordinate cache the node boxes of step 0 stayed on screen, shifted, when the
boxes grew at End: a repaint of the widgets alone repainted the stale cache), and no box or
label lies over another."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PySide6 import QtCore

from tests.xwin.real_window import pixels


@pytest.mark.parametrize("size", [(1280, 800), (1600, 1000)])
def test_the_graph_at_its_end_is_what_its_items_paint(real_window, size):
    rw = real_window("fc", size)
    rw.keys("alt+e", *["Down"] * 7, "Return", "End")
    panel = rw.window.current_panel()
    graph = panel.graph
    assert panel.state.step == panel.state.n_steps
    assert graph.node_texts()[4].splitlines()[1] == "= 2.584"
    where = QtCore.QRect(graph.mapTo(rw.window, QtCore.QPoint(0, 0)), graph.size())
    shown = pixels(rw.grab().copy(where))
    for item in graph.items():   # every item paints anew (a widget's repaint keeps caches)
        item.update()
    rw.settle()
    repainted = pixels(rw.grab().copy(where))
    differ = int(np.count_nonzero(shown != repainted))
    assert differ == 0, f"{differ} pixels of the graph differ from what its items paint now"
    boxes = graph.drawn_boxes()
    for (a, ra), (b, rb) in itertools.combinations(boxes, 2):
        assert not ra.intersects(rb), f"{a!r} lies over {b!r}"
    rw.assert_no_stale_paint(f"autodiff at its end, {size}")
