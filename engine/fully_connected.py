r"""Fully connected layer (the sheet's Task 1).

Forward, for one row ``x`` (n_in,) or a batch (batch, n_in)::

    y = x · W + b                     y_k = Σ_j x_j W_jk + b_k

Backward, given the loss gradient ``δy`` of the same shape as ``y``::

    δx = δy · Wᵀ                      δx_j = Σ_k δy_k W_jk
    ΔW = xᵀ · δy                      ΔW_jk = Σ_n x_nj δy_nk
    Δb = Σ_n δy_n                     (summed over the batch)

Its worked solution, step by step: :mod:`engine.traces.fully_connected`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from engine.validate import as_array, check_shape


class FCGrads(NamedTuple):
    dx: np.ndarray
    dw: np.ndarray
    db: np.ndarray


def check(x, w, b=None, dy=None) -> list[np.ndarray]:
    """``[x, w]`` (and ``b``, ``dy`` when given) as float64 arrays whose shapes fit together."""
    x = as_array(x, "x", (1, 2), "(n_in,) or (batch, n_in)")
    w = as_array(w, "w", 2, "(n_in, n_out)")
    n_in, n_out = w.shape
    check_shape(x, "x", (n_in,) if x.ndim == 1 else (None, n_in),
                f"to match W's {n_in} rows (n_in)")
    out = [x, w]
    if b is not None:
        b = as_array(b, "b", 1, "(n_out,)")
        check_shape(b, "b", (n_out,), f"to match W's {n_out} columns (n_out)")
        out.append(b)
    if dy is not None:
        dy = as_array(dy, "dy", x.ndim, "like y")
        y_shape = (n_out,) if x.ndim == 1 else (x.shape[0], n_out)
        check_shape(dy, "dy", y_shape, "like y")
        out.append(dy)
    return out


def forward(x, w, b) -> np.ndarray:
    """``y = x · W + b`` for one row or a batch of rows."""
    x, w, b = check(x, w, b)
    return x @ w + b


def backward(x, w, dy) -> FCGrads:
    """``(δx, ΔW, Δb)`` from the input, the weights and ``δy``; Δb is summed over the batch."""
    x, w, dy = check(x, w, dy=dy)
    x2, dy2 = np.atleast_2d(x), np.atleast_2d(dy)
    dx = dy @ w.T
    dw = x2.T @ dy2
    db = dy2.sum(axis=0)
    return FCGrads(dx, dw, db)
