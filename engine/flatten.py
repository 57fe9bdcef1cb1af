r"""Flatten: a tensor as one vector, in row, column, channel order — a layer without parameters.

Invariants:

- ``y = x.reshape(-1)``: NumPy's C-order reshape of the channels-last tensor, so for ``x`` of
  shape (rows, cols, channels) ::

      y[k] = x[r, c, ch]      k = (r·cols + c)·channels + ch

  (a 2-D ``x``: ``k = r·cols + c``; a vector is passed on as it is).
- Backward puts every δy element back where its x came from: ``δx = δy.reshape(x.shape)``.
  Nothing is added or scaled, so replaying :func:`solve`'s writes gives exactly those tensors.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat

import numpy as np

from engine.errors import ShapeError
from engine.steps import MAX_STEPS, Step, Trace, step
from engine.validate import as_array, as_int, check_shape, check_size, shape_str

#: Largest input (in elements) whose worked solution is built (its steps list every element).
MAX_TRACE_ELEMENTS = 100_000

_LAYOUT = "(n,), (rows, cols) or (rows, cols, channels)"


def _x(x) -> np.ndarray:
    return as_array(x, "x", (1, 2, 3), _LAYOUT)


def _x_shape(x_shape) -> tuple[int, ...]:
    if isinstance(x_shape, np.ndarray):
        x_shape = x_shape.tolist()
    if not isinstance(x_shape, (tuple, list)) or not 1 <= len(x_shape) <= 3:
        raise ShapeError(f"x_shape: expected {_LAYOUT}, got {x_shape!r}")
    dims = tuple(as_int(v, "x_shape", 1) for v in x_shape)
    check_size(dims, "x_shape")
    return dims


def _dy(dy, x_shape: Sequence[int]) -> np.ndarray:
    dy = as_array(dy, "dy", 1, "(n,), the shape of y")
    n = int(np.prod(x_shape))
    check_shape(dy, "dy", (n,), f"(the shape of y: x of shape {shape_str(x_shape)} has {n} "
                                "elements)")
    return dy


def forward(x) -> np.ndarray:
    """``y``: the elements of ``x`` in row, column, channel order."""
    return _x(x).reshape(-1)


def backward(x_shape, dy) -> np.ndarray:
    """``δx``: ``δy`` put back into the shape of ``x``."""
    x_shape = _x_shape(x_shape)
    return _dy(dy, x_shape).reshape(x_shape)


def solve(x, dy) -> Trace:
    """Forward and backward step by step: one step per row of ``x`` (its first axis), which
    fills a run of consecutive elements of ``y``, then one per row of ``δx``. Tensors
    ``x, y, dy, dx``. A vector is one step each way; past :data:`~engine.steps.MAX_STEPS` steps
    rows are taken in blocks; past :data:`MAX_TRACE_ELEMENTS` elements the trace is declined
    with a ``ValueError``."""
    x = _x(x)
    dy = _dy(dy, x.shape)
    check_size(x.shape, "x", MAX_TRACE_ELEMENTS, "can be stepped through (forward and backward "
               "compute it without steps)")
    y, dx = x.reshape(-1), dy.reshape(x.shape)
    t = {"x": x, "y": y, "dy": dy, "dx": dx}
    if x.ndim == 1:
        return Trace([step("forward", "y", "y = x", "", _refs("x", x.shape, range(x.size)),
                           _refs("y", y.shape, range(y.size)), y, note="x is a vector already"),
                      step("backward", "δx", "δx = δy", "", _refs("dy", dy.shape, range(dy.size)),
                           _refs("dx", x.shape, range(x.size)), dx)], t)
    rows, per_row = x.shape[0], x.size // x.shape[0]
    size = -(-rows // (MAX_STEPS // 2))
    blocks = [range(a, min(rows, a + size)) for a in range(0, rows, size)]
    order = (f"k = (r·{x.shape[1]} + c)·{x.shape[2]} + ch" if x.ndim == 3
             else f"k = r·{x.shape[1]} + c")
    note = f"row, column, channel order: {order}" if x.ndim == 3 else f"row by row: {order}"
    if size > 1:
        note += f"; coarsened: one step per block of {size} rows"
    rest = ",:" * (x.ndim - 1)
    steps: list[Step] = []
    for phase in ("forward", "backward"):
        for blk in blocks:
            rows_text = str(blk[0]) if len(blk) == 1 else f"{blk[0]}:{blk[-1] + 1}"
            k0, k1 = blk.start * per_row, blk.stop * per_row
            span = f"[{k0}:{k1}]"
            if phase == "forward":
                steps.append(step("forward", f"y{span}", f"y{span} = x[{rows_text}{rest}]", "",
                                  _refs("x", x.shape, range(k0, k1)),
                                  _refs("y", y.shape, range(k0, k1)), y[k0:k1], note=note))
            else:
                steps.append(step("backward", f"δx[{rows_text}{rest}]",
                                  f"δx[{rows_text}{rest}] = δy{span}", "",
                                  _refs("dy", dy.shape, range(k0, k1)),
                                  _refs("dx", x.shape, range(k0, k1)), dy[k0:k1], note=note))
    return Trace(steps, t, note if size > 1 else "")


def _refs(name: str, shape: Sequence[int], flat: range) -> list[tuple[str, tuple[int, ...]]]:
    """``(name, index)`` of the elements at the row-major positions ``flat`` of ``shape``."""
    cols = np.unravel_index(np.arange(flat.start, flat.stop), tuple(shape))
    return list(zip(repeat(name), zip(*(c.tolist() for c in cols))))  # noqa: B905
