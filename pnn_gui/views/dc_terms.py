"""How δc_t is assembled: a stacked bar per unit, one segment per term, and |δc_t| over t.

Top: for the current time step, one bar per unit ``j``; positive terms stack upwards from zero,
negative terms downwards, each segment labelled with its value; a black tick marks the total
δc_t[j] (the sum of the terms). Bottom: ‖δc_t‖ (Euclidean norm over the units) for every t computed
so far, so a vanishing or exploding gradient through time is visible; the current t is marked.

Items are created once per set of terms (a ``QGraphicsPathItem`` of rectangles per term — far
cheaper to paint than ``BarGraphItem``'s QPicture — and one ``TextLayer`` for all
values); each step or animation frame only calls ``setOpts`` / ``setData``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from pnn_gui.views.text_layer import TextLayer, short

#: one colour per term, told apart without relying on red/green (Okabe-Ito palette)
TERM_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
#: print each segment's value when there are at most this many units
MAX_LABELLED_UNITS = 8
BAR_WIDTH = 0.62


def stack(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bottoms and heights of stacked segments, positives up from 0 and negatives down.

    ``values`` is (K terms, n units); returns ``(y0, height)`` of the same shape, where segment
    ``k`` of unit ``j`` spans ``[y0, y0 + height]``. NaN values get zero height.
    """
    v = np.nan_to_num(np.asarray(values, float), nan=0.0)
    pos = np.where(v > 0, v, 0.0)
    neg = np.where(v < 0, v, 0.0)
    pos_base = np.cumsum(pos, axis=0) - pos
    neg_base = np.cumsum(neg, axis=0) - neg
    y0 = np.where(v >= 0, pos_base, neg_base)
    return y0, v


_NICE = np.array([1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10])


def nice_ceil(x: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten that is >= ``x``
    (0 for ``x <= 0``). Axis ranges rounded so keep still while a student types: an edit that
    moves the largest value a little leaves the axes (and their 1-3 ms repaint) alone."""
    if not x > 0 or not np.isfinite(x):
        return 0.0
    scale = 10.0 ** np.floor(np.log10(x))
    return float(_NICE[np.searchsorted(_NICE, x / scale * (1 - 1e-12))] * scale)


class DcTermsView(pg.GraphicsLayoutWidget):
    """Stacked bars of δc_t's terms (top) and ‖δc_t‖ over t (bottom)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setBackground("w")
        self._legend = pg.LegendItem(colCount=2, labelTextColor="#202020",
                                     labelTextSize="8pt", verSpacing=-6)
        self.ci.addItem(self._legend, row=0, col=0)
        self.bars_plot = self.addPlot(row=1, col=0)
        self.norm_plot = self.addPlot(row=2, col=0)
        self.ci.layout.setRowStretchFactor(0, 0)
        self.ci.layout.setRowStretchFactor(1, 3)
        self.ci.layout.setRowStretchFactor(2, 2)
        for p in (self.bars_plot, self.norm_plot):
            p.setMenuEnabled(False)
            p.hideButtons()
            p.getViewBox().setMouseEnabled(False, False)
            p.showGrid(y=True, alpha=0.19)
            for side in ("left", "bottom"):
                p.getAxis(side).setPen(pg.mkPen("#606060"))
                p.getAxis(side).setTextPen(pg.mkPen("#202020"))
        self.bars_plot.setLabel("bottom", "unit j")
        self.norm_plot.setTitle("‖δc<sub>t</sub>‖ over t", color="#202020", size="10pt")
        self.norm_plot.setLabel("bottom", "t")
        self._zero = pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen("#606060", width=1))
        self.bars_plot.addItem(self._zero)
        self._bars: list[QtWidgets.QGraphicsPathItem] = []
        self._legend_samples: list[pg.BarGraphItem] = []  # legend swatches only (not drawn)
        self._total = pg.PlotDataItem(pen=pg.mkPen("#000000", width=3), connect="pairs")
        self._total.setZValue(10)
        self.bars_plot.addItem(self._total)
        self._values_text = TextLayer(font_size=7.5, background="#c8ffffff")
        self._values_text.setZValue(12)
        self.bars_plot.addItem(self._values_text)
        self._total_text = TextLayer(font_size=8, bold=True)
        self._total_text.setZValue(12)
        self.bars_plot.addItem(self._total_text)
        self._norm_line = pg.PlotDataItem(pen=pg.mkPen("#0072B2", width=2), symbol="o",
                                          symbolSize=6, symbolBrush="#0072B2",
                                          symbolPen=pg.mkPen("#0072B2"), connect="finite")
        self.norm_plot.addItem(self._norm_line)
        self._norm_now = pg.ScatterPlotItem(symbol="o", size=12, pen=pg.mkPen("#ff8c00", width=2),
                                            brush=pg.mkBrush(None))
        self.norm_plot.addItem(self._norm_now)
        self.term_names: tuple[str, ...] = ()
        self.n_h = 0
        self.T = 0
        self._heights = np.zeros((0, 0))
        self._label_units = False
        self._log = False
        self._span = 1.0
        self._totals = np.zeros(0)
        self._title_t: int | None = -1
        #: what the bars and the norm curve show now (None: unknown), to skip unchanged updates
        self._shown_terms: tuple | None = None
        self._shown_norms: tuple | None = None

    # -- per trace ------------------------------------------------------------------------------
    def set_geometry(self, T: int, n_h: int, term_names: Sequence[str],
                     final_terms: Mapping[str, np.ndarray], final_dc: np.ndarray) -> None:
        """A new trace: ``final_terms[name]`` (T, n_h) and ``final_dc`` (T, n_h) fix the ranges."""
        self.T, self.n_h = int(T), int(n_h)
        names = tuple(term_names)
        if names != self.term_names:
            for b in self._bars:
                self.bars_plot.removeItem(b)
            self._legend.clear()
            self._bars = []
            self._legend_samples = []
            for k, name in enumerate(names):
                color = TERM_COLORS[k % len(TERM_COLORS)]
                bar = QtWidgets.QGraphicsPathItem()
                bar.setBrush(pg.mkBrush(color))
                bar.setPen(pg.mkPen("#ffffff", width=1, cosmetic=True))
                self.bars_plot.addItem(bar)
                sample = pg.BarGraphItem(x=[0], height=[1], width=1, brush=pg.mkBrush(color),
                                         pen=pg.mkPen("#ffffff"))
                self._legend.addItem(sample, name)
                self._bars.append(bar)
                self._legend_samples.append(sample)
            self.term_names = names
            if self._fit_legend():
                super().resizeEvent(None)  # lay the plots out again around the new legend
        # fixed y range over all t from the final terms
        if names:
            allv = np.stack([np.asarray(final_terms[n], float).reshape(T, n_h) for n in names])
            pos = np.where(allv > 0, allv, 0).sum(axis=0)
            neg = np.where(allv < 0, allv, 0).sum(axis=0)
            hi, lo = nice_ceil(float(np.max(pos, initial=0))), \
                -nice_ceil(-float(np.min(neg, initial=0)))
        else:
            hi = lo = 0.0
        span = max(hi - lo, 1e-12)
        self._span = span
        self.bars_plot.setYRange(lo - 0.08 * span, hi + 0.12 * span, padding=0)
        right = n_h - 0.4 + (0.5 if n_h <= MAX_LABELLED_UNITS else 0.0)  # room for "= 0.29"
        self.bars_plot.setXRange(-0.6, right, padding=0)
        every = max(1, int(np.ceil(n_h / 8)))
        self.bars_plot.getAxis("bottom").setTicks([[(j, str(j)) for j in range(0, n_h, every)]])
        self._label_units = n_h <= MAX_LABELLED_UNITS
        self._values_text.set_labels(np.zeros((len(names) * n_h if self._label_units else 0, 2)),
                                     [""] * (len(names) * n_h if self._label_units else 0))
        self._total_text.set_labels(np.zeros((n_h if self._label_units else 0, 2)),
                                    [""] * (n_h if self._label_units else 0))
        norms = np.linalg.norm(np.asarray(final_dc, float).reshape(T, n_h), axis=1)
        positive = norms[norms > 0]
        self._log = bool(len(positive) and positive.max() / positive.min() > 50)
        self.norm_plot.setLogMode(False, self._log)
        self.norm_plot.setXRange(0.5, T + 0.5, padding=0)
        top = nice_ceil(float(norms.max(initial=0.0))) or 1.0
        if self._log:  # whole half-decades
            self.norm_plot.setYRange(np.floor(2 * np.log10(positive.min())) / 2 - 0.1,
                                     np.ceil(2 * np.log10(top)) / 2 + 0.1, padding=0)
        else:
            self.norm_plot.setYRange(0, top * 1.1, padding=0)
        every = max(1, int(np.ceil(T / 8)))
        self.norm_plot.getAxis("bottom").setTicks([[(t, str(t)) for t in range(1, T + 1, every)]])
        self._shown_terms = self._shown_norms = None  # new ranges: draw afresh
        self.show_terms(None, {})
        self.show_norms(np.full((T, n_h), np.nan), None)

    # -- legend -----------------------------------------------------------------------------------
    def resizeEvent(self, ev) -> None:
        if hasattr(self, "_legend"):  # pyqtgraph resizes once inside __init__
            self._fit_legend()  # first: the layout below is sized with the legend's new shape
        super().resizeEvent(ev)

    def legend_columns(self) -> int:
        return int(self._legend.columnCount)

    def legend_texts(self) -> list[str]:
        """The legend's entries as shown."""
        return [label.text for _, label in self._legend.items]

    def _fit_legend(self) -> bool:
        """Two columns of swatches when they fit the view's width, else one: a legend wider than
        the view would push the plots out past its right edge (the layout does not shrink it).
        True when the legend changed."""
        metrics = QtGui.QFontMetricsF(QtGui.QFont(self.font().family(), 8))
        widest = max((metrics.horizontalAdvance(n) for n in self.term_names), default=0.0)
        two = 2 * (widest + 45) + 20  # swatch, spacing and margins per column
        cols = 2 if self.width() >= two else 1
        if cols == self._legend.columnCount:
            return False
        self._legend.setColumnCount(cols)
        return True

    # -- per step / frame -----------------------------------------------------------------------
    def show_terms(self, t: int | None, terms: Mapping[str, np.ndarray],
                   total: np.ndarray | None = None, grow: Sequence[int] = (),
                   progress: float = 1.0) -> None:
        """The terms of δc_t so far (each (n_h,), NaN = not computed yet) and, once known, the
        total ``total`` (n_h,), marked by a black tick and its value.

        The terms whose indices are in ``grow`` are drawn at ``progress`` (0..1) of their size:
        an animation frame of the term being added. ``t`` is 1-based; None clears the bars.
        """
        K, n = len(self.term_names), self.n_h
        if t is None or n == 0:
            if self._shown_terms == ():
                return  # already cleared: nothing to repaint
            self._shown_terms = ()
            for bar in self._bars:
                bar.setPath(QtGui.QPainterPath())
            self._total.setData([], [])
            self._totals = np.zeros(0)
            if self._label_units:
                self._values_text.set_texts([""] * (K * n))
                self._total_text.set_texts([""] * n)
            self._set_title(None)
            self._heights = np.zeros((K, n))
            return
        values = np.stack([np.asarray(terms.get(name, np.full(n, np.nan)), float).reshape(n)
                           for name in self.term_names]) if K else np.zeros((0, n))
        scale = np.ones((K, 1))
        for k in grow:
            if 0 <= k < K:
                scale[k] = float(np.clip(progress, 0.0, 1.0))
        # the same picture as on screen (a step that writes elsewhere): leave the items alone,
        # so the view is not repainted
        key = (t, values.tobytes(), scale.tobytes(),
               None if total is None else np.asarray(total, float).tobytes())
        if key == self._shown_terms:
            return
        self._shown_terms = key
        shown = np.nan_to_num(values) * scale
        y0, h = stack(shown)
        x = np.arange(n)
        for k, bar in enumerate(self._bars):
            bar.setPath(_rects(x - BAR_WIDTH / 2, y0[k], BAR_WIDTH, h[k]))
        self._heights = h
        if total is not None and not np.isnan(total).any():
            total = np.asarray(total, float).reshape(n)
            half = BAR_WIDTH / 2 + 0.06
            self._totals = total.copy()
            self._total.setData(np.repeat(x, 2) + np.tile([-half, half], n), np.repeat(total, 2))
        else:
            total = None
            self._totals = np.zeros(0)
            self._total.setData([], [])
        if self._label_units:
            pos = np.column_stack([np.repeat(x[None, :], K, 0).ravel(), (y0 + h / 2).ravel()])
            small = 0.05 * self._span
            texts = [(short(v) if s >= 1 and v == v and abs(v) >= small else "")
                     for v, s in zip(values.ravel(), np.repeat(scale[:, 0], n), strict=True)]
            self._values_text.set_labels(pos, texts)
            if total is not None:
                self._total_text.set_labels(np.column_stack([x + BAR_WIDTH / 2 + 0.02, total]),
                                            [f"= {short(v)}" for v in total], offset_px=(26, 0))
            else:
                self._total_text.set_texts([""] * n)
        self._set_title(t)

    def _set_title(self, t: int | None) -> None:
        if t == self._title_t and self._title_t != -1:
            return
        self._title_t = t
        if t is None:
            title = "δc<sub>t</sub> terms: backward pass"
        else:
            title = f"δc<sub>{t}</sub> by term, per unit"
        self.bars_plot.setTitle(title, color="#202020", size="10pt")

    def show_norms(self, dc_so_far: np.ndarray, t: int | None) -> None:
        """‖δc_t‖ for the rows computed so far (NaN rows are skipped); mark time ``t`` (1-based)."""
        dc = np.asarray(dc_so_far, float).reshape(self.T, self.n_h)
        known = ~np.isnan(dc).any(axis=1)
        norms = np.where(known, np.linalg.norm(np.nan_to_num(dc), axis=1), np.nan)
        ts = np.arange(1, self.T + 1, dtype=float)
        if self._log:
            norms = np.where(norms > 0, norms, np.nan)
        ok = ~np.isnan(norms)
        if t is not None and 1 <= t <= self.T and known[t - 1] and not np.isnan(norms[t - 1]):
            y = norms[t - 1]
            now = (t, float(np.log10(y) if self._log else y))
        else:
            now = None
        key = (norms.tobytes(), now)
        if key == self._shown_norms:
            return  # unchanged: no setData, no repaint
        self._shown_norms = key
        self._norm_line.setData(ts[ok], norms[ok])
        if now is not None:
            self._norm_now.setData([now[0]], [now[1]])
        else:
            self._norm_now.setData([], [])

    # -- for tests ------------------------------------------------------------------------------
    def title(self) -> str:
        """The bar chart's title (which δc_t it shows)."""
        return self.bars_plot.titleLabel.text

    def segment_heights(self) -> np.ndarray:
        """(K, n_h) heights currently drawn."""
        return self._heights.copy()

    def total_values(self) -> np.ndarray:
        return self._totals.copy()

    def norm_values(self) -> np.ndarray:
        """(t, ‖δc_t‖) of the points drawn."""
        x, y = self._norm_line.getData()
        if x is None:
            return np.zeros((0, 2))
        return np.column_stack([x, y])



def _rects(x0: np.ndarray, y0: np.ndarray, width: float, heights: np.ndarray
           ) -> QtGui.QPainterPath:
    """One path holding a rectangle per unit (zero heights are left out)."""
    path = QtGui.QPainterPath()
    for x, y, h in zip(x0, y0, heights, strict=True):
        if h != 0:
            path.addRect(QtCore.QRectF(float(x), float(min(y, y + h)), width, float(abs(h))))
    return path


__all__ = ["TERM_COLORS", "DcTermsView", "stack"]

