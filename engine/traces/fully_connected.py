"""The worked solution of a fully connected layer (the sheet's Task 1), step by step.

One step per element: ``y_k``, then ``δx_j``, ``ΔW_jk`` and ``Δb_k``, each with its sum written
out, from the vectorised numbers of :mod:`engine.fully_connected` (never recomputed here). Past
:data:`~engine.steps.MAX_STEPS` steps the trace is coarsened to one step per row (or block of
rows), with a note.
"""

from __future__ import annotations

import numpy as np

from engine import fully_connected as fc
from engine import printed_sheet
from engine.steps import MAX_STEPS, Step, Trace, fmt, fmt_paren, label, products, step, sum_text
from engine.steps import sub as _s
from engine.validate import shape_str

#: Most values (y, δx, ΔW and Δb together) a worked solution may write.
MAX_TRACE_ELEMENTS = 300_000


def solve(x, w, b, dy) -> Trace:
    """Forward and backward pass with every step, as in the sheet's Task 1.

    A trace longer than :data:`~engine.steps.MAX_STEPS` is coarsened (one step per row, or per
    block of rows), with a note; one that would write more than :data:`MAX_TRACE_ELEMENTS`
    values is declined with a ``ValueError`` (``fc.forward`` and ``fc.backward`` still compute
    it)."""
    x, w, b, dy = fc.check(x, w, b, dy)
    rows = x.shape[0] if x.ndim == 2 else 1
    written = rows * (w.shape[0] + w.shape[1]) + w.size + w.shape[1]
    if written > MAX_TRACE_ELEMENTS:
        raise ValueError(f"x: a worked solution for {rows:,} row(s) and W of shape "
                         f"{shape_str(w.shape)} would write {written:,} values, more than the "
                         f"{MAX_TRACE_ELEMENTS:,} that can be stepped through; use fewer rows "
                         "or a smaller W")
    y = fc.forward(x, w, b)
    dx, dw, db = fc.backward(x, w, dy)
    tensors = {"x": x, "w": w, "b": b, "y": y, "dy": dy, "dx": dx, "dw": dw, "db": db}
    trace = _trace(tensors)
    n_in, n_out = w.shape
    trace.settings = {
        "layer": "fully connected (sheet 4, Task 1)",
        "sizes": f"n_in = {n_in}, n_out = {n_out}, "
                 + (f"a batch of {rows} rows (x and δy: one row per item)" if x.ndim == 2
                    else "no batch (x and δy are vectors)"),
        "forward": "y = x·W + b",
        "backward": "δx = δy·Wᵀ; ΔW = xᵀ·δy; Δb = δy" + (" summed over the batch"
                                                       if x.ndim == 2 else ""),
        "tensors": "w is W, dy δy, dx δx, dw ΔW, db Δb",
    }
    return trace


def _trace(t: dict[str, np.ndarray]) -> Trace:
    x, w, b, y, dy, dx, dw, db = (t[k] for k in ("x", "w", "b", "y", "dy", "dx", "dw", "db"))
    batched = x.ndim == 2
    n_in, n_out = w.shape
    rows = x.shape[0] if batched else 1
    fine = 2 * rows * n_out + rows * n_in + n_in * n_out + n_out
    if fine > MAX_STEPS:
        return _coarse_trace(t, fine)
    steps: list[Step] = []

    def r(name, n, j):  # index of a row-or-batch tensor
        return (n, j) if batched else (j,)

    def row(n):  # the batch row in a subscript: x₁ⱼ is row 1 of x; nothing for a single row
        return _s(n) if batched else ""

    def xs(n):
        return x[n] if batched else x

    def dys(n):
        return dy[n] if batched else dy

    # forward: y_k = Σ_j x_j W_jk + b_k
    for n in range(rows):
        for k in range(n_out):
            terms = products(xs(n), w[:, k]) + [fmt_paren(b[k])]
            yi = r("y", n, k)
            steps.append(step(
                "forward", label("y", yi), f"{label('y', yi)} = Σⱼ x{row(n)}ⱼ·Wⱼ{_s(k)} + b{_s(k)}",
                sum_text(terms),
                [("x", r("x", n, j)) for j in range(n_in)] + [("w", (j, k)) for j in range(n_in)]
                + [("b", (k,))],
                [("y", yi)], [y[yi]]))
    # backward: δx_j = Σ_k δy_k W_jk; the sheet's misprints at the first δx and ΔW steps
    dx_note, dw_note = printed_sheet.fc_dx(w, dy, dx), printed_sheet.fc_dw(x, dy, dw)
    for n in range(rows):
        for j in range(n_in):
            xi = r("dx", n, j)
            steps.append(step(
                "backward", label("δx", xi), f"{label('δx', xi)} = Σₖ δy{row(n)}ₖ·W{_s(j)}ₖ",
                sum_text(products(dys(n), w[j, :])),
                [("dy", r("dy", n, k)) for k in range(n_out)] + [("w", (j, k))
                                                                 for k in range(n_out)],
                [("dx", xi)], [dx[xi]], sheet_note=dx_note if n == j == 0 else ""))
    # ΔW_jk = Σ_n x_nj δy_nk
    for j in range(n_in):
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
                              [("dw", (j, k))], [dw[j, k]],
                              sheet_note=dw_note if j == k == 0 else ""))
    # Δb_k = Σ_n δy_nk
    for k in range(n_out):
        if batched:
            formula, sub_text = f"Δb{_s(k)} = Σₙ δyₙ{_s(k)}", sum_text(
                [fmt_paren(v) for v in dy[:, k]])
        else:
            formula, sub_text = f"Δb{_s(k)} = δy{_s(k)}", fmt(dy[k])
        steps.append(step("backward", label("Δb", (k,)), formula, sub_text,
                          [("dy", r("dy", n, k)) for n in range(rows)],
                          [("db", (k,))], [db[k]]))
    return Trace(steps, t)


def _blocks(n: int, most: int) -> list[range]:
    """``range(n)`` cut into at most ``most`` consecutive blocks of equal size (the last may be
    shorter)."""
    size = -(-n // most)
    return [range(a, min(n, a + size)) for a in range(0, n, size)]


def _rows_title(symbol: str, rows: range, batched: bool) -> str:
    if not batched:
        return symbol
    return f"{symbol} row {rows[0]}" if len(rows) == 1 else f"{symbol} rows {rows[0]}…{rows[-1]}"


def _coarse_trace(t: dict[str, np.ndarray], fine: int) -> Trace:
    """One step per row of y, of δx and of ΔW, then one for Δb; when even that is more than
    :data:`MAX_STEPS`, one step per block of rows."""
    x, y, dx, dw, db = (np.atleast_2d(t[k]) for k in ("x", "y", "dx", "dw", "db"))
    batched = t["x"].ndim == 2
    rows, n_in = x.shape
    n_out = y.shape[1]

    def refs(name, block, width):  # every element of rows ``block`` of a (rows, width) tensor
        return [(name, (n, j) if batched else (j,)) for n in block for j in range(width)]

    steps: list[Step] = []
    if 2 * rows + n_in + 1 <= MAX_STEPS:
        blocks, w_blocks = _blocks(rows, rows), _blocks(n_in, n_in)
    else:
        w_blocks = _blocks(n_in, (MAX_STEPS - 1) // 3)
        blocks = _blocks(rows, (MAX_STEPS - 1 - len(w_blocks)) // 2)
    per_y, per_w = (("row" if len(b[0]) == 1 else f"{len(b[0])} rows") for b in (blocks, w_blocks))
    note = (f"coarsened: one step per {per_y}" if per_y == per_w else
            f"coarsened: one step per {per_y} of y and δx, per {per_w} of ΔW")
    for blk in blocks:
        steps.append(step("forward", _rows_title("y", blk, batched), "y = x · W + b", "",
                          refs("x", blk, n_in), refs("y", blk, n_out),
                          y[blk.start:blk.stop].ravel(), note=note))
    for blk in blocks:
        steps.append(step("backward", _rows_title("δx", blk, batched), "δx = δy · Wᵀ", "",
                          refs("dy", blk, n_out), refs("dx", blk, n_in),
                          dx[blk.start:blk.stop].ravel(), note=note))
    for blk in w_blocks:
        name = f"ΔW row {blk[0]}" if len(blk) == 1 else f"ΔW rows {blk[0]}…{blk[-1]}"
        cols = str(blk[0]) if len(blk) == 1 else f"{blk[0]}:{blk[-1] + 1}"
        if batched:
            formula = f"ΔW[{cols},:] = x[:,{cols}]ᵀ · δy"
        else:
            formula = (f"ΔW[{cols},:] = x{_s(blk[0])} · δy" if len(blk) == 1
                       else f"ΔW[{cols},:] = x[{cols}]ᵀ · δy")
        steps.append(step("backward", name, formula, "",
                          [("x", (n, j) if batched else (j,)) for n in range(rows) for j in blk],
                          [("dw", (j, k)) for j in blk for k in range(n_out)],
                          dw[blk.start:blk.stop].ravel(), note=note))
    steps.append(step("backward", "Δb", "Δb = Σₙ δyₙ", "", refs("dy", range(rows), n_out),
                      [("db", (k,)) for k in range(n_out)], db.ravel(),
                      note="coarsened: one step for the whole vector"))
    return Trace(steps, t, f"{fine:,} steps would be too many to step through; {note}")
