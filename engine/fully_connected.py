r"""Fully connected layer (the sheet's Task 1).

Forward, for one row ``x`` (n_in,) or a batch (batch, n_in)::

    y = x · W + b                     y_k = Σ_j x_j W_jk + b_k

Backward, given the loss gradient ``δy`` of the same shape as ``y``::

    δx = δy · Wᵀ                      δx_j = Σ_k δy_k W_jk
    ΔW = xᵀ · δy                      ΔW_jk = Σ_n x_nj δy_nk
    Δb = Σ_n δy_n                     (summed over the batch)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from engine.steps import MAX_STEPS, Step, Trace, fmt, label, products, step, sum_text
from engine.steps import sub as _s
from engine.validate import as_array, check_shape


class FCGrads(NamedTuple):
    dx: np.ndarray
    dw: np.ndarray
    db: np.ndarray


def _check(x, w, b=None, dy=None):
    x = as_array(x, "x", (1, 2), "(n_in,) or (batch, n_in)")
    w = as_array(w, "w", 2, "(n_in, n_out)")
    n_in, n_out = w.shape
    check_shape(x, "x", (n_in,) if x.ndim == 1 else (None, n_in),
                f"to match w's {n_in} rows (n_in)")
    out = [x, w]
    if b is not None:
        b = as_array(b, "b", 1, "(n_out,)")
        check_shape(b, "b", (n_out,), f"to match w's {n_out} columns (n_out)")
        out.append(b)
    if dy is not None:
        dy = as_array(dy, "dy", x.ndim)
        y_shape = (n_out,) if x.ndim == 1 else (x.shape[0], n_out)
        check_shape(dy, "dy", y_shape, "(the shape of y)")
        out.append(dy)
    return out


def forward(x, w, b) -> np.ndarray:
    """``y = x · W + b`` for one row or a batch of rows."""
    x, w, b = _check(x, w, b)
    return x @ w + b


def backward(x, w, dy) -> FCGrads:
    """``(δx, ΔW, Δb)`` from the input, the weights and ``δy``; Δb is summed over the batch."""
    x, w, dy = _check(x, w, dy=dy)
    x2, dy2 = np.atleast_2d(x), np.atleast_2d(dy)
    dx = dy @ w.T
    dw = x2.T @ dy2
    db = dy2.sum(axis=0)
    return FCGrads(dx, dw, db)


def solve(x, w, b, dy) -> Trace:
    """Forward and backward pass with every step, as in the sheet's Task 1."""
    x, w, b, dy = _check(x, w, b, dy)
    y = forward(x, w, b)
    dx, dw, db = backward(x, w, dy)
    tensors = {"x": x, "w": w, "b": b, "y": y, "dy": dy, "dx": dx, "dw": dw, "db": db}
    return _trace(tensors)


def _trace(t: dict[str, np.ndarray]) -> Trace:
    x, w, b, y, dy, dx, dw, db = (t[k] for k in ("x", "w", "b", "y", "dy", "dx", "dw", "db"))
    batched = x.ndim == 2
    n_in, n_out = w.shape
    rows = x.shape[0] if batched else 1
    fine = 2 * rows * n_out + rows * n_in + n_in * n_out + n_out
    coarse = fine > MAX_STEPS
    steps: list[Step] = []

    def r(name, n, j):  # index of a row-or-batch tensor
        return (n, j) if batched else (j,)

    def xs(n):
        return x[n] if batched else x

    def dys(n):
        return dy[n] if batched else dy

    # forward: y_k = Σ_j x_j W_jk + b_k
    for n in range(rows):
        if coarse:
            idx = [r("y", n, k) for k in range(n_out)]
            steps.append(step("forward", f"y row {n}" if batched else "y",
                              "y = x · W + b", "", [("x", r("x", n, j)) for j in range(n_in)],
                              [("y", i) for i in idx], [y[i] for i in idx],
                              note="coarsened: one step per row"))
            continue
        for k in range(n_out):
            terms = products(xs(n), w[:, k]) + [fmt(b[k])]
            yi = r("y", n, k)
            steps.append(step(
                "forward", label("y", yi), f"{label('y', yi)} = Σⱼ xⱼ·Wⱼ{_s(k)} + b{_s(k)}",
                sum_text(terms),
                [("x", r("x", n, j)) for j in range(n_in)] + [("w", (j, k)) for j in range(n_in)]
                + [("b", (k,))],
                [("y", yi)], [y[yi]]))
    # backward: δx_j = Σ_k δy_k W_jk
    for n in range(rows):
        if coarse:
            idx = [r("dx", n, j) for j in range(n_in)]
            steps.append(step("backward", f"δx row {n}" if batched else "δx", "δx = δy · Wᵀ", "",
                              [("dy", r("dy", n, k)) for k in range(n_out)],
                              [("dx", i) for i in idx], [dx[i] for i in idx],
                              note="coarsened: one step per row"))
            continue
        for j in range(n_in):
            xi = r("dx", n, j)
            steps.append(step(
                "backward", label("δx", xi), f"{label('δx', xi)} = Σₖ δyₖ·W{_s(j)}ₖ",
                sum_text(products(dys(n), w[j, :])),
                [("dy", r("dy", n, k)) for k in range(n_out)] + [("w", (j, k))
                                                                 for k in range(n_out)],
                [("dx", xi)], [dx[xi]]))
    # ΔW_jk = Σ_n x_nj δy_nk
    for j in range(n_in):
        if coarse:
            steps.append(step("backward", f"ΔW row {j}", f"ΔW[{j},:] = x{_s(j)} · δy", "",
                              [("x", r("x", n, j)) for n in range(rows)],
                              [("dw", (j, k)) for k in range(n_out)], dw[j],
                              note="coarsened: one step per row"))
            continue
        for k in range(n_out):
            if batched:
                formula = f"ΔW[{j},{k}] = Σₙ xₙ{_s(j)}·δyₙ{_s(k)}"
                sub_text = sum_text(products(x[:, j], dy[:, k]))
            else:
                formula = f"ΔW[{j},{k}] = x{_s(j)}·δy{_s(k)}"
                sub_text = products([x[j]], [dy[k]])[0]
            steps.append(step("backward", f"ΔW[{j},{k}]", formula, sub_text,
                              [("x", r("x", n, j)) for n in range(rows)]
                              + [("dy", r("dy", n, k)) for n in range(rows)],
                              [("dw", (j, k))], [dw[j, k]]))
    # Δb_k = Σ_n δy_nk
    if coarse:
        steps.append(step("backward", "Δb", "Δb = Σₙ δyₙ", "",
                          [("dy", r("dy", n, k)) for n in range(rows) for k in range(n_out)],
                          [("db", (k,)) for k in range(n_out)], db,
                          note="coarsened: one step for the whole vector"))
    else:
        for k in range(n_out):
            if batched:
                formula, sub_text = f"Δb{_s(k)} = Σₙ δyₙ{_s(k)}", sum_text(
                    [fmt(v) for v in dy[:, k]])
            else:
                formula, sub_text = f"Δb{_s(k)} = δy{_s(k)}", fmt(dy[k])
            steps.append(step("backward", label("Δb", (k,)), formula, sub_text,
                              [("dy", r("dy", n, k)) for n in range(rows)],
                              [("db", (k,))], [db[k]]))
    note = (f"{fine:,} steps would be too many to step through; coarsened to one step per row"
            if coarse else "")
    return Trace(steps, t, note)
