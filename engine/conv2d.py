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
:func:`output_shape` and :func:`solve_shape` allocate nothing and take any shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import product, repeat
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from engine.errors import ShapeError
from engine.steps import (
    MAX_STEPS,
    Ref,
    Step,
    Trace,
    fmt,
    fmt_paren,
    label,
    products,
    short_join,
    step,
    sum_text,
)
from engine.steps import sub as _s
from engine.validate import (
    MAX_ELEMENTS,
    MAX_WORK_ELEMENTS,
    as_array,
    as_int,
    as_pair,
    check_shape,
    shape_str,
)

#: Most element references (reads + writes over all steps) a step-by-step trace holds; larger
#: convolutions are declined by :func:`solve` / :func:`solve_filter` with a message (the
#: vectorised :func:`forward` / :func:`backward` still compute them).
MAX_TRACE_REFS = 1_000_000

#: Products shown in full in a step's substituted text (a 3×3×3 window) before it is shortened.
TERMS_SHOWN = 27


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
              x_name: str, f_name: str) -> Geometry:
    """Check the shapes against each other and work out the output size (no allocation)."""
    rows, cols, c_in = x_shape
    k_rows, k_cols, f_c_in, c_out = f_shape
    s_rows, s_cols = as_pair(stride, "stride", 1)
    p_rows, p_cols = as_pair(padding, "padding", 0)
    if f_c_in != c_in:
        raise ShapeError(f"{f_name}: expected {c_in} input channels on axis 2 to match {x_name}'s "
                         f"{c_in} channels, got shape {shape_str(f_shape)}")
    for axis, x_n, k_n, p_n in (("rows", rows, k_rows, p_rows), ("cols", cols, k_cols, p_cols)):
        if k_n > x_n + 2 * p_n:
            raise ShapeError(f"{f_name}: kernel of {k_n} {axis} is larger than the padded input's "
                             f"{x_n + 2 * p_n} {axis} ({x_name}'s {x_n} + 2·{p_n} padding); "
                             "it needs a smaller kernel or more padding")
    o_rows = (rows + 2 * p_rows - k_rows) // s_rows + 1
    o_cols = (cols + 2 * p_cols - k_cols) // s_cols + 1
    return Geometry(rows, cols, c_in, k_rows, k_cols, c_out, s_rows, s_cols, p_rows, p_cols,
                    o_rows, o_cols)


def _shape_arg(value, name: str, n: int, layout: str) -> tuple[int, ...]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise ShapeError(f"{name}: expected {n} whole numbers {layout}, got {value!r}")
    if len(value) != n:
        raise ShapeError(f"{name}: expected {n} whole numbers {layout}, got {len(value)}")
    parts = layout.strip("()").split(", ")
    return tuple(as_int(v, f"{name} ({part})", 1) for v, part in zip(value, parts, strict=True))


def output_shape(x_shape, f_shape, stride=1, padding=0) -> tuple[int, int, int]:
    """``(o_rows, o_cols, c_out)`` of a convolution; allocates nothing, so any size is fine.

    ``x_shape`` is (rows, cols, c_in), ``f_shape`` (k_rows, k_cols, c_in, c_out). Raises a
    ``ValueError`` for a stride below 1, negative padding, mismatched channels or a kernel larger
    than the padded input.
    """
    xs = _shape_arg(x_shape, "x_shape", 3, "(rows, cols, channels)")
    fs = _shape_arg(f_shape, "f_shape", 4, "(k_rows, k_cols, c_in, c_out)")
    return _geometry(xs, fs, stride, padding, "x_shape", "f_shape").y_shape


# ---------------------------------------------------------------------------------------------
# Checks


def _check(x, f, b=None, dy=None, stride=1, padding=0):
    x = as_array(x, "x", 3, "(rows, cols, channels)")
    f = as_array(f, "f", 4, "(k_rows, k_cols, c_in, c_out)")
    g = _geometry(x.shape, f.shape, stride, padding, "x", "f")
    if b is not None:
        b = as_array(b, "b", 1, "(c_out,)")
        check_shape(b, "b", (g.c_out,), f"to match f's {g.c_out} filters (c_out)")
    if dy is not None:
        dy = as_array(dy, "dy", 3, "(o_rows, o_cols, c_out)")
        check_shape(dy, "dy", g.y_shape, "(the shape of y)")
    _check_work(g, backward=dy is not None)
    return x, f, b, dy, g


def _check_work(g: Geometry, backward: bool) -> None:
    """Refuse outputs and intermediates too large to compute interactively, up front."""
    n_y = g.o_rows * g.o_cols * g.c_out
    if n_y > MAX_ELEMENTS:
        raise ValueError(f"x: the output y would have shape {shape_str(g.y_shape)} = {n_y:,} "
                         f"elements, more than the {MAX_ELEMENTS:,} that can be computed "
                         "interactively")
    pr, pc = g.padded
    n_pad = pr * pc * g.c_in
    if n_pad > MAX_ELEMENTS:
        raise ValueError(f"padding: the padded input would have shape "
                         f"{shape_str((pr, pc, g.c_in))} = {n_pad:,} elements, more than the "
                         f"{MAX_ELEMENTS:,} that can be computed interactively")
    n_cols = g.o_rows * g.o_cols * g.k_rows * g.k_cols * g.c_in
    if n_cols > MAX_WORK_ELEMENTS:
        raise ValueError(f"x: the im2col matrix (one row per window) would have {n_cols:,} "
                         f"elements, more than the {MAX_WORK_ELEMENTS:,} that can be computed "
                         "interactively")
    if backward:
        n_dil = g.dilated_shape[0] * g.dilated_shape[1] * g.c_out
        if n_dil > MAX_WORK_ELEMENTS:
            raise ValueError(f"dy: the dilated δy would have shape {shape_str(g.dilated_shape)} = "
                             f"{n_dil:,} elements, more than the {MAX_WORK_ELEMENTS:,} that can "
                             "be computed interactively")


# ---------------------------------------------------------------------------------------------
# Vectorised numbers


def _pad(x: np.ndarray, g: Geometry) -> np.ndarray:
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


def _dilate(dy: np.ndarray, g: Geometry) -> np.ndarray:
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
    x, f, b, _, g = _check(x, f, b, stride=stride, padding=padding)
    return _forward(_windows(_pad(x, g), g), f, b, g)


def backward_filter(f) -> np.ndarray:
    """The backward pass's filters (k_rows, k_cols, c_out, c_in): channels and filters swapped,
    then each 2-D filter rotated by 180° — ``f_back[i, j, o, c] = f[k_rows−1−i, k_cols−1−j, c, o]``.
    """
    f = as_array(f, "f", 4, "(k_rows, k_cols, c_in, c_out)")
    return _backward_filter(f)


def backward(x, f, dy, stride=1, padding=0) -> ConvGrads:
    """``(dx, df, db)`` from the input, the filters and ``δy`` (see the module docstring)."""
    x, f, _, dy, g = _check(x, f, dy=dy, stride=stride, padding=padding)
    return _backward(_windows(_pad(x, g), g), f, dy, g)


def forward_backward(x, f, b, dy, stride=1, padding=0) -> tuple[np.ndarray, ConvGrads]:
    """``(y, (dx, df, db))`` in one go: ΔF reuses the forward pass's im2col matrix instead of
    building it again (what a training step does; the same numbers as forward + backward)."""
    x, f, b, dy, g = _check(x, f, b, dy, stride=stride, padding=padding)
    cols = _windows(_pad(x, g), g)
    return _forward(cols, f, b, g), _backward(cols, f, dy, g)


# ---------------------------------------------------------------------------------------------
# Traces


def _matrix_step(phase: str, title: str, formula: str, substituted: str, reads: Iterable[Ref],
                 writes: Sequence[Ref], values: Iterable[float], note: str = "") -> Step:
    """A step writing many elements. A coarsened step (its note says so) ends on its values,
    shortened; any other (a whole matrix moved, a tensor padded) ends on its formula or on the
    matrix its substituted text shows."""
    vals = tuple(np.asarray(values, dtype=np.float64).ravel().tolist())
    return Step(phase=phase, title=title, formula=formula, substituted=substituted,
                result=vals[0] if vals else float("nan"), reads=tuple(reads),
                writes=tuple(writes), values=vals, note=note,
                result_text=None if note.startswith("coarsened") else "")


@lru_cache(maxsize=4096)
def _box(name: str, *ranges: range) -> tuple[Ref, ...]:
    """Refs to every element of a box of ``name``, row-major (matching ``arr[box].ravel()``).

    Cached: the same boxes recur within a trace (the whole filter bank in every coarse step) and
    across traces of the same shapes (the GUI re-solving after each edit).
    """
    return tuple(zip(repeat(name), product(*ranges)))


def _box_values(arr: np.ndarray, *ranges: range) -> list[float]:
    return arr[tuple(slice(r.start, r.stop, r.step) for r in ranges)].ravel().tolist()


def _products(a: list[float], b: list[float], limit: int) -> list[str]:
    """:func:`~engine.steps.products` formatting only the terms ``sum_text(…, limit)`` shows
    (the first and last ``limit // 2`` of a long sum); the others are left empty."""
    n = len(a)
    if n <= limit:
        return products(a, b)
    half = limit // 2
    shown = products(a[:half], b[:half]), products(a[-half:], b[-half:])
    return shown[0] + [""] * (n - 2 * half) + shown[1]


def _matrix_text(m: np.ndarray) -> str:
    """``[[1, 3, 5], [2, 4, 6]]``; past 8 rows or columns the first and last four with
    ``… (k more)`` between (only those are formatted)."""
    def row(r: int) -> str:
        return "[" + short_join(lambda c: fmt(m[r, c]), m.shape[1], ", ") + "]"
    return "[" + short_join(row, m.shape[0], ", ") + "]"


def _n(count: int, noun: str) -> str:
    """``_n(1, 'zero row')`` is ``'1 zero row'``, ``_n(2, 'zero row')`` is ``'2 zero rows'``."""
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _times(n: int, var: str) -> str:
    """``_times(2, 'r')`` is ``'2r'``, ``_times(1, 'r')`` is ``'r'``."""
    return var if n == 1 else f"{n}{var}"


def _axis_name(axis: str) -> str:
    return "o_rows" if axis == "rows" else "o_cols"


def solve_shape(x_shape, f_shape, stride=1, padding=0) -> Trace:
    """The output shape, derived per axis as on the sheet (Task 2b); takes shapes of any size."""
    xs = _shape_arg(x_shape, "x_shape", 3, "(rows, cols, channels)")
    fs = _shape_arg(f_shape, "f_shape", 4, "(k_rows, k_cols, c_in, c_out)")
    g = _geometry(xs, fs, stride, padding, "x_shape", "f_shape")
    steps: list[Step] = []
    left_r, left_c = g.leftover
    for pos, (axis, x_n, k_n, s_n, p_n, o_n, left) in enumerate((
            ("rows", g.rows, g.k_rows, g.s_rows, g.p_rows, g.o_rows, left_r),
            ("cols", g.cols, g.k_cols, g.s_cols, g.p_cols, g.o_cols, left_c))):
        name = _axis_name(axis)
        span = x_n + 2 * p_n - k_n
        what = f"row{'s' * (left > 1)}" if axis == "rows" else f"column{'s' * (left > 1)}"
        last = f"the last {what} of the padded input is" if left == 1 else \
            f"the last {left} {what} of the padded input are"
        note = (f"({x_n} + 2·{p_n} − {k_n})/{s_n} = {span}/{s_n} is not whole: rounded down, so "
                f"{last} never visited" if left else "")
        steps.append(step("forward", name, f"{name} = ⌊(x + 2p − k)/s⌋ + 1",
                          f"⌊({x_n} + 2·{p_n} − {k_n})/{s_n}⌋ + 1", (),
                          [("output_shape", (pos,))], [o_n], note=note))
    steps.append(step("forward", "o_c", "o_c = c_out (one output channel per filter)",
                      str(g.c_out), (), [("output_shape", (2,))], [g.c_out]))
    return Trace(steps, {"output_shape": np.array(g.y_shape, dtype=np.float64)})


def solve_filter(f) -> Trace:
    """The backward filters step by step (Task 2a): swap channels and filters, rotate by 180°."""
    f = as_array(f, "f", 4, "(k_rows, k_cols, c_in, c_out)")
    k_rows, k_cols, c_in, c_out = f.shape
    refs = 4 * f.size
    if refs > MAX_TRACE_REFS:
        raise ValueError(f"f: shape {shape_str(f.shape)} is too large to trace step by step "
                         f"({refs:,} element references, more than {MAX_TRACE_REFS:,}); "
                         "backward_filter computes it without steps")
    swapped = np.ascontiguousarray(f.transpose(0, 1, 3, 2))
    f_back = _backward_filter(f)
    kr, kc = range(k_rows), range(k_cols)
    fine = 2 * c_in * c_out
    steps: list[Step] = []
    if fine <= MAX_STEPS:
        note = ""
        for c, o in product(range(c_in), range(c_out)):
            steps.append(_matrix_step(
                "backward", f"swap f[:,:,{c},{o}]", f"f_swapped[:,:,{o},{c}] = f[:,:,{c},{o}]",
                _matrix_text(f[:, :, c, o]), _box("f", kr, kc, range(c, c + 1), range(o, o + 1)),
                _box("f_swapped", kr, kc, range(o, o + 1), range(c, c + 1)),
                swapped[:, :, o, c].ravel()))
        for o, c in product(range(c_out), range(c_in)):
            steps.append(_matrix_step(
                "backward", f"rotate f_swapped[:,:,{o},{c}]",
                f"f_back[:,:,{o},{c}] = rot180(f_swapped[:,:,{o},{c}])",
                _matrix_text(f_back[:, :, o, c]),
                _box("f_swapped", kr, kc, range(o, o + 1), range(c, c + 1)),
                _box("f_back", kr, kc, range(o, o + 1), range(c, c + 1)),
                f_back[:, :, o, c].ravel()))
    elif 2 * c_out <= MAX_STEPS:
        note = (f"{fine:,} steps would be too many to step through; coarsened to one step per "
                "filter")
        for o in range(c_out):
            steps.append(_matrix_step(
                "backward", f"swap filter {o}", f"f_swapped[:,:,{o},:] = f[:,:,:,{o}]", "",
                _box("f", kr, kc, range(c_in), range(o, o + 1)),
                _box("f_swapped", kr, kc, range(o, o + 1), range(c_in)),
                swapped[:, :, o, :].ravel(), note="coarsened: one step per filter"))
        for o in range(c_out):
            steps.append(_matrix_step(
                "backward", f"rotate filter {o}",
                f"f_back[:,:,{o},:] = rot180(f_swapped[:,:,{o},:])", "",
                _box("f_swapped", kr, kc, range(o, o + 1), range(c_in)),
                _box("f_back", kr, kc, range(o, o + 1), range(c_in)),
                f_back[:, :, o, :].ravel(), note="coarsened: one step per filter"))
    else:
        note = f"{fine:,} steps would be too many to step through; coarsened to two steps"
        every = (kr, kc, range(c_in), range(c_out))
        swapped_all = (kr, kc, range(c_out), range(c_in))
        steps.append(_matrix_step("backward", "swap", "f_swapped[:,:,o,c] = f[:,:,c,o]", "",
                                  _box("f", *every), _box("f_swapped", *swapped_all),
                                  swapped.ravel(), note="coarsened: one step for the tensor"))
        steps.append(_matrix_step("backward", "rotate",
                                  "f_back[:,:,o,c] = rot180(f_swapped[:,:,o,c])", "",
                                  _box("f_swapped", *swapped_all), _box("f_back", *swapped_all),
                                  f_back.ravel(), note="coarsened: one step for the tensor"))
    return Trace(steps, {"f": f, "f_swapped": swapped, "f_back": f_back}, note)


def solve(x, f, b=None, dy=None, stride=1, padding=0) -> Trace:
    """Forward and backward pass step by step (``dy=None``: the forward pass only).

    Tensors: ``x, f, b, y`` (+ ``x_padded`` when padding > 0) and, with ``dy``: ``dy, f_back,
    dy_dilated, dx, df, db``. Past :data:`~engine.steps.MAX_STEPS` steps the trace is coarsened
    (one step per output row, per row of δx, per filter of ΔF; then one step per tensor) with a
    note; past :data:`MAX_TRACE_REFS` element references it is declined with a ``ValueError``.
    """
    x, f, b, dy, g = _check(x, f, b, dy, stride, padding)
    if b is None:
        b = np.zeros(g.c_out)
    xp = _pad(x, g)
    t: dict[str, np.ndarray] = {"x": x, "f": f, "b": b}
    if xp is not x:
        t["x_padded"] = xp
    cols = _windows(xp, g)
    t["y"] = _forward(cols, f, b, g)
    if dy is not None:
        dx, df, db = _backward(cols, f, dy, g)
        t.update(dy=dy, f_back=_backward_filter(f), dy_dilated=_dilate(dy, g), dx=dx, df=df,
                 db=db)
    return _ConvTracer(t, g).trace()


class _ConvTracer:
    """Builds the steps of :func:`solve` from the vectorised tensors."""

    def __init__(self, t: dict[str, np.ndarray], g: Geometry):
        self.t, self.g = t, g
        self.xn = "x_padded" if "x_padded" in t else "x"
        self.backward = "dy" in t

    # -- sizes -----------------------------------------------------------------------------------
    def counts(self, level: int) -> tuple[int, int]:
        """(steps, element references) the trace has at ``level`` (0 fine, 1 rows, 2 tensors)."""
        g = self.g
        pr, pc = g.padded
        k = g.k_rows * g.k_cols * g.c_in
        n_y, n_x, n_f = g.o_rows * g.o_cols * g.c_out, g.rows * g.cols * g.c_in, k * g.c_out
        n_xp = pr * pc * g.c_in
        steps, refs = 0, 0
        if self.xn == "x_padded":
            steps, refs = 1, n_x + n_xp
        if level == 0:
            steps += n_y
            refs += n_y * (2 * k + 2)
        elif level == 1:
            steps += g.o_rows
            refs += g.o_rows * (g.k_rows * pc * g.c_in + n_f + g.c_out) + n_y
        else:
            steps += 1
            refs += n_xp + n_f + g.c_out + n_y
        if not self.backward:
            return steps, refs
        n_dil = int(np.prod(g.dilated_shape))
        win_back = g.k_rows * g.k_cols * g.c_out
        steps += 2
        refs += 2 * n_f + n_y + n_dil
        if level == 0:
            steps += n_x + n_f + g.c_out
            refs += n_x * (2 * win_back + 1) + n_f * (2 * g.o_rows * g.o_cols + 1) + 2 * n_y
        elif level == 1:
            steps += g.rows + g.c_out + 1
            refs += (g.rows * (g.k_rows * g.dilated_shape[1] * g.c_out + n_f + g.cols * g.c_in)
                     + g.c_out * (n_xp + g.o_rows * g.o_cols) + n_f + n_y + g.c_out)
        else:
            steps += 3
            refs += (n_dil + n_f + n_x) + (n_xp + n_y + n_f) + (n_y + g.c_out)
        return steps, refs

    def trace(self) -> Trace:
        fine_steps, _ = self.counts(0)
        level = next((lv for lv in (0, 1) if self.counts(lv)[0] <= MAX_STEPS), 2)
        refs = self.counts(level)[1]
        if refs > MAX_TRACE_REFS:
            raise ValueError(f"x: this convolution is too large to trace step by step ({refs:,} "
                             f"element references, more than {MAX_TRACE_REFS:,}); forward and "
                             "backward compute it without steps")
        steps: list[Step] = []
        if self.xn == "x_padded":
            steps.append(self.pad_step())
        steps += self.forward_steps(level)
        if self.backward:
            steps += [self.filter_step(), self.dilate_step()]
            steps += self.dx_steps(level) + self.df_steps(level) + self.db_steps(level)
        note = ""
        if level == 1:
            note = (f"{fine_steps:,} steps would be too many to step through; coarsened to one "
                    "step per output row (forward), per row of δx and per filter of ΔF")
        elif level == 2:
            note = (f"{fine_steps:,} steps would be too many to step through; coarsened to one "
                    "step per tensor")
        return Trace(steps, self.t, note)

    # -- steps -----------------------------------------------------------------------------------
    def pad_step(self) -> Step:
        g, xp = self.g, self.t["x_padded"]
        pr, pc = g.padded
        return _matrix_step(
            "forward", "pad x", f"x_padded[{g.p_rows}+r, {g.p_cols}+c, k] = x[r,c,k], 0 elsewhere",
            "", _box("x", range(g.rows), range(g.cols), range(g.c_in)),
            _box("x_padded", range(pr), range(pc), range(g.c_in)), xp.ravel(),
            note=f"padding: {_n(g.p_rows, 'zero row')} above and below x, "
                 f"{_n(g.p_cols, 'zero column')} left and right")

    def forward_steps(self, level: int) -> list[Step]:
        g, t, xn = self.g, self.t, self.xn
        xp, f, b, y = t[xn], t["f"], t["b"], t["y"]
        kr, kc, ch = range(g.k_rows), range(g.k_cols), range(g.c_in)
        out: list[Step] = []
        if level == 2:
            pr, pc = g.padded
            out.append(_matrix_step(
                "forward", "y", f"y[r,c,o] = Σ {xn}[{_times(g.s_rows, 'r')}+i, "
                f"{_times(g.s_cols, 'c')}+j, k]·f[i,j,k,o] + b[o]", "",
                _box(xn, range(pr), range(pc), ch) + _box("f", kr, kc, ch, range(g.c_out))
                + _box("b", range(g.c_out)),
                _box("y", range(g.o_rows), range(g.o_cols), range(g.c_out)), y.ravel(),
                note="coarsened: one step for the tensor"))
            return out
        if level == 1:
            pc = g.padded[1]
            every_f = _box("f", kr, kc, ch, range(g.c_out)) + _box("b", range(g.c_out))
            for r in range(g.o_rows):
                r0 = r * g.s_rows
                out.append(_matrix_step(
                    "forward", f"y row {r}",
                    f"y[{r},c,o] = Σ {xn}[{r0}+i, {_times(g.s_cols, 'c')}+j, k]·f[i,j,k,o] "
                    "+ b[o]", "",
                    _box(xn, range(r0, r0 + g.k_rows), range(pc), ch) + every_f,
                    _box("y", range(r, r + 1), range(g.o_cols), range(g.c_out)), y[r].ravel(),
                    note="coarsened: one step per output row"))
            return out
        for r, c, o in product(range(g.o_rows), range(g.o_cols), range(g.c_out)):
            r0, c0 = r * g.s_rows, c * g.s_cols
            win = (range(r0, r0 + g.k_rows), range(c0, c0 + g.k_cols), ch)
            filt = (kr, kc, ch, range(o, o + 1))
            terms = _products(_box_values(xp, *win), _box_values(f, *filt), TERMS_SHOWN + 1)
            terms.append(fmt_paren(b[o]))
            out.append(step(
                "forward", label("y", (r, c, o)),
                f"y[{r},{c},{o}] = Σᵢⱼₖ {xn}[{r0}+i,{c0}+j,k]·f[i,j,k,{o}] + b{_s(o)}",
                sum_text(terms, TERMS_SHOWN + 1),
                _box(xn, *win) + _box("f", *filt) + (("b", (o,)),),
                [("y", (r, c, o))], [y[r, c, o]]))
        return out

    def filter_step(self) -> Step:
        g, f_back = self.g, self.t["f_back"]
        kr, kc = range(g.k_rows), range(g.k_cols)
        return _matrix_step(
            "backward", "backward filters",
            f"f_back[i,j,o,c] = f[{g.k_rows - 1}−i, {g.k_cols - 1}−j, c, o]", "",
            _box("f", kr, kc, range(g.c_in), range(g.c_out)),
            _box("f_back", kr, kc, range(g.c_out), range(g.c_in)), f_back.ravel(),
            note="channels and filters swapped, then each filter rotated by 180° (step by step: "
                 "the conv-filter example)")

    def dilate_step(self) -> Step:
        g, dil = self.g, self.t["dy_dilated"]
        r0, c0 = g.k_rows - 1, g.k_cols - 1
        left_r, left_c = g.leftover
        below, right = r0 + left_r, c0 + left_c
        if g.s_rows == g.s_cols == 1:
            dilation = "stride 1: nothing to dilate"
        else:
            dilation = (f"dilated by the stride: {_n(g.s_rows - 1, 'zero row')} between δy's "
                        f"rows, {_n(g.s_cols - 1, 'zero column')} between its columns")
        extra = ""
        if left_r or left_c:
            extra = (f" (the extra {_n(left_r, 'row')} and {_n(left_c, 'column')} stand for the "
                     "leftovers the forward pass never visited: their δx is 0)")
        return _matrix_step(
            "backward", "δy dilated and padded",
            f"dy_dilated[{r0}+{_times(g.s_rows, 'r')}, {c0}+{_times(g.s_cols, 'c')}, o] = "
            "δy[r,c,o], 0 elsewhere", "",
            _box("dy", range(g.o_rows), range(g.o_cols), range(g.c_out)),
            _box("dy_dilated", *(range(n) for n in g.dilated_shape)), dil.ravel(),
            note=f"{dilation}; padded by k − 1 for a full correlation: {_n(r0, 'zero row')} "
                 f"above, {below} below, {_n(c0, 'zero column')} left, {right} right{extra}")

    def dx_steps(self, level: int) -> list[Step]:
        g, t = self.g, self.t
        dil, fb, dx = t["dy_dilated"], t["f_back"], t["dx"]
        kr, kc, oc = range(g.k_rows), range(g.k_cols), range(g.c_out)
        every_fb = _box("f_back", kr, kc, oc, range(g.c_in))
        if level == 2:
            return [_matrix_step(
                "backward", "δx", f"δx[r,c,k] = Σ dy_dilated[{g.p_rows}+r+i, {g.p_cols}+c+j, o]"
                "·f_back[i,j,o,k]", "", _box("dy_dilated", *(range(n) for n in g.dilated_shape))
                + every_fb, _box("dx", range(g.rows), range(g.cols), range(g.c_in)), dx.ravel(),
                note="coarsened: one step for the tensor")]
        out: list[Step] = []
        if level == 1:
            for r in range(g.rows):
                r0 = r + g.p_rows
                out.append(_matrix_step(
                    "backward", f"δx row {r}",
                    f"δx[{r},c,k] = Σ dy_dilated[{r0}+i, {g.p_cols}+c+j, o]·f_back[i,j,o,k]", "",
                    _box("dy_dilated", range(r0, r0 + g.k_rows), range(g.dilated_shape[1]), oc)
                    + every_fb, _box("dx", range(r, r + 1), range(g.cols), range(g.c_in)),
                    dx[r].ravel(), note="coarsened: one step per row of δx"))
            return out
        for r, c, k in product(range(g.rows), range(g.cols), range(g.c_in)):
            r0, c0 = r + g.p_rows, c + g.p_cols
            win = (range(r0, r0 + g.k_rows), range(c0, c0 + g.k_cols), oc)
            filt = (kr, kc, oc, range(k, k + 1))
            terms = _products(_box_values(dil, *win), _box_values(fb, *filt), TERMS_SHOWN)
            out.append(step(
                "backward", label("δx", (r, c, k)),
                f"δx[{r},{c},{k}] = Σᵢⱼₒ dy_dilated[{r0}+i,{c0}+j,o]·f_back[i,j,o,{k}]",
                sum_text(terms, TERMS_SHOWN), _box("dy_dilated", *win) + _box("f_back", *filt),
                [("dx", (r, c, k))], [dx[r, c, k]]))
        return out

    def df_steps(self, level: int) -> list[Step]:
        g, t, xn = self.g, self.t, self.xn
        xp, dy, df = t[xn], t["dy"], t["df"]
        kr, kc, ch = range(g.k_rows), range(g.k_cols), range(g.c_in)
        orr, occ = range(g.o_rows), range(g.o_cols)
        pr, pc = g.padded
        sr, sc = g.s_rows, g.s_cols
        if level == 2:
            return [_matrix_step(
                "backward", "ΔF",
                f"ΔF[i,j,k,o] = Σ {xn}[{_times(sr, 'r')}+i, {_times(sc, 'c')}+j, k]·δy[r,c,o]", "",
                _box(xn, range(pr), range(pc), ch) + _box("dy", orr, occ, range(g.c_out)),
                _box("df", kr, kc, ch, range(g.c_out)), df.ravel(),
                note="coarsened: one step for the tensor")]
        out: list[Step] = []
        if level == 1:
            for o in range(g.c_out):
                out.append(_matrix_step(
                    "backward", f"ΔF filter {o}",
                    f"ΔF[i,j,k,{o}] = Σ {xn}[{_times(sr, 'r')}+i, {_times(sc, 'c')}+j, k]"
                    f"·δy[r,c,{o}]", "",
                    _box(xn, range(pr), range(pc), ch) + _box("dy", orr, occ, range(o, o + 1)),
                    _box("df", kr, kc, ch, range(o, o + 1)), df[:, :, :, o].ravel(),
                    note="coarsened: one step per filter"))
            return out
        for i, j, k, o in product(kr, kc, ch, range(g.c_out)):
            win = (range(i, i + (g.o_rows - 1) * sr + 1, sr),
                   range(j, j + (g.o_cols - 1) * sc + 1, sc), range(k, k + 1))
            terms = _products(_box_values(xp, *win), _box_values(dy, orr, occ, range(o, o + 1)),
                              TERMS_SHOWN)
            out.append(step(
                "backward", label("ΔF", (i, j, k, o)),
                f"ΔF[{i},{j},{k},{o}] = Σ_(r,c) {xn}[{_times(sr, 'r')}+{i},{_times(sc, 'c')}+{j},"
                f"{k}]·δy[r,c,{o}]",
                sum_text(terms, TERMS_SHOWN), _box(xn, *win) + _box("dy", orr, occ,
                                                                    range(o, o + 1)),
                [("df", (i, j, k, o))], [df[i, j, k, o]]))
        return out

    def db_steps(self, level: int) -> list[Step]:
        g, dy, db = self.g, self.t["dy"], self.t["db"]
        orr, occ = range(g.o_rows), range(g.o_cols)
        if level > 0:
            return [_matrix_step(
                "backward", "Δb", "Δb[o] = Σ δy[r,c,o]", "", _box("dy", orr, occ,
                                                                 range(g.c_out)),
                _box("db", range(g.c_out)), db, note="coarsened: one step for the vector")]
        return [step("backward", label("Δb", (o,)), f"Δb{_s(o)} = Σ_(r,c) δy[r,c,{o}]",
                     sum_text([fmt_paren(v) for v in dy[:, :, o].ravel()], TERMS_SHOWN),
                     _box("dy", orr, occ, range(o, o + 1)), [("db", (o,))], [db[o]])
                for o in range(g.c_out)]
