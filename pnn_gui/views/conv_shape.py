"""Where a convolution's output shape comes from: the zero-padded input, the kernel window sliding
with the stride, each window position filling its output cell, and the rows / columns the window
never reaches (the floor's leftovers, or gaps when the stride is larger than the kernel).

Takes shapes only (nothing the size of a tensor is allocated beyond the drawn grids), so the
sheet's [20, 18, 5] input with a [3, 4, 5, 1337] filter bank draws as a 26 × 24 grid and a
12 × 11 output with "× 1337 channels" beside it.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

from pnn_gui.views import grid_geometry as gg

#: Largest padded grid drawn cell by cell (rows × cols); larger ones show the caption only.
MAX_DRAWN_CELLS = 256 * 256

# cell colours (RGBA): what each kind of cell is, told apart without relying on hue alone
INPUT = (205, 222, 250, 255)          # the input itself: pale blue
PADDING = (236, 236, 236, 255)        # the zero padding: light grey (drawn dotted below)
UNREACHED = (250, 196, 150, 255)      # input cells the window never reaches: orange
UNREACHED_PAD = (246, 224, 204, 255)  # padding the window never reaches: pale orange
OUT_EMPTY = (255, 255, 255, 255)
OUT_DONE = (190, 228, 190, 255)
OUT_NOW = (70, 160, 70, 255)
KERNEL_PEN = pg.mkPen((200, 30, 30), width=3)
GAP = 3  # cells between the input grid and the output grid


def out_size(n: int, k: int, s: int, p: int) -> int:
    """⌊(n + 2p − k)/s⌋ + 1 (≤ 0 when the kernel is larger than the padded input)."""
    return (n + 2 * p - k) // s + 1


class ConvShapeView(gg.AnimatedGridView):
    """The padded input grid, the sliding kernel and the output grid; frame n shows n positions
    done (0..n_positions), the last of them current."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        self.slide_button = QtWidgets.QPushButton("▶ Slide the kernel")
        self.slide_button.setToolTip("sweep the kernel over every position again")
        super().__init__(parent, beside_caption=(self.slide_button,))
        self.slide_button.clicked.connect(self.replay_slide)
        self.slide_ms = 2500  # a whole sweep at speed 1

        self._in_img = pg.ImageItem(axisOrder="row-major")
        self._out_img = pg.ImageItem(axisOrder="row-major")
        grid_pen = pg.mkPen((150, 150, 150), width=1)
        self._in_grid = pg.PlotDataItem(connect="pairs", pen=grid_pen)
        self._out_grid = pg.PlotDataItem(connect="pairs", pen=grid_pen)
        self._pad_border = pg.PlotDataItem(pen=pg.mkPen((90, 90, 90), width=2,
                                                        style=pg.QtCore.Qt.PenStyle.DashLine))
        self._kernel = pg.PlotDataItem(pen=KERNEL_PEN)
        self._target = pg.PlotDataItem(pen=pg.mkPen((20, 110, 20), width=3))
        self._link = pg.PlotDataItem(pen=pg.mkPen((200, 30, 30, 160), width=2,
                                                  style=pg.QtCore.Qt.PenStyle.DotLine))
        for item in (self._in_img, self._out_img, self._in_grid, self._out_grid,
                     self._pad_border, self._kernel, self._target, self._link):
            self._vb.addItem(item)
        self._in_title = gg.text(self._vb, anchor=(0, 1), size=10, bold=True)
        self._out_title = gg.text(self._vb, anchor=(0.5, 1), size=10, bold=True)

        self._anim.valueChanged.connect(lambda v: self.set_frame(round(float(v)),
                                                                 _from_anim=True))
        self._geom: dict | None = None
        self._frame = 0
        self._out_rgba = np.zeros((1, 1, 4), np.uint8)
        self.set_geometry((4, 4), (3, 3), 1, 0)

    # -- model ------------------------------------------------------------------------------------
    def set_geometry(self, x_shape, k_shape, stride, padding, c_out: int | None = None) -> None:
        """``x_shape`` (rows, cols[, c_in]), ``k_shape`` (k_rows, k_cols[, …]); stride and padding
        an int or a (rows, cols) pair. Shapes that give no output draw the input and say why."""
        rows, cols = int(x_shape[0]), int(x_shape[1])
        kr, kc = int(k_shape[0]), int(k_shape[1])
        sr, sc = gg.pair(stride)
        pr, pc = gg.pair(padding)
        o_r, o_c = out_size(rows, kr, sr, pr), out_size(cols, kc, sc, pc)
        prow, pcol = rows + 2 * pr, cols + 2 * pc
        g = dict(rows=rows, cols=cols, kr=kr, kc=kc, sr=sr, sc=sc, pr=pr, pc=pc, o_r=o_r, o_c=o_c,
                 prow=prow, pcol=pcol, c_out=c_out)
        g["ok"] = o_r >= 1 and o_c >= 1
        g["drawn"] = prow * pcol <= MAX_DRAWN_CELLS and (not g["ok"] or o_r * o_c
                                                          <= MAX_DRAWN_CELLS)
        # which padded rows / cols some window covers (1-D masks; the 2-D mask is their product)
        row_hit = _covered(prow, kr, sr, max(o_r, 0))
        col_hit = _covered(pcol, kc, sc, max(o_c, 0))
        g["row_hit"], g["col_hit"] = row_hit, col_hit
        g["unreached_rows"] = int((~row_hit).sum())
        g["unreached_cols"] = int((~col_hit).sum())
        self._anim.stop()
        self._geom = g
        self._draw_static()
        self._frame = min(self._frame, self.n_positions)
        self.set_frame(self._frame)

    @property
    def n_positions(self) -> int:
        g = self._geom
        return g["o_r"] * g["o_c"] if g and g["ok"] else 0

    @property
    def frame(self) -> int:
        return self._frame

    def geometry_info(self) -> dict:
        """The numbers drawn (for tests and captions): output size, unreached rows / cols."""
        g = self._geom or {}
        return {k: g[k] for k in ("o_r", "o_c", "prow", "pcol", "unreached_rows",
                                  "unreached_cols", "ok", "drawn")}

    def window_at(self, n: int) -> tuple[int, int, int, int]:
        """Position n (0-based, row-major): (top, left) in the padded grid and its output (i, j)."""
        g = self._geom
        i, j = divmod(int(n), g["o_c"])
        return i * g["sr"], j * g["sc"], i, j

    # -- drawing ----------------------------------------------------------------------------------
    def _draw_static(self) -> None:
        g = self._geom
        drawn = g["drawn"]
        for item in (self._in_img, self._in_grid, self._pad_border, self._out_img,
                     self._out_grid, self._kernel, self._target, self._link, self._in_title,
                     self._out_title):
            item.setVisible(drawn)
        if not drawn:
            self._caption.setText(self._caption_text() + "<br>(too large to draw cell by cell)")
            return
        prow, pcol, pr, pc = g["prow"], g["pcol"], g["pr"], g["pc"]
        rgba = np.empty((prow, pcol, 4), np.uint8)
        is_pad = np.ones((prow, pcol), bool)
        is_pad[pr:pr + g["rows"], pc:pc + g["cols"]] = False
        hit = g["row_hit"][:, None] & g["col_hit"][None, :]
        rgba[:] = INPUT
        rgba[is_pad] = PADDING
        rgba[~hit & ~is_pad] = UNREACHED
        rgba[~hit & is_pad] = UNREACHED_PAD
        self._in_img.setImage(rgba, levels=(0, 255))
        self._in_img.setRect(0, 0, pcol, prow)
        self._in_grid.setData(*gg.grid_lines(0, 0, prow, pcol))
        if pr or pc:
            self._pad_border.setData(*gg.rect(pc, pr, g["cols"], g["rows"]))
        else:
            self._pad_border.setData([], [])
        self._in_title.setText(f"input {g['rows']} × {g['cols']}, padded to {prow} × {pcol}")
        self._in_title.setPos(0, -0.3)
        ox = pcol + GAP
        g["ox"] = ox
        if g["ok"]:
            self._out_rgba = np.empty((g["o_r"], g["o_c"], 4), np.uint8)
            self._out_rgba[:] = OUT_EMPTY
            self._out_img.setImage(self._out_rgba, levels=(0, 255))
            self._out_img.setRect(ox, 0, g["o_c"], g["o_r"])
            self._out_grid.setData(*gg.grid_lines(ox, 0, g["o_r"], g["o_c"]))
            chans = f" × {g['c_out']}" if g["c_out"] else ""
            self._out_title.setText(f"output\n{g['o_r']} × {g['o_c']}{chans}")
        else:
            self._out_img.setVisible(False)
            self._out_grid.setData([], [])
            self._out_title.setText("no output: the kernel is\nlarger than the padded input")
        self._out_title.setPos(ox + max(g["o_c"], 1) / 2 if g["ok"] else ox + 4, -0.3)
        self._vb.setRange(xRange=(-0.5, ox + max(g["o_c"], 8) + 0.5),
                          yRange=(-2.0, prow + 0.5), padding=0)
        self._caption.setText(self._caption_text())

    def _legend_html(self) -> str:
        g = self._geom

        def swatch(rgb, what):
            return (f"<span style='background-color: rgb{rgb[:3]}'>&nbsp;&nbsp;&nbsp;</span>"
                    f"&nbsp;{what}&nbsp;&nbsp; ")

        parts = [swatch(INPUT, "input"), swatch(PADDING, "zero padding (dashed edge = input)")]
        if g["unreached_rows"] or g["unreached_cols"]:
            parts.append(swatch(UNREACHED, f"never reached: {g['unreached_rows']} row(s), "
                                           f"{g['unreached_cols']} col(s)"))
        parts.append("<span style='color: rgb(200,30,30)'>■</span> kernel "
                     f"{g['kr']} × {g['kc']}, stride ({g['sr']}, {g['sc']})")
        return "".join(parts)

    def _caption_text(self) -> str:
        g = self._geom
        lines = []
        for axis, n, k, s, p, o in (("o_x", g["rows"], g["kr"], g["sr"], g["pr"], g["o_r"]),
                                    ("o_y", g["cols"], g["kc"], g["sc"], g["pc"], g["o_c"])):
            lines.append(f"{axis} = ⌊({n} + 2·{p} − {k})/{s}⌋ + 1 = {o}")
        return "&nbsp;&nbsp;&nbsp;&nbsp;".join(lines) + "<br>" + self._legend_html()

    def animate_to(self, n: int, duration_ms: int) -> None:
        """Slide the kernel from the current frame to frame n over ``duration_ms`` (0: jump)."""
        self._anim.stop()
        n = max(0, min(int(n), self.n_positions))
        if duration_ms <= 0 or n == self._frame:
            self.set_frame(n)
            return
        self._anim.setStartValue(float(self._frame))
        self._anim.setEndValue(float(n))
        self._anim.setDuration(int(duration_ms))
        self._anim.start()

    def replay_slide(self) -> None:
        """Sweep the kernel from the first position to the last (the button)."""
        self.set_frame(0)
        self.animate_to(self.n_positions, self.slide_ms)

    def finish(self) -> None:
        """Skip a running slide to its end."""
        if self.is_animating():
            end = round(float(self._anim.endValue()))
            self._anim.stop()
            self.set_frame(end)

    def set_frame(self, n: int, _from_anim: bool = False) -> None:
        """Show n window positions done (0 = none; the last done is the current one)."""
        if not _from_anim:
            self._anim.stop()
        g = self._geom
        n = max(0, min(int(n), self.n_positions))
        self._frame = n
        if not g["drawn"] or not g["ok"]:
            return
        done = self._out_rgba.reshape(-1, 4)
        done[:] = OUT_EMPTY
        if n:
            done[: n - 1] = OUT_DONE
            done[n - 1] = OUT_NOW
        self._out_img.setImage(self._out_rgba, levels=(0, 255))
        if n == 0:
            for item in (self._kernel, self._target, self._link):
                item.setData([], [])
            return
        top, left, i, j = self.window_at(n - 1)
        ox = g["ox"]
        self._kernel.setData(*gg.rect(left, top, g["kc"], g["kr"]))
        self._target.setData(*gg.rect(ox + j, i, 1, 1))
        self._link.setData([left + g["kc"] / 2, ox + j + 0.5], [top + g["kr"] / 2, i + 0.5])

    def output_fill(self) -> np.ndarray:
        """Which output cells are filled at this frame (o_r, o_c) bool (for tests)."""
        g = self._geom
        if not g["ok"]:
            return np.zeros((0, 0), bool)
        flat = np.zeros(self.n_positions, bool)
        flat[: self._frame] = True
        return flat.reshape(g["o_r"], g["o_c"])


def _covered(n: int, k: int, s: int, positions: int) -> np.ndarray:
    """Bool mask of the n padded cells along one axis that some of the windows covers."""
    hit = np.zeros(n, bool)
    if positions <= 0:
        return hit
    starts = np.arange(positions) * s
    marks = np.zeros(n + 1, int)
    np.add.at(marks, np.minimum(starts, n), 1)
    np.add.at(marks, np.minimum(starts + k, n), -1)
    return np.cumsum(marks)[:n] > 0
