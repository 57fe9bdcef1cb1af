"""Pooling drawn for one channel: the input-sized grid (x, or δx in the backward pass) beside the
output-sized grid (y, or δy), the current window outlined, and the flow of the current step.

Forward: the window's values travel to their output cell. Backward (the sheet's Task 5): each δy
cell splits into its k shares (average) or goes whole to the window's maximum (max); each share
travels into its δx cell, which adds it (``+=``) to what earlier, overlapping windows left there,
starting from zero. Cells a share lands on are outlined; those that already held a share (the
overlap) are outlined in orange.

At rest nothing is drawn over a printed value: the ``+=`` / ``max`` badges and the shares ride over
the cells only while the shares travel; once a step has settled, one arrow in the gap between the
grids joins the window (at the big grid's edge) to its output cell, and the shares it carried are
written once above that arrow (``+= 0.3``). Titles and their grey lines stay inside the view
(moved in from the view's edge when wider than their grid).

In the backward pass a third grid, the *reference*, stands left of δx (x stays where the forward
pass drew it): x with its windows, and for max pooling each window's maximum marked (the argmax
mask), so the picture shows why a share goes where it goes.

The view draws what it is given (the panel reads values from the trace); it computes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from engine.steps import fmt
from pnn_gui.views import grid_geometry as gg
from pnn_gui.views.text_layer import TextLayer

GAP = 2  # cells between the two grids
#: A move: (from grid, (row, col), to grid, (row, col), label); grid is "big" or "small".
Move = tuple[str, tuple[int, int], str, tuple[int, int], str]

WINDOW_PEN = pg.mkPen((200, 30, 30), width=3)
TARGET_PEN = pg.mkPen((20, 120, 20), width=3)
OVERLAP_PEN = pg.mkPen((230, 120, 0), width=4)
MAX_PEN = pg.mkPen((90, 0, 110), width=4)


class PoolFlowView(gg.AnimatedGridView):
    """Two heatmaps with printed values, a window outline and travelling shares."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)

        cmap = pg.colormap.get("CET-D1")
        self._big_img = pg.ImageItem(axisOrder="row-major")
        self._small_img = pg.ImageItem(axisOrder="row-major")
        for img in (self._big_img, self._small_img):
            img.setColorMap(cmap)
        pen = pg.mkPen((150, 150, 150), width=1)
        self._ref_img = pg.ImageItem(axisOrder="row-major")
        self._ref_img.setColorMap(cmap)
        self._big_grid = pg.PlotDataItem(connect="pairs", pen=pen)
        self._small_grid = pg.PlotDataItem(connect="pairs", pen=pen)
        self._ref_grid = pg.PlotDataItem(connect="pairs", pen=pen)
        self._ref_window = pg.PlotDataItem(pen=WINDOW_PEN)
        self._ref_maxima = pg.PlotDataItem(connect="pairs", pen=MAX_PEN)
        self._window = pg.PlotDataItem(pen=WINDOW_PEN)
        self._cell = pg.PlotDataItem(pen=WINDOW_PEN)
        self._targets = pg.PlotDataItem(connect="pairs", pen=TARGET_PEN)
        self._overlaps = pg.PlotDataItem(connect="pairs", pen=OVERLAP_PEN)
        self._maxima = pg.PlotDataItem(connect="pairs", pen=MAX_PEN)
        self._arrows = pg.PlotDataItem(connect="pairs", pen=pg.mkPen((200, 30, 30, 110), width=1,
                                                                     style=QtCore.Qt.PenStyle
                                                                     .DashLine))
        self._markers = pg.ScatterPlotItem(size=11, pen=pg.mkPen((120, 0, 0)),
                                           brush=pg.mkBrush(240, 60, 40, 220))
        for item in (self._ref_img, self._big_img, self._small_img, self._ref_grid,
                     self._big_grid, self._small_grid, self._arrows, self._targets,
                     self._overlaps, self._window, self._cell, self._maxima, self._ref_window,
                     self._ref_maxima, self._markers):
            self._vb.addItem(item)
        self._ref_text = TextLayer(font_size=9)
        self._big_text = TextLayer(font_size=9)
        self._small_text = TextLayer(font_size=9)
        self._badges = TextLayer(font_size=8, bold=True, color="#c05800", background="#ffffff")
        self._shares = TextLayer(font_size=8, bold=True, color="#8a0000", background="#fff4e0")
        # each grid's title above it, and under the title a grey line saying what it holds;
        # placed in pixels above the grid's top edge, whatever the zoom
        self._titles = TextLayer(font_size=10, bold=True)
        self._notes = TextLayer(font_size=9, color="#555555")
        for item in (self._ref_text, self._big_text, self._small_text, self._badges,
                     self._titles, self._notes, self._shares):
            item.setZValue(20)
            self._vb.addItem(item)
        self._markers.setZValue(15)
        self._targets.setZValue(12)   # (over the window's outline, under the numbers)

        self._anim.setStartValue(0.0)
        self._anim.setEndValue(1.0)
        self._anim.valueChanged.connect(lambda v: self._draw_moves(float(v)))
        self._anim.finished.connect(lambda: self._draw_moves(1.0))

        self._moves: list[Move] = []
        self._outlined: tuple[tuple[int, int] | None, list[tuple[int, int]]] = (None, [])
        self._rest_labels = True
        self._overlap_cells: list[tuple[int, int]] = []
        self._max_cells: list[tuple[int, int]] = []
        self._ref_marks: list[tuple[int, int]] = []
        self._geom = (1, 1, 1, 1, 1, 1, 1, 1)
        self._with_ref = False
        self._shown_big = np.zeros((1, 1))
        self._shown_small = np.zeros((1, 1))
        self._shown_ref: np.ndarray | None = None
        self._note_lines = 1
        self._heads: list[tuple[float, str, str]] = []  # (centre x, title, grey line) per grid
        self.set_geometry((2, 2), (2, 2), (2, 2))

    # -- layout -----------------------------------------------------------------------------------
    def set_geometry(self, x_shape: Sequence[int], size, stride) -> None:
        """Input (rows, cols[, channels]), window and stride (int or (rows, cols))."""
        rows, cols = int(x_shape[0]), int(x_shape[1])
        kr, kc = gg.pair(size)
        sr, sc = gg.pair(stride)
        o_r, o_c = (rows - kr) // sr + 1, (cols - kc) // sc + 1
        o_r, o_c = max(o_r, 0), max(o_c, 0)
        new = (rows, cols, kr, kc, sr, sc, o_r, o_c)
        if new == self._geom:
            return
        self._geom = new
        self._place()

    def _place(self) -> None:
        """Grid lines, cell centres and the visible range for the geometry and whether the
        reference grid is shown (x keeps its place: the reference is drawn where x was)."""
        rows, cols, *_, o_r, o_c = self._geom
        self._ref_grid.setData(*gg.grid_lines(0, 0, rows, cols))
        bx = self._big_origin()
        self._big_grid.setData(*gg.grid_lines(bx, 0, rows, cols))
        sx, sy = self._small_origin()
        self._small_grid.setData(*gg.grid_lines(sx, sy, o_r, o_c))
        self._ref_xy = _centres(0, 0, rows, cols)
        self._big_xy = _centres(bx, 0, rows, cols)
        self._small_xy = _centres(sx, sy, o_r, o_c)
        # every grid in view, and room above them for the titles, in pixels
        top_px = self._titles.measure("Ag").height() + self._note_height() + 10
        self._set_extent(-0.3, sx + max(o_c, 1) + 0.3, rows + 0.4, top_px)

    def _note_height(self) -> float:
        return self._notes.measure("\n".join(["Ag"] * self._note_lines)).height()

    def _big_origin(self) -> float:
        return self._geom[1] + GAP if self._with_ref else 0.0

    def _small_origin(self) -> tuple[float, float]:
        rows, cols, *_, o_r, _ = self._geom
        return self._big_origin() + cols + GAP, max((rows - o_r) / 2, 0.0)

    def _xy(self, grid: str, rc: tuple[int, int]) -> np.ndarray:
        r, c = rc
        if grid == "big":
            return np.array([self._big_origin() + c + 0.5, r + 0.5])
        sx, sy = self._small_origin()
        return np.array([sx + c + 0.5, sy + r + 0.5])

    # -- a frame ----------------------------------------------------------------------------------
    def show_frame(self, big: np.ndarray, small: np.ndarray, *, big_title: str, small_title: str,
             big_levels: float, small_levels: float, window: tuple[int, int] | None = None,
             targets: Sequence[tuple[int, int]] = (), overlaps: Sequence[tuple[int, int]] = (),
             moves: Sequence[Move] = (), caption: str = "", animate_ms: int = 0,
             rest_labels: bool = True, maxima: Sequence[tuple[int, int]] = (),
             ref: np.ndarray | None = None, ref_title: str = "", ref_levels: float = 1.0,
             ref_marks: Sequence[tuple[int, int]] = ()) -> None:
        """Draw one frame. ``big`` (rows, cols) and ``small`` (o_r, o_c) with NaN for cells not
        computed yet; ``window`` the output cell (i, j) whose window is outlined; ``targets``
        the big-grid cells written now, ``overlaps`` those of them that already held a value
        from an earlier window; ``moves`` travel over ``animate_ms`` (0: drawn at rest) and,
        with ``rest_labels``, leave their label on the target cell; ``maxima`` are the big-grid
        cells a max-pooling window picked (outlined and badged ``max``). ``ref`` (rows, cols),
        when given, is drawn left of ``big`` with the same window outlined, ``ref_marks`` its
        cells outlined (each window's maximum). A title's second line (after ``\n``) is drawn
        under it in grey."""
        rows, cols, kr, kc, sr, sc, o_r, o_c = self._geom
        with_ref = ref is not None
        if with_ref != self._with_ref:
            self._with_ref = with_ref
            self._place()
        big = np.asarray(big, float).reshape(rows, cols)
        small = np.asarray(small, float).reshape(o_r, o_c)
        self._shown_big, self._shown_small = big, small
        bl = big_levels if big_levels > 0 else 1.0
        sl = small_levels if small_levels > 0 else 1.0
        bx = self._big_origin()
        self._big_img.setImage(big, levels=(-bl, bl))  # NaN: transparent (not yet)
        self._big_img.setRect(bx, 0, cols, rows)
        sx, sy = self._small_origin()
        self._small_img.setImage(small, levels=(-sl, sl))
        self._small_img.setRect(sx, sy, o_c, o_r)
        self._big_img.setOpacity(1.0)
        self._big_text.set_labels(*_labels(self._big_xy, big, bl))
        self._small_text.set_labels(*_labels(self._small_xy, small, sl))
        self._draw_ref(ref, ref_levels, window, ref_marks)
        tops = [(bx + cols / 2, big_title), (sx + o_c / 2, small_title)]
        if with_ref:
            tops.insert(0, (cols / 2, ref_title))
        self._heads = [(x, *((t.split("\n", 1)) + [""])[:2]) for x, t in tops]
        lines = max(n.count("\n") + 1 for _, _, n in self._heads)
        if lines != self._note_lines:
            self._note_lines = lines
            self._place()  # room above the grids for the grey lines
        self._place_titles()
        self._outlined = (window, [tuple(rc) for rc in targets])
        if window is None:
            self._window.setData([], [])
            self._cell.setData([], [])
        else:
            i, j = window
            self._window.setData(*gg.rect(bx + j * sc, i * sr, kc, kr))
            self._cell.setData(*gg.rect(sx + j, sy + i, 1, 1))
        # the cells written, just inside their edges and above the window's outline: both show
        self._targets.setData(*gg.rects([(bx + c + 0.1, r + 0.1) for r, c in targets], 0.8, 0.8))
        self._overlaps.setData(*gg.rects([(bx + c, r) for r, c in overlaps], 1, 1))
        self._overlap_cells = [tuple(rc) for rc in overlaps]
        self._maxima.setData(*gg.rects([(bx + c + 0.08, r + 0.08) for r, c in maxima], 0.84,
                                       0.84))
        self._max_cells = [tuple(rc) for rc in maxima]
        self._caption.setText(caption)
        self._moves = list(moves)
        self._rest_labels = rest_labels
        self._anim.stop()
        if self._moves and animate_ms > 0:
            self._anim.setDuration(int(animate_ms))
            self._draw_moves(0.0)
            self._anim.start()
        else:
            self._draw_moves(1.0)

    def _draw_moves(self, u: float) -> None:
        """Shares at fraction u of their way, the ``+=`` / ``max`` badges over their cells; at 1
        (rest) no badge and no share over a cell: one arrow in the gap and, with
        ``rest_labels``, the shares written once above it."""
        bx = self._big_origin()
        if u < 1.0 and self._moves:
            src = np.array([self._xy(g, rc) for g, rc, *_ in self._moves])
            dst = np.array([self._xy(g, rc) for _, _, g, rc, _ in self._moves])
            e = u * u * (3 - 2 * u)
            pos = src + (dst - src) * e
            seg = np.empty((2 * len(src), 2))
            seg[0::2], seg[1::2] = src, dst
            self._arrows.setData(seg[:, 0], seg[:, 1])
            self._markers.setData(pos[:, 0], pos[:, 1])
            self._shares.set_labels(pos + np.array([0.0, -0.32]), [m[4] for m in self._moves])
            self._badges.set_labels([[bx + c + 0.22, r + 0.2] for r, c in self._overlap_cells]
                                    + [[bx + c + 0.74, r + 0.2] for r, c in self._max_cells],
                                    ["+="] * len(self._overlap_cells)
                                    + ["max"] * len(self._max_cells))
            return
        self._markers.setData([], [])
        self._badges.set_labels(np.zeros((0, 2)), [])
        rest = self._rest_arrow()
        if rest is None:
            self._arrows.setData([], [])
            self._shares.set_labels(np.zeros((0, 2)), [])
            return
        self._arrows.setData(rest[:, 0], rest[:, 1])
        shares = list(dict.fromkeys(m[4] for m in self._moves))
        if self._rest_labels and shares:
            h = self._shares.measure("Ag").height()
            self._shares.set_labels((rest[0] + rest[1]) / 2, ["+= " + ", ".join(shares)],
                                    offset_px=(0.0, -(h / 2 + 3)))
        else:
            self._shares.set_labels(np.zeros((0, 2)), [])

    def _rest_arrow(self) -> np.ndarray | None:
        """The flow at rest: a line in the gap from the big grid's right edge (at the window's
        middle) to the output cell's left edge, its head at the end the shares went to, as
        ``connect="pairs"`` points; None when nothing moved."""
        window = self._outlined[0]
        if not self._moves or window is None:
            return None
        _, cols, kr, _, sr, *_ = self._geom
        i, _ = window
        sx, sy = self._small_origin()
        big = np.array([self._big_origin() + cols + 0.06, i * sr + kr / 2])
        small = np.array([sx - 0.06, sy + i + 0.5])
        tip, tail = (big, small) if self._moves[0][2] == "big" else (small, big)
        d = (tail - tip) / max(float(np.hypot(*(tail - tip))), 1e-9)
        n = np.array([-d[1], d[0]])
        head = [tip, tip + 0.2 * d + 0.1 * n, tip, tip + 0.2 * d - 0.1 * n]
        return np.array([tail, tip, *head])

    def _draw_ref(self, ref: np.ndarray | None, levels: float, window: tuple[int, int] | None,
                  marks: Sequence[tuple[int, int]]) -> None:
        """The reference grid left of δx (hidden when ``ref`` is None)."""
        rows, cols, kr, kc, sr, sc, *_ = self._geom
        shown = ref is not None
        for item in (self._ref_img, self._ref_grid, self._ref_window, self._ref_maxima,
                     self._ref_text):
            item.setVisible(shown)
        before = self._shown_ref
        self._shown_ref = None if ref is None else np.asarray(ref, float).reshape(rows, cols)
        self._ref_marks = [tuple(rc) for rc in marks] if shown else []
        if not shown:
            return
        lv = levels if levels > 0 else 1.0
        if (before is None or before.shape != self._shown_ref.shape
                or not np.array_equal(before, self._shown_ref, equal_nan=True)
                or self._ref_img.levels is None or tuple(self._ref_img.levels) != (-lv, lv)):
            self._ref_img.setImage(self._shown_ref, levels=(-lv, lv))  # (x: once a pass)
            self._ref_img.setRect(0, 0, cols, rows)
        self._ref_text.set_labels(*_labels(self._ref_xy, self._shown_ref, lv))
        if window is None:
            self._ref_window.setData([], [])
        else:
            i, j = window
            self._ref_window.setData(*gg.rect(j * sc, i * sr, kc, kr))
        self._ref_maxima.setData(*gg.rects([(c + 0.08, r + 0.08) for r, c in self._ref_marks],
                                           0.84, 0.84))

    def _place_titles(self) -> None:
        """Each grid's title and grey line centred above it, moved in from the view's edge
        when wider than the room there (x's line is wider than a narrow x)."""
        if not self._heads:
            return
        xs = np.array([x for x, _, _ in self._heads])
        heads = [t for _, t, _ in self._heads]
        notes = [n for _, _, n in self._heads]
        px_w = self._vb.viewPixelSize()[0]
        view = self._vb.viewRect()
        if px_w > 0 and view.width() > 0:
            for k in range(len(xs)):
                half = max(self._titles.measure(heads[k]).width(),
                           self._notes.measure(notes[k]).width()) / 2 * px_w + 2 * px_w
                xs[k] = min(max(xs[k], view.left() + half), view.right() - half)
        tops = np.stack([xs, np.zeros_like(xs)], axis=-1)
        tops[-1, 1] = self._small_origin()[1]
        # every grey line ends just above its grid, and each title sits just above its line
        note_h = self._note_height()
        title_h = self._titles.measure("Ag").height()
        px_h = abs(self._vb.viewPixelSize()[1])
        lower = np.array([(note_h - self._notes.measure(n or "Ag").height()) * px_h
                          for n in notes])
        self._notes.set_labels(tops + np.stack([np.zeros(len(xs)), lower / 2], axis=-1), notes,
                               offset_px=(0.0, -(note_h / 2 + 3)))
        self._titles.set_labels(tops + np.stack([np.zeros(len(xs)), lower], axis=-1), heads,
                                offset_px=(0.0, -(note_h + title_h / 2 + 4)))

    def _extent_applied(self) -> None:
        self._place_titles()

    def finish(self) -> None:
        """Skip the running flow to its end."""
        if self._anim.state() == QtCore.QAbstractAnimation.State.Running:
            self._anim.stop()
            self._draw_moves(1.0)

    # -- what is shown (tests) --------------------------------------------------------------------
    def shown(self) -> tuple[np.ndarray, np.ndarray]:
        """The big and small grids' values as drawn now (NaN where blank)."""
        return self._shown_big.copy(), self._shown_small.copy()

    def outlined(self) -> tuple[tuple[int, int] | None, list[tuple[int, int]]]:
        """The output cell whose window is outlined (None: none) and the big-grid cells
        outlined as written now."""
        return self._outlined[0], list(self._outlined[1])

    def titles(self) -> list[str]:
        """Each grid's title, its grey line under it after a line break (left to right)."""
        return [f"{t}\n{n}" if n else t for _, t, n in self._heads]

    def title_boxes(self) -> list[QtCore.QRectF]:
        """The boxes of the titles and their grey lines as drawn now (data coordinates)."""
        return [b for b in self._titles.boxes() + self._notes.boxes() if not b.isEmpty()]

    def visible_rect(self) -> QtCore.QRectF:
        """The part of the scene the view shows (data coordinates)."""
        return self._vb.viewRect()

    def value_boxes(self) -> list[QtCore.QRectF]:
        """The boxes of the printed values of every grid (data coordinates; blank cells
        none)."""
        out = []
        for layer in (self._ref_text, self._big_text, self._small_text):
            if layer.isVisible():
                out += [b for b, t in zip(layer.boxes(), layer.texts(), strict=True) if t]
        return out

    def drawn_marks(self) -> list[tuple[str, QtCore.QRectF]]:
        """The badges (``+=``, ``max``) and share labels drawn now, each with its box."""
        return [(t, b) for layer in (self._badges, self._shares)
                for t, b in zip(layer.texts(), layer.boxes(), strict=True) if t]

    def arrow_segments(self) -> np.ndarray:
        """The flow's lines drawn now, (n, 2, 2): n segments of two (x, y) points."""
        x, y = self._arrows.getData()
        if x is None or not len(x):
            return np.zeros((0, 2, 2))
        return np.stack([x, y], axis=-1).reshape(-1, 2, 2)

    def marked_overlaps(self) -> list[tuple[int, int]]:
        """The big-grid cells marked ``+=`` now (a share landing on an earlier share)."""
        return list(self._overlap_cells)

    def marked_maxima(self) -> list[tuple[int, int]]:
        """The big-grid cells marked as their window's maximum now."""
        return list(self._max_cells)

    def shown_ref(self) -> np.ndarray | None:
        """The reference grid's values as drawn now (None: not shown)."""
        return None if self._shown_ref is None else self._shown_ref.copy()

    def marked_ref(self) -> list[tuple[int, int]]:
        """The reference grid's cells marked as a window's maximum now."""
        return list(self._ref_marks)

    def shown_texts(self) -> list[str]:
        return self._big_text.texts()


def _centres(x0: float, y0: float, rows: int, cols: int) -> np.ndarray:
    r, c = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    return np.stack([x0 + c.ravel() + 0.5, y0 + r.ravel() + 0.5], axis=-1)


def _texts(values: np.ndarray) -> list[str]:
    return ["" if v != v else fmt(v) for v in values.reshape(-1)]


def _labels(xy: np.ndarray, values: np.ndarray, lim: float):
    """``set_labels`` arguments for a grid's values (none when too many to print)."""
    if values.size > gg.MAX_TEXT_CELLS:
        return np.zeros((0, 2)), []
    return xy, _texts(values), gg.ink_for(values, lim)
