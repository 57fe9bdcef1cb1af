"""Heatmaps of 2-D arrays with each cell's value printed, composed in one pyqtgraph scene.

Public API (other panels rely on it; keep it stable)::

    grid = TensorGrid()                                   # a pg.GraphicsLayoutWidget
    vy = grid.add_view("y", "y = x·W + b", row=0, col=1)  # -> TensorView
    vy.set_array(arr, levels=(-20, 20))   # 0-D / 1-D (one row) / 2-D; NaN = "not computed yet"
    vy.set_highlight(reads=[(0, 1)], writes=[(0, 2)])     # (row, col) cells, outlined per block
    vy.outlines() -> (read shapes, written shapes)        # one QRectF per contiguous block
    vy.block_centres(cells) -> [QPointF]                  # scene centre of each block of cells
    grid.set_locator(fn)                  # Ref -> (view name, (row, col)) | None; the default
                                          # maps ("y", (k,)) to view "y", cell (0, k) and
                                          # ("w", (j, k)) to view "w", cell (j, k)
    grid.highlight(reads, writes)         # Refs -> outlines on the right views
    grid.scene_pos(ref) -> QPointF | None # centre of the Ref's cell in scene coordinates
    grid.block_points(refs) -> [QPointF]  # one point per contiguous block of the Refs' cells
                                          # (DeltaFlow's ``group``: one marker per block)
    grid.set_precision(4)
    grid.cell_at(scene_pos) -> (TensorView, (row, col)) | None   # hovering shows the exact value

Each view creates its ImageItem, colour bar, value labels and outline items once; ``set_array``
only moves data (``setImage(..., levels=...)``) and rewrites the labels that changed, so a step
redraw stays well under a frame. Colours: the diverging CET-D1 map centred on zero (blue
negative, red positive); by default levels are ±max|value|, pass the final tensor's levels while
stepping so colours do not jump.

Large tensors stay legible: the cells a step reads (or writes) are outlined as one shape per
contiguous block (a row of W is one rectangle, not 64), read in blue, written in thick orange,
never filled (a cell keeps its own colour: its value's sign stays readable); a vector's cells are
at least :data:`MIN_VECTOR_CELL` pixels tall (its cells are no longer square when that many do
not fit the width); grid lines are left out when a cell is narrower than :data:`MIN_GRID_CELL`
pixels; values print in every cell of a view or in none, with fewer significant digits (down to
:data:`MIN_DIGITS`) when the view's precision does not fit its cells, never cut short.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from engine.steps import Ref, fmt
from pnn_gui import style

#: most cells whose values are printed (beyond, colours only)
MAX_TEXT_CELLS = 400
#: fewest significant digits a value is printed with when its full precision does not fit
MIN_DIGITS = 2
#: a 1-D tensor's cells are at least this tall (px), square or not
MIN_VECTOR_CELL = 16.0
#: grid lines are drawn between cells at least this wide (px); narrower ones show colours only
MIN_GRID_CELL = 5.0
#: most rectangles merged into block outlines (QPainterPath.simplified: ~3 ms per 1,000);
#: past that each rectangle is outlined on its own
MAX_MERGED_RECTS = 500
BACKGROUND = "#ffffff"
EMPTY_CELL = "#f3f3f3"
READ_PEN = "#1565c0"
WRITE_PEN = "#ff8f00"

Cell = tuple[int, int]
Locator = Callable[[Ref], "tuple[str, Cell] | None"]

_cmap: pg.ColorMap | None = None
_CACHE = QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache


def colormap() -> pg.ColorMap:
    """The diverging map every view uses (loaded once)."""
    global _cmap
    if _cmap is None:
        _cmap = pg.colormap.get("CET-D1")
    return _cmap


def symmetric_levels(*arrays: np.ndarray) -> tuple[float, float]:
    """``(-m, m)`` with m the largest finite |value| of the arrays (1 when all are 0 / NaN)."""
    m = 0.0
    for a in arrays:
        a = np.asarray(a, dtype=float)
        if a.size:
            with np.errstate(invalid="ignore"):
                fin = np.abs(a[np.isfinite(a)])
            if fin.size:
                m = max(m, float(fin.max()))
    m = m if m > 0 else 1.0
    return (-m, m)


def as_grid(arr) -> np.ndarray:
    """A 0-D, 1-D or 2-D array as 2-D rows × cols (a vector is one row)."""
    a = np.asarray(arr, dtype=float)
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        return a.reshape(1, -1)
    if a.ndim == 2:
        return a
    raise ValueError(f"TensorView shows 0-D to 2-D arrays, got shape {a.shape}; "
                     "show one view per channel")


def default_cell(index: Sequence[int]) -> Cell | None:
    """Ref index -> (row, col): () -> (0, 0), (k,) -> (0, k), (r, c) -> (r, c)."""
    if len(index) == 0:
        return (0, 0)
    if len(index) == 1:
        return (0, int(index[0]))
    if len(index) == 2:
        return (int(index[0]), int(index[1]))
    return None


class _CellText(pg.GraphicsObject):
    """Every cell's value, painted in one call at a fixed pixel size.

    All or nothing: every value is printed with the most significant digits (from the view's
    precision down to :data:`MIN_DIGITS`) and the larger font that let the widest of them fit
    its cell; when none does, no value is printed (the colours and the hover tooltip still
    tell), rather than some cells with and some without a number, or a number cut short.
    """

    def __init__(self):
        super().__init__()
        self._fonts: list[tuple[QtGui.QFont, QtGui.QFontMetricsF]] = []
        self._rows = self._cols = 0
        self._values: list[float] = []
        self._digits = 4
        # digits -> (texts, widest text in each font), filled as paints ask for them
        self._by_digits: dict[int, tuple[list[str], tuple[float, ...]]] = {}
        self._light: np.ndarray = np.zeros(0, bool)
        self.set_fonts()
        self._dark_pen = QtGui.QPen(QtGui.QColor("#111111"))
        self._light_pen = QtGui.QPen(QtGui.QColor("#ffffff"))

    def set_fonts(self) -> None:
        """The two sizes values print in, at the window's text size (View → Zoom)."""
        self._fonts = [(f, QtGui.QFontMetricsF(f)) for f in (style.font(9.0), style.font(7.5))]
        self._by_digits = {}
        self.update()

    def set_cells(self, values: list[float], digits: int, light: np.ndarray, rows: int,
                  cols: int) -> None:
        """The cells' values row by row (NaN: empty), printed with at most ``digits``."""
        if (rows, cols) != (self._rows, self._cols):
            self.prepareGeometryChange()
        self._values, self._digits = values, digits
        self._light, self._rows, self._cols = light, rows, cols
        self._by_digits = {}
        self.update()

    def texts(self, digits: int) -> list[str]:
        return self._printed(digits)[0]

    def _printed(self, digits: int) -> tuple[list[str], tuple[float, ...]]:
        got = self._by_digits.get(digits)
        if got is None:
            texts = ["" if v != v else fmt(v, digits) for v in self._values]
            distinct = set(texts)
            widest = tuple(max((fm.horizontalAdvance(t) for t in distinct), default=0.0)
                           for _, fm in self._fonts)
            got = self._by_digits[digits] = (texts, widest)
        return got

    def boundingRect(self) -> QtCore.QRectF:
        return QtCore.QRectF(0, 0, self._cols, self._rows)

    def choose(self, cell_w: float, cell_h: float) -> tuple[QtGui.QFont, list[str]] | None:
        """The font and texts every value fits a cell of that many pixels in (the most
        digits first, then the larger font), or None."""
        if not self._values:
            return None
        for digits in range(self._digits, min(self._digits, MIN_DIGITS) - 1, -1):
            texts, widest = self._printed(digits)
            for (font, fm), w in zip(self._fonts, widest, strict=True):
                if w <= cell_w - 3 and fm.height() <= cell_h * 1.1:
                    return font, texts
        return None

    def paint(self, p: QtGui.QPainter, *_args) -> None:
        tr = p.transform()
        cell_w = abs(tr.m11())
        cell_h = abs(tr.m22())
        chosen = self.choose(cell_w, cell_h)
        if chosen is None:
            return
        font, texts = chosen
        p.save()
        p.resetTransform()
        p.setFont(font)
        for i, text in enumerate(texts):
            if not text:
                continue
            r, c = divmod(i, self._cols)
            centre = tr.map(QtCore.QPointF(c + 0.5, r + 0.5))
            box = QtCore.QRectF(centre.x() - cell_w / 2, centre.y() - cell_h / 2, cell_w, cell_h)
            p.setPen(self._light_pen if self._light[i] else self._dark_pen)
            p.drawText(box, QtCore.Qt.AlignmentFlag.AlignCenter, text)
        p.restore()


_bar_brush: QtGui.QBrush | None = None


def _colorbar_brush() -> QtGui.QBrush:
    """The colour map as a gradient in the filled rectangle's own coordinates (built once)."""
    global _bar_brush
    if _bar_brush is None:
        stops = colormap().getStops(mode="byte")
        grad = QtGui.QLinearGradient(0, 0, 1, 0)
        grad.setCoordinateMode(QtGui.QGradient.CoordinateMode.ObjectBoundingMode)
        for pos, c in zip(stops[0], stops[1], strict=True):
            grad.setColorAt(float(pos), QtGui.QColor(*[int(v) for v in c]))
        _bar_brush = QtGui.QBrush(grad)
    return _bar_brush


class ColorBar(pg.GraphicsWidget):
    """A thin horizontal colour bar with its low / zero / high labels.

    Painted by hand: pyqtgraph's ColorBarItem is a whole PlotItem with axes and costs ~17 ms
    to build, which eight views would add to the start-up.
    """

    def __init__(self):
        super().__init__()
        self._levels = (-1.0, 1.0)
        self._numbered = True
        self._brush = _colorbar_brush()
        self.set_font()
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                           QtWidgets.QSizePolicy.Policy.Fixed)

    def set_font(self) -> None:
        """Its labels at the window's text size (View → Zoom), and its height to hold them."""
        self._font = style.font(7.5)
        h = QtGui.QFontMetricsF(self._font).height()
        self.setMinimumHeight(8 + h + 4)
        self.setMaximumHeight(8 + h + 4)
        self.update()

    def set_levels(self, values: tuple[float, float], numbered: bool = True) -> None:
        """The range the colours span; its numbers written under the bar only when
        ``numbered`` (a tensor not computed whole yet: its range would tell its answers)."""
        levels = (float(values[0]), float(values[1]))
        if (levels, numbered) != (self._levels, self._numbered):
            self._levels, self._numbered = levels, numbered
            self.update()

    def levels(self) -> tuple[float, float]:
        return self._levels

    def labels(self) -> tuple[str, str]:
        """The numbers written at the bar's two ends ("" while they are held back)."""
        lo, hi = self._levels
        return (fmt(lo, 3), fmt(hi, 3)) if self._numbered else ("", "")

    def paint(self, p: QtGui.QPainter, *_args) -> None:
        r = self.boundingRect()
        width = max(20.0, min(r.width() - 8, 260.0))
        x0 = r.left() + (r.width() - width) / 2
        bar = QtCore.QRectF(x0, r.top() + 2, width, 7)
        p.fillRect(bar, self._brush)
        p.setPen(QtGui.QPen(QtGui.QColor("#999999"), 0))
        p.drawRect(bar)
        if not self._numbered:
            return
        p.setFont(self._font)
        p.setPen(QtGui.QColor("#444444"))
        lo, hi = self._levels
        y = bar.bottom() + 1
        h = r.bottom() - y
        align = QtCore.Qt.AlignmentFlag
        p.drawText(QtCore.QRectF(x0, y, width / 2, h), align.AlignLeft | align.AlignTop,
                   fmt(lo, 3))
        p.drawText(QtCore.QRectF(x0 + width / 2, y, width / 2, h),
                   align.AlignRight | align.AlignTop, fmt(hi, 3))
        if lo < 0 < hi:
            xz = x0 + width * (-lo) / (hi - lo)
            p.drawLine(QtCore.QPointF(xz, bar.top()), QtCore.QPointF(xz, bar.bottom() + 2))
            # "0" only where it stays clear of the two ends' labels (a narrow bar, large text)
            fm = QtGui.QFontMetricsF(self._font)
            half = fm.horizontalAdvance("0") / 2 + 3
            if (x0 + fm.horizontalAdvance(fmt(lo, 3)) < xz - half
                    and xz + half < x0 + width - fm.horizontalAdvance(fmt(hi, 3))):
                p.drawText(QtCore.QRectF(xz - 20, y, 40, h), align.AlignHCenter | align.AlignTop,
                           "0")


class TensorView:
    """One heatmap with its title and colour bar inside a :class:`TensorGrid` (not a widget)."""

    def __init__(self, name: str, title: str, layout: pg.GraphicsLayout, colorbar: bool = True):
        self.name = name
        self.layout = layout
        self._title = pg.LabelItem(title, size=_title_size(), color="#222")
        layout.addItem(self._title, 0, 0)
        self.viewbox = pg.ViewBox(lockAspect=True, invertY=True, enableMenu=False,
                                  defaultPadding=0.02)
        self.viewbox.setMouseEnabled(x=False, y=False)
        self.viewbox.setBackgroundColor(BACKGROUND)
        layout.addItem(self.viewbox, 1, 0)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(colormap())
        self.viewbox.addItem(self.image)
        # empty ("not computed yet") cells: a light frame under the image shows through NaNs
        self._empty = QtWidgets.QGraphicsRectItem(0, 0, 1, 1)
        self._empty.setBrush(pg.mkBrush(EMPTY_CELL))
        self._empty.setPen(pg.mkPen(None))
        self._empty.setZValue(-10)
        self.viewbox.addItem(self._empty)
        self._grid = QtWidgets.QGraphicsPathItem()
        self._grid.setPen(pg.mkPen("#9e9e9e", width=1, cosmetic=True))
        self._grid.setZValue(5)
        # rows / columns that only separate channels or matrices: the background over them
        self._gaps = QtWidgets.QGraphicsPathItem()
        self._gaps.setBrush(pg.mkBrush(BACKGROUND))
        self._gaps.setPen(pg.mkPen(None))
        self._gaps.setZValue(6)
        self._gap_lines: tuple = (((), ()), None)   # (rows, cols), for the shape drawn
        self.viewbox.addItem(self._gaps)
        # static per shape: painted from a pixmap when another item makes the view repaint
        self._grid.setCacheMode(_CACHE)
        self._title.setCacheMode(_CACHE)
        self.viewbox.addItem(self._grid)
        self._text = _CellText()
        self._text.setZValue(30)
        self.viewbox.addItem(self._text)
        self._reads = QtWidgets.QGraphicsPathItem()
        self._reads.setPen(pg.mkPen(READ_PEN, width=2.5, cosmetic=True))
        self._reads.setZValue(20)
        self.viewbox.addItem(self._reads)
        self._writes = QtWidgets.QGraphicsPathItem()
        self._writes.setPen(pg.mkPen(WRITE_PEN, width=3.5, cosmetic=True))
        self._writes.setZValue(21)
        self.viewbox.addItem(self._writes)
        # a step that changes the image under unchanged read outlines (a thousand cells in a
        # coarsened step, e.g. one channel of δy for each filter's ΔF) copies them instead of
        # stroking every rectangle again (the written cells change with every step)
        self._reads.setCacheMode(_CACHE)
        self.colorbar: ColorBar | None = None
        if colorbar:
            # horizontal, under the heatmap: vectors leave spare height, never spare width
            self.colorbar = ColorBar()
            self.colorbar.setCacheMode(_CACHE)
            layout.addItem(self.colorbar, 2, 0)
        layout.layout.setRowStretchFactor(1, 1)
        # keep title, heatmap and colour bar together: the heatmap's box is no taller than its
        # cells need at the width it gets (spare height goes below the group, not between)
        self.viewbox.sigResized.connect(self._fit_height)
        self._shape: tuple[int, int] | None = None
        self._levels: tuple[float, float] | None = None
        self._values = np.zeros((0, 0))
        self._digits = 4
        self._ndim = 2
        self._title_text = title
        self._lit_cells: tuple[tuple, tuple] = ((), ())
        #: called when this view's size needs change (new shape, title, visibility); the grid
        #: sets it to lay every view out at once (see :meth:`TensorGrid.settle_layout`)
        self.on_layout_change: Callable[[], None] | None = None

    # -- public -----------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int] | None:
        """The (rows, cols) shown, or None before the first :meth:`set_array`."""
        return self._shape

    def values(self) -> np.ndarray:
        """The 2-D array shown (NaN = empty)."""
        return self._values

    def set_title(self, title: str) -> None:
        if title != self._title_text:
            self._title_text = title
            self._title.setText(title)
            self._layout_changed()

    def title(self) -> str:
        return self._title_text

    def set_visible(self, visible: bool) -> None:
        changed = visible != self.layout.isVisible()
        self.layout.setVisible(visible)
        if changed:
            self._layout_changed()

    def set_precision(self, digits: int) -> None:
        self._digits = max(1, int(digits))
        if self._values.size:
            self._update_text(self._values, force=True)

    def set_text_size(self) -> None:
        """Title, values and colour bar at the window's text size (View → Zoom)."""
        self._title.setText(self._title_text, size=_title_size())
        self._text.set_fonts()
        if self.colorbar is not None:
            self.colorbar.set_font()
        self._layout_changed()

    def title_height(self) -> float:
        """The title's text height in pixels (it follows View → Zoom)."""
        return self._title.item.boundingRect().height()

    def set_array(self, arr, levels: tuple[float, float] | None = None,
                  gaps: tuple[Sequence[int], Sequence[int]] = ((), ())) -> None:
        """Show ``arr`` (0-D/1-D/2-D; NaN cells empty); ``levels`` default ±max|arr|. ``gaps``:
        rows and columns of ``arr`` that only separate channels or matrices (a picture's own,
        e.g. ``SlotLayout.gaps()``), drawn as background. The colour bar writes its range once
        every other cell is computed."""
        self._ndim = np.ndim(arr)
        a = as_grid(arr)
        lv = tuple(float(v) for v in (levels if levels is not None else symmetric_levels(a)))
        if lv[0] == lv[1]:
            lv = (lv[0] - 1.0, lv[1] + 1.0)
        new_shape = a.shape != self._shape
        if self.colorbar is not None:   # its numbers once every value is computed
            cells = np.delete(np.delete(a, list(gaps[0]), axis=0), list(gaps[1]), axis=1)
            self.colorbar.set_levels(lv, numbered=not np.isnan(cells).any())
        if (not new_shape and lv == self._levels
                and np.array_equal(a, self._values, equal_nan=True)):
            self._draw_gaps(*gaps)
            return  # nothing else changed: no re-render of the image, no text update
        self.image.setImage(a, levels=lv, autoLevels=False)
        if new_shape:
            self._shape = (a.shape[0], a.shape[1])
            self._empty.setRect(0, 0, a.shape[1], a.shape[0])
            self._grid.setPath(_grid_path(*a.shape))
            self.viewbox.setRange(xRange=(0, a.shape[1]), yRange=(0, a.shape[0]), padding=0.02)
            self.viewbox.setMaximumHeight(1e6)
            self._fit_height()
            self.set_highlight((), ())
            self._layout_changed()
        self._levels = lv
        self._update_text(a, force=new_shape or lv != getattr(self, "_text_levels", None))
        self._text_levels = lv
        self._values = a.copy()
        self._draw_gaps(*gaps)

    def _draw_gaps(self, rows: Iterable[int], cols: Iterable[int]) -> None:
        """The background over these rows and columns (a NaN there is no "not computed yet")."""
        lines = (tuple(rows), tuple(cols))
        if (lines, self._shape) == self._gap_lines:
            return
        self._gap_lines = (lines, self._shape)
        path = QtGui.QPainterPath()
        h, w = self._shape or (0, 0)
        inset = 0.06   # (of a cell: the neighbours' grid lines stay whole)
        for r in lines[0]:
            path.addRect(QtCore.QRectF(-0.5, r + inset, w + 1, 1 - 2 * inset))
        for c in lines[1]:
            path.addRect(QtCore.QRectF(c + inset, -0.5, 1 - 2 * inset, h + 1))
        self._gaps.setPath(path)

    def set_highlight(self, reads: Iterable[Cell], writes: Iterable[Cell]) -> None:
        """Outline the ``reads`` cells and the ``writes`` cells ((row, col) each)."""
        reads, writes = tuple(reads), tuple(writes)
        if (reads, writes) == self._lit_cells:
            return  # the same outlines: no new paths, no repaint
        self._lit_cells = (reads, writes)
        self._reads.setPath(blocks_path(reads))
        self._writes.setPath(blocks_path(writes))

    def outlines(self) -> tuple[list[QtCore.QRectF], list[QtCore.QRectF]]:
        """The shapes outlined now, as the bounding rectangle of each (in cells: x = column,
        y = row): one per contiguous block of read cells, one per block of written cells."""
        return ([poly.boundingRect() for poly in self._reads.path().toSubpathPolygons()],
                [poly.boundingRect() for poly in self._writes.path().toSubpathPolygons()])

    def block_centres(self, cells: Iterable[Cell]) -> list[QtCore.QPointF]:
        """The centre of each contiguous block of ``cells``, in scene coordinates."""
        cells = tuple(cells)
        path = self._reads.path() if cells == self._lit_cells[0] else blocks_path(cells)
        return [self.viewbox.mapViewToScene(poly.boundingRect().center())
                for poly in path.toSubpathPolygons()]

    def highlighted(self) -> tuple[tuple[Cell, ...], tuple[Cell, ...]]:
        """The cells outlined as read and the cells outlined as written, ((row, col), …) each."""
        return self._lit_cells

    def text_font(self, cell_w: float, cell_h: float) -> QtGui.QFont | None:
        """The font the values print in when a cell is ``cell_w`` × ``cell_h`` pixels: the
        larger one if every value fits it, else the smaller, else None (no value is printed).
        When neither fits at the view's precision, fewer digits are tried, down to
        :data:`MIN_DIGITS` (see :meth:`drawn_texts`)."""
        chosen = self._text.choose(cell_w, cell_h)
        return None if chosen is None else chosen[0]

    def texts(self) -> list[str]:
        """Each cell's value at the view's precision, row by row ("" for an empty cell; none
        at all when the view has too many cells to print values)."""
        return list(self._text.texts(self._digits))

    def drawn_texts(self) -> list[str]:
        """The texts printed in the cells at their size on screen now, row by row: at fewer
        digits when the full ones do not fit, [] when no value is printed."""
        chosen = self._text.choose(*self.cell_size())
        return [] if chosen is None else list(chosen[1])

    def cell_scene_pos(self, row: int, col: int) -> QtCore.QPointF:
        """Centre of a cell in scene coordinates (for arrows drawn over the whole grid)."""
        return self.viewbox.mapViewToScene(QtCore.QPointF(col + 0.5, row + 0.5))

    def levels(self) -> tuple[float, float] | None:
        return self._levels

    def cell_at(self, scene_pos: QtCore.QPointF) -> Cell | None:
        """The (row, col) under a scene position, or None."""
        if self._shape is None or not self.viewbox.sceneBoundingRect().contains(scene_pos):
            return None
        p = self.viewbox.mapSceneToView(scene_pos)
        r, c = math.floor(p.y()), math.floor(p.x())
        if 0 <= r < self._shape[0] and 0 <= c < self._shape[1]:
            return (r, c)
        return None

    def cell_tooltip(self, row: int, col: int) -> str:
        """``"dw[0,1] = 0.5"`` with the exact value, or that it is not computed yet."""
        idx = "" if self._ndim == 0 else f"[{col}]" if self._ndim == 1 else f"[{row},{col}]"
        v = float(self._values[row, col])
        return f"{self.name}{idx} = " + ("not computed yet" if v != v else repr(v))

    # -- internals --------------------------------------------------------------------------
    def _layout_changed(self) -> None:
        if self.on_layout_change is not None:
            self.on_layout_change()

    def _fit_height(self, *_args) -> None:
        if self._shape is None:
            return
        rows, cols = self._shape
        width = self.viewbox.width()
        # a vector too long for square cells of MIN_VECTOR_CELL: cells as tall as that instead
        stretch = self._ndim <= 1 and width / cols < MIN_VECTOR_CELL
        if stretch != (not self.viewbox.state["aspectLocked"]):
            self.viewbox.setAspectLocked(not stretch, ratio=1.0)
            self.viewbox.setRange(xRange=(0, cols), yRange=(0, rows), padding=0.02)
        if stretch:
            need = rows * MIN_VECTOR_CELL * 1.05 + 4
            self.viewbox.setMinimumHeight(need)
        else:
            need = width * rows / cols * 1.05 + 4
            self.viewbox.setMinimumHeight(0)
        self.viewbox.setMaximumHeight(max(need, 24.0))
        cell = width / cols if stretch else min(width / cols, self.viewbox.height() / rows)
        self._grid.setVisible(cell >= MIN_GRID_CELL)

    def cell_size(self) -> tuple[float, float]:
        """(width, height) of one cell on screen, in pixels."""
        if self._shape is None:
            return (0.0, 0.0)
        px = self.viewbox.viewPixelSize()  # data units per pixel along x and y
        return (1 / px[0] if px[0] else 0.0, 1 / px[1] if px[1] else 0.0)

    def grid_lines_shown(self) -> bool:
        return self._grid.isVisible()

    def _update_text(self, a: np.ndarray, force: bool) -> None:
        if a.size > MAX_TEXT_CELLS:
            self._text.set_cells([], self._digits, np.zeros(0, bool), *a.shape)
            return
        if not force and a.shape == self._values.shape and np.array_equal(
                a, self._values, equal_nan=True):
            return
        flat = a.ravel()
        lo, hi = self._levels or (-1.0, 1.0)
        span = max(abs(lo), abs(hi)) or 1.0
        with np.errstate(invalid="ignore"):
            light = np.abs(np.nan_to_num(flat)) / span > 0.62
        self._text.set_cells(flat.tolist(), self._digits, light, a.shape[0], a.shape[1])


def _title_size() -> str:
    return f"{style.points(10):.2f}pt"


def _grid_path(rows: int, cols: int) -> QtGui.QPainterPath:
    path = QtGui.QPainterPath()
    for r in range(rows + 1):
        path.moveTo(0, r)
        path.lineTo(cols, r)
    for c in range(cols + 1):
        path.moveTo(c, 0)
        path.lineTo(c, rows)
    return path


def blocks_path(cells: Iterable[Cell]) -> QtGui.QPainterPath:
    """The outline of ``cells`` ((row, col) each), one closed shape per contiguous block: runs
    along each row, runs of the same columns in consecutive rows merged into rectangles, and
    touching rectangles merged into one shape (past :data:`MAX_MERGED_RECTS` rectangles, which
    only scattered cells give, each stays on its own)."""
    path = QtGui.QPainterPath()
    runs: list[list[int]] = []  # [row, first col, last col], row-major
    for row, col in sorted({(int(r), int(c)) for r, c in cells}):
        if runs and runs[-1][0] == row and runs[-1][2] == col - 1:
            runs[-1][2] = col
        else:
            runs.append([row, col, col])
    open_rects: dict[tuple[int, int], list[int]] = {}  # (c0, c1) -> [top, bottom, c0, c1]
    rects: list[list[int]] = []
    for row, c0, c1 in runs:
        rect = open_rects.get((c0, c1))
        if rect is not None and rect[1] == row - 1:
            rect[1] = row
        else:
            rect = [row, row, c0, c1]
            open_rects[(c0, c1)] = rect
            rects.append(rect)
    for top, bottom, c0, c1 in rects:
        path.addRect(QtCore.QRectF(c0, top, c1 - c0 + 1, bottom - top + 1))
    if 1 < len(rects) <= MAX_MERGED_RECTS:
        path = path.simplified()
    return path


class TensorGrid(pg.GraphicsLayoutWidget):
    """Several :class:`TensorView` in one scene, laid out in a grid; see the module docstring."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setBackground(BACKGROUND)
        self.ci.setSpacing(6)
        self.ci.setContentsMargins(6, 6, 6, 6)
        self.views: dict[str, TensorView] = {}
        self._locator: Locator = self._default_locator
        self._lit: set[str] = set()
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        style.on_zoom(self._on_zoom)

    def add_view(self, name: str, title: str, row: int, col: int, rowspan: int = 1,
                 colspan: int = 1, colorbar: bool = True) -> TensorView:
        """A new view called ``name`` at grid cell (row, col)."""
        if name in self.views:
            raise ValueError(f"view {name!r} exists already")
        sub = pg.GraphicsLayout()
        sub.setContentsMargins(2, 2, 2, 2)
        sub.setSpacing(2)
        self.ci.addItem(sub, row, col, rowspan, colspan)
        view = TensorView(name, title, sub, colorbar=colorbar)
        view.on_layout_change = self.settle_layout
        self.views[name] = view
        return view

    def settle_layout(self) -> None:
        """Lay every view out now, until the sizes stop changing.

        A view's new shape changes its heatmap's height limit (and a new title or hiding a
        view its size hints); Qt would then re-lay the views out one level per event-loop pass
        (the view's own layout, then the grid's, which resizes the heat maps, whose height
        limits follow, ...), so the frames painted in between showed the grid half re-laid
        out, and a paint that followed the step change at once could show the old layout.
        Activated here, the first paint after a step shows the final layout.
        """
        top = self.ci.layout
        for _ in range(8):
            pending = [v.layout.layout for v in self.views.values()
                       if not v.layout.layout.isActivated()]
            if not pending and top.isActivated():
                return
            for lay in pending:
                lay.activate()
            top.activate()

    def resizeEvent(self, ev: QtGui.QResizeEvent) -> None:
        """A new size lays every view out at once too (see :meth:`settle_layout`): a panel shown
        for the first time after an example was loaded into it painted its heatmaps with their
        old height limits in a real window, and the part that moved was never painted again."""
        super().resizeEvent(ev)
        if hasattr(self, "views") and not self.closed:  # not while pyqtgraph builds or closes it
            self.settle_layout()

    def view(self, name: str) -> TensorView:
        return self.views[name]

    def set_locator(self, locator: Locator | None) -> None:
        """How a Ref maps to (view name, (row, col)); None restores the default."""
        self._locator = locator or self._default_locator

    def locate(self, ref: Ref) -> tuple[TensorView, Cell] | None:
        hit = self._locator(ref)
        if hit is None or hit[0] not in self.views:
            return None
        return self.views[hit[0]], hit[1]

    def scene_pos(self, ref: Ref) -> QtCore.QPointF | None:
        """Centre of the Ref's cell in scene coordinates, or None when it is not shown."""
        hit = self.locate(ref)
        if hit is None:
            return None
        view, (r, c) = hit
        return view.cell_scene_pos(r, c)

    def block_points(self, refs: Iterable[Ref]) -> list[QtCore.QPointF]:
        """One scene point per contiguous block of the Refs' cells, view by view (DeltaFlow's
        ``group``: a marker per block, not per cell)."""
        per: dict[str, list[Cell]] = {}
        for ref in refs:
            hit = self._locator(ref)
            if hit is not None and hit[0] in self.views:
                per.setdefault(hit[0], []).append(hit[1])
        return [p for name, cells in per.items() for p in self.views[name].block_centres(cells)]

    def highlight(self, reads: Iterable[Ref], writes: Iterable[Ref]) -> None:
        """Outline the read Refs and light the written ones; clears every other view."""
        per: dict[str, tuple[list[Cell], list[Cell]]] = {}
        for which, refs in ((0, reads), (1, writes)):
            for ref in refs:
                hit = self._locator(ref)
                if hit is None or hit[0] not in self.views:
                    continue
                per.setdefault(hit[0], ([], []))[which].append(hit[1])
        for name in self._lit - set(per):
            self.views[name].set_highlight((), ())
        for name, (rd, wr) in per.items():
            self.views[name].set_highlight(rd, wr)
        self._lit = set(per)

    def set_precision(self, digits: int) -> None:
        for v in self.views.values():
            v.set_precision(digits)

    def _on_zoom(self, _factor: float) -> None:
        if not self.closed:
            for v in self.views.values():
                v.set_text_size()

    def cell_at(self, scene_pos: QtCore.QPointF) -> tuple[TensorView, Cell] | None:
        """The view and (row, col) under a scene position, or None."""
        for v in self.views.values():
            cell = v.cell_at(scene_pos)
            if cell is not None:
                return v, cell
        return None

    def _on_mouse_moved(self, scene_pos: QtCore.QPointF) -> None:
        hit = self.cell_at(scene_pos)
        if hit is None:
            QtWidgets.QToolTip.hideText()
            return
        view, (r, c) = hit
        QtWidgets.QToolTip.showText(QtGui.QCursor.pos(), view.cell_tooltip(r, c), self)

    @staticmethod
    def _default_locator(ref: Ref) -> tuple[str, Cell] | None:
        name, index = ref
        cell = default_cell(index)
        return None if cell is None else (name, cell)
