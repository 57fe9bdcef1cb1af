"""A window sliding over a grid, each position filling one cell of another grid: where a
convolution's shapes come from, drawn for its three sweeps.

- **forward** (:func:`forward_sweep`): the kernel slides with the stride over the zero-padded
  input and fills y; the rows / columns it never reaches (the floor's leftovers, or gaps when the
  stride is larger than the kernel) are marked. Shape-only mode draws this from shapes alone,
  and shows each output size only once its step is reached (``known``): a size not derived yet
  reads "?" in the title and the caption, and the output grid is drawn only along the axes
  derived (none, then its rows with the window sliding down the first column, then whole), so
  no cell count gives an answer away.
- **δx** (:func:`dx_sweep`): the kernel f_back slides with stride 1 over δy dilated (s − 1 zeros
  between its rows and columns) and padded by k − 1, starting at row p_x, column p_y (x's padding
  is cropped), and fills δx; the caption derives the dilated grid's size.
- **ΔF** (:func:`df_sweep`): δy's window, its o_x × o_y values s apart (the cells it reads are
  dotted), slides with stride 1 over the padded input and fills ΔF.

A :class:`Sweep` holds two :class:`Axis` and the words; the view draws whichever it is given. Each
axis is described by 1-D arrays (what each cell is, whether a window reaches it), so nothing the
size of a tensor is allocated: the sheet's [20, 18, 5] input with a [3, 4, 5, 1337] bank draws as
a 26 × 24 grid and a 12 × 11 output with "× 1337" beside it, and an axis past
:data:`MAX_AXIS_CELLS` cells is drawn to scale, each drawn square standing for several cells
(padding or an unreached row thinner than a square is widened to one square, and the caption says
so). Grid lines are drawn only when every cell is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

from engine.conv2d import Geometry
from pnn_gui import style
from pnn_gui.views import grid_geometry as gg

#: Largest grid drawn cell by cell (rows × cols, the slid-over grid and the output alike); past
#: it, an axis longer than MAX_AXIS_CELLS is drawn to scale in that many squares.
MAX_DRAWN_CELLS = 256 * 256
MAX_AXIS_CELLS = 256
#: most read cells dotted inside a sweep's window
MAX_DOTS = 4096

# cell colours (RGBA): what each kind of cell is, told apart without relying on hue alone
INPUT = (205, 222, 250, 255)          # the input itself: pale blue
DELTA = (222, 206, 246, 255)          # δy's values in the dilated grid: pale violet
PADDING = (236, 236, 236, 255)        # the zero padding: light grey (drawn dotted below)
BETWEEN = (255, 255, 255, 255)        # zeros put between δy's rows and columns: white
UNREACHED = (250, 196, 150, 255)      # cells the window never reaches: orange
UNREACHED_PAD = (246, 224, 204, 255)  # padding the window never reaches: pale orange
OUT_EMPTY = (255, 255, 255, 255)
OUT_DONE = (190, 228, 190, 255)
OUT_NOW = (70, 160, 70, 255)
KERNEL_RGB = (200, 30, 30)
KERNEL_PEN = pg.mkPen(KERNEL_RGB, width=3)
#: between two formulas or legend entries on a line: room, and the only place a line breaks
_SEP = "&nbsp;&nbsp;&nbsp; "
GAP = 3  # drawn squares between the grid and the output grid

# what a cell of an axis is (see Axis.roles); a cell is padding if either axis says so, a zero
# between if either says so and it is not padding, else a value
VALUE, PAD, ZERO = 0, 1, 2


def _hex(rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb[:3])


def _count(n: int, noun: str) -> str:
    """"1 row", "2 rows"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def out_size(n: int, k: int, s: int, p: int) -> int:
    """⌊(n + 2p − k)/s⌋ + 1 (≤ 0 when the kernel is larger than the padded input)."""
    return (n + 2 * p - k) // s + 1


@dataclass(frozen=True)
class Axis:
    """One axis of a sweep: ``n`` cells, ``lead`` padding cells, then ``body`` cells of which
    every ``spacing``-th is a value (the others zeros put between), then padding; a window of
    ``k`` cells reading every ``every``-th of them, at ``origin + stride·m`` for m < ``positions``.
    """

    n: int
    lead: int
    body: int
    spacing: int
    k: int
    every: int
    origin: int
    stride: int
    positions: int

    def roles(self) -> np.ndarray:
        """Each cell's role along this axis: VALUE, PAD or ZERO (int8, n)."""
        i = np.arange(self.n) - self.lead
        out = np.full(self.n, PAD, np.int8)
        inside = (i >= 0) & (i < self.body)
        out[inside] = np.where(i[inside] % self.spacing == 0, VALUE, ZERO)
        return out

    def hit(self) -> np.ndarray:
        """Which cells some window position covers (bool, n)."""
        return _covered(self.n, self.k, self.stride, max(self.positions, 0), self.origin)



@dataclass(frozen=True)
class Sweep:
    """What :class:`ConvShapeView` draws: the grid (rows, cols axes), the window and the
    output, and the words around them (``caption``: HTML lines before the legend)."""

    rows: Axis
    cols: Axis
    grid_title: str
    out_title: str
    value_name: str       # what the value cells are, in the legend ("input", "δy")
    value_rgba: tuple[int, int, int, int]
    pad_name: str         # the padding in the legend
    window_text: str      # the window in the legend ("kernel 3 × 3, stride (2, 2)")
    button: str           # the slide button's text
    caption: str = ""
    #: the output grid's axes drawn: 2 whole, 1 its rows only (one column: the window slides
    #: down the first column), 0 none (its size not derived yet)
    out_axes: int = 2

    @property
    def ok(self) -> bool:
        return self.rows.positions >= 1 and self.cols.positions >= 1

    @property
    def out_shape(self) -> tuple[int, int]:
        """The output grid's (rows, cols) drawn, each a window position ((0, 0): none)."""
        if not self.ok or self.out_axes <= 0:
            return 0, 0
        return self.rows.positions, self.cols.positions if self.out_axes >= 2 else 1


def forward_sweep(x_shape, k_shape, stride, padding, c_out: int | None = None,
                  known: int = 3) -> Sweep:
    """The kernel over the zero-padded input (shapes only; any size, none allocated).

    ``known``: how many of the output's sizes (o_x, o_y, o_c, in that order) are derived yet;
    the others read "?" in the title and the caption, and the output grid is drawn only along
    the axes known (none at 0; its rows, one column, at 1)."""
    rows, cols = int(x_shape[0]), int(x_shape[1])
    kr, kc = int(k_shape[0]), int(k_shape[1])
    (sr, sc), (pr, pc) = gg.pair(stride), gg.pair(padding)
    o_r, o_c = out_size(rows, kr, sr, pr), out_size(cols, kc, sc, pc)
    sizes = [str(o) if i < known else "?" for i, o in enumerate((o_r, o_c, c_out))]
    chans = f" × {sizes[2]}" if c_out else ""
    lines = []
    for axis, n, k, s, p, o in (("o_x", rows, kr, sr, pr, sizes[0]),
                                ("o_y", cols, kc, sc, pc, sizes[1])):
        lines.append(style.nowrap(f"{axis} = ⌊({n} + 2·{p} − {k})/{s}⌋ + 1 = {o}"))
    return Sweep(
        Axis(rows + 2 * pr, pr, rows, 1, kr, 1, 0, sr, o_r),
        Axis(cols + 2 * pc, pc, cols, 1, kc, 1, 0, sc, o_c),
        grid_title=f"input {rows} × {cols}\npadded to {rows + 2 * pr} × {cols + 2 * pc}",
        out_title=(f"output\n{sizes[0]} × {sizes[1]}{chans}" if o_r >= 1 and o_c >= 1 else
                   "no output: the kernel is\nlarger than the padded input"),
        value_name="input", value_rgba=INPUT, pad_name="zero padding (dashed edge = input)",
        window_text=f"kernel {kr} × {kc}, stride ({sr}, {sc})", button="▶ Slide the kernel",
        caption=_SEP.join(lines), out_axes=min(max(known, 0), 2))


def dx_sweep(g: Geometry) -> Sweep:
    """f_back over δy dilated and padded (the trace's ``dy_dilated``), filling δx. The caption
    derives the grid's size per axis: δy's o values s apart, (o − 1)·s + 1; k − 1 zeros on each
    side (a full correlation); and the leftover rows the forward pass never reached."""
    dr, dc, _ = g.dilated_shape
    axes, sizes = [], []
    for x_n, o, s, k, p, left in ((g.rows, g.o_rows, g.s_rows, g.k_rows, g.p_rows, g.leftover[0]),
                                  (g.cols, g.o_cols, g.s_cols, g.k_cols, g.p_cols, g.leftover[1])):
        body = (o - 1) * s + 1
        n = body + 2 * (k - 1) + left
        axes.append(Axis(n, k - 1, body, s, k, 1, p, 1, x_n))
        sizes.append(f"({o} − 1)·{s} + 1 + 2·{k - 1} + {left} = {n}")
    nw = style.nowrap
    # a long formula breaks only before a top-level "+" or "·", or after its "="
    caption = (f"{nw('size = (o − 1)·s + 1 (δy dilated)')} {nw('+ 2·(k − 1) (padding)')} "
               f"{nw('+ leftover (never reached):')} {nw(f'rows {sizes[0]};')} "
               f"{nw(f'columns {sizes[1]}')}<br>{nw('δx[r, c, k] =')} "
               f"{nw(f'Σᵢⱼₒ dy_dilated[{g.p_rows} + r + i, {g.p_cols} + c + j, o]')} "
               f"{nw('·f_back[i, j, o, k]:')} starting at {nw(f'row p_x = {g.p_rows}')}, "
               f"{nw(f'column p_y = {g.p_cols}')} (x's padding cropped)")
    return Sweep(
        *axes, grid_title=f"dy_dilated\n{dr} × {dc} (× {g.c_out})",
        out_title=f"δx\n{g.rows} × {g.cols} × {g.c_in}", value_name="δy", value_rgba=DELTA,
        pad_name="padding k − 1", window_text=f"f_back {g.k_rows} × {g.k_cols}, stride 1",
        button="▶ Slide the kernel", caption=caption)


def df_sweep(g: Geometry) -> Sweep:
    """δy's window (its values s apart) over the padded input, filling ΔF."""
    pr, pc = g.padded
    box_r, box_c = (g.o_rows - 1) * g.s_rows + 1, (g.o_cols - 1) * g.s_cols + 1
    xn = "x_padded" if g.p_rows or g.p_cols else "x"
    nw = style.nowrap
    caption = (f"{nw('ΔF[i, j, k, o] =')} "
               f"{nw(f'Σₘₙ {xn}[{g.s_rows}m + i, {g.s_cols}n + j, k]')} {nw('·δy[m, n, o]:')} "
               f"δy's {nw(f'{g.o_rows} × {g.o_cols}')} values, {nw(f'{g.s_rows} × {g.s_cols}')} "
               f"apart, slide over {xn}; each position fills one ΔF cell")
    return Sweep(
        Axis(pr, g.p_rows, g.rows, 1, box_r, g.s_rows, 0, 1, g.k_rows),
        Axis(pc, g.p_cols, g.cols, 1, box_c, g.s_cols, 0, 1, g.k_cols),
        grid_title=f"{xn}\n{pr} × {pc} (× {g.c_in})",
        out_title=f"ΔF\n{g.k_rows} × {g.k_cols} × {g.c_in} × {g.c_out}", value_name="input",
        value_rgba=INPUT, pad_name="zero padding",
        window_text=f"δy's window {box_r} × {box_c} (● read), stride 1",
        button="▶ Slide δy's window", caption=caption)


class ConvShapeView(gg.AnimatedGridView):
    """The grid, the sliding window and the output grid of a :class:`Sweep`; frame n shows n
    positions done (0..n_positions), the last of them current."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        self.slide_button = QtWidgets.QPushButton("▶ Slide the kernel")
        super().__init__(parent, beside_caption=(self.slide_button,))
        self.slide_button.clicked.connect(self.replay_slide)
        self.slide_ms = 2500  # a whole sweep at speed 1

        self._in_img = pg.ImageItem(axisOrder="row-major")
        self._out_img = pg.ImageItem(axisOrder="row-major")
        grid_pen = pg.mkPen((150, 150, 150), width=1)
        self._in_grid = pg.PlotDataItem(connect="pairs", pen=grid_pen)
        self._out_grid = pg.PlotDataItem(connect="pairs", pen=grid_pen)
        # the body's edge, dashed by drawing the dashes (a dashed pen restarts its pattern in
        # each partial repaint: the kernel moving over it left dashes out of step on screen)
        self._pad_border = pg.PlotDataItem(connect="pairs", pen=pg.mkPen((90, 90, 90), width=2))
        self._kernel = pg.PlotDataItem(pen=KERNEL_PEN)
        self._dots = pg.ScatterPlotItem(size=6, pen=None, brush=pg.mkBrush(200, 30, 30))
        self._target = pg.PlotDataItem(pen=pg.mkPen((20, 110, 20), width=3))
        self._link = pg.PlotDataItem(pen=pg.mkPen((200, 30, 30, 160), width=2,
                                                  style=pg.QtCore.Qt.PenStyle.DotLine))
        for item in (self._in_img, self._out_img, self._in_grid, self._out_grid,
                     self._pad_border, self._kernel, self._dots, self._target, self._link):
            self._vb.addItem(item)
        # titles left-aligned over their grids: the output's never runs into the grid's
        self._in_title = gg.text(self._vb, anchor=(0, 1), size=10, bold=True)
        self._out_title = gg.text(self._vb, anchor=(0, 1), size=10, bold=True)

        self._anim.valueChanged.connect(lambda v: self.set_frame(round(float(v)),
                                                                 _from_anim=True))
        self._sweep: Sweep | None = None
        self._geom: dict = {}
        self._stacked = False  # the output's title stacked above the grid's
        self._frame = 0
        self._out_rgba = np.zeros((1, 1, 4), np.uint8)
        self.set_geometry((4, 4), (3, 3), 1, 0)
        style.on_zoom(self._on_zoom)

    def _on_zoom(self, _factor: float) -> None:
        self._caption.setText(self._caption_text())  # the legend's size and swatches

    # -- model ------------------------------------------------------------------------------------
    def set_geometry(self, x_shape, k_shape, stride, padding, c_out: int | None = None) -> None:
        """The forward sweep: ``x_shape`` (rows, cols[, c_in]), ``k_shape`` (k_rows, k_cols[, …]);
        stride and padding an int or a (rows, cols) pair. Shapes that give no output draw the
        input and say why."""
        self.set_sweep(forward_sweep(x_shape, k_shape, stride, padding, c_out))

    def set_sweep(self, sweep: Sweep) -> None:
        """Draw ``sweep`` (nothing is redrawn when it is the one drawn); the frame is kept where
        it still exists."""
        if sweep == self._sweep:
            return
        self._anim.stop()
        self._sweep = sweep
        rows, cols = sweep.rows, sweep.cols
        exact = (rows.n * cols.n <= MAX_DRAWN_CELLS
                 and max(rows.positions, 0) * max(cols.positions, 0) <= MAX_DRAWN_CELLS)
        limit = max(rows.n, cols.n, rows.positions, cols.positions) if exact else MAX_AXIS_CELLS
        row_hit, col_hit = rows.hit(), cols.hit()
        g = {"row_bins": _bins(rows.n, limit), "col_bins": _bins(cols.n, limit),
             "exact": exact, "row_hit": row_hit, "col_hit": col_hit}
        out_r, out_c = sweep.out_shape
        g["out_row_bins"], g["out_col_bins"] = _bins(out_r, limit), _bins(out_c, limit)
        g["unit"] = max(rows.n / len(g["row_bins"]), cols.n / len(g["col_bins"]))
        self._geom = g
        self._draw_static()
        self._frame = min(self._frame, self.n_positions)
        self.set_frame(self._frame)
        if self.n_positions:
            tip = "sweep over every position again"
        elif sweep.ok:
            tip = "the output's size is not derived yet: step to o_x"
        else:
            tip = "no output: the kernel is larger than the padded input, so nothing slides"
        self.slide_button.setText(sweep.button)
        self.slide_button.setEnabled(self.n_positions > 0)
        self.slide_button.setToolTip(tip)

    @property
    def sweep(self) -> Sweep | None:
        return self._sweep

    @property
    def n_positions(self) -> int:
        """Window positions drawn: one per cell of the output grid drawn."""
        if self._sweep is None:
            return 0
        out_r, out_c = self._sweep.out_shape
        return out_r * out_c

    @property
    def frame(self) -> int:
        return self._frame

    def geometry_info(self) -> dict:
        """The numbers drawn (for tests and captions): positions per axis (o_r, o_c), the grid's
        size (prow, pcol), the rows / columns no window reaches, whether there is an output,
        ``out_drawn``: the output grid's (rows, cols) drawn ((0, 0): not drawn, its size not
        derived yet), and ``scale``: cells per drawn square along the longer axis (1: cell by
        cell)."""
        s, g = self._sweep, self._geom
        return {"o_r": s.rows.positions, "o_c": s.cols.positions, "out_drawn": s.out_shape,
                "prow": s.rows.n,
                "pcol": s.cols.n, "unreached_rows": int((~g["row_hit"]).sum()),
                "unreached_cols": int((~g["col_hit"]).sum()), "ok": s.ok,
                "scale": g["unit"]}

    def window_at(self, n: int) -> tuple[int, int, int, int]:
        """Position n (0-based, row-major): (top, left) in the grid and its output (i, j)."""
        s = self._sweep
        i, j = divmod(int(n), s.out_shape[1])
        return s.rows.origin + i * s.rows.stride, s.cols.origin + j * s.cols.stride, i, j

    # -- drawing ----------------------------------------------------------------------------------
    def _draw_static(self) -> None:
        s, g = self._sweep, self._geom
        rows, cols = s.rows, s.cols
        rb, cb = g["row_bins"], g["col_bins"]
        # per drawn square, the most telling cell of its span (padding, then zeros between,
        # then values; unreached wins over reached), so a thin band stays visible
        rank = np.array([0, 2, 1], np.int8)  # VALUE < ZERO < PAD
        r_role = np.maximum.reduceat(rank[rows.roles()], rb)
        c_role = np.maximum.reduceat(rank[cols.roles()], cb)
        r_hit = np.minimum.reduceat(g["row_hit"], rb)
        c_hit = np.minimum.reduceat(g["col_hit"], cb)
        role = np.maximum(r_role[:, None], c_role[None, :])
        hit = r_hit[:, None] & c_hit[None, :]
        rgba = np.empty(role.shape + (4,), np.uint8)
        rgba[:] = s.value_rgba
        rgba[role == 1] = BETWEEN
        rgba[role == 2] = PADDING
        rgba[~hit & (role < 2)] = UNREACHED
        rgba[~hit & (role == 2)] = UNREACHED_PAD
        self._in_img.setImage(rgba, levels=(0, 255))
        self._in_img.setRect(0, 0, cols.n, rows.n)
        self._in_grid.setData(*(gg.grid_lines(0, 0, rows.n, cols.n) if g["exact"] else ([], [])))
        unit = g["unit"]
        if rows.lead or cols.lead:
            self._pad_border.setData(*gg.dashed_rect(cols.lead, rows.lead, cols.body,
                                                     rows.body, 0.2 * unit))
        else:
            self._pad_border.setData([], [])
        self._in_title.setText(s.grid_title)
        self._in_title.setPos(0, 0)
        ox = cols.n + GAP * unit
        g["ox"] = ox
        out_r, out_c = s.out_shape
        self._out_img.setVisible(out_r > 0)
        if out_r:
            self._out_rgba = np.empty((len(g["out_row_bins"]), len(g["out_col_bins"]), 4),
                                      np.uint8)
            self._out_rgba[:] = OUT_EMPTY
            self._out_img.setImage(self._out_rgba, levels=(0, 255))
            self._out_img.setRect(ox, 0, out_c, out_r)
            self._out_grid.setData(*(gg.grid_lines(ox, 0, out_r, out_c)
                                     if g["exact"] else ([], [])))
        else:
            self._out_grid.setData([], [])
        self._out_title.setText(s.out_title)
        self._out_title.setPos(ox, 0)
        self._stacked = False
        self._fit_titles()
        self._caption.setText(self._caption_text())

    def _fit_titles(self) -> None:
        """Room above the grids for the titles, in pixels whatever the zoom: their lines side
        by side, or, when the grid's title is wider than the room left of the output (a tall,
        narrow grid), the output's title stacked above it."""
        s, g = self._sweep, self._geom
        unit = g["unit"]
        out_w = s.out_shape[1]
        heights = [t.boundingRect().height() for t in (self._in_title, self._out_title)]
        top_px = sum(heights) if self._stacked else max(heights)  # (pixels: they ignore zoom)
        self._set_extent(-0.5 * unit, g["ox"] + max(out_w, 8 * unit) + 0.5 * unit,
                         s.rows.n + 0.5 * unit, top_px + 4, min_top=0.5 * unit)

    def _extent_applied(self) -> None:
        s, g = self._sweep, self._geom
        pw, ph = self._vb.viewPixelSize()  # data units per pixel
        if s is None or "ox" not in g or not pw or not ph:
            return
        # (the titles ignore the zoom: their boxes are in pixels)
        stacked = (self._in_title.boundingRect().width() + 8) * pw > g["ox"]
        if stacked != self._stacked:
            self._stacked = stacked
            self._fit_titles()  # more (or less) room above; the zoom follows
            return
        lift = self._in_title.boundingRect().height() * ph if stacked else 0.0
        self._out_title.setPos(g["ox"], -lift)

    def _legend_html(self) -> str:
        """One entry per kind of cell drawn (its bordered swatch and its words, never split
        over two lines), then the window."""
        s, g = self._sweep, self._geom

        def entry(rgb, what):
            return style.nowrap(f"{style.box(_hex(rgb))} {what}")

        parts = [entry(s.value_rgba, s.value_name)]
        if s.rows.spacing > 1 or s.cols.spacing > 1:
            parts.append(entry(BETWEEN, "zeros between (s − 1)"))
        if s.rows.lead or s.cols.lead or s.rows.n > s.rows.lead + s.rows.body:
            parts.append(entry(PADDING, s.pad_name))
        un_r, un_c = int((~g["row_hit"]).sum()), int((~g["col_hit"]).sum())
        if un_r or un_c:
            parts.append(entry(UNREACHED, f"never reached ({_count(un_r, 'row')}, "
                                          f"{_count(un_c, 'col')})"))
        parts.append(style.nowrap(f"{style.glyph('■', _hex(KERNEL_RGB))} {s.window_text}"))
        return _SEP.join(parts)

    def _caption_text(self) -> str:
        s, g = self._sweep, self._geom
        lines = [s.caption] if s.caption else []
        lines.append(f"<span style='font-size: {style.points(8):.1f}pt'>"
                     f"{self._legend_html()}</span>")
        if not g["exact"]:
            square = style.nowrap(f"one square ≈ {g['unit']:,.0f} cells")
            lines.append(f"drawn to scale: {square} along the longer axis (padding or an "
                         "unreached row thinner than a square is widened to one square; no grid "
                         "lines)")
        return "<br>".join(lines)

    def animate_to(self, n: int, duration_ms: int) -> None:
        """Slide the window from the current frame to frame n over ``duration_ms`` (0: jump)."""
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
        """Sweep the window from the first position to the last (the button)."""
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
        s, g = self._sweep, self._geom
        n = max(0, min(int(n), self.n_positions))
        self._frame = n
        if not self.n_positions:
            for item in (self._kernel, self._target, self._link, self._dots):
                item.setData([], [])
            return
        out_c = s.out_shape[1]
        first = (g["out_row_bins"][:, None] * out_c + g["out_col_bins"][None, :])
        self._out_rgba[:] = OUT_EMPTY
        self._out_rgba[first < n - 1] = OUT_DONE
        if n:
            i, j = divmod(n - 1, out_c)
            bi = np.searchsorted(g["out_row_bins"], i, side="right") - 1
            bj = np.searchsorted(g["out_col_bins"], j, side="right") - 1
            self._out_rgba[bi, bj] = OUT_NOW
        self._out_img.setImage(self._out_rgba, levels=(0, 255))
        if n == 0:
            for item in (self._kernel, self._target, self._link, self._dots):
                item.setData([], [])
            return
        top, left, i, j = self.window_at(n - 1)
        ox = g["ox"]
        self._kernel.setData(*gg.rect(left, top, s.cols.k, s.rows.k))
        self._target.setData(*gg.rect(ox + j, i, 1, 1))
        self._link.setData([left + s.cols.k / 2, ox + j + 0.5], [top + s.rows.k / 2, i + 0.5])
        if s.rows.every > 1 or s.cols.every > 1:
            rr = top + np.arange(0, s.rows.k, s.rows.every) + 0.5
            cc = left + np.arange(0, s.cols.k, s.cols.every) + 0.5
            if len(rr) * len(cc) <= MAX_DOTS:
                yy, xx = np.meshgrid(rr, cc, indexing="ij")
                self._dots.setData(xx.ravel(), yy.ravel())
                return
        self._dots.setData([], [])

    def output_fill(self) -> np.ndarray:
        """Which output cells are filled at this frame (o_r, o_c) bool (for tests)."""
        flat = np.zeros(self.n_positions, bool)
        flat[: self._frame] = True
        return flat.reshape(self._sweep.out_shape)

    def title_boxes(self) -> list:
        """Where the grid's and the output's titles are drawn (scene rectangles)."""
        return [t.sceneBoundingRect() for t in (self._in_title, self._out_title)]

    def titles(self) -> tuple[str, str]:
        """The grid's and the output's titles as drawn (plain text)."""
        return self._in_title.toPlainText(), self._out_title.toPlainText()

    def read_cells(self) -> list[tuple[int, int]]:
        """The grid's cells the window reads at the current frame, (row, col) each (none
        before the first position)."""
        s = self._sweep
        if self._frame == 0:
            return []
        top, left, _, _ = self.window_at(self._frame - 1)
        return [(top + a, left + b) for a in range(0, s.rows.k, s.rows.every)
                for b in range(0, s.cols.k, s.cols.every)]


def _bins(n: int, limit: int) -> np.ndarray:
    """The first cell of each drawn square along an axis of n cells: every cell up to ``limit``,
    else ``limit`` squares of about n / limit cells each."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.arange(limit) * n // limit)


def _covered(n: int, k: int, s: int, positions: int, origin: int = 0) -> np.ndarray:
    """Bool mask of the n cells along one axis that some window (k cells, at origin + s·m for
    m < positions) covers."""
    hit = np.zeros(n, bool)
    if positions <= 0:
        return hit
    starts = origin + np.arange(positions) * s
    marks = np.zeros(n + 1, int)
    np.add.at(marks, np.minimum(starts, n), 1)
    np.add.at(marks, np.minimum(starts + k, n), -1)
    return np.cumsum(marks)[:n] > 0
