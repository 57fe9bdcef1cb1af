"""The solution pane's own delegate (rows measured and laid out once, kept) against what Qt's
stock QStyledItemDelegate does with the same rows: the same sizes, the same rows on screen,
pixel for pixel. The reference is the pane's previous delegate: stock, every row measured bold."""

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from engine import examples
from pnn_gui.widgets import solution_pane
from pnn_gui.widgets.solution_pane import SolutionPane


class _StockBold(QtWidgets.QStyledItemDelegate):
    """Qt's delegate, measuring every row as if bold (as the pane must: the current line is
    drawn bold in the room laid out for it)."""

    def sizeHint(self, option, index):
        opt = QtWidgets.QStyleOptionViewItem(option)
        font = QtGui.QFont(opt.font)
        font.setBold(True)
        opt.font = font
        return super().sizeHint(opt, index)


@pytest.fixture(scope="module")
def traces():
    return {name: examples.load(name).solve() for name in examples.NAMES}


def _pane(qtbot, trace, width, height=500, stock=False):
    pane = SolutionPane()
    qtbot.addWidget(pane)
    assert pane.style().name() == "fusion"  # the app's style (make_application), Qt's default
    if stock:
        pane.view.setItemDelegate(_StockBold(pane.view))
    pane.resize(width, height)
    pane.show()
    qtbot.waitExposed(pane)
    pane.set_trace(trace)
    return pane


def _option(view, width):
    option = QtWidgets.QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = QtCore.QRect(0, 0, width, 400) if width else QtCore.QRect()  # 0: no room yet
    return option


def test_every_rows_size_is_the_stock_delegates_in_bold(qtbot, traces):
    """Every row of every example, at widths from narrow (long tokens wider than the row) to
    wide, and with no width yet (measured unwrapped): the size Qt's delegate gives in bold."""
    pane = _pane(qtbot, None, 320)
    view, model = pane.view, pane.model
    ours, stock = view.itemDelegate(), _StockBold(view)
    for name, trace in traces.items():
        pane.set_trace(trace)
        for width in (0, 60, 151, 244, 312, 317, 406, 533, 900):
            option = _option(view, width)
            for row in range(model.rowCount()):
                index = model.index(row)
                assert ours.sizeHint(option, index) == stock.sizeHint(option, index), \
                    (name, width, row, model.line(row))
    assert ours._fast and ours._metrics is not None  # the fast paths ran, not the fall-back
    assert len(ours._parts.new) + len(ours._parts.old) > 0


def test_measuring_bold_matters(qtbot, traces):
    """The comparison above can fail: the same rows measured in the regular weight differ."""
    pane = _pane(qtbot, traces["lstm"], 320)
    view, model = pane.view, pane.model
    plain = QtWidgets.QStyledItemDelegate(view)
    option = _option(view, 312)
    differ = [row for row in range(model.rowCount())
              if plain.sizeHint(option, model.index(row))
              != view.itemDelegate().sizeHint(option, model.index(row))]
    assert len(differ) > 10


def _grab_rows(pane, step):
    """Every row's rect, and the viewport's pixels scrolled to ``step``, the top and the end."""
    view = pane.view
    bar = view.verticalScrollBar()
    bar.setValue(0)  # where a resize or font change left it depends on Qt's 100 ms relayout
    QtWidgets.QApplication.processEvents()
    rects = [view.visualRect(pane.model.index(r)) for r in range(pane.model.rowCount())]
    pane.set_current(0)
    pane.set_current(step)
    QtWidgets.QApplication.processEvents()
    images = []
    for value in (bar.value(), 0, bar.maximum()):
        bar.setValue(value)
        view.viewport().repaint()
        images.append(view.viewport().grab().toImage())
    return rects, images


@pytest.mark.parametrize("name, step, point_size", [
    ("lstm", 40, None), ("conv", 5, None), ("fc", 14, None), ("autodiff", 3, None),
    ("lstm", 40, 8), ("conv", 5, 12),  # lines 13 and 19 px tall: odd, to centre them
])
def test_the_pane_looks_as_with_the_stock_delegate(qtbot, traces, name, step, point_size):
    """Same row rects and the same pixels as Qt's delegate (rows measured bold), at the window's
    usual widths and after the splitter moved (the rows re-wrap); the current row bold and
    highlighted, headers, done and to-do colours; after the font changed too."""
    trace = traces[name]
    ours = _pane(qtbot, trace, 330, 460)
    stock = _pane(qtbot, trace, 330, 460, stock=True)
    for width in (330, 250, 470):
        if point_size and width == 250:
            for pane in (ours, stock):
                font = QtGui.QFont(pane.font())
                font.setPointSize(point_size)
                pane.setFont(font)
        for pane in (ours, stock):
            pane.resize(width, 460)
            QtWidgets.QApplication.processEvents()
            pane.view.doItemsLayout()  # the relayout a resize posts (100 ms later)
        got, want = _grab_rows(ours, step), _grab_rows(stock, step)
        wrong = [(r, a, b) for r, (a, b) in enumerate(zip(got[0], want[0], strict=True)) if a != b]
        assert not wrong, (width, wrong[:3])
        for i, (a, b) in enumerate(zip(got[1], want[1], strict=True)):
            assert a == b, (width, i)
    assert ours.view.itemDelegate()._laid.new  # painted by the pane's delegate, not the stock


def test_unchanged_rows_are_not_laid_out_again(qtbot, traces, monkeypatch):
    """A refill with the same lines lays nothing out anew; after an edit the formulas (the first
    line of each step) are not measured again, only the numbers that changed."""
    pane = _pane(qtbot, traces["lstm"], 330)
    pane.set_current(40)
    QtWidgets.QApplication.processEvents()
    delegate = pane.view.itemDelegate()
    made = []
    monkeypatch.setattr(delegate, "_measure_part",
                        lambda part, width: made.append(part) or
                        solution_pane._Rows._measure_part(delegate, part, width))
    monkeypatch.setattr(delegate, "_lay_out",
                        lambda text, width, bold: made.append(text) or
                        solution_pane._Rows._lay_out(delegate, text, width, bold))
    pane.set_trace(examples.load("lstm").solve())
    pane.set_current(40)
    QtWidgets.QApplication.processEvents()
    assert made == []
    example = examples.load("lstm")
    inputs = dict(example.inputs)
    inputs["xs"] = np.asarray(inputs["xs"], dtype=float) + 0.25
    edited = examples.solve("lstm", inputs)
    pane.set_trace(edited)
    pane.set_current(40)
    QtWidgets.QApplication.processEvents()
    rows = [pane.model.line(r) for r in range(pane.model.rowCount())]
    formulas = {line.split("\n")[0] for line in rows}
    assert made and not formulas & set(made)


def test_the_cache_is_bounded():
    recent = solution_pane._Recent(3)
    made = []
    for i in range(20):
        assert recent.get((i,), lambda x: made.append(x) or -x) == -i
    assert len(recent.new) + len(recent.old) <= 6
    assert recent.get((19,), lambda x: 1 / 0) == -19     # a recent one is kept
    assert recent.get((0,), lambda x: 99) == 99          # an old one was dropped
