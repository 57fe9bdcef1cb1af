"""Small drawing helpers for the grid views (conv shape, filter transform, pool flow), and
:class:`AnimatedGridView`, the frame those three views share.

Every helper returns arrays for ``PlotDataItem.setData`` or updates items created once, so a
frame only moves data, never builds items.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

#: most cells whose values are printed as text (beyond that a grid shows colours only)
MAX_TEXT_CELLS = 600

BACKGROUND = "w"
INK = (30, 30, 30)


def pair(v) -> tuple[int, int]:
    """An int or a (rows, cols) pair as a (rows, cols) pair of ints."""
    if isinstance(v, (tuple, list, np.ndarray)):
        return int(v[0]), int(v[1])
    return int(v), int(v)


def grid_lines(x0: float, y0: float, rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """Line segments (for ``connect='pairs'``) of a rows × cols grid with its corner at (x0, y0)."""
    xs_v = np.repeat(x0 + np.arange(cols + 1, dtype=float), 2)
    ys_v = np.tile([y0, y0 + rows], cols + 1).astype(float)
    ys_h = np.repeat(y0 + np.arange(rows + 1, dtype=float), 2)
    xs_h = np.tile([x0, x0 + cols], rows + 1).astype(float)
    return np.concatenate([xs_v, xs_h]), np.concatenate([ys_v, ys_h])


def rect(x0: float, y0: float, w: float, h: float) -> tuple[np.ndarray, np.ndarray]:
    """A closed rectangle as a polyline."""
    return (np.array([x0, x0 + w, x0 + w, x0, x0], float),
            np.array([y0, y0, y0 + h, y0 + h, y0], float))


def dashed_rect(x0: float, y0: float, w: float, h: float,
                dash: float) -> tuple[np.ndarray, np.ndarray]:
    """A rectangle's edges as dashes ``dash`` long with gaps as long, as segments for
    ``connect='pairs'`` (each edge starts on a dash)."""
    xs, ys = [], []
    for (ax, ay), (bx, by) in (((x0, y0), (x0 + w, y0)), ((x0 + w, y0), (x0 + w, y0 + h)),
                               ((x0, y0 + h), (x0 + w, y0 + h)), ((x0, y0), (x0, y0 + h))):
        length = abs(bx - ax) + abs(by - ay)
        starts = np.arange(0.0, length, 2 * dash)
        ends = np.minimum(starts + dash, length)
        ux, uy = (bx - ax) / (length or 1), (by - ay) / (length or 1)
        seg = np.empty(2 * len(starts))
        seg[0::2], seg[1::2] = starts, ends
        xs.append(ax + ux * seg)
        ys.append(ay + uy * seg)
    return np.concatenate(xs), np.concatenate(ys)


def rects(corners: np.ndarray, w: float, h: float) -> tuple[np.ndarray, np.ndarray]:
    """Many rectangles (``corners`` is (n, 2) of x, y) as segments for ``connect='pairs'``."""
    corners = np.asarray(corners, float).reshape(-1, 2)
    x, y = corners[:, 0:1], corners[:, 1:2]
    xs = np.hstack([x, x + w, x + w, x + w, x + w, x, x, x])
    ys = np.hstack([y, y, y, y + h, y + h, y + h, y + h, y])
    return xs.ravel(), ys.ravel()


def block_layout(a: np.ndarray) -> np.ndarray:
    """A 4-D bank (k_r, k_c, m, n) as one 2-D grid of its m × n matrices, one NaN row / column
    between neighbours: matrix [:, :, i, j] at block row i, block column j."""
    kr, kc, m, n = a.shape
    padded = np.full((kr + 1, kc + 1, m, n), np.nan)
    padded[:kr, :kc] = a
    return padded.transpose(2, 0, 3, 1).reshape(m * (kr + 1), n * (kc + 1))[:-1, :-1]


def side_by_side(a: np.ndarray) -> np.ndarray:
    """A 3-D tensor (rows, cols, ch) as its channels side by side, one NaN column between."""
    rows, cols, n = a.shape
    out = np.full((rows, n, cols + 1), np.nan)
    out[:, :, :cols] = a.transpose(0, 2, 1)
    return out.reshape(rows, n * (cols + 1))[:, :-1]


def new_view(widget: pg.GraphicsLayoutWidget) -> pg.ViewBox:
    """A ViewBox with rows going down, square cells, no mouse zoom surprises."""
    widget.setBackground(BACKGROUND)
    vb = widget.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
    vb.setMouseEnabled(x=False, y=False)
    return vb


def text(vb: pg.ViewBox, s: str = "", color=INK, anchor=(0.5, 0.5), size: int = 9,
         bold: bool = False) -> pg.TextItem:
    item = pg.TextItem(s, color=color, anchor=anchor)
    font = item.textItem.font()
    font.setPointSize(size)
    font.setBold(bold)
    item.setFont(font)
    vb.addItem(item)
    return item


def diverging(levels: float):
    """The diverging colour map (centred on zero) and symmetric levels for ``setImage``."""
    cmap = pg.colormap.get("CET-D1")
    lim = float(levels) if levels and np.isfinite(levels) and levels > 0 else 1.0
    return cmap, (-lim, lim)


def ink_for(values: np.ndarray, lim: float) -> list:
    """Text colour per cell: white on strong colours, dark on pale ones."""
    v = np.abs(np.nan_to_num(np.asarray(values, float).reshape(-1))) / (lim or 1.0)
    return ["#ffffff" if a > 0.6 else "#1e1e1e" for a in v]


class AnimatedGridView(QtWidgets.QWidget):
    """One ViewBox (``_vb``, rows going down) with a caption under it (``_caption``) and one
    animation (``_anim``) that a click on the view skips to its end (:meth:`finish`, which the
    subclass writes). ``beside_caption`` widgets sit to the right of the caption."""

    def __init__(self, parent: QtWidgets.QWidget | None = None,
                 beside_caption: tuple[QtWidgets.QWidget, ...] = ()):
        super().__init__(parent)
        self._plot = pg.GraphicsLayoutWidget()
        self._vb = new_view(self._plot)
        self._caption = QtWidgets.QLabel()
        self._caption.setWordWrap(True)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self._plot, 1)
        if beside_caption:
            bottom = QtWidgets.QHBoxLayout()
            bottom.setContentsMargins(0, 0, 0, 0)
            bottom.addWidget(self._caption, 1)
            for w in beside_caption:
                bottom.addWidget(w, 0, QtCore.Qt.AlignmentFlag.AlignTop)
            lay.addLayout(bottom)
        else:
            lay.addWidget(self._caption)
        self._anim = QtCore.QVariantAnimation(self)
        self._plot.viewport().installEventFilter(self)  # a click skips the animation
        self._extent: tuple[float, float, float, float, float] | None = None
        self._vb.sigResized.connect(self._apply_extent)

    def _set_extent(self, left: float, right: float, bottom: float, top_px: float,
                    min_top: float = 0.0) -> None:
        """Show x from ``left`` to ``right`` and y from the top of the grids (0) to ``bottom``
        (data units), with ``top_px`` pixels above 0 for titles: in pixels, so the room in
        data units follows the zoom (a large grid's cells are small). Kept on resizes."""
        self._extent = (left, right, bottom, top_px, min_top)
        self._apply_extent()

    def _apply_extent(self, *_args) -> None:
        if self._extent is None:
            return
        left, right, bottom, top_px, min_top = self._extent
        box = self._vb.size()
        top = min_top
        if box.width() > 1 and box.height() > top_px:
            px = min(box.width() / (right - left), (box.height() - top_px) / bottom)
            top = max(min_top, top_px / max(px, 1e-9))
        self._vb.setRange(xRange=(left, right), yRange=(-top, bottom), padding=0.02)
        self._extent_applied()

    def _extent_applied(self) -> None:
        """Hook: the range is set (``self._vb.viewPixelSize()`` is the zoom now)."""

    def finish(self) -> None:
        """Skip a running animation to its end."""
        raise NotImplementedError

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QtCore.QEvent.Type.MouseButtonPress and self.is_animating():
            self.finish()
        return False

    def caption(self) -> str:
        """The text under the view."""
        return self._caption.text()

    def is_animating(self) -> bool:
        return self._anim.state() == QtCore.QAbstractAnimation.State.Running
