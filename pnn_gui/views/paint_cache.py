"""Pixmap caching of a plot's static parts, so a step that changes one item repaints fast.

Offscreen (and often on screen) a change to any item makes pyqtgraph repaint the whole viewport:
every axis, title and grid is painted again although it did not change. Items given Qt's
``DeviceCoordinateCache`` are painted once into a pixmap and then only copied; any ``update()``
of theirs (new ticks, a new range, a new title) draws the pixmap again, so nothing shown changes.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

_CACHE = QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache


def cache_items(items: Iterable[QtWidgets.QGraphicsItem]) -> None:
    """Paint each of ``items`` from a pixmap until it changes (a ``PlotDataItem``: its curve, a
    ``TextItem``: its text item, which are what paint)."""
    for item in items:
        if isinstance(item, pg.PlotDataItem):
            item.curve.setCacheMode(_CACHE)
        elif isinstance(item, pg.TextItem):
            item.textItem.setCacheMode(_CACHE)
        else:
            item.setCacheMode(_CACHE)


def cache_static_parts(plot: pg.PlotItem) -> None:
    """The axes (with their grid lines) and the title of ``plot`` painted from pixmaps."""
    cache_items(plot.getAxis(side) for side in ("left", "right", "top", "bottom"))
    cache_items([plot.titleLabel])


def set_ticks(axis: pg.AxisItem, ticks: list) -> None:
    """``axis.setTicks(ticks)`` unless it shows those already: setting ticks throws away the
    axis's picture and pixmap, and painting an axis again costs 1-2 ms (a new trace after every
    edit would pay it for each axis although the ticks stayed)."""
    if getattr(axis, "_pnn_ticks", None) != ticks:
        axis._pnn_ticks = ticks
        axis.setTicks(ticks)


class HorizontalGrid(pg.PlotCurveItem):
    """Faint horizontal lines at the left axis's ticks, drawn as one curve in the plot.

    pyqtgraph's own grid (``showGrid``) is painted by the axis over the whole plot; with the
    axis cached as a pixmap, every range change re-renders that plot-sized pixmap (3-4 ms here,
    on every edit that moves the range). These lines cost a few line segments instead."""

    def __init__(self, plot: pg.PlotItem, alpha: int = 48):
        super().__init__(pen=pg.mkPen(0, 0, 0, alpha, width=1, cosmetic=True), connect="pairs")
        self._plot = plot
        self.setZValue(-100)
        plot.addItem(self, ignoreBounds=True)
        vb = plot.getViewBox()
        vb.sigRangeChanged.connect(self._update)
        vb.sigResized.connect(self._update)

    def _update(self, *_args) -> None:
        vb = self._plot.getViewBox()
        (x0, x1), (y0, y1) = vb.viewRange()
        height = vb.height()
        if height <= 0 or not y1 > y0:
            self.setData([], [])
            return
        levels = self._plot.getAxis("left").tickValues(y0, y1, height)
        ys = sorted({float(v) for _, values in levels[:1] for v in values})
        self.setData(np.tile([x0, x1], len(ys)), np.repeat(np.asarray(ys, float), 2))


__all__ = ["HorizontalGrid", "cache_items", "cache_static_parts", "set_ticks"]
