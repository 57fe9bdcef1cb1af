"""Task 2a animated: the forward filter bank as the sheet prints it (one row per input channel, one
column per filter) on the left; each matrix first moves to its swapped slot in the backward bank on
the right (row = its filter, column = its channel), then turns by 180° there. The right grid ends
on ``conv2d.backward_filter(f)`` (k_rows, k_cols, c_out, c_in); the left keeps f at full contrast
(each matrix leaves a copy of itself, so the forward filters stay readable beside the backward
ones). Each matrix is named f₀, f₁, … (by origin) in the gap above it, on both sides, in the
largest font (:data:`TAG_POINTS`) that fits that gap at the current size; when none does, the
names are left out and the caption says so, rather than drawn over a matrix.

Progress is per matrix: ``P[c, o]`` runs 0 (in f) → 1 (moved: f_swapped) → 2 (turned: f_back), so
a trace that swaps and rotates one matrix per step and one that does the whole bank in one step
are drawn alike. Each matrix is one image item, at rest as in motion, created once per bank shape:
a frame only moves them (transforms), so there is one way a matrix is drawn.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtGui, QtWidgets

from engine.steps import fmt, sub
from pnn_gui.views import grid_geometry as gg
from pnn_gui.views.text_layer import TextLayer

#: most matrices drawn (c_in × c_out); a larger bank shows a message instead
MAX_MATRICES = 256
GAP = 1.0        # cells between neighbouring matrices
GRID_GAP = 3.0   # cells between the forward and the backward bank
#: font sizes tried for the names f₀, f₁, … (the first whose text fits the gap above a matrix)
TAG_POINTS = (10.0, 9.0, 8.0, 7.0)


def _ease(u: np.ndarray) -> np.ndarray:
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3 - 2 * u)


class FilterTransformView(gg.AnimatedGridView):
    """The forward bank, the backward bank, and each matrix's way from one to the other."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)

        self._images: list[pg.ImageItem] = []   # one per matrix, moved and turned, at rest too
        # f, left, at full contrast: the whole bank in one image (NaN between matrices shows
        # nothing); the moving copies start on top of it
        self._forward = pg.ImageItem(axisOrder="row-major")
        self._vb.addItem(self._forward)
        self._frames = pg.PlotDataItem(connect="pairs", pen=pg.mkPen((110, 110, 110), width=1.5))
        self._frames.setZValue(4)
        self._vb.addItem(self._frames)
        self._values = TextLayer(font_size=9)
        self._forward_values = TextLayer(font_size=9)
        self._forward_tags = TextLayer(font_size=TAG_POINTS[0], color="#404040")
        self._tags = TextLayer(font_size=TAG_POINTS[0], color="#404040")
        self._headers = TextLayer(font_size=9, bold=True, color="#1e1e1e")
        # row labels sit beside the grids at a fixed pixel distance, whatever the zoom
        self._left_rows = TextLayer(font_size=9, bold=True, color="#1e1e1e")
        self._right_rows = TextLayer(font_size=9, bold=True, color="#1e1e1e")
        for z, item in enumerate((self._forward_values, self._values, self._forward_tags,
                                  self._tags, self._headers, self._left_rows, self._right_rows)):
            item.setZValue(10 + z)
            self._vb.addItem(item)
        self._tags_shown = True
        self._vb.sigResized.connect(self._fit_tags)

        self._anim.setStartValue(0.0)
        self._anim.setEndValue(1.0)
        self._anim.valueChanged.connect(self._on_anim_frame)
        self._anim_from = np.zeros((0, 0))
        self._anim_to = np.zeros((0, 0))

        self._f = np.zeros((0, 0, 0, 0))
        self._p = np.zeros((0, 0))
        self._xy = np.zeros((0, 0, 0, 0, 2))
        self._lim = 1.0
        self._too_big = False
        self._drawn = False

    # -- model ------------------------------------------------------------------------------------
    def set_filter(self, f: np.ndarray) -> None:
        """A filter bank (k_rows, k_cols, c_in, c_out). Progress is kept when the shape is."""
        f = np.asarray(f, float)
        if f.ndim != 4:
            raise ValueError(f"f: expected a 4-D filter bank (k_rows, k_cols, c_in, c_out), got "
                             f"shape {f.shape}")
        shape_changed = f.shape != self._f.shape
        if not shape_changed and np.array_equal(f, self._f):
            return  # the same bank: nothing to redraw
        self._f = f.copy()
        c_in, c_out = f.shape[2:]
        self._too_big = c_in * c_out > MAX_MATRICES
        if shape_changed:
            self._anim.stop()
            self._p = np.zeros((c_in, c_out))
            self._build()
        if self._too_big:
            self._caption.setText(f"{c_in} × {c_out} matrices are too many to animate here; the "
                                  "backward filters are in the tensor views below.")
            return
        lim = float(np.abs(f).max()) if f.size else 1.0
        cmap, levels = gg.diverging(lim)
        self._lim = levels[1]
        for n, img in enumerate(self._images):
            ci, co = divmod(n, c_out)
            img.setImage(f[:, :, ci, co], levels=levels)
            img.setColorMap(cmap)
        bank = gg.block_layout(f)  # matrix [:, :, ci, co] at row ci, column co, as _left
        self._forward.setImage(bank, levels=levels)
        self._forward.setColorMap(cmap)
        self._forward.setRect(0, 0, bank.shape[1], bank.shape[0])
        vals = f.transpose(2, 3, 0, 1).reshape(-1)  # matrix by matrix, as the items are
        if f.size <= gg.MAX_TEXT_CELLS:
            self._forward_values.set_labels(self._forward_xy, [fmt(v) for v in vals],
                                            gg.ink_for(vals, self._lim))
        else:
            self._forward_values.set_labels(self._forward_xy, [""] * f.size)
        self._draw()

    def _build(self) -> None:
        for img in self._images:
            self._vb.removeItem(img)
        self._images = []
        kr, kc, c_in, c_out = self._f.shape
        visible = not self._too_big and self._f.size > 0
        for item in (self._frames, self._values, self._forward_values, self._tags,
                     self._forward_tags, self._headers, self._left_rows, self._right_rows,
                     self._forward):
            item.setVisible(visible)
        if not visible:
            return
        for _ in range(c_in * c_out):
            img = pg.ImageItem(axisOrder="row-major")
            img.setZValue(5)
            self._vb.addItem(img)
            self._images.append(img)
        # the values of f (left), frames of both banks, names, headers: static for this shape
        r, c = np.meshgrid(np.arange(kr), np.arange(kc), indexing="ij")
        cells = np.stack([c.ravel() + 0.5, r.ravel() + 0.5], axis=-1)
        self._forward_xy = np.concatenate([self._left(ci, co) + cells for ci in range(c_in)
                                           for co in range(c_out)])
        self._forward_tags.set_labels(
            np.array([self._left(ci, co) + [kc / 2, -GAP / 2] for ci in range(c_in)
                      for co in range(c_out)]), self._names())
        corners = [self._left(ci, co) for ci in range(c_in) for co in range(c_out)]
        corners += [self._right(o, ci) for o in range(c_out) for ci in range(c_in)]
        self._frames.setData(*gg.rects(np.array(corners), kc, kr))
        self._left_rows.set_labels(np.array([self._left(ci, 0) + [0, kr / 2]
                                             for ci in range(c_in)]),
                                   [f"ch {ci}" for ci in range(c_in)], offset_px=(-24.0, 0.0))
        self._right_rows.set_labels(np.array([self._right(o, c_in - 1) + [kc, kr / 2]
                                              for o in range(c_out)]),
                                    [f"ch {o}" for o in range(c_out)], offset_px=(24.0, 0.0))
        xy, texts = [], []
        for co in range(c_out):
            xy.append(self._left(0, co) + [kc / 2, -1.5])
            texts.append(f"filter {co}")
        for ci in range(c_in):
            xy.append(self._right(0, ci) + [kc / 2, -1.5])
            texts.append(f"filter {ci}")
        xy.append(self._left(0, 0) + [(c_out * (kc + GAP) - GAP) / 2, -2.6])
        texts.append("f (forward)")
        xy.append(self._right(0, 0) + [(c_in * (kc + GAP) - GAP) / 2, -2.6])
        texts.append("f_back (backward)")
        self._headers.set_labels(np.array(xy, float), texts)
        right_end = self._right(c_out - 1, c_in - 1) + [kc, kr]
        bottom = max(c_in, c_out) * (kr + GAP)
        self._vb.setRange(xRange=(-3.2, right_end[0] + 2.2), yRange=(-3.2, bottom + 0.4),
                          padding=0.02)
        self._fit_tags()

    def _names(self) -> list[str]:
        """f₀, f₁, … in f's order (channel by channel, filter by filter), as the editors."""
        c_in, c_out = self._f.shape[2:]
        return [f"f{sub(i * c_out + o)}" for i in range(c_in) for o in range(c_out)]

    def _fit_tags(self, *_args) -> None:
        """The names' font: the largest of TAG_POINTS whose text fits the gap above a matrix
        (GAP cells tall, a matrix and a gap wide) at the current zoom; none fits: hidden."""
        if not self._images:
            return
        px = self._vb.viewPixelSize()  # data units per pixel
        if not px[0] or not px[1]:
            return
        kc = self._f.shape[1]
        room_w, room_h = (kc + GAP) / px[0] - 4, GAP / px[1] - 2
        widest = max(self._names(), key=len)
        fits = None
        for points in TAG_POINTS:
            self._tags.set_font_size(points)
            size = self._tags.measure(widest)
            if size.width() <= room_w and size.height() <= room_h:
                fits = points
                break
        shown = fits is not None
        self._forward_tags.set_font_size(fits or TAG_POINTS[-1])
        for item in (self._tags, self._forward_tags):
            item.setVisible(shown)
        if shown != self._tags_shown:
            self._tags_shown = shown
            self._caption.setText(self._stage_text())

    def _left(self, ci: int, co: int) -> np.ndarray:
        kr, kc = self._f.shape[:2]
        return np.array([co * (kc + GAP), ci * (kr + GAP)], float)

    def _right(self, o: int, ci: int) -> np.ndarray:
        kr, kc, _, c_out = self._f.shape
        x0 = c_out * (kc + GAP) - GAP + GRID_GAP
        return np.array([x0 + ci * (kc + GAP), o * (kr + GAP)], float)

    # -- progress ---------------------------------------------------------------------------------
    def progress(self) -> np.ndarray:
        """Per matrix (c_in, c_out): 0 in f, 1 moved to f_swapped, 2 turned (f_back)."""
        return self._p.copy()

    def set_progress(self, p) -> None:
        """Draw progress ``p`` (a number for every matrix, or a (c_in, c_out) array) at rest."""
        self._anim.stop()
        p = np.clip(np.broadcast_to(np.asarray(p, float), self._p.shape), 0, 2).copy()
        if np.array_equal(p, self._p) and self._drawn:
            return
        self._p = p
        self._draw()

    def animate_to(self, p, duration_ms: int = 1200) -> None:
        """Move every matrix from its progress now to ``p`` over ``duration_ms`` (0 jumps)."""
        target = np.clip(np.broadcast_to(np.asarray(p, float), self._p.shape), 0, 2).copy()
        self._anim.stop()
        if duration_ms <= 0 or np.array_equal(target, self._p):
            self.set_progress(target)
            return
        self._anim_from, self._anim_to = self._p.copy(), target
        self._anim.setDuration(int(duration_ms))
        self._anim.start()

    def _on_anim_frame(self, s) -> None:
        self._p = self._anim_from + (self._anim_to - self._anim_from) * float(s)
        self._draw()

    def finish(self) -> None:
        """Skip a running animation to its end."""
        if self.is_animating():
            self._anim.stop()
            self._p = self._anim_to.copy()
            self._draw()

    # -- drawing ----------------------------------------------------------------------------------
    def _draw(self) -> None:
        self._drawn = True
        if self._too_big or self._f.size == 0:
            return
        kr, kc, c_in, c_out = self._f.shape
        p = self._p
        move = _ease(p)                          # 0 → 1 along the way to the new slot
        theta = 180.0 * _ease(p - 1.0)           # 0 → 180° once there
        ci, co = np.meshgrid(np.arange(c_in), np.arange(c_out), indexing="ij")
        start = np.stack([co * (kc + GAP), ci * (kr + GAP)], axis=-1).astype(float)
        end = np.stack([self._right(0, 0)[0] + ci * (kc + GAP), co * (kr + GAP)], axis=-1)
        bow = np.sin(np.pi * np.clip(p, 0, 1))[..., None] * np.array([0.0, -0.35 * kr])
        origins = start + (end - start) * move[..., None] + bow      # (c_in, c_out, 2)
        centre = np.array([kc / 2, kr / 2])
        # mid-turn a matrix shrinks so that its turned box stays inside its slot (a 2×3 matrix
        # at 90° would be 3 tall and run into its neighbours)
        a = np.radians(theta)
        box_w = kc * np.abs(np.cos(a)) + kr * np.abs(np.sin(a))
        box_h = kc * np.abs(np.sin(a)) + kr * np.abs(np.cos(a))
        shrink = np.minimum(1.0, np.minimum(kc / box_w, kr / box_h))      # (c_in, c_out)
        self._place(origins, centre, theta, shrink)
        # each cell's centre: the matrix corner + the cell's offset turned about the centre
        r, c = np.meshgrid(np.arange(kr), np.arange(kc), indexing="ij")
        rel = np.stack([c + 0.5 - centre[0], r + 0.5 - centre[1]], axis=-1)   # (kr, kc, 2)
        a = a[None, None]                                                   # (1, 1, c_in, c_out)
        cos, sin = np.cos(a) * shrink, np.sin(a) * shrink
        rx, ry = rel[..., 0][..., None, None], rel[..., 1][..., None, None]
        turned = np.stack([rx * cos - ry * sin, rx * sin + ry * cos], axis=-1)
        self._xy = origins[None, None] + centre + turned  # (kr, kc, c_in, c_out, 2)
        # a matrix still in f is drawn by the forward bank: its copy's values and name only
        # once it has left
        left = (p > 0).reshape(-1)                                   # f's order, as the items
        if self._f.size <= gg.MAX_TEXT_CELLS:
            xy = self._xy.transpose(2, 3, 0, 1, 4).reshape(-1, 2)
            vals = self._f.transpose(2, 3, 0, 1).reshape(-1)
            moved = np.repeat(left, kr * kc)
            self._values.set_labels(xy, [fmt(v) if m else "" for v, m in zip(vals, moved,
                                                                           strict=True)],
                                    gg.ink_for(vals, self._lim))
        else:
            self._values.set_labels(np.zeros((0, 2)), [])
        # the name in the gap above the matrix's slot (a turning matrix is shrunk to its slot)
        tag_xy = origins.reshape(-1, 2) + centre + np.array([0.0, -(kr / 2 + GAP / 2)])
        self._tags.set_labels(tag_xy, [n if m else "" for n, m in zip(self._names(), left,
                                                                      strict=True)])
        self._caption.setText(self._stage_text())

    def _place(self, origins, centre, theta, shrink) -> None:
        """Each matrix's item moved, turned and shrunk (the one on its way drawn on top)."""
        c_out = self._f.shape[3]
        p = self._p
        for n, img in enumerate(self._images):
            i, o = divmod(n, c_out)
            tr = QtGui.QTransform()
            tr.translate(origins[i, o, 0] + centre[0], origins[i, o, 1] + centre[1])
            tr.rotate(float(theta[i, o]))
            tr.scale(float(shrink[i, o]), float(shrink[i, o]))
            tr.translate(-centre[0], -centre[1])
            img.setTransform(tr)
            img.setZValue(5 + (1 if 0 < p[i, o] < 2 else 0))

    def _stage_text(self) -> str:
        text = self._stage()
        if not self._tags_shown:
            text += " (The names f₀, f₁, … are left out: too small at this size.)"
        return text

    def _stage(self) -> str:
        p = self._p
        if np.all(p == 0):
            return ("Forward filters f[:, :, channel, filter]. For the backward pass each "
                    "matrix first moves to row = its filter, column = its channel (swap), then "
                    "turns 180°.")
        if np.any((p > 0) & (p < 1)):
            return "1. Swap channels and filters: f[:, :, c, o] moves to row o, column c."
        if np.any((p > 1) & (p < 2)):
            return "2. Rotate each matrix by 180° (rows and columns reversed)."
        if np.all(p == 2):
            return ("Done: f_back[i, j, o, c] = f[k_rows−1−i, k_cols−1−j, c, o], the backward "
                    "filters (conv2d.backward_filter).")
        return f"{int((p >= 1).sum())} of {p.size} matrices swapped, {int((p == 2).sum())} turned."

    # -- what is shown (tests) --------------------------------------------------------------------
    def displayed_back(self) -> np.ndarray:
        """The right-hand bank as drawn now (k_rows, k_cols, c_out, c_in), read back from where
        each value sits; NaN where no matrix has arrived. Exact at rest (progress 1 or 2)."""
        kr, kc, c_in, c_out = self._f.shape
        out = np.full((kr, kc, c_out, c_in), np.nan)
        if self._f.size == 0 or self._too_big:
            return out
        xy = self._xy.reshape(-1, 2)
        vals = self._f.reshape(-1)
        x0 = self._right(0, 0)[0]
        slot_c = np.floor((xy[:, 0] - x0) / (kc + GAP)).astype(int)
        slot_r = np.floor(xy[:, 1] / (kr + GAP)).astype(int)
        cell_c = np.floor(xy[:, 0] - x0 - slot_c * (kc + GAP)).astype(int)
        cell_r = np.floor(xy[:, 1] - slot_r * (kr + GAP)).astype(int)
        ok = ((slot_c >= 0) & (slot_c < c_in) & (slot_r >= 0) & (slot_r < c_out)
              & (cell_c >= 0) & (cell_c < kc) & (cell_r >= 0) & (cell_r < kr))
        out[cell_r[ok], cell_c[ok], slot_r[ok], slot_c[ok]] = vals[ok]
        return out

    def matrix_boxes(self) -> list[tuple[float, float, float, float]]:
        """Where each matrix is drawn now, (x, y, width, height) in cells, in f's order
        (channel by channel, filter by filter)."""
        boxes = []
        for img in self._images:
            r = img.mapRectToParent(img.boundingRect())
            boxes.append((r.x(), r.y(), r.width(), r.height()))
        return boxes

    def shown_texts(self) -> list[str]:
        """The values drawn by the moving matrices ("" for one still in f) ."""
        return self._values.texts()

    def name_boxes(self) -> list[tuple[str, tuple[float, float, float, float]]]:
        """Each name drawn now and where, (x, y, width, height) in cells, the forward bank's
        first; none when the names are left out."""
        out = []
        for layer in (self._forward_tags, self._tags):
            if layer.isVisible():
                out += [(t, (b.x(), b.y(), b.width(), b.height()))
                        for t, b in zip(layer.texts(), layer.boxes(), strict=True) if t]
        return out

    def name_points(self) -> float:
        """The names' font size (points)."""
        return self._tags.font_size()
