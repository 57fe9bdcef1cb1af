"""The worked solution of a convolution (the sheet's Task 2), step by step.

* :func:`solve_shape` — the output size per axis (Task 2b), for shapes of any size;
* :func:`solve_filter` — the backward filters (Task 2a): swap channels and filters, then rotate
  each 2-D filter by 180°, one matrix per step;
* :func:`solve` — the padded input, every output cell, the backward filters, δy dilated and
  padded, every δx, ΔF and Δb cell, with their sums written out.

The numbers are those of :mod:`engine.conv2d` (never recomputed here); past
:data:`~engine.steps.MAX_STEPS` steps a trace is coarsened (one step per output row, then one
per tensor) with a note, and past :data:`MAX_TRACE_REFS` element references it is declined.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import product, repeat

import numpy as np

from engine import conv2d, printed_sheet
from engine.conv2d import Geometry
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
from engine.validate import as_array, shape_str

#: Most element references (reads + writes over all steps) a step-by-step trace holds; larger
#: convolutions are declined by :func:`solve` / :func:`solve_filter` with a message (the
#: vectorised ``conv2d.forward`` / ``conv2d.backward`` still compute them).
MAX_TRACE_REFS = 1_000_000

#: Products shown in full in a step's substituted text (a 3×3×3 window) before it is shortened.
TERMS_SHOWN = 27



def _matrix_step(phase: str, title: str, formula: str, substituted: str, reads: Iterable[Ref],
                 writes: Sequence[Ref], values: Iterable[float], note: str = "",
                 sheet_note: str = "") -> Step:
    """A step writing many elements. A coarsened step (its note says so) ends on its values,
    shortened; any other (a whole matrix moved, a tensor padded) ends on its formula or on the
    matrix its substituted text shows."""
    vals = tuple(np.asarray(values, dtype=np.float64).ravel().tolist())
    return Step(phase=phase, title=title, formula=formula, substituted=substituted,
                result=vals[0] if vals else float("nan"), reads=tuple(reads),
                writes=tuple(writes), values=vals, note=note,
                result_text=None if note.startswith("coarsened") else "", sheet_note=sheet_note)


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


def solve_shape(x_shape, f_shape, stride=1, padding=0) -> Trace:
    """The output shape, derived per axis as on the sheet (Task 2b): o_x along the rows, o_y
    along the columns, as the sheet names them; takes shapes of any size."""
    g = conv2d.shape_geometry(x_shape, f_shape, stride, padding)
    steps: list[Step] = []
    left_r, left_c = g.leftover
    sheet = printed_sheet.is_task2b((g.rows, g.cols, g.c_in), (g.k_rows, g.k_cols, g.c_in, g.c_out),
                                    (g.s_rows, g.s_cols), (g.p_rows, g.p_cols))
    for pos, (axis, x_n, k_n, s_n, p_n, o_n, left) in enumerate((
            ("x", g.rows, g.k_rows, g.s_rows, g.p_rows, g.o_rows, left_r),
            ("y", g.cols, g.k_cols, g.s_cols, g.p_cols, g.o_cols, left_c))):
        name = f"o_{axis}"
        span = x_n + 2 * p_n - k_n
        what = f"row{'s' * (left > 1)}" if axis == "x" else f"column{'s' * (left > 1)}"
        last = f"the last {what} of the padded input is" if left == 1 else \
            f"the last {left} {what} of the padded input are"
        note = (f"({x_n} + 2·{p_n} − {k_n})/{s_n} = {span}/{s_n} is not whole: rounded down, so "
                f"{last} never visited" if left else "")
        steps.append(step("forward", name,
                          f"{name} = ⌊({axis} + 2p_{axis} − k_{axis})/s_{axis}⌋ + 1",
                          f"⌊({x_n} + 2·{p_n} − {k_n})/{s_n}⌋ + 1", (),
                          [("output_shape", (pos,))], [o_n], note=note,
                          sheet_note=printed_sheet.shape_axis(name, x_n, k_n, s_n, p_n, o_n,
                                                              sheet)))
    steps.append(step("forward", "o_c", "o_c = c_out (one output channel per filter)",
                      str(g.c_out), (), [("output_shape", (2,))], [g.c_out]))
    trace = Trace(steps, {"output_shape": np.array(g.y_shape, dtype=np.float64)})
    trace.settings = {
        "layer": "Conv2D output shape (sheet 4, Task 2b)",
        "input": _input_text(g),
        "filters": f"k_x = {g.k_rows}, k_y = {g.k_cols}, c_in = {g.c_in}, c_out = {g.c_out}",
        **_stride_padding(g),
        "formula": "o_x = ⌊(x + 2p_x − k_x)/s_x⌋ + 1; o_y = ⌊(y + 2p_y − k_y)/s_y⌋ + 1; "
                   "o_c = c_out"}
    trace.names = {"output_shape": ("o_x", "o_y", "o_c")}
    return trace


def _input_text(g: Geometry) -> str:
    return f"x = {g.rows} rows, y = {g.cols} columns, {_n(g.c_in, 'channel')}"


def _stride_padding(g: Geometry) -> dict[str, str]:
    return {"stride": f"s_x = {g.s_rows}, s_y = {g.s_cols} (along the rows, the columns)",
            "padding": f"p_x = {g.p_rows}, p_y = {g.p_cols} (zero rows above and below, zero "
                       "columns left and right)"}


def solve_filter(f) -> Trace:
    """The backward filters step by step (Task 2a): swap channels and filters, rotate by 180°."""
    f = as_array(f, "f", 4, "(k_rows, k_cols, c_in, c_out)")
    k_rows, k_cols, c_in, c_out = f.shape
    refs = 4 * f.size
    if refs > MAX_TRACE_REFS:
        raise ValueError(f"f: f of shape {shape_str(f.shape)} is too large to show step by step "
                         f"({refs:,} element references, more than {MAX_TRACE_REFS:,}); use "
                         "fewer channels or filters")
    swapped = np.ascontiguousarray(f.transpose(0, 1, 3, 2))
    f_back = conv2d.backward_filter(f)
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
                swapped[:, :, o, c].ravel(), sheet_note=printed_sheet.filter_swap(f, c, o)))
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
    trace = Trace(steps, {"f": f, "f_swapped": swapped, "f_back": f_back}, note)
    trace.settings = {
        "layer": "Conv2D backward filters (sheet 4, Task 2a)",
        "filters": f"k_x = {k_rows}, k_y = {k_cols}, c_in = {c_in}, c_out = {c_out}; "
                   "f[:,:,c,o] is channel c of filter o",
        "formula": "f_swapped[:,:,o,c] = f[:,:,c,o] (channels and filters swapped); "
                   f"f_back[i,j,o,c] = f_swapped[{k_rows - 1}−i, {k_cols - 1}−j, o, c] (each "
                   "matrix turned by 180°): f_back[:,:,a,b] is channel a of backward filter b"}
    return trace


def solve(x, f, b=None, dy=None, stride=1, padding=0) -> Trace:
    """Forward and backward pass step by step (``dy=None``: the forward pass only).

    Tensors: ``x, f, b, y`` (+ ``x_padded`` when padding > 0) and, with ``dy``: ``dy, f_back,
    dy_dilated, dx, df, db``. Past :data:`~engine.steps.MAX_STEPS` steps the trace is coarsened
    (one step per output row, per row of δx, per filter of ΔF; then one step per tensor) with a
    note; past :data:`MAX_TRACE_REFS` element references it is declined with a ``ValueError``.
    """
    x, f, b, dy, g = conv2d.check(x, f, b, dy, stride, padding)
    if b is None:
        b = np.zeros(g.c_out)
    xp = conv2d.pad(x, g)
    t: dict[str, np.ndarray] = {"x": x, "f": f, "b": b}
    if xp is not x:
        t["x_padded"] = xp
    if dy is None:
        t["y"] = conv2d.forward(x, f, b, stride, padding)
    else:
        t["y"], (dx, df, db) = conv2d.forward_backward(x, f, b, dy, stride, padding)
        t.update(dy=dy, f_back=conv2d.backward_filter(f), dy_dilated=conv2d.dilate(dy, g), dx=dx,
                 df=df, db=db)
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
            raise ValueError(f"x: this convolution is too large to show step by step ({refs:,} "
                             f"element references, more than {MAX_TRACE_REFS:,}); use a smaller "
                             "x, kernel or fewer filters")
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
        trace = Trace(steps, self.t, note)
        trace.settings = self.settings()
        return trace

    def settings(self) -> dict[str, str]:
        g, xn = self.g, self.xn
        sr, sc = _times(g.s_rows, "r"), _times(g.s_cols, "c")
        out = {"layer": "Conv2D (a correlation, channels last), forward"
                        + (" and backward" if self.backward else " only"),
               "input": _input_text(g),
               "filters": f"k_x = {g.k_rows}, k_y = {g.k_cols}, c_in = {g.c_in}, c_out = "
                          f"{g.c_out}; f[:,:,c,o] is channel c of filter o",
               **_stride_padding(g),
               "output": f"o_x = ⌊(x + 2p_x − k_x)/s_x⌋ + 1 = {g.o_rows}, o_y = "
                         f"⌊(y + 2p_y − k_y)/s_y⌋ + 1 = {g.o_cols}, o_c = c_out = {g.c_out}",
               "forward": f"y[r,c,o] = Σᵢⱼₖ {xn}[{sr}+i, {sc}+j, k]·f[i,j,k,o] + b[o]"}
        if self.backward:
            sm, sn = _times(g.s_rows, "m"), _times(g.s_cols, "n")
            out["backward"] = (
                f"δx[r,c,k] = Σᵢⱼₒ dy_dilated[{g.p_rows}+r+i, {g.p_cols}+c+j, o]·"
                "f_back[i,j,o,k] (dy_dilated: δy dilated by the stride and padded by k − 1; "
                "f_back: channels and filters swapped, each matrix turned 180°); "
                f"ΔF[i,j,k,o] = Σₘₙ {xn}[{sm}+i, {sn}+j, k]·δy[m,n,o]; Δb[o] = Σₘₙ δy[m,n,o]")
            out["tensors"] = "dy is δy, dx δx, df ΔF, db Δb"
        return out

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
                "forward", "y", f"y[r,c,o] = Σᵢⱼₖ {xn}[{_times(g.s_rows, 'r')}+i, "
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
                    f"y[{r},c,o] = Σᵢⱼₖ {xn}[{r0}+i, {_times(g.s_cols, 'c')}+j, k]·f[i,j,k,o] "
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
                "backward", "δx", f"δx[r,c,k] = Σᵢⱼₒ dy_dilated[{g.p_rows}+r+i, {g.p_cols}+c+j, o]"
                "·f_back[i,j,o,k]", "", _box("dy_dilated", *(range(n) for n in g.dilated_shape))
                + every_fb, _box("dx", range(g.rows), range(g.cols), range(g.c_in)), dx.ravel(),
                note="coarsened: one step for the tensor")]
        out: list[Step] = []
        if level == 1:
            for r in range(g.rows):
                r0 = r + g.p_rows
                out.append(_matrix_step(
                    "backward", f"δx row {r}",
                    f"δx[{r},c,k] = Σᵢⱼₒ dy_dilated[{r0}+i, {g.p_cols}+c+j, o]·f_back[i,j,o,k]", "",
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
                f"ΔF[i,j,k,o] = Σₘₙ {xn}[{_times(sr, 'm')}+i, {_times(sc, 'n')}+j, k]"
                "·δy[m,n,o]", "",
                _box(xn, range(pr), range(pc), ch) + _box("dy", orr, occ, range(g.c_out)),
                _box("df", kr, kc, ch, range(g.c_out)), df.ravel(),
                note="coarsened: one step for the tensor")]
        out: list[Step] = []
        if level == 1:
            for o in range(g.c_out):
                out.append(_matrix_step(
                    "backward", f"ΔF filter {o}",
                    f"ΔF[i,j,k,{o}] = Σₘₙ {xn}[{_times(sr, 'm')}+i, {_times(sc, 'n')}+j, k]"
                    f"·δy[m,n,{o}]", "",
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
                f"ΔF[{i},{j},{k},{o}] = Σₘₙ {xn}[{_times(sr, 'm')}+{i},{_times(sc, 'n')}+{j},"
                f"{k}]·δy[m,n,{o}]",
                sum_text(terms, TERMS_SHOWN), _box(xn, *win) + _box("dy", orr, occ,
                                                                    range(o, o + 1)),
                [("df", (i, j, k, o))], [df[i, j, k, o]]))
        return out

    def db_steps(self, level: int) -> list[Step]:
        g, dy, db = self.g, self.t["dy"], self.t["db"]
        orr, occ = range(g.o_rows), range(g.o_cols)
        if level > 0:
            return [_matrix_step(
                "backward", "Δb", "Δb[o] = Σₘₙ δy[m,n,o]", "", _box("dy", orr, occ,
                                                                 range(g.c_out)),
                _box("db", range(g.c_out)), db, note="coarsened: one step for the vector")]
        return [step("backward", label("Δb", (o,)), f"Δb{_s(o)} = Σₘₙ δy[m,n,{o}]",
                     sum_text([fmt_paren(v) for v in dy[:, :, o].ravel()], TERMS_SHOWN),
                     _box("dy", orr, occ, range(o, o + 1)), [("db", (o,))], [db[o]])
                for o in range(g.c_out)]
