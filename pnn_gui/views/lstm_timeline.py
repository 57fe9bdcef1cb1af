"""The unrolled LSTM: one column per time step, the gates, c, h (and δh, δc) as small heatmaps.

Column ``t`` (0..T) holds the values at time ``t``; column 0 only has ``c₀`` (and ``δc₀`` at the
end of the backward pass). Each row is one quantity, drawn as a strip of ``n_h`` cells (unit ``j``
downwards), half a cell apart, so the picture reads like the unrolled network on paper. All rows
are one ``ImageItem`` created once and updated with ``setImage(levels=…)``; levels are fixed per
trace (σ gates on [-1, 1], tanh outputs on [-1, 1], c, δh, δc symmetric about zero) so colours do
not jump while stepping. Values not computed yet are NaN and show empty.

Readable first: each cell's value prints at the window's text size (View → Zoom), and a cell is
never smaller than its value needs (:meth:`TimelinePlot.cell_size`). When the time steps do not
fit the width, the plot shows as many columns as fit and a scroll bar under it moves through
them (:attr:`TimelinePlot.columns_changed`); the row names stay, and the current step's column is
kept in view. Past :data:`MAX_LABELLED_CELLS` cells the values are not printed and the cells may
be small.

Views never write state: the panel calls :meth:`set_geometry` when a new trace arrives,
:meth:`show_values` and :meth:`set_focus` on every step; :meth:`scene_pos` locates a cell for
the shared :class:`~pnn_gui.widgets.delta_flow.DeltaFlow`, which animates a step's contribution.
A click on a column emits :attr:`TimelinePlot.column_clicked` (the panel jumps there).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from pnn_gui import style
from pnn_gui.views.text_layer import TextLayer, short
from pnn_gui.widgets.tensor_view import colormap

#: print each cell's value when the timeline has at most this many cells
MAX_LABELLED_CELLS = 640
#: vertical gap between row strips, in cells (one image row: the image has two per cell)
ROW_GAP = 0.5


@dataclass(frozen=True)
class Row:
    key: str            # tensor name in the trace, (T, n_h)
    label: str          # shown at the left
    initial: str | None = None   # tensor name of the t = 0 column, (n_h,)
    bounded: bool = False        # values in [-1, 1] by construction (σ, tanh): fixed levels


ROWS: tuple[Row, ...] = (
    Row("f", "f", bounded=True),
    Row("i", "i", bounded=True),
    Row("o", "o", bounded=True),
    Row("g", "g", bounded=True),
    Row("c", "c", initial="c0"),
    Row("h", "h", bounded=True),
    Row("dh", "δh"),
    Row("dc", "δc", initial="dc0"),
)


def _sub(text: str) -> str:
    """``c_{t−1}`` as HTML, ``c<sub>t−1</sub>``: the equations below read like the sheet."""
    out, i = [], 0
    while (j := text.find("_{", i)) >= 0:
        k = text.index("}", j)
        out += [text[i:j], "<sub>", text[j + 2:k], "</sub>"]
        i = k + 1
    return "".join(out) + text[i:]


#: the cell's equations and δc_t's five terms (in the legend's words), one line each
EQUATIONS = tuple(_sub(line) for line in (
    "f_{t} = σ(x_{t}·W_{f} + c_{t−1}·W_{fc} + b_{f})",
    "i_{t} = σ(x_{t}·W_{i} + c_{t−1}·W_{ic} + b_{i})",
    "o_{t} = σ(x_{t}·W_{o} + c_{t−1}·W_{oc} + b_{o})",
    "g_{t} = tanh(x_{t}·W_{c} + b_{c})",
    "c_{t} = f_{t} ⊙ c_{t−1} + i_{t} ⊙ g_{t}",
    "h_{t} = tanh(u_{t}),  u_{t} = o_{t} ⊙ c_{t}",
    "",
    "δu_{t} = δh_{t} ⊙ (1 − tanh²(u_{t}))",
    "δc_{t} = δu_{t} ⊙ o_{t}   (from h_{t})",
    "&nbsp;&nbsp;&nbsp;&nbsp;+ δc_{t+1} ⊙ f_{t+1}   (from c_{t+1})",
    "&nbsp;&nbsp;&nbsp;&nbsp;+ δf̂_{t+1}·W_{fc}<sup>T</sup> + δî_{t+1}·W_{ic}<sup>T</sup>",
    "&nbsp;&nbsp;&nbsp;&nbsp;+ δô_{t+1}·W_{oc}<sup>T</sup>   (peepholes)",
    "δf̂, δî, δô, δĝ:",
    "&nbsp;&nbsp;&nbsp;&nbsp;the deltas before σ and tanh",
))


def equations_html() -> str:
    return "<div style='line-height:140%'>" + "<br>".join(EQUATIONS) + "</div>"


class TimelinePlot(pg.PlotWidget):
    """The heatmap grid alone (a PlotWidget), sized by :meth:`set_geometry`."""

    #: a click on column t (0..T)
    column_clicked = QtCore.Signal(int)
    #: (first column shown, columns shown, all columns) after the shown columns changed
    columns_changed = QtCore.Signal(int, int, int)

    def __init__(self, parent: QtWidgets.QWidget | None = None, rows: Sequence[Row] = ROWS):
        super().__init__(parent, background="w")
        self.rows = tuple(rows)
        self._laid_out: tuple[int, int] | None = None  # (T + 1, n_h) the grid is drawn for
        self._lut = colormap().getLookupTable(nPts=256)
        pi = self.getPlotItem()
        pi.hideAxis("bottom")
        pi.showAxis("top")
        for side in ("left", "top"):
            axis = pi.getAxis(side)
            axis.setPen(pg.mkPen(None))
            axis.setTextPen(pg.mkPen("#202020"))
            axis.setStyle(tickLength=0)
        pi.setMenuEnabled(False)
        pi.hideButtons()
        vb = pi.getViewBox()
        vb.invertY(True)
        vb.setMouseEnabled(False, False)
        vb.setDefaultPadding(0.0)
        # every row in one image, two image rows per cell (the gap between strips is one):
        # each row's values divided by its own level, shown on [-1, 1]
        self._image = pg.ImageItem(axisOrder="row-major")
        self._image.setLookupTable(self._lut)
        self.addItem(self._image)
        self._canvas = np.zeros((0, 0))
        # separators between time columns and around strips: one item
        self._grid = pg.PlotDataItem(pen=pg.mkPen("#ffffff", width=3), connect="finite")
        self.addItem(self._grid)
        self._empty = pg.PlotDataItem(pen=pg.mkPen("#d0d0d0", width=1), connect="finite")
        self.addItem(self._empty)
        self._reads = pg.PlotDataItem(pen=pg.mkPen("#303030", width=2), connect="finite")
        self._writes = pg.PlotDataItem(pen=pg.mkPen("#ff8c00", width=3), connect="finite")
        # the current time column: solid and pale (a dashed outline, partly repainted, came
        # back with its dashes shifted in a real window: stale paint)
        self._column = pg.PlotDataItem(pen=pg.mkPen("#ffc27a", width=2), connect="finite")
        for item in (self._reads, self._writes, self._column):
            self.addItem(item)
        self._values_text = TextLayer(font_size=style.DESIGN_POINTS)  # the window's text size
        self._values_text.setZValue(10)
        # painted directly, not from TextLayer's pixmap cache: with the columns scrolled, a
        # step's region update of that cache drew a column's values in the wrong cells (seen in
        # a real window at 1280 × 800, zoomed); at most MAX_LABELLED_CELLS short labels
        self._values_text.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.NoCache)
        self.addItem(self._values_text)
        self.T = 0
        self.n_h = 0
        self._focus: tuple[int | None, tuple, tuple] = (None, (), ())
        self.levels: dict[str, float] = {}
        self._label_cells = False
        self._values: dict[str, np.ndarray] = {}
        #: other tensor names drawn in a row's cells (e.g. the terms of δc in the δc row)
        self.aliases: dict[str, str] = {}
        self.setToolTip("Click a column to go to the first step at that time")
        self._first = 0           # the first column shown
        self._shown = (0, 0, 0)   # what columns_changed said last
        vb.sigResized.connect(self._show_range)
        self._set_axis_fonts()
        style.on_zoom(self._on_zoom)

    # -- size -----------------------------------------------------------------------------------
    def cell_size(self) -> QtCore.QSizeF:
        """The smallest cell (pixels) that prints its value whole at the window's text size:
        as wide as ``-0.060`` or ``-9.5e-4`` and one line high (a few pixels when values are not
        printed)."""
        if not self._label_cells:
            return QtCore.QSizeF(8.0, 3.0)
        widest = max(self._values_text.measure(t).width() for t in ("-0.060", "-9.5e-4"))
        return QtCore.QSizeF(widest + 8, self._values_text.measure("0").height())

    def minimumSizeHint(self) -> QtCore.QSize:
        """As tall as every row needs; as wide as one column (the rest scroll)."""
        if self.T == 0:
            return QtCore.QSize(60, 60)
        cell = self.cell_size()
        pi = self.getPlotItem()
        w = pi.getAxis("left").width() + cell.width() + 4
        h = pi.getAxis("top").height() + self.row_top(len(self.rows)) * cell.height() + 4
        return QtCore.QSize(int(np.ceil(w)), int(np.ceil(h)))

    def sizeHint(self) -> QtCore.QSize:
        """Every column at its readable width."""
        hint = self.minimumSizeHint()
        extra = self.T * self.cell_size().width()
        return QtCore.QSize(int(hint.width() + extra), hint.height())

    def shown_columns(self) -> tuple[int, int]:
        """(first, count) of the time columns in view."""
        return self._shown[:2]

    def set_first_column(self, first: int) -> None:
        """Show the columns from ``first`` on (as many as fit)."""
        self._first = int(first)
        self._show_range()

    def show_column(self, t: int) -> None:
        """Bring column ``t`` into view (the columns move as little as they can)."""
        first, count = self._shown[:2]
        if count and not first <= t < first + count:
            self.set_first_column(t if t < first else t - count + 1)

    def _show_range(self, *_args) -> None:
        """The x range: as many whole columns as fit the plot's width at their readable size,
        from the first asked for; the y range: every row."""
        W = self.T + 1
        vb = self.getPlotItem().getViewBox()
        fit = int(vb.width() // self.cell_size().width()) if vb.width() > 0 else W
        count = max(1, min(W, fit))
        first = max(0, min(self._first, W - count))
        self._first = first
        vb.setRange(xRange=(first, first + count),
                    yRange=(-0.1, self.row_top(len(self.rows) - 1) + self.n_h + 0.05),
                    padding=0)
        if (first, count, W) != self._shown:
            self._shown = (first, count, W)
            self.columns_changed.emit(first, count, W)

    def _set_axis_fonts(self) -> None:
        """Row names bold and time steps at the window's text size; the axes as wide and high
        as they need."""
        pi = self.getPlotItem()
        bold, plain = style.font(style.DESIGN_POINTS, bold=True), style.font(style.DESIGN_POINTS)
        left, top = pi.getAxis("left"), pi.getAxis("top")
        left.setStyle(tickFont=bold)
        top.setStyle(tickFont=plain)
        widest = max(QtGui.QFontMetricsF(bold).horizontalAdvance(r.label) for r in self.rows)
        left.setWidth(int(np.ceil(widest)) + 14)
        top.setHeight(int(np.ceil(QtGui.QFontMetricsF(plain).height())) + 6)

    def _on_zoom(self, _factor: float) -> None:
        if not self.closed:
            self._set_axis_fonts()
            self.updateGeometry()
            self._show_range()

    # -- geometry -------------------------------------------------------------------------------
    def row_top(self, r: int) -> float:
        return r * (self.n_h + ROW_GAP)

    def set_geometry(self, T: int, n_h: int, final: Mapping[str, np.ndarray]) -> None:
        """A new trace: sizes, fixed colour levels from the final tensors, grid lines, labels."""
        self.T, self.n_h = int(T), int(n_h)
        self.levels = {}
        for row in self.rows:
            if row.bounded:
                self.levels[row.key] = 1.0
                continue
            parts = [np.asarray(final[row.key], float)] if row.key in final else []
            if row.initial and row.initial in final:
                parts.append(np.asarray(final[row.initial], float))
            m = max((float(np.nanmax(np.abs(p))) for p in parts if np.isfinite(p).any()),
                    default=0.0)
            self.levels[row.key] = m if m > 0 else 1.0
        W, H = T + 1, n_h
        if self._laid_out == (W, H):  # an edit: same sizes, so grid, ticks, range stay
            return self._reset_values()
        self._laid_out = (W, H)
        # grid: vertical separators between columns over each strip, horizontal between units
        xs, ys = [], []
        for r in range(len(self.rows)):
            top, bot = self.row_top(r), self.row_top(r) + H
            for t in range(1, W):
                xs += [t, t, np.nan]
                ys += [top, bot, np.nan]
        self._grid.setData(np.array(xs, float), np.array(ys, float))
        self._grid.setPen(pg.mkPen("#ffffff", width=3 if W <= 20 else 1))
        total = len(self.rows) * W * H
        self._label_cells = total <= MAX_LABELLED_CELLS
        pi = self.getPlotItem()
        pi.getAxis("left").setTicks([[(self.row_top(r) + H / 2, row.label)
                                      for r, row in enumerate(self.rows)]])
        every = 1 if self._label_cells else max(1, int(np.ceil(W / 14)))
        pi.getAxis("top").setTicks([[(t + 0.5, f"t={t}" if W <= 8 else str(t))
                                     for t in range(0, W, every)]])
        if self._label_cells:
            pos = [(t + 0.5, self.row_top(r) + j + 0.5)
                   for r in range(len(self.rows)) for j in range(H) for t in range(W)]
            self._values_text.set_labels(pos, [""] * len(pos))
        else:
            self._values_text.set_labels(np.zeros((0, 2)), [])
        self._first = 0
        self._show_range()
        self.updateGeometry()
        self._reset_values()

    def _reset_values(self) -> None:
        self._values = {}
        self.set_focus(None, (), ())

    # -- per step -------------------------------------------------------------------------------
    def show_values(self, values: Mapping[str, np.ndarray]) -> None:
        """Values so far (NaN = not computed yet): ``values[key]`` is (T, n_h), initial (n_h,)."""
        W, H = self.T + 1, self.n_h
        R = len(self.rows)
        per = 2 * H + 1  # image rows per strip and its gap (two per cell)
        if self._canvas.shape != (R * per - 1, W):
            self._canvas = np.full((R * per - 1, W), np.nan)
        canvas = self._canvas
        empty = np.zeros((R, W), dtype=bool)
        for r, row in enumerate(self.rows):
            grid = np.full((H, W), np.nan)
            v = values.get(row.key)
            if v is not None:
                grid[:, 1:] = np.asarray(v, float).reshape(self.T, H).T
            if row.initial:
                v0 = values.get(row.initial)
                if v0 is not None:
                    grid[:, 0] = np.asarray(v0, float).reshape(H)
            self._values[row.key] = grid
            top = r * per
            canvas[top:top + 2 * H] = np.repeat(grid / self.levels.get(row.key, 1.0), 2, axis=0)
            empty[r] = np.isnan(grid).all(axis=0)
            if not row.initial:
                empty[r, 0] = False
        self._image.setImage(canvas, levels=(-1.0, 1.0), autoLevels=False)
        self._image.setRect(QtCore.QRectF(0, 0, W, canvas.shape[0] / 2))
        if self._label_cells:
            texts, colors = [], []
            for row in self.rows:
                grid, lv = self._values[row.key], self.levels.get(row.key, 1.0)
                for x in grid.ravel():
                    if x != x:
                        texts.append("")
                        colors.append(None)
                    else:
                        texts.append(short(x))
                        colors.append("#ffffff" if abs(x) > 0.62 * lv else "#202020")
            self._values_text.set_texts(texts, colors)
        # a light frame around each strip not computed yet
        r_idx, t_idx = np.nonzero(empty)
        if len(r_idx):
            y0 = r_idx * (H + ROW_GAP) + 0.05
            y1 = y0 + H - 0.1
            x0, x1 = t_idx + 0.08, t_idx + 0.92
            nan = np.full(len(r_idx), np.nan)
            xs = np.column_stack([x0, x1, x1, x0, x0, nan]).ravel()
            ys = np.column_stack([y0, y0, y1, y1, y0, nan]).ravel()
            self._empty.setData(xs, ys)
        else:
            self._empty.setData([], [])

    def set_focus(self, t: int | None, reads: Sequence[tuple[str, tuple]],
                  writes: Sequence[tuple[str, tuple]]) -> None:
        """Outline time column ``t`` and the read / written cells (refs into (T, n_h) tensors)."""
        if t is None or self.T == 0:
            self._column.setData([], [])
        else:
            y1 = self.row_top(len(self.rows) - 1) + self.n_h
            x0, x1 = t + 0.02, t + 0.98
            self._column.setData([x0, x1, x1, x0, x0], [-0.08, -0.08, y1 + 0.02, y1 + 0.02,
                                                        -0.08])
        cells = tuple(self._cells(refs) for refs in (reads, writes))
        self._focus = (t if self.T else None, *cells)
        self._reads.setData(*self._boxes(cells[0]))
        self._writes.setData(*self._boxes(cells[1]))

    def focus(self) -> tuple[int | None, tuple, tuple]:
        """The time column outlined (None: none) and the (row, column, unit) of the cells
        outlined as read and as written."""
        return self._focus

    def locate(self, ref: tuple[str, tuple]) -> tuple[int, int, int] | None:
        """(row, column, unit) of a Ref's cell, or None when the timeline does not show it."""
        name, idx = ref
        name = self.aliases.get(name, name)
        for r, row in enumerate(self.rows):
            if row.key == name and len(idx) == 2 and idx[0] < self.T and idx[1] < self.n_h:
                return r, idx[0] + 1, idx[1]
            if row.initial == name and len(idx) == 1 and idx[0] < self.n_h:
                return r, 0, idx[0]
        return None

    def scene_pos(self, ref: tuple[str, tuple]) -> QtCore.QPointF | None:
        """Centre of a Ref's cell in scene coordinates (for the shared DeltaFlow)."""
        where = self.locate(ref)
        if where is None:
            return None
        r, t, j = where
        vb = self.getPlotItem().getViewBox()
        return vb.mapViewToScene(QtCore.QPointF(t + 0.5, self.row_top(r) + j + 0.5))

    def column_at(self, scene_pos: QtCore.QPointF) -> int | None:
        """The time column (0..T) under a scene position, or None (outside the cells)."""
        vb = self.getPlotItem().getViewBox()
        if self.T == 0 or not vb.sceneBoundingRect().contains(scene_pos):
            return None
        x = vb.mapSceneToView(scene_pos).x()
        return int(np.floor(x)) if 0 <= x < self.T + 1 else None

    def _column_under(self, ev: QtGui.QMouseEvent) -> int | None:
        if ev.button() != QtCore.Qt.MouseButton.LeftButton:
            return None
        return self.column_at(self.mapToScene(ev.position().toPoint()))

    def mousePressEvent(self, ev: QtGui.QMouseEvent) -> None:
        super().mousePressEvent(ev)
        t = self._column_under(ev)
        if t is not None:
            ev.accept()
            self.column_clicked.emit(t)

    def mouseReleaseEvent(self, ev: QtGui.QMouseEvent) -> None:
        super().mouseReleaseEvent(ev)
        if self._column_under(ev) is not None:
            ev.accept()

    def _cells(self, refs: Sequence[tuple[str, tuple]]) -> tuple[tuple[int, int, int], ...]:
        """The cells of ``refs`` the timeline shows, each once, in order."""
        return tuple(dict.fromkeys(c for c in map(self.locate, refs) if c is not None))

    def _boxes(self, cells: Sequence[tuple[int, int, int]]) -> tuple[np.ndarray, np.ndarray]:
        xs, ys = [], []
        for r, t, j in cells:
            y0 = self.row_top(r) + j
            xs += [t + 0.06, t + 0.94, t + 0.94, t + 0.06, t + 0.06, np.nan]
            ys += [y0 + 0.06, y0 + 0.06, y0 + 0.94, y0 + 0.94, y0 + 0.06, np.nan]
        return np.array(xs, float), np.array(ys, float)

    # -- for tests and screenshots --------------------------------------------------------------
    def image_of(self, key: str) -> np.ndarray:
        """The (n_h, T + 1) grid currently shown for ``key``."""
        return self._values[key].copy()

    def cell_texts(self) -> list[str]:
        return self._values_text.texts()

    def cell_font_size(self) -> float:
        """Points of the printed values."""
        return self._values_text.font_size()


class LSTMTimeline(QtWidgets.QWidget):
    """The timeline plot, a scroll bar under it when its columns do not all fit, and the sheet's
    cell equations beside it (they fold), at the window's text size."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.plot = TimelinePlot(self)
        self.columns_bar = QtWidgets.QScrollBar(QtCore.Qt.Orientation.Horizontal, self)
        self.columns_bar.setToolTip("More time steps: scroll through them")
        self.columns_bar.valueChanged.connect(self.plot.set_first_column)
        self.columns_bar.setVisible(False)
        self.plot.columns_changed.connect(self._on_columns_changed)
        self.equations = QtWidgets.QLabel(equations_html(), self)
        self.equations.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.equations.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop)
        self.equations.setWordWrap(False)
        self.equations.setContentsMargins(8, 4, 8, 4)
        self.equations.setSizePolicy(QtWidgets.QSizePolicy.Policy.Fixed,
                                     QtWidgets.QSizePolicy.Policy.Fixed)  # never cut
        # one short line (the equations' column is narrow); the whole note is its tooltip and
        # heads the worked solution
        self.caption = QtWidgets.QLabel("", self)
        self.caption.setContentsMargins(8, 0, 8, 0)
        style.tint(self.caption, "#8a5a00")
        # the equations fold away to give the timeline their width (a small window, zoomed in)
        self.equations_button = QtWidgets.QToolButton(self)
        self.equations_button.setCheckable(True)
        self.equations_button.setChecked(True)
        self.equations_button.setAutoRaise(True)
        self.equations_button.setToolButtonStyle(
            QtCore.Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.equations_button.toggled.connect(self._on_equations_toggled)
        self._on_equations_toggled(True)
        side = QtWidgets.QVBoxLayout()
        side.addWidget(self.equations_button)
        side.addWidget(self.equations)
        side.addWidget(self.caption)
        side.addStretch(1)
        left = QtWidgets.QVBoxLayout()
        left.setSpacing(0)
        left.addWidget(self.plot, 1)
        left.addWidget(self.columns_bar)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(left, 1)
        layout.addLayout(side)

    def sizeHint(self) -> QtCore.QSize:
        """No taller than it needs: the room left goes to the views below."""
        return QtCore.QSize(super().sizeHint().width(), self.minimumSizeHint().height())

    def set_geometry(self, T: int, n_h: int, final: Mapping[str, np.ndarray]) -> None:
        """A new trace (see :meth:`TimelinePlot.set_geometry`)."""
        self.plot.set_geometry(T, n_h, final)

    def show_column(self, t: int | None) -> None:
        """Bring column ``t`` (the current step's time) into view."""
        if t is not None:
            self.plot.show_column(t)

    def _on_columns_changed(self, first: int, count: int, total: int) -> None:
        with QtCore.QSignalBlocker(self.columns_bar):
            self.columns_bar.setRange(0, total - count)
            self.columns_bar.setPageStep(count)
            self.columns_bar.setValue(first)
        self.columns_bar.setVisible(count < total)

    def _on_equations_toggled(self, shown: bool) -> None:
        """Folded, only a small arrow is left: the timeline gets the width."""
        self.equations.setVisible(shown)
        self.caption.setVisible(shown)
        self.equations_button.setText("Cell equations" if shown else "")
        self.equations_button.setArrowType(QtCore.Qt.ArrowType.DownArrow if shown
                                           else QtCore.Qt.ArrowType.LeftArrow)
        self.equations_button.setToolTip("Fold the cell's equations (the timeline gets their "
                                         "width)" if shown else "Show the cell's equations")

    def set_caption(self, text: str) -> None:
        """A trace's note (e.g. why it was coarsened): "coarsened (see the note)" when it says
        so, else its first clause; the whole note as the tooltip."""
        if not text:
            short = ""
        elif "coarsened" in text:
            short = "coarsened trace: see the note"
        else:
            short = text.split(";")[0][:40]
        self.caption.setText(short)
        self.caption.setToolTip(text)


__all__ = ["ROWS", "LSTMTimeline", "Row", "TimelinePlot", "equations_html"]
