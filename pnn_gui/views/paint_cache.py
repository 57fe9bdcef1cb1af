"""Pixmap caching of a plot's static parts, so a step that changes one item repaints fast.

Offscreen (and often on screen) a change to any item makes pyqtgraph repaint the whole viewport:
every axis, title and grid is painted again although it did not change. Items given Qt's
``DeviceCoordinateCache`` are painted once into a pixmap and then only copied; any ``update()``
of theirs (new ticks, a new range, a new title) draws the pixmap again, so nothing shown changes.
"""

from __future__ import annotations

from collections.abc import Iterable

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


__all__ = ["cache_items", "cache_static_parts"]
