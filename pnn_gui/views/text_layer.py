"""Many short labels painted by one pyqtgraph item (cell values, node labels, edge labels).

A ``pg.TextItem`` per label costs a QGraphicsItem each and makes a 200-node graph slow to build;
this item holds plain arrays of positions and strings and paints them all in one ``paint`` call,
in screen pixels (the font does not scale with the plot's zoom; it follows View → Zoom, the
window's text size: sizes are given for 100 %, :func:`pnn_gui.style.points`). Create it once;
``set_labels`` replaces the contents without creating any item.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from pnn_gui import style

_ALIGN = QtCore.Qt.AlignmentFlag


class TextLayer(pg.GraphicsObject):
    """Labels at data positions, centred there (plus an optional pixel offset)."""

    def __init__(self, font_size: float = 9.0, color: str = "#202020", bold: bool = False,
                 background: str | None = None):
        super().__init__()
        self._design_size = float(font_size)
        self._font = style.font(font_size, bold)
        self._metrics = QtGui.QFontMetricsF(self._font)
        self._default_pen = QtGui.QPen(QtGui.QColor(color))
        self._background = QtGui.QBrush(QtGui.QColor(background)) if background else None
        self._xy = np.zeros((0, 2))
        self._spec: tuple | None = None  # what set_labels was given last
        self._texts: list[str] = []
        self._colors: list[QtGui.QPen | None] = []
        self._offset = (0.0, 0.0)
        self._bounds = QtCore.QRectF()
        self._pad_px = 0.0
        self._sizes: list[QtCore.QSizeF] = []
        self._fill_specs: list[str | None] = []
        self._border_specs: list[tuple[str, float] | None] = []
        self._fills: list[QtGui.QBrush | None] = []
        self._borders: list[QtGui.QPen | None] = []
        self._padding = 0.0
        self._brushes: dict[str, QtGui.QBrush] = {}
        self._pens: dict[tuple[str, float], QtGui.QPen] = {}
        # painted once into a pixmap in device pixels: a step that changes a few labels (or an
        # edge drawn across the whole graph) repaints from the pixmap, not every label again
        self.setCacheMode(self.CacheMode.DeviceCoordinateCache)
        style.on_zoom(self._on_zoom)

    # -- contents -------------------------------------------------------------------------------
    def set_labels(self, xy, texts: Sequence[str], colors: Sequence[str | None] | None = None,
                   offset_px: tuple[float, float] = (0.0, 0.0),
                   fills: Sequence[str | None] | None = None,
                   borders: Sequence[tuple[str, float] | None] | None = None,
                   padding: float = 0.0) -> None:
        """Show ``texts[k]`` centred at ``xy[k]`` (data coordinates) shifted by ``offset_px``.

        ``fills`` and ``borders`` (colour, width) draw a box behind each label (``padding`` px
        around the text); texts may hold several lines.
        """
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        if len(xy) != len(texts):
            raise ValueError(f"texts: expected {len(xy)} labels for {len(xy)} positions, got "
                             f"{len(texts)}")
        spec = (tuple(texts), None if colors is None else tuple(colors), tuple(offset_px),
                None if fills is None else tuple(fills),
                None if borders is None else tuple(borders), float(padding))
        if spec == self._spec and np.array_equal(xy, self._xy, equal_nan=True):
            return  # the same labels: nothing to measure or repaint (a step that keeps them)
        self._spec = spec
        self.prepareGeometryChange()
        self._xy = xy
        self._texts = list(texts)
        self._colors = ([self._pen(c) if c else None for c in colors]
                        if colors is not None else [None] * len(texts))
        self._offset = offset_px
        self._padding = float(padding)
        self._set_boxes(fills, borders)
        self._sizes = [self._metrics.size(0, t) for t in self._texts]
        w = max((s.width() for s in self._sizes), default=0.0)
        h = max((s.height() for s in self._sizes), default=0.0)
        self._pad_px = max(w, h) / 2 + abs(offset_px[0]) + abs(offset_px[1]) + padding + 4
        if len(xy):
            lo, hi = np.nanmin(xy, axis=0), np.nanmax(xy, axis=0)
            self._bounds = QtCore.QRectF(lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1])
        else:
            self._bounds = QtCore.QRectF()
        self.update()

    def set_texts(self, texts: Sequence[str], colors: Sequence[str | None] | None = None,
                  fills: Sequence[str | None] | None = None,
                  borders: Sequence[tuple[str, float] | None] | None = None) -> None:
        """Same positions, new strings (a step or an animation frame).

        Only the labels that changed are re-measured and repainted (a region update each, when
        few change), so one changed node in a large graph costs one box, not all of them.
        """
        n = len(self._texts)
        if len(texts) != n:
            raise ValueError(f"texts: expected {n} labels, got {len(texts)}")
        self._spec = None  # (set_labels compares against what it was given)
        old_texts, old_sizes = self._texts, self._sizes
        old = (self._colors, self._fill_specs, self._border_specs)
        self._texts = list(texts)
        if colors is not None:
            self._colors = [self._pen(c) if c else None for c in colors]
        if fills is not None or borders is not None:
            self._set_boxes(fills if fills is not None else self._fill_specs,
                            borders if borders is not None else self._border_specs)
        new = (self._colors, self._fill_specs, self._border_specs)
        changed = [k for k in range(n)
                   if old_texts[k] != self._texts[k] or old[0][k] is not new[0][k]
                   or old[1][k] != new[1][k] or old[2][k] != new[2][k]]
        if not changed:
            return
        sizes = list(old_sizes)
        for k in changed:
            sizes[k] = self._metrics.size(0, self._texts[k])
        self._sizes = sizes
        widest = max((s.width() for s in sizes), default=0.0)
        if widest / 2 + self._padding + 4 > self._pad_px:
            self.prepareGeometryChange()
            self._pad_px = widest / 2 + self._padding + abs(self._offset[0]) + 4
            self.update()
            return
        px = self.pixelVectors()
        if len(changed) > max(8, n // 4) or px[0] is None:
            self.update()
            return
        pw = abs(px[0].x()) + abs(px[1].x())
        ph = abs(px[0].y()) + abs(px[1].y())
        for k in changed:
            x, y = self._xy[k]
            if x != x or y != y:
                continue
            w = max(sizes[k].width(), old_sizes[k].width()) / 2 + self._padding + 4
            h = max(sizes[k].height(), old_sizes[k].height()) / 2 + self._padding + 4
            cx, cy = x + self._offset[0] * pw, y + self._offset[1] * ph
            self.update(QtCore.QRectF(cx - w * pw, cy - h * ph, 2 * w * pw, 2 * h * ph))

    def _set_boxes(self, fills, borders) -> None:
        n = len(self._texts)
        self._fill_specs = list(fills) if fills is not None else [None] * n
        self._border_specs = list(borders) if borders is not None else [None] * n
        self._fills = [self._brush(c) if c else None for c in self._fill_specs]
        self._borders = [self._pen(*b) if b else None for b in self._border_specs]

    def _brush(self, color: str) -> QtGui.QBrush:
        brush = self._brushes.get(color)
        if brush is None:
            brush = self._brushes[color] = QtGui.QBrush(QtGui.QColor(color))
        return brush

    def _pen(self, color: str, width: float = 1.0) -> QtGui.QPen:
        pen = self._pens.get((color, width))
        if pen is None:
            pen = self._pens[(color, width)] = QtGui.QPen(QtGui.QColor(color), width)
        return pen

    def set_font_size(self, points: float) -> None:
        """Change the font size, given for 100 % (e.g. to fit a view); re-measures every
        label."""
        self._design_size = float(points)
        self._apply_font_size()

    def _on_zoom(self, _factor: float) -> None:
        self._apply_font_size()

    def _apply_font_size(self) -> None:
        points = style.points(self._design_size)
        if abs(self._font.pointSizeF() - points) < 0.05:
            return
        self.prepareGeometryChange()
        self._font.setPointSizeF(points)
        self._metrics = QtGui.QFontMetricsF(self._font)
        self._sizes = [self._metrics.size(0, t) for t in self._texts]
        w = max((s.width() for s in self._sizes), default=0.0)
        h = max((s.height() for s in self._sizes), default=0.0)
        self._pad_px = max(w, h) / 2 + abs(self._offset[0]) + abs(self._offset[1]) \
            + self._padding + 4
        self.update()

    def font_size(self) -> float:
        """The font's size as painted (points: the size given × the zoom)."""
        return self._font.pointSizeF()

    def measure(self, text: str) -> QtCore.QSizeF:
        """Pixel size of ``text`` (several lines allowed) in this layer's font."""
        return self._metrics.size(0, text)

    def texts(self) -> list[str]:
        return list(self._texts)

    def boxes(self) -> list[QtCore.QRectF]:
        """Each label's box in data coordinates at the current zoom (the text's pixel size
        around its position and offset); empty boxes before the item is in a view."""
        px = self.pixelVectors()
        if px[0] is None:
            return [QtCore.QRectF() for _ in self._texts]
        pw = abs(px[0].x()) + abs(px[1].x())
        ph = abs(px[0].y()) + abs(px[1].y())
        dx, dy = self._offset
        return [QtCore.QRectF(x + (dx - size.width() / 2) * pw, y + (dy - size.height() / 2) * ph,
                              size.width() * pw, size.height() * ph)
                for (x, y), size in zip(self._xy, self._sizes, strict=True)]

    def positions(self) -> np.ndarray:
        return self._xy.copy()

    # -- QGraphicsItem --------------------------------------------------------------------------
    def boundingRect(self) -> QtCore.QRectF:
        if self._bounds.isNull() and not len(self._xy):
            return QtCore.QRectF()
        px = self.pixelVectors()
        if px[0] is None:
            return QtCore.QRectF(self._bounds)
        pw = abs(px[0].x()) + abs(px[1].x())
        ph = abs(px[0].y()) + abs(px[1].y())
        return self._bounds.adjusted(-self._pad_px * pw, -self._pad_px * ph,
                                     self._pad_px * pw, self._pad_px * ph)

    def viewTransformChanged(self):
        # a new scale moves every label: paint the cached pixmap again (in a real window a
        # timeline whose columns changed kept its labels where the old scale put them)
        self.prepareGeometryChange()
        self.update()

    def paint(self, painter: QtGui.QPainter, *args) -> None:
        if not self._texts:
            return
        tr = painter.transform()
        painter.save()
        painter.resetTransform()
        painter.setFont(self._font)
        flags = int(_ALIGN.AlignCenter)
        dx, dy = self._offset
        pad = self._padding
        boxes = any(self._fills) or any(self._borders)
        no_pen = QtGui.QPen(QtCore.Qt.PenStyle.NoPen)
        # only the labels inside the region being painted (a region update repaints a few)
        # (the transform is reset above, so the clip is in device pixels; a region of several
        # rectangles when the changes are far apart)
        exposed = painter.clipRegion() if painter.hasClipping() else None
        if exposed is not None and exposed.isEmpty():
            exposed = None
        for k, ((x, y), text, size, pen) in enumerate(zip(self._xy, self._texts, self._sizes,
                                                          self._colors, strict=True)):
            if not text or x != x or y != y:
                continue
            p = tr.map(QtCore.QPointF(x, y))
            rect = QtCore.QRectF(p.x() + dx - size.width() / 2 - 1,
                                 p.y() + dy - size.height() / 2, size.width() + 2, size.height())
            if exposed is not None and not exposed.intersects(
                    rect.adjusted(-pad - 2, -pad - 2, pad + 2, pad + 2).toAlignedRect()):
                continue
            if boxes and (self._fills[k] is not None or self._borders[k] is not None):
                painter.setPen(self._borders[k] or no_pen)
                painter.setBrush(self._fills[k] or QtGui.QBrush())
                painter.drawRoundedRect(rect.adjusted(-pad, -pad, pad, pad), 4, 4)
            elif self._background is not None:
                painter.fillRect(rect.adjusted(-1, 0, 1, 0), self._background)
            painter.setPen(pen or self._default_pen)
            painter.drawText(rect, flags, text)
        painter.restore()


def short(x: float) -> str:
    """A number in about 5 characters for a cell or bar label: ``0.84``, ``-12.3``, ``3.1e-4``."""
    a = abs(x)
    if x != x:
        return ""
    if a == 0:
        return "0"
    if a >= 100 or a < 0.01:
        return f"{x:.1e}".replace("e-0", "e-").replace("e+0", "e")
    if a >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}" if a >= 0.1 else f"{x:.3f}"
