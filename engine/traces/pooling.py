"""The worked solution of average and max pooling (the sheet's Task 5), step by step.

Forward: one step per output cell, its window's elements written out (a tie in max pooling is
noted: the first maximum in row-major order takes all of δy). Backward: δx starts at zero, then
one step per δy cell adds its share to δx with ``+=`` (the running sums shown, so overlapping
windows visibly add up). The numbers are :mod:`engine.pooling`'s; past
:data:`~engine.steps.MAX_STEPS` steps, or :data:`MAX_TRACE_REFS` element references, the cells
are grouped (per output row and channel, per row, per channel, the whole output) with a note.
"""

from __future__ import annotations

from itertools import groupby, repeat

import numpy as np

from engine import pooling
from engine.pooling import Window, input_box, offsets, scatter, span
from engine.steps import MAX_STEPS, Step, Trace, fmt, fmt_paren, label, short_join, step
from engine.validate import check_size

#: Largest input (in elements) whose step-by-step trace is built; larger inputs still pool with
#: the vectorised functions. Keeps a trace quick to build (it lists every element it writes).
MAX_TRACE_ELEMENTS = 100_000
#: Most element references (reads and writes) a trace's steps list before a coarser grouping
#: is chosen; building a trace costs about a microsecond per reference.
MAX_TRACE_REFS = 1_000_000


def _avg_share(dy: np.ndarray, g: Window):
    """``share(a, b, region) -> (values, hit)``: δy / k for every cell (all hit)."""
    def share(a, b, region):
        r0, r1, c0, c1, h0, h1 = region
        return dy[r0:r1, c0:c1, h0:h1] / g.k, True
    return share





def solve_avg(x, size, stride, dy) -> Trace:
    """Average pooling forward and backward, step by step (the sheet's Task 5)."""
    x, g, dy = _solve_inputs(x, size, stride, dy)
    y = pooling.avg_pool(x, g)
    dx = pooling.avg_spread(x.shape, dy, g)
    t = _trace("avg", {"x": x, "y": y, "dy": dy, "dx": dx}, g, _avg_share(dy, g))
    t.settings = _settings(g, "average pooling (sheet 4, Task 5)",
                           "y[r,c,ch] = the mean of the k elements of x's window at "
                           "(s_x·r, s_y·c) in channel ch",
                           "δx starts at 0; each δy[r,c,ch] adds δy/k to every element of its "
                           "window (+=: overlapping windows add up)")
    return t


def solve_max(x, size, stride, dy) -> Trace:
    """Max pooling forward and backward, step by step; ``mask`` counts, per element of x, the
    windows whose (first) maximum it is."""
    x, g, dy = _solve_inputs(x, size, stride, dy)
    y, arg = pooling.max_pool(x, g)
    dx = pooling.max_route(x.shape, dy, arg, g)
    mask = pooling.max_route(x.shape, np.ones_like(dy), arg, g)
    t = _trace("max", {"x": x, "y": y, "dy": dy, "dx": dx, "mask": mask}, g,
               pooling.max_share(dy, arg, g), arg)
    t.settings = _settings(g, "max pooling",
                           "y[r,c,ch] = the maximum of x's window at (s_x·r, s_y·c) in channel "
                           "ch (a tie: the first in row-major order)",
                           "δx starts at 0; each δy[r,c,ch] goes whole to its window's maximum "
                           "(+=); mask counts, per element of x, the windows whose maximum it "
                           "is")
    return t


def _settings(g: Window, layer: str, forward: str, backward: str) -> dict[str, str]:
    return {"layer": layer, "window": f"k_x = {g.k_rows}, k_y = {g.k_cols} (k = {g.k} elements)",
            "stride": f"s_x = {g.s_rows}, s_y = {g.s_cols}",
            "output": f"o_x = ⌊(x − k_x)/s_x⌋ + 1 = {g.o_rows}, "
                      f"o_y = ⌊(y − k_y)/s_y⌋ + 1 = {g.o_cols} (x, y: the input's rows and "
                      "columns)",
            "forward": forward, "backward": backward, "tensors": "dy is δy, dx δx"}


def _solve_inputs(x, size, stride, dy):
    x, g, dy = pooling.check(x, size, stride, dy)
    check_size(x.shape, "x", MAX_TRACE_ELEMENTS, "can be stepped through")
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
            touched = scatter(dx_run, g, share, whole, touched=True)
            rows, cols, _ = input_box(g, whole)
            for region in group:
                h0, h1 = region[4], region[5]
                steps.append(_coarse_backward_step(
                    kind, dx_run, touched[:, :, h0 - whole[4]:h1 - whole[4]],
                    (rows, cols, slice(h0, h1)), region, how))
            continue
        wins = [_window_index(g, region[0], region[2], region[4]) for region in group]
        olds = [{w: float(dx_run[w]) for w in win} for win in wins]
        # One output cell (in each channel): the same additions as scatter's, each element of
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
    return [(r * g.s_rows + a, c * g.s_cols + b, h) for a, b in offsets(g)]


def _covered(g: Window, region) -> np.ndarray:
    """Which (row, col) positions of the region's :func:`input_box` some window of the region
    covers (the same in every channel)."""
    r0, r1, c0, c1, _, _ = region
    rows, cols, _ = input_box(g, region)
    mask = np.zeros((rows.stop - rows.start, cols.stop - cols.start), dtype=bool)
    for a, b in offsets(g):
        mask[span(a, 0, r1 - r0, g.s_rows), span(b, 0, c1 - c0, g.s_cols)] = True
    return mask


def _coarse_forward_step(kind, y, g: Window, region, covered, how) -> Step:
    r0, r1, c0, c1, h0, h1 = region
    box = input_box(g, region)
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
