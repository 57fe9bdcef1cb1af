"""Large tensors stay legible (issue 11, item 5): a 64 × 64 fully connected layer's read cells are
outlined one block at a time, the delta flow sends one marker per block, vectors keep cells a
value can be seen in, and a heatmap too fine for grid lines draws none."""

from __future__ import annotations

import numpy as np
import pytest

from engine import examples
from pnn_gui import dialogs
from pnn_gui.widgets.delta_flow import DeltaFlow
from pnn_gui.widgets.tensor_view import MIN_VECTOR_CELL, TensorGrid, blocks_path
from tests.gui.test_main_window import ONLY_FC, shown_window

pytestmark = pytest.mark.gui

RNG = np.random.default_rng(64)


def _rects(path) -> list[tuple[float, float, float, float]]:
    return sorted((r.x(), r.y(), r.width(), r.height())
                  for r in (poly.boundingRect() for poly in path.toSubpathPolygons()))


def test_blocks_path_outlines_each_contiguous_block_once():
    column = [(r, 2) for r in range(64)]
    assert _rects(blocks_path(column)) == [(2, 0, 1, 64)]
    window = [(r, c) for r in range(1, 4) for c in range(2, 5)]
    assert _rects(blocks_path(window + [(7, 7)])) == [(2, 1, 3, 3), (7, 7, 1, 1)]
    ell = [(0, 0), (0, 1), (0, 2), (1, 0), (2, 0)]  # touching rectangles: one shape
    assert _rects(blocks_path(ell)) == [(0, 0, 3, 3)]
    strided = [(r, c) for r in range(0, 6, 2) for c in range(0, 6, 2)]  # nothing touches
    assert len(_rects(blocks_path(strided))) == 9
    assert _rects(blocks_path([])) == []


@pytest.fixture
def fc64(qtbot, monkeypatch):
    """The window at 1280 × 800 with a 64 → 64 fully connected layer (W 64 × 64)."""
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda parent: "discard")
    w = shown_window(qtbot, size=(1280, 800), panels=ONLY_FC, settings=False)
    panel = w.current_panel()
    x, b, dy = (RNG.normal(size=64).round(2) for _ in range(3))
    weights = RNG.normal(size=(64, 64)).round(2)
    panel.restore_session({"kind": "fully_connected", "inputs": {
        "x": x.tolist(), "w": weights.tolist(), "b": b.tolist(), "dy": dy.tolist()}})
    w.compute.finish()
    qtbot.waitUntil(lambda: panel.state.trace is not None
                    and panel.state.trace.tensors["w"].shape == (64, 64))
    yield w, panel
    w.set_saved()


def test_a_64_by_64_layer_outlines_a_row_as_one_rectangle(fc64, qtbot):
    _, panel = fc64
    trace = panel.state.trace
    k = next(i for i, st in enumerate(trace.steps, 1) if st.title == "ΔW row 5")
    panel.state.set_step(k)
    qtbot.wait(1)
    reads, writes = panel.grid.view("x").outlines(), panel.grid.view("dw").outlines()
    assert [(r.x(), r.y(), r.width(), r.height()) for r in reads[0]] == [(5, 0, 1, 1)]
    assert [(r.x(), r.y(), r.width(), r.height()) for r in writes[1]] == [(0, 5, 64, 1)]
    panel.state.set_step(1)  # y: every element of x read, every one of y written
    qtbot.wait(1)
    assert len(panel.grid.view("x").outlines()[0]) == 1
    assert len(panel.grid.view("y").outlines()[1]) == 1


def test_the_delta_flow_sends_one_marker_per_block(fc64, qtbot):
    _, panel = fc64
    panel.set_animations_enabled(True)
    panel.state.set_step(0)
    panel.state.set_step(1)  # → : reads all 64 elements of x, one block
    assert panel.flow.is_running()
    assert len(panel.flow.markers()) == 1  # was 24 (the cap), one per sampled cell
    panel.flow.skip()


def test_the_sheets_layer_sends_a_marker_per_block_too(qtbot):
    trace = examples.load("fc").solve()
    grid = TensorGrid()
    qtbot.addWidget(grid)
    for i, name in enumerate(("x", "w", "b", "y")):
        grid.add_view(name, name, 0, i).set_array(trace.tensors[name])
    grid.resize(800, 300)
    grid.show()
    qtbot.waitExposed(grid)
    flow = DeltaFlow(grid, grid.scene_pos, group=grid.block_points)
    s = trace.steps[2]  # y₂ reads x₀, x₁ (one block), W's column 2 (one block), b₂
    flow.play(s.reads, s.writes)
    assert len(flow.markers()) == 3
    flow.skip()


def test_vectors_keep_a_minimum_cell_height_and_fine_heatmaps_drop_grid_lines(fc64, qtbot):
    window, panel = fc64
    qtbot.wait(1)
    for name in ("x", "b", "y", "dy", "dx", "db"):  # 64 values in a row about 150 px wide
        view = panel.grid.view(name)
        qtbot.waitUntil(lambda v=view: v.cell_size()[1] >= MIN_VECTOR_CELL - 0.5)
        assert view.cell_size()[0] < MIN_VECTOR_CELL  # the cells are narrower than tall
    w_view = panel.grid.view("w")
    assert w_view.cell_size()[0] < 5 and not w_view.grid_lines_shown()
    # the sheet's 2 × 3 W still has square cells with grid lines
    window.load_example("fc")
    qtbot.wait(1)
    cw, ch = panel.grid.view("w").cell_size()
    assert abs(cw - ch) < 0.5 and panel.grid.view("w").grid_lines_shown()
    assert abs(np.subtract(*panel.grid.view("x").cell_size())) < 0.5  # short vectors: square
