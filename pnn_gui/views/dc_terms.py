"""How δc_t is assembled: a stacked bar per unit, one segment per term (:class:`DcTermsView`),
and ‖δc_t‖ over t (:class:`DcNormView`).

Bars: for the current time step t (0..T; δc₀ has no term from an h), one bar per unit ``j``;
positive terms stack upwards from zero, negative terms downwards, each segment labelled with its
value where the label fits inside it; a black tick marks the total δc_t[j] (the sum of the
terms), its value above the bar. A term too small to see at the chart's scale (a peephole term
is often a hundredth of the others) is drawn :data:`MIN_SEGMENT_PX` pixels thick, so every term
that is not zero shows. ‖δc_t‖ (Euclidean norm over the units) for every t computed so far, t = 0
included, shows a vanishing or exploding gradient through time; the current t is marked. Every
text is at the window's text size and follows View → Zoom.

Items are created once per set of terms (a ``QGraphicsPathItem`` of rectangles per term — far
cheaper to paint than ``BarGraphItem``'s QPicture — and one ``TextLayer`` for all
values); each step or animation frame only calls ``setOpts`` / ``setData``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from engine.steps import fmt
from pnn_gui import style
from pnn_gui.views.text_layer import TextLayer, short

#: one colour per term, told apart without relying on red/green (Okabe-Ito palette)
TERM_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
#: print each segment's value when there are at most this many units
MAX_LABELLED_UNITS = 8
BAR_WIDTH = 0.62
#: the thinnest a term that is not zero is drawn (pixels at 100 %)
MIN_SEGMENT_PX = 4.0


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


def _axes_style(plot: pg.PlotItem) -> None:
    """Fixed, unclickable axes in the chart's greys, numbers at the window's text size."""
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.getViewBox().setMouseEnabled(False, False)
    plot.showGrid(y=True, alpha=0.19)
    for side in ("left", "bottom"):
        plot.getAxis(side).setPen(pg.mkPen("#606060"))
        plot.getAxis(side).setTextPen(pg.mkPen("#202020"))


def _set_axis_texts(plot: pg.PlotItem, bottom: str | None = None) -> None:
    """Tick numbers and the bottom axis' name, if any, at the window's text size (View → Zoom)."""
    tick = style.font(style.DESIGN_POINTS)
    for side in ("left", "bottom"):
        plot.getAxis(side).setStyle(tickFont=tick)
    if bottom is not None:
        plot.setLabel("bottom", bottom, color="#202020",
                      **{"font-size": _size(style.DESIGN_POINTS)})


class _Legend(pg.LegendItem):
    """pyqtgraph's legend, sized from its entries' preferred sizes: its own sizing read their
    current geometry, which lags a new font or a new column count (the legend stayed as wide as
    two columns at the old size, and pushed the bars out of the view)."""

    def entry_widths(self) -> list[float]:
        """Swatch and label of each entry, side by side (pixels)."""
        hint = QtCore.Qt.SizeHint.PreferredSize
        return [s.effectiveSizeHint(hint).width() + label.effectiveSizeHint(hint).width() + 6
                for s, label in self.items]

    def updateSize(self) -> None:
        if self.size is not None:
            return
        hint = QtCore.Qt.SizeHint.PreferredSize
        width = height = 0.0
        for row in range(self.layout.rowCount()):
            row_width = row_height = 0.0
            for col in range(self.layout.columnCount()):
                item = self.layout.itemAt(row, col)
                if item:
                    size = item.effectiveSizeHint(hint)
                    row_width += size.width() + 3
                    row_height = max(row_height, size.height())
            width = max(width, row_width)
            height += row_height
        self.setGeometry(0, 0, width, height)


class DcTermsView(pg.GraphicsLayoutWidget):
    """Stacked bars of δc_t's terms, under their legend."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setBackground("w")
        self._legend = _Legend(colCount=2, labelTextColor="#202020",
                                labelTextSize=_size(style.DESIGN_POINTS), verSpacing=-6)
        self.ci.addItem(self._legend, row=0, col=0)
        self.bars_plot = self.addPlot(row=1, col=0)
        self.ci.layout.setRowStretchFactor(0, 0)
        self.ci.layout.setRowStretchFactor(1, 1)
        _axes_style(self.bars_plot)
        self._zero = pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen("#606060", width=1))
        self.bars_plot.addItem(self._zero)
        self._bars: list[QtWidgets.QGraphicsPathItem] = []
        self._legend_samples: list[pg.BarGraphItem] = []  # legend swatches only (not drawn)
        self._total = pg.PlotDataItem(pen=pg.mkPen("#000000", width=3), connect="pairs")
        self._total.setZValue(10)
        self.bars_plot.addItem(self._total)
        self._values_text = TextLayer(font_size=style.DESIGN_POINTS, background="#c8ffffff")
        self._values_text.setZValue(12)
        self.bars_plot.addItem(self._values_text)
        self._total_text = TextLayer(font_size=style.DESIGN_POINTS, bold=True,
                                     background="#c8ffffff")
        self._total_text.setZValue(12)
        self.bars_plot.addItem(self._total_text)
        self.term_names: tuple[str, ...] = ()
        self.n_h = 0
        self.T = 0
        self._heights = np.zeros((0, 0))
        self._drawn = np.zeros((0, 0))
        self._label_units = False
        self._totals = np.zeros(0)
        self._title_t: int | None = -1
        #: what the bars show now (None: unknown), to skip unchanged updates
        self._shown_terms: tuple | None = None
        self._terms_args: tuple = (None, {}, None, (), 1.0)  # show_terms' last arguments
        self._set_texts()
        style.on_zoom(self._on_zoom)
        self.bars_plot.getViewBox().sigResized.connect(self._on_bars_resized)

    # -- text size ------------------------------------------------------------------------------
    def _set_texts(self) -> None:
        """Title, axes and legend at the window's text size."""
        _set_axis_texts(self.bars_plot, "unit j")
        self._title_t = -1
        self._set_title(self._terms_args[0])
        self._legend.opts["labelTextSize"] = _size(style.DESIGN_POINTS)
        for _, item in self._legend.items:
            item.setText(item.text, size=_size(style.DESIGN_POINTS))
        self._legend.updateSize()

    def _on_zoom(self, _factor: float) -> None:
        if not self.closed:
            self._set_texts()
            self._fit_legend()
            self._redraw_terms()

    def _on_bars_resized(self, *_args) -> None:
        self._redraw_terms()  # the thinnest segment is in pixels

    def _redraw_terms(self) -> None:
        self._shown_terms = None
        self.show_terms(*self._terms_args)

    # -- per trace ------------------------------------------------------------------------------
    def set_geometry(self, n_h: int, term_names: Sequence[str],
                     final_terms: Mapping[str, np.ndarray]) -> None:
        """A new trace: ``final_terms[name]`` (any rows × n_h: every time step's values of the
        term, NaN where it has none) fix the range."""
        self.n_h = int(n_h)
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
            allv = np.nan_to_num(np.stack([np.asarray(final_terms[n], float).reshape(-1, n_h)
                                           for n in names]))
            pos = np.where(allv > 0, allv, 0).sum(axis=0)
            neg = np.where(allv < 0, allv, 0).sum(axis=0)
            hi, lo = nice_ceil(float(np.max(pos, initial=0))), \
                -nice_ceil(-float(np.min(neg, initial=0)))
        else:
            hi = lo = 0.0
        span = max(hi - lo, 1e-12)
        # room above the bars for the totals' values
        self.bars_plot.setYRange(lo - 0.08 * span, hi + 0.22 * span, padding=0)
        self.bars_plot.setXRange(-0.6, n_h - 0.4, padding=0)
        every = max(1, int(np.ceil(n_h / 8)))
        self.bars_plot.getAxis("bottom").setTicks([[(j, str(j)) for j in range(0, n_h, every)]])
        self._label_units = n_h <= MAX_LABELLED_UNITS
        self._values_text.set_labels(np.zeros((len(names) * n_h if self._label_units else 0, 2)),
                                     [""] * (len(names) * n_h if self._label_units else 0))
        self._total_text.set_labels(np.zeros((n_h if self._label_units else 0, 2)),
                                    [""] * (n_h if self._label_units else 0))
        self._shown_terms = None  # new ranges: draw afresh
        self.show_terms(None, {})

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
        widest = max(self._legend.entry_widths(), default=0.0)
        margins = 30  # the layout's and the legend's
        self.setMinimumWidth(int(widest + margins))  # the legend never cut
        cols = 2 if self.width() >= 2 * widest + margins else 1
        if cols == self._legend.columnCount:
            return False
        self._legend.setColumnCount(cols)
        return True

    # -- per step / frame -----------------------------------------------------------------------
    def show_terms(self, t: int | None, terms: Mapping[str, np.ndarray],
                   total: np.ndarray | None = None, grow: Sequence[int] = (),
                   progress: float = 1.0) -> None:
        """The terms of δc_t so far (each (n_h,), NaN = not computed yet or, at t = 0, not
        there) and, once known, the total ``total`` (n_h,), marked by a black tick and its value
        above the bar.

        The terms whose indices are in ``grow`` are drawn at ``progress`` (0..1) of their size:
        an animation frame of the term being added. ``t`` is 0..T; None clears the bars.
        """
        self._terms_args = (t, terms, total, grow, progress)
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
            self._heights = self._drawn = np.zeros((K, n))
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
        y0, h = stack(thickened(shown, self._min_segment()))
        x = np.arange(n)
        for k, bar in enumerate(self._bars):
            bar.setPath(_rects(x - BAR_WIDTH / 2, y0[k], BAR_WIDTH, h[k]))
        self._heights = shown
        self._drawn = h
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
            # a value where it fits inside its segment
            room = np.abs(h.ravel()) / self._data_per_px() >= self._values_text.measure(
                "0").height()
            texts = [(short(v) if s >= 1 and v == v and fits else "")
                     for v, s, fits in zip(values.ravel(), np.repeat(scale[:, 0], n), room,
                                           strict=True)]
            self._values_text.set_labels(pos, texts)
            if total is not None:
                # "= total" above the bar (its stack, or the tick, whichever is higher)
                top = np.maximum(np.where(h > 0, y0 + h, 0).max(axis=0, initial=0), total)
                lift = self._values_text.measure("0").height() * 0.7 + 3
                self._total_text.set_labels(np.column_stack([x, top]),
                                            [f"= {short(v)}" for v in total],
                                            offset_px=(0, -lift))
            else:
                self._total_text.set_texts([""] * n)
        self._set_title(t)

    def _set_title(self, t: int | None) -> None:
        if t == self._title_t and self._title_t != -1:
            return
        self._title_t = t
        title = f"δc<sub>{'t' if t is None else t}</sub> by term"  # (t: none drawn yet)
        self.bars_plot.setTitle(title, color="#202020", size=_size(10))

    def _data_per_px(self) -> float:
        """The bars' data units per pixel, vertically (1 before the chart is laid out)."""
        px = self.bars_plot.getViewBox().viewPixelSize()[1]
        return px if px > 0 and np.isfinite(px) else 1.0

    def _min_segment(self) -> float:
        return style.px(MIN_SEGMENT_PX) * self._data_per_px()

    # -- for tests ------------------------------------------------------------------------------
    def title(self) -> str:
        """The bar chart's title (which δc_t it shows)."""
        return self.bars_plot.titleLabel.text

    def segment_heights(self) -> np.ndarray:
        """(K, n_h) the terms' values the bars show now (0 where none)."""
        return self._heights.copy()

    def drawn_heights_px(self) -> np.ndarray:
        """(K, n_h) each segment's height on screen, in pixels (a small term is drawn at least
        :data:`MIN_SEGMENT_PX` thick)."""
        return np.abs(self._drawn) / self._data_per_px()

    def total_values(self) -> np.ndarray:
        return self._totals.copy()

    def value_texts(self) -> list[str]:
        """The values printed in the segments, term by term ("" where none)."""
        return self._values_text.texts()

    def text_size(self) -> float:
        """Points of the printed values."""
        return self._values_text.font_size()


class DcNormView(pg.PlotWidget):
    """‖δc_t‖ over t = 0 … T, the current t marked."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent, background="w")
        self.plot_item = self.getPlotItem()
        _axes_style(self.plot_item)
        # no grid: with one, pyqtgraph drops the numbers at the axis' ends, the only ones left
        self.plot_item.showGrid(y=False)
        self._line = pg.PlotDataItem(pen=pg.mkPen("#0072B2", width=2), symbol="o",
                                     symbolSize=6, symbolBrush="#0072B2",
                                     symbolPen=pg.mkPen("#0072B2"), connect="finite")
        self.addItem(self._line)
        self._now = pg.ScatterPlotItem(symbol="o", size=12, pen=pg.mkPen("#ff8c00", width=2),
                                       brush=pg.mkBrush(None))
        self.addItem(self._now)
        self.T = self.n_h = 0
        self._log = False
        self._shown: tuple | None = None
        self._set_texts()
        style.on_zoom(self._on_zoom)

    def _set_texts(self) -> None:
        _set_axis_texts(self.plot_item)  # (the title says "over t")
        self.plot_item.setTitle("‖δc<sub>t</sub>‖ over t", color="#202020", size=_size(10))

    def _on_zoom(self, _factor: float) -> None:
        if not self.closed:
            self._set_texts()

    def set_geometry(self, T: int, n_h: int, final_dc: np.ndarray) -> None:
        """A new trace: ``final_dc`` ((T + 1) × n_h: δc₀ … δc_T) fixes the range."""
        self.T, self.n_h = int(T), int(n_h)
        norms = np.linalg.norm(np.asarray(final_dc, float).reshape(T + 1, n_h), axis=1)
        positive = norms[norms > 0]
        self._log = bool(len(positive) and positive.max() / positive.min() > 50)
        self.plot_item.setLogMode(False, self._log)
        self.plot_item.setXRange(-0.5, T + 0.5, padding=0)
        top = nice_ceil(float(norms.max(initial=0.0))) or 1.0
        if self._log:  # whole half-decades
            low, high = (np.floor(2 * np.log10(positive.min())) / 2,
                         np.ceil(2 * np.log10(top)) / 2)
            self.plot_item.setYRange(low - 0.1, high + 0.1, padding=0)
            ends = [(low, fmt(10 ** low, 2)), (high, fmt(10 ** high, 2))]
        else:
            self.plot_item.setYRange(0, top * 1.1, padding=0)
            ends = [(0.0, "0"), (top, fmt(top, 3))]
        # the plot is a few lines high: its scale's two ends only (pyqtgraph's own ticks
        # printed 0.1, 0.2, 0.3 on top of each other)
        self.plot_item.getAxis("left").setTicks([ends])
        every = max(1, int(np.ceil((T + 1) / 8)))
        self.plot_item.getAxis("bottom").setTicks([[(t, str(t)) for t in range(0, T + 1, every)]])
        self._shown = None  # new ranges: draw afresh
        self.show_norms(np.full((T + 1, n_h), np.nan), None)

    def show_norms(self, dc_so_far: np.ndarray, t: int | None) -> None:
        """‖δc_t‖ of the rows computed so far of ``dc_so_far`` ((T + 1) × n_h, δc₀ first; NaN
        rows are skipped); mark time ``t`` (0..T)."""
        dc = np.asarray(dc_so_far, float).reshape(self.T + 1, self.n_h)
        known = ~np.isnan(dc).any(axis=1)
        norms = np.where(known, np.linalg.norm(np.nan_to_num(dc), axis=1), np.nan)
        ts = np.arange(0, self.T + 1, dtype=float)
        if self._log:
            norms = np.where(norms > 0, norms, np.nan)
        ok = ~np.isnan(norms)
        if t is not None and 0 <= t <= self.T and ok[t]:
            y = norms[t]
            now = (t, float(np.log10(y) if self._log else y))
        else:
            now = None
        key = (norms.tobytes(), now)
        if key == self._shown:
            return  # unchanged: no setData, no repaint
        self._shown = key
        self._line.setData(ts[ok], norms[ok])
        if now is not None:
            self._now.setData([now[0]], [now[1]])
        else:
            self._now.setData([], [])

    def norm_values(self) -> np.ndarray:
        """(t, ‖δc_t‖) of the points drawn."""
        x, y = self._line.getData()
        if x is None:
            return np.zeros((0, 2))
        return np.column_stack([x, y])


def thickened(values: np.ndarray, least: float) -> np.ndarray:
    """``values`` with every one that is not zero at least ``least`` in size (its sign kept)."""
    v = np.asarray(values, float)
    return np.where(v == 0, 0.0, np.sign(v) * np.maximum(np.abs(v), least))


def _size(design: float) -> str:
    """A CSS font size for pyqtgraph's labels at the window's text size."""
    return f"{style.points(design):.2f}pt"


def _rects(x0: np.ndarray, y0: np.ndarray, width: float, heights: np.ndarray
           ) -> QtGui.QPainterPath:
    """One path holding a rectangle per unit (zero heights are left out)."""
    path = QtGui.QPainterPath()
    for x, y, h in zip(x0, y0, heights, strict=True):
        if h != 0:
            path.addRect(QtCore.QRectF(float(x), float(min(y, y + h)), width, float(abs(h))))
    return path


__all__ = ["TERM_COLORS", "DcNormView", "DcTermsView", "stack", "thickened"]

