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
trace gives exactly the vectorised δx. The functions on a checked input and its
:class:`Window` (``avg_pool``, ``avg_spread``, ``max_pool``, ``max_route``, ``scatter``) are what
the worked solution, :mod:`engine.traces.pooling`, builds its steps from.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from engine.errors import ShapeError
from engine.validate import as_array, as_pair, as_shape, check_shape, check_size, count, shape_str

#: Elements of the input handled per block of rows (a quarter MiB of float64: fits in the cache).
BLOCK_ELEMENTS = 32_768


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
    for key, axis, k, n in (("rows", "rows", k_r, rows), ("cols", "columns", k_c, cols)):
        if k > n:
            raise ShapeError(f"size ({key}): the window's {k} {axis} do not fit in x's "
                             f"{n} {axis} (x has shape {shape_str(x_shape)}); use a window of "
                             f"at most {count(n, axis)}")
    return Window(k_r, k_c, s_r, s_c, (rows - k_r) // s_r + 1, (cols - k_c) // s_c + 1)


def _x(x) -> np.ndarray:
    return as_array(x, "x", 3, "(rows, cols, channels)")


def _x_shape(x_shape) -> tuple[int, int, int]:
    dims = as_shape(x_shape, "x_shape", ("rows", "cols", "channels"))
    check_size(dims, "x_shape")
    return dims  # type: ignore[return-value]


def _dy(dy, g: Window, channels: int) -> np.ndarray:
    dy = as_array(dy, "dy", 3, "(rows, cols, channels), the shape of y")
    check_shape(dy, "dy", (g.o_rows, g.o_cols, channels), "like y")
    return dy


def check(x, size, stride, dy) -> tuple[np.ndarray, Window, np.ndarray]:
    """``(x, window, dy)``: the input and δy checked against the window."""
    x = _x(x)
    g = window(x.shape, size, stride)
    return x, g, _dy(dy, g, x.shape[2])


# ---------------------------------------------------------------------------------------------
# Strided slices


def span(offset: int, start: int, stop: int, stride: int) -> slice:
    """Input positions ``offset + o·stride`` for output positions ``o`` in ``[start, stop)``."""
    return slice(offset + start * stride, offset + (stop - 1) * stride + 1, stride)


def offsets(g: Window) -> list[tuple[int, int]]:
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
    return avg_pool(x, g)


def avg_pool(x: np.ndarray, g: Window) -> np.ndarray:
    """Separable: sum the k_r rows of each window (t), then t's k_c columns; by blocks of rows."""
    n_ch = x.shape[2]
    y = np.empty((g.o_rows, g.o_cols, n_ch))
    cols = [span(b, 0, g.o_cols, g.s_cols) for b in range(g.k_cols)]
    blocks = _row_blocks(g.o_rows, x.shape[1] * n_ch * g.s_rows)
    buffer = np.empty((max(r1 - r0 for r0, r1 in blocks), x.shape[1], n_ch))
    for r0, r1 in blocks:
        rows = [span(a, r0, r1, g.s_rows) for a in range(g.k_rows)]
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
    return avg_spread(shape, dy, g)


def avg_spread(shape: Sequence[int], dy: np.ndarray, g: Window) -> np.ndarray:
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
    share_cols = span(p_c, 0, g.o_cols, g.s_cols)
    exact = g.k & (g.k - 1) == 0
    views_at = offsets(g)
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
    return max_pool(x, g)[0]


def max_pool(x: np.ndarray, g: Window) -> tuple[np.ndarray, np.ndarray]:
    """``(y, arg)``: the maxima and, per output cell, the flat window offset a·k_c + b of the
    first maximum in row-major order (a later equal value does not replace it)."""
    offs = offsets(g)
    cols = slice(None)

    def sl(a, b):
        return (span(a, 0, g.o_rows, g.s_rows), span(b, 0, g.o_cols, g.s_cols), cols)

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
    x, g, dy = check(x, size, stride, dy)
    _, arg = max_pool(x, g)
    return max_route(x.shape, dy, arg, g)


def max_route(shape, dy, arg, g: Window) -> np.ndarray:
    dx = np.zeros(shape)
    scatter(dx, g, max_share(dy, arg, g), (0, g.o_rows, 0, g.o_cols, 0, shape[2]))
    return dx


def max_share(dy: np.ndarray, arg: np.ndarray, g: Window):
    """``share(a, b, region) -> (values, hit)``: δy where offset (a, b) is the window's first
    maximum, else 0; ``hit`` marks the cells whose maximum sits at that offset."""
    def share(a, b, region):
        r0, r1, c0, c1, h0, h1 = region
        hit = arg[r0:r1, c0:c1, h0:h1] == a * g.k_cols + b
        return np.where(hit, dy[r0:r1, c0:c1, h0:h1], 0.0), hit
    return share


def input_box(g: Window, region) -> tuple[slice, slice, slice]:
    """The block of the input that the windows of the output ``region`` cover."""
    r0, r1, c0, c1, h0, h1 = region
    return (slice(r0 * g.s_rows, (r1 - 1) * g.s_rows + g.k_rows),
            slice(c0 * g.s_cols, (c1 - 1) * g.s_cols + g.k_cols), slice(h0, h1))


def scatter(dx: np.ndarray, g: Window, share, region, touched: bool = False):
    """Add the shares of the δy cells in ``region`` (output rows r0:r1, cols c0:c1, channels
    h0:h1) to ``dx``, in place; with ``touched``, return a boolean mask of the elements written,
    over :func:`input_box` of the region.

    Offsets are visited in reverse row-major order, so that each element receives its shares in
    the row-major order of the δy cells (the order of the trace's steps). (Adding the zeros that
    max pooling gives the other elements of a window changes no value.)
    """
    r0, r1, c0, c1, _, _ = region
    box = dx[input_box(g, region)]
    mask = np.zeros(box.shape, dtype=bool) if touched else None
    for a, b in reversed(offsets(g)):
        idx = (span(a, 0, r1 - r0, g.s_rows), span(b, 0, c1 - c0, g.s_cols))
        values, hit = share(a, b, region)
        box[idx] += values
        if mask is not None:
            mask[idx] |= hit
    return mask
