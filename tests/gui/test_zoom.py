"""View → Zoom: one text size for the whole window, followed by every view, remembered."""

import itertools

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from pnn_gui import main_window as mw
from pnn_gui import style
from pnn_gui.views.text_layer import TextLayer
from tests.gui.test_main_window import shown_window


@pytest.fixture(autouse=True)
def _back_to_100():
    """The zoom is the application's: every test here leaves it at 100 %."""
    style.set_zoom(1.0)
    yield
    style.set_zoom(1.0)


def _text_layers(view) -> list[TextLayer]:
    return [item for item in view.items() if isinstance(item, TextLayer)]


def text_sizes(w: mw.MainWindow) -> dict[str, float]:
    """What each view's text measures now (points or pixels), read through public methods."""
    fc = w.panel("Fully connected")
    lstm = w.panel("LSTM")
    grid_view = fc.grid.view("x")
    editor = fc.editors["w"]
    header = next(r for r in range(w.solution.model.rowCount())
                  if w.solution.model.step_of_row[r] == 0)
    bold = w.solution.model.data(w.solution.model.index(header),
                                 QtCore.Qt.ItemDataRole.FontRole)
    return {
        "application font": QtWidgets.QApplication.font().pointSizeF(),
        "sidebar": w.sidebar.font().pointSizeF(),
        "step label": w.player.label.font().pointSizeF(),
        "worked solution": w.solution.view.font().pointSizeF(),
        "worked solution's headers": bold.pointSizeF(),
        "heatmap title": grid_view.title_height(),
        "heatmap values": grid_view.text_font(200, 200).pointSizeF(),
        "colour bar": grid_view.colorbar.minimumHeight(),
        "editor cells": editor.table.horizontalHeader().defaultSectionSize(),
        "editor rows": editor.table.verticalHeader().defaultSectionSize(),
        "editor title": editor.findChild(QtWidgets.QLabel, "editorTitle").font().pointSizeF(),
        "LSTM timeline values": lstm.timeline.plot.cell_font_size(),
        "LSTM timeline cell": lstm.timeline.plot.cell_size().height(),
        "LSTM equations": lstm.timeline.equations.font().pointSizeF(),
        "LSTM δc bar values": lstm.dc_view.text_size(),
    }


def test_zoom_in_makes_every_views_text_larger_and_actual_size_brings_it_back(qtbot):
    w = shown_window(qtbot)
    for title in w.titles():
        w.show_panel(title)  # every panel built
    w.show_panel("LSTM")
    before = text_sizes(w)
    assert before["LSTM timeline values"] == before["application font"]  # the normal size
    w.action_zoom_in.trigger()
    w.action_zoom_in.trigger()
    assert style.zoom() == pytest.approx(1.25)
    assert w.status_line.text() == "Zoom 125 %"
    after = text_sizes(w)
    for what, size in before.items():
        assert after[what] > size * 1.1, (what, size, after[what])
    w.action_zoom_reset.trigger()
    assert text_sizes(w) == pytest.approx(before)


def test_a_window_built_while_zoomed_looks_like_one_zoomed_after(qtbot):
    """No size scaled twice, none missed: building at 140 % gives what zooming to it gives."""
    w = shown_window(qtbot)
    w.set_zoom(1.4)
    zoomed_after = text_sizes(w)
    w.close()
    w = shown_window(qtbot)   # (the saved zoom, 140 %, applies before any panel is built)
    assert style.zoom() == pytest.approx(1.4)
    assert text_sizes(w) == pytest.approx(zoomed_after)


def test_zoom_goes_in_steps_of_10_to_15_percent_between_70_and_200(qtbot):
    w = shown_window(qtbot)
    seen = [style.zoom()]
    while w.action_zoom_in.isEnabled():
        w.action_zoom_in.trigger()
        seen.append(style.zoom())
    assert seen[-1] == pytest.approx(2.0)
    while w.action_zoom_out.isEnabled():
        w.action_zoom_out.trigger()
        seen.append(style.zoom())
    assert seen[-1] == pytest.approx(0.7)
    steps = sorted(set(seen))
    ratios = np.array(steps[1:]) / np.array(steps[:-1])
    assert np.all((ratios >= 1.099) & (ratios <= 1.15)), ratios
    w.action_zoom_reset.trigger()
    assert style.zoom() == 1.0
    assert [a.shortcut().toString() for a in (w.action_zoom_in, w.action_zoom_out,
                                              w.action_zoom_reset)] == ["Ctrl++", "Ctrl+-",
                                                                        "Ctrl+0"]


def test_the_zoom_survives_a_restart_and_a_damaged_value_is_100_percent(qtbot):
    w = shown_window(qtbot)
    w.action_zoom_in.trigger()
    w.action_zoom_in.trigger()
    w.close()                        # the settings are saved on closing
    style.set_zoom(1.0)              # a new process starts at the desktop's size
    w = shown_window(qtbot)
    assert style.zoom() == pytest.approx(1.25)
    assert QtWidgets.QApplication.font().pointSizeF() == pytest.approx(
        style.DESIGN_POINTS * 1.25)
    w.close()
    for damaged in ("big", "1.33", "-1", ""):
        QtCore.QSettings().setValue("view/zoom", damaged)
        style.set_zoom(1.25)
        w = mw.MainWindow()
        qtbot.addWidget(w)
        assert style.zoom() == 1.0, damaged
        w.deleteLater()


def test_the_lstm_panel_fits_1280x800_at_100_percent_with_its_numbers_at_text_size(qtbot):
    """At 1280 × 800 nothing of the LSTM panel scrolls or is cut at 100 %, its numbers at the
    window's text size (they were 7.5 pt beside 9-pt text)."""
    w = shown_window(qtbot, size=(1280, 800))
    w.load_example("lstm")
    w.current_panel().state.set_step(w.current_panel().state.n_steps)
    p = w.current_panel()
    plot = p.timeline.plot
    qtbot.waitUntil(lambda: plot.height() >= plot.minimumSizeHint().height())
    text = QtWidgets.QApplication.font().pointSizeF()
    assert p.timeline.plot.cell_font_size() == text
    assert p.dc_view.text_size() == text
    assert p.timeline.equations.font().pointSizeF() == text
    assert p.view_widget.verticalScrollBar().maximum() == 0
    assert p.view_widget.horizontalScrollBar().maximum() == 0
    assert plot.shown_columns() == (0, 4) and not p.timeline.columns_bar.isVisible()
    assert plot.height() >= plot.minimumSizeHint().height()
    assert plot.cell_size().height() >= QtGui.QFontMetricsF(style.font(9)).height()
    # zoomed in twice it scrolls instead of shrinking its numbers
    w.action_zoom_in.trigger()
    w.action_zoom_in.trigger()
    qtbot.waitUntil(lambda: p.timeline.plot.cell_font_size() == pytest.approx(text * 1.25))
    qtbot.waitUntil(lambda: p.view_widget.verticalScrollBar().maximum() > 0)
    qtbot.waitUntil(lambda: plot.height() >= plot.minimumSizeHint().height())
    assert plot.cell_size().height() >= QtGui.QFontMetricsF(style.font(9)).height()
    _first, count = plot.shown_columns()       # whole columns at their readable width
    assert count * plot.cell_size().width() <= plot.getPlotItem().getViewBox().width() + 1


def test_the_graph_grows_with_the_zoom_where_it_has_room_and_keeps_fitting_where_not(qtbot):
    from pnn_gui.panels.autodiff import AutodiffPanel

    panel = AutodiffPanel()
    qtbot.addWidget(panel.view_widget)
    graph = panel.graph
    graph.setParent(None)
    qtbot.addWidget(graph)
    graph.resize(1600, 1000)
    graph.show()
    qtbot.waitExposed(graph)
    before = [t.font_size() for t in _text_layers(graph)]
    style.set_zoom(1.25)
    assert [t.font_size() for t in _text_layers(graph)] == pytest.approx(
        [b * 1.25 for b in before])
    # in a small view the labels shrink to fit, but not below 70 % of their size at 100 %
    graph.resize(260, 200)
    qtbot.waitUntil(lambda: graph.width() == 260)
    smallest = [t.font_size() for t in _text_layers(graph)]
    assert all(s >= 0.7 * b - 1e-9 for s, b in zip(smallest, before, strict=True))
    assert all(s < b for s, b in zip(smallest, before, strict=True))


def _left_tick_label_rects(view) -> list[QtCore.QRectF]:
    """Where the left axis of a pyqtgraph view draws its numbers (as its paint would)."""
    axis = view.getPlotItem().getAxis("left")
    image = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [rect for rect, _flags, _text in specs[2]] if specs else []


@pytest.mark.parametrize("zoom", [1.0, 1.1])
def test_the_norm_plots_numbers_never_overlap_at_1280x800(qtbot, zoom):
    """The ‖δc_t‖ plot is short: its left axis printed 0.1, 0.2, 0.3 on top of each other."""
    style.set_zoom(zoom)
    w = shown_window(qtbot, size=(1280, 800))
    w.load_example("lstm")
    p = w.current_panel()
    p.state.set_step(p.state.n_steps)
    qtbot.waitUntil(lambda: p.norm_view.height() >= p.norm_view.minimumHeight() > 0)
    rects = sorted(_left_tick_label_rects(p.norm_view), key=lambda r: r.top())
    assert len(rects) >= 2                      # a scale to read: at least two numbers
    for upper, lower in itertools.pairwise(rects):
        assert upper.bottom() <= lower.top(), (upper, lower)


def test_the_current_step_stays_in_view_in_the_worked_solution_after_a_zoom(qtbot):
    w = shown_window(qtbot, size=(1280, 800))
    w.load_example("lstm")
    w.panel("LSTM").state.set_step(143)
    pane = w.solution

    def current_line_in_view() -> bool:
        rect = pane.view.visualRect(pane.index_of_step(pane.current()))
        return rect.isValid() and pane.view.viewport().rect().contains(rect)

    qtbot.waitUntil(current_line_in_view)
    for _ in range(3):
        w.action_zoom_in.trigger()
        qtbot.waitUntil(current_line_in_view)
    w.action_zoom_reset.trigger()
    qtbot.waitUntil(current_line_in_view)
