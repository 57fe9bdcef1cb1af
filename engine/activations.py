r"""Element-wise activations — ReLU, sigmoid, tanh — as a layer without parameters.

Invariants:

- ``x`` is a finite float64 tensor of any layout the network hands on: ``(n,)``, ``(rows, cols)``
  or ``(rows, cols, channels)``; ``y`` and ``δy``/``δx`` have its shape. Nothing is reshaped.
- ``function`` is one of :data:`FUNCTIONS`; anything else is a ``ValueError`` naming it.
- :func:`backward` needs only ``x`` and ``δy`` (it recomputes ``y``), like the other layers'.
- :func:`solve`'s steps are built from the vectorised tensors, so replaying their writes gives
  exactly :func:`forward`'s ``y`` and :func:`backward`'s ``δx``.

Forward and backward, element by element (``⊙`` is the element-wise product)::

    relu:     y = max(0, x)               δx = δy ⊙ [x > 0]        ([x > 0] is 1 or 0; 0 at x = 0)
    sigmoid:  y = σ(x) = 1 / (1 + e^−x)   δx = δy ⊙ y(1 − y)
    tanh:     y = tanh(x)                 δx = δy ⊙ (1 − y²)

ReLU's derivative at exactly 0 is taken as 0 (the subgradient PyTorch uses too). The sigmoid is
computed as ``e^x / (1 + e^x)`` for negative ``x`` so that no ``e^−x`` overflows.
"""

from __future__ import annotations

from itertools import product, repeat

import numpy as np

from engine.steps import MAX_STEPS, Step, Trace, fmt, fmt_paren, indices, label, step
from engine.validate import as_array, check_shape, check_size

#: The activations, in the order a menu lists them.
FUNCTIONS = ("relu", "sigmoid", "tanh")

#: Largest input (in elements) whose worked solution is built; larger ones still compute with
#: :func:`forward` and :func:`backward`. A coarsened trace still lists every element it writes.
MAX_TRACE_ELEMENTS = 100_000

_LAYOUT = "(n,), (rows, cols) or (rows, cols, channels)"


def _function(function) -> str:
    if function not in FUNCTIONS:
        raise ValueError(f"type: unknown activation {function!r}; known: {', '.join(FUNCTIONS)}")
    return function


def _x(x) -> np.ndarray:
    return as_array(x, "x", (1, 2, 3), _LAYOUT)


def _dy(dy, x: np.ndarray) -> np.ndarray:
    dy = as_array(dy, "dy", x.ndim, "(the shape of x)")
    check_shape(dy, "dy", x.shape, "(the shape of x and y)")
    return dy


def _sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))   # never overflows
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _forward(function: str, x: np.ndarray) -> np.ndarray:
    if function == "relu":
        return np.maximum(x, 0.0)
    if function == "sigmoid":
        return _sigmoid(x)
    return np.tanh(x)


def forward(function, x) -> np.ndarray:
    """``y = f(x)`` element by element."""
    function, x = _function(function), _x(x)
    return _forward(function, x)


def backward(function, x, dy) -> np.ndarray:
    """``δx = δy ⊙ f'(x)``."""
    function, x = _function(function), _x(x)
    return _backward(function, x, _forward(function, x), _dy(dy, x))


def _backward(function: str, x: np.ndarray, y: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """``δx = δy ⊙ f'(x)``, f' of sigmoid and tanh from y as the formulas above write it; ReLU's
    δy where x > 0, else 0 (a plain 0, never the −0 of a negative δy times 0)."""
    if function == "relu":
        return np.where(x > 0, dy, 0.0)
    if function == "sigmoid":
        return dy * (y * (1.0 - y))
    return dy * (1.0 - y * y)


def solve(function, x, dy) -> Trace:
    """Forward and backward pass step by step: one step per element of ``y``, then one per
    element of ``δx``. Tensors ``x, y, dy, dx``. Past :data:`~engine.steps.MAX_STEPS` steps the
    trace is coarsened to one step per row (first axis), or per block of rows, with a note; past
    :data:`MAX_TRACE_ELEMENTS` elements it is declined with a ``ValueError``."""
    function, x = _function(function), _x(x)
    dy = _dy(dy, x)
    check_size(x.shape, "x", MAX_TRACE_ELEMENTS, "can be stepped through (forward and backward "
               "compute it without steps)")
    y = _forward(function, x)
    dx = _backward(function, x, y, dy)
    t = {"x": x, "y": y, "dy": dy, "dx": dx}
    if 2 * x.size > MAX_STEPS:
        return _coarse_trace(function, t)
    steps = [_forward_step(function, x, y, idx) for idx in indices(x.shape)]
    steps += [_backward_step(function, x, y, dy, dx, idx) for idx in indices(x.shape)]
    return Trace(steps, t)


#: ``y = f(x)`` and ``δx = δy ⊙ f'(x)`` in symbols, for any names of x, y and δy (``.format``)
FORWARD_TEXT = {"relu": "max(0, {x})", "sigmoid": "σ({x})", "tanh": "tanh({x})"}
BACKWARD_TEXT = {"relu": "{dy} ⊙ [{x} > 0]", "sigmoid": "{dy} ⊙ {y}(1 − {y})",
                 "tanh": "{dy} ⊙ (1 − {y}²)"}
#: the same for one element: a product of numbers, not of tensors
_BACKWARD = {k: v.replace("⊙", "·") for k, v in BACKWARD_TEXT.items()}


def _forward_step(function: str, x, y, idx) -> Step:
    xs, ys = label("x", idx), label("y", idx)
    formula = f"{ys} = " + FORWARD_TEXT[function].format(x=xs)
    if function == "sigmoid":
        formula += f" = 1 / (1 + e^−{xs})"
        substituted = f"1 / (1 + e^{fmt_paren(-x[idx])})"
    else:
        substituted = FORWARD_TEXT[function].format(x=fmt(x[idx]))
    return step("forward", ys, formula, substituted, [("x", idx)], [("y", idx)], [y[idx]])


def _backward_step(function: str, x, y, dy, dx, idx) -> Step:
    dxs = label("δx", idx)
    formula = f"{dxs} = " + _BACKWARD[function].format(dy=label("δy", idx), x=label("x", idx),
                                                        y=label("y", idx))
    if function == "relu":
        substituted = f"{fmt_paren(dy[idx])} · {1 if x[idx] > 0 else 0}"
        reads = [("dy", idx), ("x", idx)]
    else:
        substituted = _BACKWARD[function].format(dy=fmt_paren(dy[idx]), y=fmt_paren(y[idx]))
        reads = [("dy", idx), ("y", idx)]
    return step("backward", dxs, formula, substituted, reads, [("dx", idx)], [dx[idx]])


def _coarse_trace(function: str, t: dict[str, np.ndarray]) -> Trace:
    """One step per row (first axis) of y, then of δx; one per block of rows when even that is
    more than :data:`~engine.steps.MAX_STEPS`."""
    x = t["x"]
    rows = x.shape[0]
    size = -(-rows // (MAX_STEPS // 2))   # rows per step
    blocks = [range(a, min(rows, a + size)) for a in range(0, rows, size)]
    unit = "row" if x.ndim > 1 else "element"
    per = unit if size == 1 else f"block of {size} {unit}s"
    note = f"coarsened: one step per {per}"
    rest = ",:" * (x.ndim - 1)

    def where(blk: range) -> str:
        return f"[{blk[0]}{rest}]" if len(blk) == 1 else f"[{blk[0]}:{blk[-1] + 1}{rest}]"

    def refs(name: str, blk: range) -> list:
        return list(zip(repeat(name), product(blk, *map(range, x.shape[1:]))))

    steps: list[Step] = []
    for phase, out, text, read in (("forward", "y", FORWARD_TEXT, ("x",)),
                                   ("backward", "dx", BACKWARD_TEXT,
                                    ("dy", "x" if function == "relu" else "y"))):
        symbol = "y" if out == "y" else "δx"
        for blk in blocks:
            w = where(blk)
            formula = text[function].format(x=f"x{w}", y=f"y{w}", dy=f"δy{w}")
            steps.append(step(phase, f"{symbol}{w}", f"{symbol}{w} = {formula}", "",
                              [r for name in read for r in refs(name, blk)], refs(out, blk),
                              t[out][blk.start:blk.stop].ravel(), note=note))
    return Trace(steps, t, f"{2 * x.size:,} steps would be too many to step through; {note}")
