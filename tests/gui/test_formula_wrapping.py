"""Formulas and legend entries read whole: a caption or a calculator breaks its lines only between
formulas (or legend entries), never inside one; light legend swatches are outlined; the cell a
step writes keeps its own colour. (Reviewed at 1280×800 and 125 %: "o_y = ⌊(4 + 2·1 −" ⏎ "3)/2⌋",
a lone "1" of "stride 1", the padding swatch invisible, −0.188 drawn brown under the tint.)"""

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from engine import conv2d, examples
from pnn_gui import dialogs, style
from pnn_gui.panels.conv2d import Conv2DPanel
from pnn_gui.panels.pooling import PoolingPanel
from pnn_gui.views import graph_view
from pnn_gui.views.conv_shape import PADDING, ConvShapeView, dx_sweep
from pnn_gui.widgets.tensor_view import TensorGrid
from tests.gui.helpers import goto, make_panel, shown_lines, shown_text

pytestmark = pytest.mark.gui


def _whole(lines: list[str], piece: str) -> bool:
    return any(piece in line for line in lines)


def _caption_label(view) -> QtWidgets.QLabel:
    return next(label for label in view.findChildren(QtWidgets.QLabel)
                if label.text() == view.caption())


@pytest.mark.parametrize("width", [200, 260, 320])
def test_conv_calculator_breaks_between_the_rule_and_its_numbers_only(qtbot, width):
    panel = make_panel(qtbot, Conv2DPanel)   # x 4 × 4, f 3 × 3, stride 2, padding 1
    lines = shown_lines(panel.calculator, width)
    for axis, sym in (("o_x (rows)", "x"), ("o_y (cols)", "y")):
        assert _whole(lines, f"{axis} = ⌊({sym} + 2p_{sym} − k_{sym})/s_{sym}⌋ + 1"), lines
    assert _whole(lines, "= ⌊(4 + 2·1 − 3)/2⌋ + 1 = 2"), lines
    assert _whole(lines, "(4 + 2·1 − 3)/2 = 3/2"), lines   # the note's division


def test_conv_shape_caption_keeps_formulas_and_legend_entries_whole(qtbot):
    panel = make_panel(qtbot, Conv2DPanel)
    panel.load_example(examples.load("conv-shape"))      # the sheet's [20, 18, 5], f 3 × 4
    goto(panel, panel.state.n_steps)                      # every size derived
    label = _caption_label(panel.shape_view)
    for width in (240, 320, 420):
        lines = shown_lines(label, width)
        assert _whole(lines, "o_x = ⌊(20 + 2·3 − 3)/2⌋ + 1 = 12"), lines
        assert _whole(lines, "o_y = ⌊(18 + 2·3 − 4)/2⌋ + 1 = 11"), lines
        assert _whole(lines, "never reached (1 row, 0 cols)"), lines   # "1 row", not "1 rows"
        assert _whole(lines, "■ kernel 3 × 4, stride (2, 2)"), lines   # the swatch with its words
        assert _whole(lines, "□ zero padding (dashed edge = input)"), lines


def test_dx_caption_keeps_each_size_and_the_window_whole(qtbot):
    view = ConvShapeView()
    qtbot.addWidget(view)
    view.set_sweep(dx_sweep(conv2d.shape_geometry((4, 4, 1), (3, 3, 1, 2), 2, 1)))
    lines = shown_lines(_caption_label(view), 300)
    assert _whole(lines, "rows (2 − 1)·2 + 1 + 2·2 + 1 = 8;"), lines
    assert _whole(lines, "columns (2 − 1)·2 + 1 + 2·2 + 1 = 8"), lines
    assert _whole(lines, "■ f_back 3 × 3, stride 1"), lines
    assert _whole(lines, "Σᵢⱼₒ dy_dilated[1 + r + i, 1 + c + j, o]"), lines


def test_pooling_calculator_keeps_each_formula_whole(qtbot):
    panel = make_panel(qtbot, PoolingPanel)
    panel.load_example(examples.load("avgpool"))
    lines = shown_lines(panel.calculator, 120)
    for axis in ("x", "y"):
        assert _whole(lines, f"o_{axis} = ⌊({axis} − k_{axis})/s_{axis}⌋ + 1"), lines
    assert _whole(lines, "= ⌊(4 − 2)/1⌋ + 1 = 3"), lines


def test_a_light_swatch_has_a_visible_outline(qtbot):
    # the zero padding's grey is the window's: without an outline the swatch cannot be seen
    label = QtWidgets.QLabel(style.box("#{:02x}{:02x}{:02x}".format(*PADDING[:3])))
    qtbot.addWidget(label)
    label.setAutoFillBackground(True)
    label.resize(40, 30)
    label.show()
    qtbot.waitExposed(label)
    image = label.grab().toImage()
    background = label.palette().color(label.backgroundRole())
    darkest = min(QtGui.QColor(image.pixel(x, y)).lightness()
                  for x in range(image.width()) for y in range(image.height()))
    assert darkest < background.lightness() - 60


def test_autodiff_legend_says_what_each_fill_means():
    for text in (shown_text(graph_view.legend_html()), shown_text(dialogs.legend_text())):
        assert "□ v̄ = 0 or its adjoint not reached yet," in text
        assert "□ value not computed yet;" in text
        assert " ;" not in text and "not yet not" not in text


def test_the_written_cell_keeps_its_own_colour(qtbot):
    # two cells of one negative value; the one written must look like the other (blue), with
    # the orange outline around it
    grid = TensorGrid()
    qtbot.addWidget(grid)
    view = grid.add_view("d", "d", 0, 0)
    view.set_array(np.array([[-0.188, -0.188]]), levels=(-0.2, 0.2))
    grid.resize(400, 200)
    grid.show()
    qtbot.waitExposed(grid)
    view.set_highlight((), [(0, 0)])
    image = grid.grab().toImage()

    def colour(col: float, row: float) -> QtGui.QColor:
        p = grid.mapFromScene(view.viewbox.mapViewToScene(QtCore.QPointF(col, row)))
        return QtGui.QColor(image.pixel(p.x(), p.y()))

    written, other = colour(0.2, 0.25), colour(1.2, 0.25)
    assert written.blue() > written.red() + 60, written.name()
    assert abs(written.hue() - other.hue()) < 8 and abs(written.lightness() - other.lightness()) < 8
    edge = colour(0.0, 0.5)   # the outline, on the cell's left edge
    assert edge.red() > 200 and edge.blue() < 80, edge.name()



def test_the_pooling_caption_keeps_each_equation_of_a_step_whole(qtbot):
    # avgpool's last step adds to four cells: "δx[2,2,0] = 0.7 + 0.1 =" ⏎ "0.8" (reviewed)
    panel = make_panel(qtbot, PoolingPanel)
    panel.load_example(examples.load("avgpool"))
    panel.state.set_step(panel.state.n_steps)
    panel.show_step(panel.state.step)
    step = panel.state.trace.steps[-1]
    label = _caption_label(panel.flow_view)
    for width in (300, 480):
        lines = shown_lines(label, width)
        for piece in step.text.split("; "):
            assert _whole(lines, piece), (piece, lines)
