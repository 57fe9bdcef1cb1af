r"""2-D convolution (the sheet's Task 2), channels-last.

Shapes: input ``x`` (rows, cols, c_in); filter bank ``f`` (k_rows, k_cols, c_in, c_out), so
``f[:, :, c, o]`` is channel ``c`` of filter ``o``; bias ``b`` (c_out,). ``s`` is the stride and
``p`` the padding, each an int or a (rows, cols) pair. ``x_pad`` is ``x`` with ``p`` rows/columns of
zeros on every side.

Output shape (per axis, rounded down; the sheet's Task 2b)::

    o_rows = ⌊(x_rows + 2·p_rows − k_rows) / s_rows⌋ + 1        o_c = c_out

Rows or columns of ``x_pad`` past the last window ("leftovers", when the division is not exact)
are never visited: they do not reach ``y`` and their ``δx`` is 0.

Forward, a correlation (im2col: every window of ``x_pad`` is one row of a matrix, one product)::

    y[r, c, o] = Σ_{i,j,k} x_pad[s·r + i, s·c + j, k] · f[i, j, k, o] + b[o]

Backward, given ``δy`` shaped like ``y``, the way the sheet teaches it:

* the backward filters (Task 2a): swap channels and filters, then rotate each 2-D filter by 180°::

      f_back[i, j, o, c] = f[k_rows − 1 − i, k_cols − 1 − j, c, o]     (k_rows, k_cols, c_out, c_in)

* ``δy`` dilated by the stride (``s − 1`` zeros between its elements) and padded with ``k − 1``
  zeros on every side (a *full* correlation), plus zeros for the leftovers on the far side::

      dy_dilated[(k_rows − 1) + s·r, (k_cols − 1) + s·c, o] = δy[r, c, o],   0 elsewhere

* ``δx`` = that correlated with the backward filters, cropped by the input padding::

      δx[r, c, k] = Σ_{i,j,o} dy_dilated[p + r + i, p + c + j, o] · f_back[i, j, o, k]

  (computed as a sum over the kernel offsets (i, j) of one product each, which read the dilated
  δy in place: an im2col copy of it would be k_rows·k_cols times its size)

* ``ΔF`` = the padded input correlated with ``δy`` (one product on the same im2col matrix), and
  ``Δb`` sums ``δy``::

      ΔF[i, j, k, o] = Σ_{r,c} x_pad[s·r + i, s·c + j, k] · δy[r, c, o]
      Δb[o] = Σ_{r,c} δy[r, c, o]

Sizes: tensors (inputs, y, the padded input) are limited by :data:`engine.validate.MAX_ELEMENTS`,
the im2col matrix and the dilated δy by :data:`engine.validate.MAX_WORK_ELEMENTS`; larger ones
are refused up front with the limit in the message.
:func:`output_shape` and :func:`shape_geometry` allocate nothing and take any shape. The worked
solution, step by step: :mod:`engine.traces.conv2d`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from engine.errors import ShapeError
from engine.validate import (
    MAX_ELEMENTS,
    MAX_WORK_ELEMENTS,
    as_array,
    as_pair,
    as_shape,
    check_shape,
    count,
    shape_str,
)


class ConvGrads(NamedTuple):
    """Gradients of the loss: ``dx`` like ``x``, ``df`` like ``f``, ``db`` (c_out,)."""

    dx: np.ndarray
    df: np.ndarray
    db: np.ndarray


@dataclass(frozen=True)
class Geometry:
    """Everything a convolution's index arithmetic needs (all plain ints)."""

    rows: int
    cols: int
    c_in: int
    k_rows: int
    k_cols: int
    c_out: int
    s_rows: int
    s_cols: int
    p_rows: int
    p_cols: int
    o_rows: int
    o_cols: int

    @property
    def padded(self) -> tuple[int, int]:
        """Rows and columns of ``x_pad``."""
        return self.rows + 2 * self.p_rows, self.cols + 2 * self.p_cols

    @property
    def visited(self) -> tuple[int, int]:
        """Rows and columns of ``x_pad`` that some window covers (the rest are leftovers)."""
        return ((self.o_rows - 1) * self.s_rows + self.k_rows,
                (self.o_cols - 1) * self.s_cols + self.k_cols)

    @property
    def leftover(self) -> tuple[int, int]:
        """Rows and columns at the far side of ``x_pad`` that no window reaches."""
        (pr, pc), (vr, vc) = self.padded, self.visited
        return pr - vr, pc - vc

    @property
    def y_shape(self) -> tuple[int, int, int]:
        return self.o_rows, self.o_cols, self.c_out

    @property
    def dilated_shape(self) -> tuple[int, int, int]:
        """Shape of ``dy_dilated``: δy dilated, padded by k − 1, plus the leftovers."""
        pr, pc = self.padded
        return pr + self.k_rows - 1, pc + self.k_cols - 1, self.c_out


# ---------------------------------------------------------------------------------------------
# Shapes


def _geometry(x_shape: Sequence[int], f_shape: Sequence[int], stride, padding,
              f_name: str) -> Geometry:
    """Check the shapes against each other and work out the output size (no allocation);
    ``f_name`` is the field a mismatch is reported on (``f``, or ``f_shape`` for shapes)."""
    rows, cols, c_in = x_shape
    k_rows, k_cols, f_c_in, c_out = f_shape
    s_rows, s_cols = as_pair(stride, "stride", 1)
    p_rows, p_cols = as_pair(padding, "padding", 0)
    if f_c_in != c_in:
        raise ShapeError(f"{f_name}: f has {count(f_c_in, 'input channels')} (shape "
                         f"{shape_str(f_shape)}); it needs {count(c_in, 'input channels')}, one "
                         "per channel of x")
    for axis, x_n, k_n, p_n in (("rows", rows, k_rows, p_rows),
                                ("columns", cols, k_cols, p_cols)):
        if k_n > x_n + 2 * p_n:
            raise ShapeError(f"{f_name}: f's kernel of {k_n} {axis} is larger than the padded "
                             f"input's {x_n + 2 * p_n} {axis} (x's {x_n} + 2·{p_n} padding); "
                             "use a smaller kernel or more padding")
    o_rows = (rows + 2 * p_rows - k_rows) // s_rows + 1
    o_cols = (cols + 2 * p_cols - k_cols) // s_cols + 1
    return Geometry(rows, cols, c_in, k_rows, k_cols, c_out, s_rows, s_cols, p_rows, p_cols,
                    o_rows, o_cols)


def shape_geometry(x_shape, f_shape, stride=1, padding=0) -> Geometry:
    """The :class:`Geometry` of a convolution from the shapes alone: allocates nothing, so any
    size is fine. ``x_shape`` is (rows, cols, c_in), ``f_shape`` (k_rows, k_cols, c_in, c_out).
    Raises a ``ValueError`` for a stride below 1, negative padding, mismatched channels or a
    kernel larger than the padded input."""
    xs = as_shape(x_shape, "x_shape", ("rows", "cols", "channels"))
    fs = as_shape(f_shape, "f_shape", ("k_rows", "k_cols", "c_in", "c_out"))
    return _geometry(xs, fs, stride, padding, "f_shape")


def output_shape(x_shape, f_shape, stride=1, padding=0) -> tuple[int, int, int]:
    """``(o_rows, o_cols, c_out)`` of a convolution (see :func:`shape_geometry`)."""
    return shape_geometry(x_shape, f_shape, stride, padding).y_shape


# ---------------------------------------------------------------------------------------------
# Checks


def check(x, f, b=None, dy=None, stride=1, padding=0):
    """``(x, f, b, dy, geometry)``: the arrays checked against each other (``b``, ``dy`` None when
    not given), and refused up front when too large to compute."""
    x = as_array(x, "x", 3, "(rows, cols, channels)")
    f = as_array(f, "f", 4, "(k_rows, k_cols, c_in, c_out)")
    g = _geometry(x.shape, f.shape, stride, padding, "f")
    if b is not None:
        b = as_array(b, "b", 1, "(c_out,)")
        check_shape(b, "b", (g.c_out,), f"to match f's {g.c_out} filters (c_out)")
    if dy is not None:
        dy = as_array(dy, "dy", 3, "(o_rows, o_cols, c_out), the shape of y")
        check_shape(dy, "dy", g.y_shape, "like y")
    _check_work(g, backward=dy is not None)
    return x, f, b, dy, g


def _check_work(g: Geometry, backward: bool) -> None:
    """Refuse outputs and intermediates too large to compute interactively, up front."""
    n_y = g.o_rows * g.o_cols * g.c_out
    if n_y > MAX_ELEMENTS:
        raise ValueError(f"x: the output y would have shape {shape_str(g.y_shape)} = {n_y:,} "
                         f"elements, more than the {MAX_ELEMENTS:,} that can be computed "
                         "interactively; use a smaller x, fewer filters or a larger stride")
    pr, pc = g.padded
    n_pad = pr * pc * g.c_in
    if n_pad > MAX_ELEMENTS:
        raise ValueError(f"padding: the padded input would have shape "
                         f"{shape_str((pr, pc, g.c_in))} = {n_pad:,} elements, more than the "
                         f"{MAX_ELEMENTS:,} that can be computed interactively; use less padding")
    n_cols = g.o_rows * g.o_cols * g.k_rows * g.k_cols * g.c_in
    if n_cols > MAX_WORK_ELEMENTS:
        raise ValueError(f"x: the windows of x, one row of {g.k_rows * g.k_cols * g.c_in:,} "
                         f"values per output cell, would hold {n_cols:,} values, more than the "
                         f"{MAX_WORK_ELEMENTS:,} that can be computed interactively; use a "
                         "smaller x or kernel, or a larger stride")
    if backward:
        n_dil = g.dilated_shape[0] * g.dilated_shape[1] * g.c_out
        if n_dil > MAX_WORK_ELEMENTS:
            raise ValueError(f"dy: δy dilated and padded would have shape "
                             f"{shape_str(g.dilated_shape)} = {n_dil:,} elements, more than the "
                             f"{MAX_WORK_ELEMENTS:,} that can be computed interactively; use a "
                             "smaller x or stride")


# ---------------------------------------------------------------------------------------------
# Vectorised numbers


def pad(x: np.ndarray, g: Geometry) -> np.ndarray:
    """``x`` with ``p`` zero rows/columns on every side (``x`` itself when ``p`` is 0)."""
    if g.p_rows == 0 and g.p_cols == 0:
        return x
    xp = np.zeros(g.padded + (g.c_in,))
    xp[g.p_rows:g.p_rows + g.rows, g.p_cols:g.p_cols + g.cols] = x
    return xp


def _im2col(a: np.ndarray, k_rows: int, k_cols: int, s_rows: int, s_cols: int,
            n_rows: int, n_cols: int) -> np.ndarray:
    """One row per window: ``(n_rows·n_cols, k_rows·k_cols·channels)``, (i, j, channel) order.

    The windows are a strided view of ``a`` (no copy); the reshape into a matrix is the one copy.
    Only the first ``n_rows × n_cols`` windows are taken, so leftovers are never visited.
    """
    win = sliding_window_view(a, (k_rows, k_cols), axis=(0, 1))  # (R, C, ch, k_rows, k_cols)
    win = win[: (n_rows - 1) * s_rows + 1 : s_rows, : (n_cols - 1) * s_cols + 1 : s_cols]
    win = win.transpose(0, 1, 3, 4, 2)  # (n_rows, n_cols, k_rows, k_cols, ch): ch contiguous
    return win.reshape(n_rows * n_cols, k_rows * k_cols * a.shape[2])


def _windows(xp: np.ndarray, g: Geometry) -> np.ndarray:
    """The im2col matrix of the padded input: one row per output cell (r, c)."""
    return _im2col(xp, g.k_rows, g.k_cols, g.s_rows, g.s_cols, g.o_rows, g.o_cols)


def _forward(cols: np.ndarray, f: np.ndarray, b: np.ndarray | None, g: Geometry) -> np.ndarray:
    y = cols @ f.reshape(-1, g.c_out)
    if b is not None:
        y += b
    return y.reshape(g.y_shape)


def dilate(dy: np.ndarray, g: Geometry) -> np.ndarray:
    """``dy_dilated``: s − 1 zeros between elements, k − 1 zeros around, leftovers at the end."""
    out = np.zeros(g.dilated_shape)
    r0, c0 = g.k_rows - 1, g.k_cols - 1
    out[r0 : r0 + (g.o_rows - 1) * g.s_rows + 1 : g.s_rows,
        c0 : c0 + (g.o_cols - 1) * g.s_cols + 1 : g.s_cols] = dy
    return out


def _backward(cols: np.ndarray, f: np.ndarray, dy: np.ndarray, g: Geometry) -> ConvGrads:
    dy2 = dy.reshape(-1, g.c_out)
    # ΔF: the padded input's windows (the forward's im2col) against δy; one product.
    df = (cols.T @ dy2).reshape(f.shape)
    db = np.ones(dy2.shape[0]) @ dy2  # Σ over the rows: a BLAS product, faster than .sum(0)
    return ConvGrads(_dx(dy, f, g), df, db)


def _placement(n: int, step: int, offset: int, size: int) -> tuple[slice, slice] | None:
    """Where elements ``0..n-1`` placed at ``offset + step·a`` land inside ``[0, size)``:
    (source slice, destination slice), or None when none does."""
    lo = 0 if offset >= 0 else (-offset + step - 1) // step
    hi = min(n, (size - 1 - offset) // step + 1) if size - 1 - offset >= 0 else 0
    if hi <= lo:
        return None
    return slice(lo, hi), slice(offset + lo * step, offset + (hi - 1) * step + 1, step)


def _dx(dy: np.ndarray, f: np.ndarray, g: Geometry) -> np.ndarray:
    """δx: the dilated, padded δy correlated with the backward filters, cropped by the padding.

    Only the rows and columns of ``dy_dilated`` that δx's windows touch are built (rows
    ``p … p + rows + k_rows − 2``: the crop). The correlation ``Σ_{i,j} dy_dilated[r+i, c+j, :] ·
    f_back[i, j]`` is summed over the kernel offsets (i, j): on the flattened buffer each offset
    is a contiguous slice, so every product reads the buffer in place instead of an im2col copy
    ``k_rows·k_cols`` times its size. Positions past the last column wrap around the row and are
    dropped by the final slice.
    """
    rows, cols = g.rows, g.cols
    width = cols + g.k_cols - 1
    buf = np.zeros((rows + g.k_rows - 1, width, g.c_out))
    r_place = _placement(g.o_rows, g.s_rows, g.k_rows - 1 - g.p_rows, buf.shape[0])
    c_place = _placement(g.o_cols, g.s_cols, g.k_cols - 1 - g.p_cols, width)
    if r_place is not None and c_place is not None:
        buf[r_place[1], c_place[1]] = dy[r_place[0], c_place[0]]
    flat = buf.reshape(-1, g.c_out)
    f_back = _backward_filter(f)
    n = (rows - 1) * width + cols  # flat positions from δx[0, 0] to δx[rows − 1, cols − 1]
    out = np.empty((rows * width, g.c_in))
    acc = out[:n]
    tmp = np.empty_like(acc)
    for pos, (i, j) in enumerate(product(range(g.k_rows), range(g.k_cols))):
        start = i * width + j
        if pos == 0:
            np.matmul(flat[start:start + n], f_back[i, j], out=acc)
        else:
            np.matmul(flat[start:start + n], f_back[i, j], out=tmp)
            acc += tmp
    return out.reshape(rows, width, g.c_in)[:, :cols]


def _backward_filter(f: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(f[::-1, ::-1].transpose(0, 1, 3, 2))


def forward(x, f, b=None, stride=1, padding=0) -> np.ndarray:
    """``y`` (o_rows, o_cols, c_out): every window of the padded input times every filter, + b."""
    x, f, b, _, g = check(x, f, b, stride=stride, padding=padding)
    return _forward(_windows(pad(x, g), g), f, b, g)


def backward_filter(f) -> np.ndarray:
    """The backward pass's filters (k_rows, k_cols, c_out, c_in): channels and filters swapped,
    then each 2-D filter rotated by 180° — ``f_back[i, j, o, c] = f[k_rows−1−i, k_cols−1−j, c, o]``.
    """
    f = as_array(f, "f", 4, "(k_rows, k_cols, c_in, c_out)")
    return _backward_filter(f)


def backward(x, f, dy, stride=1, padding=0) -> ConvGrads:
    """``(dx, df, db)`` from the input, the filters and ``δy`` (see the module docstring)."""
    x, f, _, dy, g = check(x, f, dy=dy, stride=stride, padding=padding)
    return _backward(_windows(pad(x, g), g), f, dy, g)


def forward_backward(x, f, b, dy, stride=1, padding=0) -> tuple[np.ndarray, ConvGrads]:
    """``(y, (dx, df, db))`` in one go: ΔF reuses the forward pass's im2col matrix instead of
    building it again (what a training step does; the same numbers as forward + backward)."""
    x, f, b, dy, g = check(x, f, b, dy, stride=stride, padding=padding)
    cols = _windows(pad(x, g), g)
    return _forward(cols, f, b, g), _backward(cols, f, dy, g)
