r"""Average and max pooling (the sheet's Task 5), channels-last: ``x`` is (rows, cols, channels).

A window of ``size`` = (k_r, k_c) elements moves over each channel with ``stride`` = (s_r, s_c)
(default: the window's size, so windows tile the input). Output size per axis, floored; rows or
columns left over at the end are never visited::

    o = ⌊(n − k) / s⌋ + 1

Forward, for output cell (r, c, ch) and its window W = rows r·s_r … r·s_r + k_r − 1,
columns c·s_c … c·s_c + k_c − 1::

    average:  y[r,c,ch] = (Σ_{(i,j)∈W} x[i,j,ch]) / k          k = k_r · k_c
    max:      y[r,c,ch] = max_{(i,j)∈W} x[i,j,ch]             the first maximum, row-major

Backward (Task 5): δx starts at zeros; every δy cell hands out its delta and each share is *added*
(``+=``), because with a stride smaller than the window an element lies in several windows::

    average:  δx[i,j,ch] += δy[r,c,ch] / k      for every (i, j) in the window of (r, c)
    max:      δx[i*,j*,ch] += δy[r,c,ch]        (i*, j*) the window's first maximum

The numeric paths are vectorised: one strided slice per window offset (k_r·k_c of them at most),
never a Python loop per window. The average's forward pass is separable (sum along the rows, then
along the columns); its backward pass and the max's add the shares of the δy cells to each
element in the row-major order of the cells, the order of the trace's steps, so replaying a
trace gives exactly the vectorised δx. :func:`solve_avg` and :func:`solve_max` describe both
passes as steps (:mod:`engine.steps`).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby, repeat
from typing import NamedTuple

import numpy as np

from engine.errors import ShapeError
from engine.steps import MAX_STEPS, Step, Trace, fmt, fmt_paren, label, short_join, step
from engine.validate import as_array, as_int, as_pair, check_shape, check_size, shape_str

#: Elements of the input handled per block of rows (a quarter MiB of float64: fits in the cache).
BLOCK_ELEMENTS = 32_768
#: Largest input (in elements) whose step-by-step trace is built; larger inputs still pool with
#: the vectorised functions. Keeps a trace quick to build (it lists every element it writes).
MAX_TRACE_ELEMENTS = 100_000
#: Most element references (reads and writes) a trace's steps list before a coarser grouping
#: is chosen; building a trace costs about a microsecond per reference.
MAX_TRACE_REFS = 1_000_000


class Window(NamedTuple):
    """The geometry of one pooling: window, stride and output size per axis."""

    k_rows: int
    k_cols: int
    s_rows: int
    s_cols: int
    o_rows: int
    o_cols: int

    @property
    def k(self) -> int:
        return self.k_rows * self.k_cols


# ---------------------------------------------------------------------------------------------
# Checks


def window(x_shape: Sequence[int], size, stride=None) -> Window:
    """Check ``size`` and ``stride`` against an input of ``x_shape`` and return the geometry."""
    k_r, k_c = as_pair(size, "size", 1)
    s_r, s_c = (k_r, k_c) if stride is None else as_pair(stride, "stride", 1)
    rows, cols = int(x_shape[0]), int(x_shape[1])
    for axis, k, n in (("rows", k_r, rows), ("cols", k_c, cols)):
        if k > n:
            raise ShapeError(f"size ({axis}): the window's {k} {axis} do not fit in the input's "
                             f"{n} {axis} (x has shape {shape_str(x_shape)}); the window must "
                             "fit inside the input")
    return Window(k_r, k_c, s_r, s_c, (rows - k_r) // s_r + 1, (cols - k_c) // s_c + 1)


def _x(x) -> np.ndarray:
    return as_array(x, "x", 3, "(rows, cols, channels)")


def _x_shape(x_shape) -> tuple[int, int, int]:
    if isinstance(x_shape, np.ndarray):
        x_shape = x_shape.tolist()
    if not isinstance(x_shape, (tuple, list)) or len(x_shape) != 3:
        raise ShapeError(f"x_shape: expected (rows, cols, channels), got {x_shape!r}")
    dims = tuple(as_int(v, "x_shape", 1) for v in x_shape)
    check_size(dims, "x_shape")
    return dims  # type: ignore[return-value]


def _dy(dy, g: Window, channels: int) -> np.ndarray:
    dy = as_array(dy, "dy", 3, "(rows, cols, channels), the shape of y")
    check_shape(dy, "dy", (g.o_rows, g.o_cols, channels), "(the shape of y)")
    return dy


# ---------------------------------------------------------------------------------------------
# Strided slices


def _span(offset: int, start: int, stop: int, stride: int) -> slice:
    """Input positions ``offset + o·stride`` for output positions ``o`` in ``[start, stop)``."""
    return slice(offset + start * stride, offset + (stop - 1) * stride + 1, stride)


def _offsets(g: Window) -> list[tuple[int, int]]:
    """Window offsets (a, b) in row-major order."""
    return [(a, b) for a in range(g.k_rows) for b in range(g.k_cols)]


def _row_blocks(n_rows: int, row_elements: int) -> list[tuple[int, int]]:
    """``[start, stop)`` blocks of rows, each about :data:`BLOCK_ELEMENTS` elements.

    Working through the output a block of rows at a time keeps each block's intermediate in the
    cache: the passes below then cost a fraction of passes over whole tensors."""
    per_block = max(1, BLOCK_ELEMENTS // max(1, row_elements))
    return [(r, min(n_rows, r + per_block)) for r in range(0, n_rows, per_block)]


def _divide(arr: np.ndarray, k: int) -> np.ndarray:
    """``arr / k`` in place (a multiplication when 1/k is exact: the same numbers, faster)."""
    if k & (k - 1) == 0:
        arr *= 1.0 / k
    else:
        arr /= k
    return arr


# ---------------------------------------------------------------------------------------------
# Average pooling


def avg_forward(x, size, stride=None) -> np.ndarray:
    """``y[r,c,ch]``: the mean of the window of ``x`` at (r, c) in channel ch."""
    x = _x(x)
    g = window(x.shape, size, stride)
    return _avg_forward(x, g)


def _avg_forward(x: np.ndarray, g: Window) -> np.ndarray:
    """Separable: sum the k_r rows of each window (t), then t's k_c columns; by blocks of rows."""
    n_ch = x.shape[2]
    y = np.empty((g.o_rows, g.o_cols, n_ch))
    cols = [_span(b, 0, g.o_cols, g.s_cols) for b in range(g.k_cols)]
    blocks = _row_blocks(g.o_rows, x.shape[1] * n_ch * g.s_rows)
    buffer = np.empty((max(r1 - r0 for r0, r1 in blocks), x.shape[1], n_ch))
    for r0, r1 in blocks:
        rows = [_span(a, r0, r1, g.s_rows) for a in range(g.k_rows)]
        if g.k_rows == 1:
            t = x[rows[0]]
        else:
            t = np.add(x[rows[0]], x[rows[1]], out=buffer[: r1 - r0])
            for sl in rows[2:]:
                t += x[sl]
        yb = y[r0:r1]
        if g.k_cols == 1:
            np.copyto(yb, t[:, cols[0]])
        else:
            np.add(t[:, cols[0]], t[:, cols[1]], out=yb)
            for sl in cols[2:]:
                yb += t[:, sl]
        _divide(yb, g.k)
    return y


def avg_backward(x_shape, dy, size, stride=None) -> np.ndarray:
    """``δx``: zeros, then every δy cell adds δy / k to each element of its window."""
    shape = _x_shape(x_shape)
    g = window(shape, size, stride)
    dy = _dy(dy, g, shape[2])
    return _avg_backward(shape, dy, g)


def _avg_backward(shape: Sequence[int], dy: np.ndarray, g: Window) -> np.ndarray:
    """δx the way the sheet computes it for a convolution: the shares δy / k placed on a zero
    grid at each window's top-left corner (dilated by the stride), padded by k − 1, and summed
    over the k_r·k_c window offsets. Each element sums its shares in the row-major order of the
    δy cells (the trace's order), so the trace's running sums end on exactly these values.
    Done by blocks of δx rows, each with the block of the grid it reads."""
    rows, cols, n_ch = shape
    p_r, p_c = g.k_rows - 1, g.k_cols - 1
    dx = np.empty(shape)
    blocks = _row_blocks(rows, (cols + p_c) * n_ch)
    most = max(i1 - i0 for i0, i1 in blocks)
    buffer = np.empty((most + p_r, cols + p_c, n_ch))
    share_cols = _span(p_c, 0, g.o_cols, g.s_cols)
    exact = g.k & (g.k - 1) == 0
    views_at = _offsets(g)
    for i0, i1 in blocks:
        n = i1 - i0
        grid = buffer[: n + p_r]  # rows i0 … i1 + p_r − 1 of the padded grid
        grid.fill(0.0)
        # δy row r sits on padded row p_r + r·s_r; the block reads padded rows i0 … i1 + p_r − 1
        r_lo = max(0, -(-(i0 - p_r) // g.s_rows))
        r_hi = min(g.o_rows - 1, (i1 - 1) // g.s_rows)
        if r_lo <= r_hi:
            start = p_r + r_lo * g.s_rows - i0
            shares = grid[start: start + (r_hi - r_lo) * g.s_rows + 1: g.s_rows, share_cols]
            if exact:
                np.multiply(dy[r_lo:r_hi + 1], 1.0 / g.k, out=shares)  # the same numbers as /k
            else:
                np.divide(dy[r_lo:r_hi + 1], g.k, out=shares)
        views = [grid[a:a + n, b:b + cols] for a, b in views_at]
        dxb = dx[i0:i1]
        if len(views) == 1:
            np.copyto(dxb, views[0])
            continue
        np.add(views[0], views[1], out=dxb)
        for v in views[2:]:
            dxb += v
    return dx


# ---------------------------------------------------------------------------------------------
# Max pooling


def max_forward(x, size, stride=None) -> np.ndarray:
    """``y[r,c,ch]``: the largest element of the window of ``x`` at (r, c) in channel ch."""
    x = _x(x)
    g = window(x.shape, size, stride)
    return _max_forward(x, g)[0]


def _max_forward(x: np.ndarray, g: Window) -> tuple[np.ndarray, np.ndarray]:
    """``(y, arg)``: the maxima and, per output cell, the flat window offset a·k_c + b of the
    first maximum in row-major order (a later equal value does not replace it)."""
    offs = _offsets(g)
    cols = slice(None)

    def sl(a, b):
        return (_span(a, 0, g.o_rows, g.s_rows), _span(b, 0, g.o_cols, g.s_cols), cols)

    y = x[sl(0, 0)].copy()
    arg = np.zeros(y.shape, dtype=np.intp)
    for n, (a, b) in enumerate(offs[1:], start=1):
        v = x[sl(a, b)]
        better = v > y
        np.copyto(y, v, where=better)
        arg[better] = n
    return y, arg


def max_backward(x, dy, size, stride=None) -> np.ndarray:
    """``δx``: zeros, then every δy cell adds its whole delta to its window's first maximum."""
    x = _x(x)
    g = window(x.shape, size, stride)
    dy = _dy(dy, g, x.shape[2])
    _, arg = _max_forward(x, g)
    return _max_backward(x.shape, dy, arg, g)


def _max_backward(shape, dy, arg, g: Window) -> np.ndarray:
    dx = np.zeros(shape)
    _scatter(dx, g, _max_share(dy, arg, g), (0, g.o_rows, 0, g.o_cols, 0, shape[2]))
    return dx


def _max_share(dy: np.ndarray, arg: np.ndarray, g: Window):
    """``share(a, b, region) -> (values, hit)``: δy where offset (a, b) is the window's first
    maximum, else 0; ``hit`` marks the cells whose maximum sits at that offset."""
    def share(a, b, region):
        r0, r1, c0, c1, h0, h1 = region
        hit = arg[r0:r1, c0:c1, h0:h1] == a * g.k_cols + b
        return np.where(hit, dy[r0:r1, c0:c1, h0:h1], 0.0), hit
    return share


def _avg_share(dy: np.ndarray, g: Window):
    """``share(a, b, region) -> (values, hit)``: δy / k for every cell (all hit)."""
    def share(a, b, region):
        r0, r1, c0, c1, h0, h1 = region
        return dy[r0:r1, c0:c1, h0:h1] / g.k, True
    return share


def _box(g: Window, region) -> tuple[slice, slice, slice]:
    """The block of the input that the windows of the output ``region`` cover."""
    r0, r1, c0, c1, h0, h1 = region
    return (slice(r0 * g.s_rows, (r1 - 1) * g.s_rows + g.k_rows),
            slice(c0 * g.s_cols, (c1 - 1) * g.s_cols + g.k_cols), slice(h0, h1))


def _scatter(dx: np.ndarray, g: Window, share, region, touched: bool = False):
    """Add the shares of the δy cells in ``region`` (output rows r0:r1, cols c0:c1, channels
    h0:h1) to ``dx``, in place; with ``touched``, return a boolean mask of the elements written,
    over :func:`_box` of the region.

    Offsets are visited in reverse row-major order, so that each element receives its shares in
    the row-major order of the δy cells (the order of the trace's steps). (Adding the zeros that
    max pooling gives the other elements of a window changes no value.)
    """
    r0, r1, c0, c1, _, _ = region
    box = dx[_box(g, region)]
    mask = np.zeros(box.shape, dtype=bool) if touched else None
    for a, b in reversed(_offsets(g)):
        idx = (_span(a, 0, r1 - r0, g.s_rows), _span(b, 0, c1 - c0, g.s_cols))
        values, hit = share(a, b, region)
        box[idx] += values
        if mask is not None:
            mask[idx] |= hit
    return mask


# ---------------------------------------------------------------------------------------------
# Traces


def solve_avg(x, size, stride, dy) -> Trace:
    """Average pooling forward and backward, step by step (the sheet's Task 5)."""
    x, g, dy = _solve_inputs(x, size, stride, dy)
    y = _avg_forward(x, g)
    dx = _avg_backward(x.shape, dy, g)
    return _trace("avg", {"x": x, "y": y, "dy": dy, "dx": dx}, g, _avg_share(dy, g))


def solve_max(x, size, stride, dy) -> Trace:
    """Max pooling forward and backward, step by step; ``mask`` counts, per element of x, the
    windows whose (first) maximum it is."""
    x, g, dy = _solve_inputs(x, size, stride, dy)
    y, arg = _max_forward(x, g)
    dx = _max_backward(x.shape, dy, arg, g)
    mask = _max_backward(x.shape, np.ones_like(dy), arg, g)
    t = _trace("max", {"x": x, "y": y, "dy": dy, "dx": dx, "mask": mask}, g,
               _max_share(dy, arg, g), arg)
    return t


def _solve_inputs(x, size, stride, dy):
    x = _x(x)
    g = window(x.shape, size, stride)
    dy = _dy(dy, g, x.shape[2])
    check_size(x.shape, "x", MAX_TRACE_ELEMENTS, "can be stepped through (forward and backward "
               "compute it without steps)")
    return x, g, dy


def _regions(g: Window, channels: int) -> tuple[str, list[tuple[int, ...]]]:
    """The output cells grouped into steps: one per cell if few enough, else the finest of one
    per (row, channel), per row, per channel, or the whole output that fits in MAX_STEPS and
    whose steps list no more than :data:`MAX_TRACE_REFS` element references (with large
    overlapping windows a step per output row reads ``k_rows`` input rows: coarser is quicker)."""
    o_r, o_c, n_ch = g.o_rows, g.o_cols, channels
    budget = (MAX_STEPS - 1) // 2
    cells = o_r * o_c * n_ch
    if cells <= budget and 2 * cells * (g.k + 1) <= MAX_TRACE_REFS:
        return "", [(r, r + 1, c, c + 1, h, h + 1)
                    for r in range(o_r) for c in range(o_c) for h in range(n_ch)]
    width = (o_c - 1) * g.s_cols + g.k_cols

    def refs(rows: int) -> int:  # a region's x reads and δx writes, plus its y and δy cells
        return 2 * ((rows - 1) * g.s_rows + g.k_rows) * width * n_ch + 2 * rows * o_c * n_ch

    options = [
        ("one step per output row and channel", o_r * n_ch, o_r * refs(1),
         lambda: [(r, r + 1, 0, o_c, h, h + 1) for r in range(o_r) for h in range(n_ch)]),
        ("one step per output row", o_r, o_r * refs(1),
         lambda: [(r, r + 1, 0, o_c, 0, n_ch) for r in range(o_r)]),
        ("one step per channel", n_ch, refs(o_r),
         lambda: [(0, o_r, 0, o_c, h, h + 1) for h in range(n_ch)]),
        ("one step for the whole output", 1, refs(o_r), lambda: [(0, o_r, 0, o_c, 0, n_ch)]),
    ]
    options.sort(key=lambda o: -o[1])  # the most steps first
    fitting = [o for o in options if o[1] <= budget]  # the whole output always fits
    how, _, _, make = next((o for o in fitting if o[2] <= MAX_TRACE_REFS),
                           min(fitting, key=lambda o: (o[2], -o[1])))
    return how, make()


def _extent(start: int, stop: int) -> str:
    return str(start) if stop - start == 1 else f"{start}..{stop - 1}"


def _block_title(region) -> str:
    """``'row 3, channel 0'`` or ``'rows 0..9, channels 0..2'`` of an output region."""
    r0, r1, _, _, h0, h1 = region
    rows = f"row {r0}" if r1 - r0 == 1 else f"rows {r0}..{r1 - 1}"
    chans = f"channel {h0}" if h1 - h0 == 1 else f"channels {h0}..{h1 - 1}"
    return f"{rows}, {chans}"


def _range_text(start: int, k: int) -> str:
    return str(start) if k == 1 else f"{start}..{start + k - 1}"


def _refs(name: str, mask: np.ndarray, box=None) -> list[tuple[str, tuple[int, ...]]]:
    """``(name, index)`` for every True element of ``mask``, in row-major order; ``mask`` covers
    the block ``box`` of the tensor (all of it by default)."""
    origin = (0, 0, 0) if box is None else tuple(b.start for b in box)
    cols = [(a + o).tolist() for a, o in zip(np.nonzero(mask), origin, strict=True)]
    return list(zip(repeat(name), zip(*cols)))  # noqa: B905


def _trace(kind: str, t: dict[str, np.ndarray], g: Window, share, arg=None) -> Trace:
    x, y, dy = t["x"], t["y"], t["dy"]
    n_ch = x.shape[2]
    how, regions = _regions(g, n_ch)
    # Coarse regions that differ only in their channels (one step per output row and channel)
    # are computed together: channels are independent, so each region's numbers are the same.
    groups = [list(group) for _, group in groupby(regions, key=lambda reg: reg[:4])]
    steps: list[Step] = []
    for group in groups:
        if how:
            covered = _covered(g, group[0])
            steps.extend(_coarse_forward_step(kind, y, g, region, covered, how)
                         for region in group)
        else:
            steps.extend(_forward_step(kind, x, y, g, region, arg) for region in group)
    everything = np.ones(x.shape, dtype=bool)
    steps.append(step(
        "backward", "δx starts at zero", "δx", "",
        [], _refs("dx", everything), np.zeros(x.size),
        note="Task 5: every δx is set to 0 first; each δy then adds its share with +=, so where "
             "windows overlap the shares add up"))
    dx_run = np.zeros(x.shape)
    for group in groups:
        if how:
            whole = group[0][:4] + (group[0][4], group[-1][5])
            touched = _scatter(dx_run, g, share, whole, touched=True)
            rows, cols, _ = _box(g, whole)
            for region in group:
                h0, h1 = region[4], region[5]
                steps.append(_coarse_backward_step(
                    kind, dx_run, touched[:, :, h0 - whole[4]:h1 - whole[4]],
                    (rows, cols, slice(h0, h1)), region, how))
            continue
        wins = [_window_index(g, region[0], region[2], region[4]) for region in group]
        olds = [{w: float(dx_run[w]) for w in win} for win in wins]
        # One output cell (in each channel): the same additions as _scatter's, each element of
        # the window getting its one share, without a pass per window offset.
        r, c, h0, h1 = group[0][0], group[0][2], group[0][4], group[-1][5]
        if kind == "avg":
            dx_run[r * g.s_rows:r * g.s_rows + g.k_rows, c * g.s_cols:c * g.s_cols + g.k_cols,
                   h0:h1] += dy[r, c, h0:h1] / g.k
        else:
            for win, h in zip(wins, range(h0, h1), strict=True):
                dx_run[win[int(arg[r, c, h])]] += dy[r, c, h]
        for region, win, old in zip(group, wins, olds, strict=True):
            if kind == "avg":
                steps.append(_avg_backward_step(dy, g, region, win, old, dx_run))
            else:
                steps.append(_max_backward_step(dy, region, win, old, dx_run, arg))
    note = ""
    if how:
        cells = y.size
        note = (f"{2 * cells + 1:,} steps would be too many to step through "
                f"({cells:,} output cells); coarsened to {how}")
    return Trace(steps, t, note)


def _window_index(g: Window, r: int, c: int, h: int) -> list[tuple[int, int, int]]:
    return [(r * g.s_rows + a, c * g.s_cols + b, h) for a, b in _offsets(g)]


def _covered(g: Window, region) -> np.ndarray:
    """Which (row, col) positions of the region's :func:`_box` some window of the region
    covers (the same in every channel)."""
    r0, r1, c0, c1, _, _ = region
    rows, cols, _ = _box(g, region)
    mask = np.zeros((rows.stop - rows.start, cols.stop - cols.start), dtype=bool)
    for a, b in _offsets(g):
        mask[_span(a, 0, r1 - r0, g.s_rows), _span(b, 0, c1 - c0, g.s_cols)] = True
    return mask


def _coarse_forward_step(kind, y, g: Window, region, covered, how) -> Step:
    r0, r1, c0, c1, h0, h1 = region
    box = _box(g, region)
    mask = np.broadcast_to(covered[:, :, None], covered.shape + (h1 - h0,))
    out = (slice(r0, r1), slice(c0, c1), slice(h0, h1))
    writes = _refs("y", np.ones(y[out].shape, dtype=bool), out)
    what = "mean" if kind == "avg" else "maximum"
    rows, chans = _extent(r0, r1), _extent(h0, h1)
    return step("forward", f"y {_block_title(region)}",
                f"y[{rows},:,{chans}] = the {what} of each {g.k_rows}×{g.k_cols} window of x",
                "", _refs("x", mask, box), writes, y[out].ravel(), note=f"coarsened: {how}")


def _forward_step(kind, x, y, g: Window, region, arg) -> Step:
    r0, _, c0, _, h0, _ = region
    idx = (r0, c0, h0)
    win = _window_index(g, r0, c0, h0)
    n = len(win)

    def names(sep):
        return short_join(lambda i: label("x", win[i]), n, sep)

    reads = [("x", w) for w in win]
    if kind == "avg":
        return step("forward", label("y", idx), f"{label('y', idx)} = ({names(' + ')}) / {g.k}",
                    f"({short_join(lambda i: fmt_paren(x[win[i]]), n, ' + ')}) / {g.k}",
                    reads, [("y", idx)], [y[idx]])
    best = win[int(arg[idx])]
    ties = [w for w in win if x[w] == x[best]]
    note = ""
    if len(ties) > 1:
        names_tied = [label("x", w) for w in ties]
        who = (" and ".join(names_tied) + " both" if len(ties) == 2
               else ", ".join(names_tied[:-1]) + " and " + names_tied[-1] + " all")
        note = (f"tie: {who} hold {fmt(x[best])}; the first in row-major order, "
                f"{label('x', best)}, is the maximum and takes all of δy")
    return step("forward", label("y", idx), f"{label('y', idx)} = max({names(', ')})",
                f"max({short_join(lambda i: fmt(x[win[i]]), n, ', ')}) = {label('x', best)}",
                reads, [("y", idx)], [y[idx]],
                note=note)


def _avg_backward_step(dy, g: Window, region, win, old, new) -> Step:
    r, c, h = region[0], region[2], region[4]
    idx = (r, c, h)
    share = dy[idx] / g.k
    def part(i):
        w = win[i]
        return f"{label('δx', w)} = {fmt(old[w])} + {fmt_paren(share)} = {fmt(new[w])}"

    sub_text = (f"{fmt_paren(dy[idx])} / {g.k} = {fmt(share)} to each; "
                + short_join(part, len(win), "; "))
    formula = (f"δx[{_range_text(r * g.s_rows, g.k_rows)},{_range_text(c * g.s_cols, g.k_cols)},"
               f"{h}] += {label('δy', idx)} / {g.k}")
    return step("backward", f"{label('δy', idx)} → window", formula, sub_text,
                [("dy", idx)], [("dx", w) for w in win], [new[w] for w in win],
                result_text="")  # the running sums above are the results


def _max_backward_step(dy, region, win, old, new, arg) -> Step:
    r, c, h = region[0], region[2], region[4]
    idx = (r, c, h)
    best = win[int(arg[idx])]
    return step("backward", f"{label('δy', idx)} → max",
                f"{label('δx', best)} += {label('δy', idx)}",
                f"{fmt(old[best])} + {fmt_paren(dy[idx])}",
                [("dy", idx)] + [("x", w) for w in win], [("dx", best)], [new[best]],
                note=f"{label('x', best)} is the (first) maximum of the window of "
                     f"{label('y', idx)}; the other elements of the window get nothing")


def _coarse_backward_step(kind, dx_run, touched, box, region, how) -> Step:
    r0, r1, c0, c1, h0, h1 = region
    rows, chans = _extent(r0, r1), _extent(h0, h1)
    writes = _refs("dx", touched, box)
    reads = [("dy", (r, c, h)) for r in range(r0, r1) for c in range(c0, c1)
             for h in range(h0, h1)]
    if kind == "avg":
        formula = f"δx[window] += δy / k for every δy[{rows},:,{chans}]"
    else:
        formula = f"δx[window's maximum] += δy for every δy[{rows},:,{chans}]"
    return step("backward", f"δy {_block_title(region)}", formula, "", reads, writes,
                dx_run[box][touched], note=f"coarsened: {how}")
