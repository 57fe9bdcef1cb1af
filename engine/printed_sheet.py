"""What exercise sheet 4 prints, and the notes saying where its printed solutions differ.

Invariants:

- The sheet's facts live here and nowhere else: the numbers its tasks give (``TASK1_*``, …), what
  its printed solutions write (misprints included), its formulas and its naming. The traces
  (``engine/traces/``) ask the functions below for a step's :attr:`~engine.steps.Step.sheet_note`
  and never spell a number of the sheet themselves.
- A note that quotes a number the sheet prints is given only when the inputs that number is
  computed from are the sheet's, exactly (same shape, same values): a student who changed one
  must not read "the sheet prints 6.58". Task 1's δx note needs the sheet's W and δy, its ΔW note
  the sheet's x and δy (b may differ: neither depends on it); Task 4's the sheet's expression
  (the same graph, v0 … v4) at (1, 2); the "24" of Task 2a the sheet's filter bank.
- A note about the sheet's formula or naming is given wherever that formula or naming applies,
  whatever the numbers: Task 3's δc at every δc_t step, at its first unit (the sheet keeps
  one of the three peephole terms), the floor of Task 2b whenever the division is not whole,
  Task 2a's numbering of the matrices (explained once, at the first swap, then the two
  numbers of each matrix the swap renumbers, at its swap).
- A note is not repeated: each says what concerns its own step, and an explanation that holds
  for many steps is given once, at the first of them.
- A note is one line of plain text that says it is about the sheet ("The sheet prints …"),
  shown under its step in the solution pane (with an icon) and in the steps CSV's
  ``sheet_note`` column; "" where nothing applies.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.steps import fmt, sub, vec

# ---------------------------------------------------------------------------------------------
# Task 1: fully connected

TASK1_X = np.array([1.0, 2.0])
TASK1_W = np.array([[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]])
TASK1_B = np.array([1.0, 2.0, 3.0])
TASK1_DY = np.array([0.0, 0.5, 1.0])
#: what the sheet's solution prints for δx = δy·Wᵀ, and for ΔW = xᵀ·δy (its δy, then the result)
TASK1_PRINTED_DX = "[6.58]"
TASK1_PRINTED_DY_IN_DW = "[0.51]"
TASK1_PRINTED_DW = "[0.51; 1.02]"


def _same(a, b) -> bool:
    """``a`` is exactly the sheet's array ``b`` (shape and every value)."""
    a = np.asarray(a, dtype=np.float64)
    return a.shape == b.shape and bool(np.array_equal(a, b))


def fc_dx(w, dy, dx) -> str:
    """At Task 1's first δx step: the sheet's δx = [6.58] (needs the sheet's W and δy)."""
    if not (_same(w, TASK1_W) and _same(dy, TASK1_DY)):
        return ""
    return (f"The sheet prints δx = {TASK1_PRINTED_DX}: that is δx₀ = {fmt(dx[0])} and δx₁ = "
            f"{fmt(dx[1])} run together; δx = δy·Wᵀ = {vec(dx)}.")


def fc_dw(x, dy, dw) -> str:
    """At Task 1's first ΔW step: the sheet's ΔW = [1; 2]·[0.51] = [0.51; 1.02] (needs the
    sheet's x and δy)."""
    if not (_same(x, TASK1_X) and _same(dy, TASK1_DY)):
        return ""
    rows = "; ".join(", ".join(fmt(v) for v in row) for row in dw)
    return (f"The sheet prints ΔW = [1; 2]·{TASK1_PRINTED_DY_IN_DW} = {TASK1_PRINTED_DW}: δy = "
            f"{vec(dy)} run together as “0.51”, and a 2×1 result. ΔW = xᵀ·δy is an outer "
            f"product, 2×3: [{rows}].")


# ---------------------------------------------------------------------------------------------
# Task 2a: the backward filters

#: the sheet's filter bank f[:,:,c,o] (2×3 matrices, 2 channels, 2 filters), as printed
TASK2A_F = np.array([[[[1, 7], [13, 19]], [[3, 9], [15, 21]], [[5, 11], [17, 23]]],
                     [[[2, 8], [24, 20]], [[4, 10], [16, 22]], [[6, 12], [18, 24]]]],
                    dtype=np.float64)
#: the numbers the sheet's question prints for its matrices' names, in its order (f₀, f₁, f₁, f₂)
TASK2A_PRINTED_NUMBERS = (0, 1, 1, 2)
#: (row, col, channel, filter) of the 24 the sheet prints where its pattern suggests 14
TASK2A_ODD_ENTRY = (1, 0, 1, 0)
TASK2A_SUGGESTED = 14


def _numbers(c: int, o: int, c_in: int, c_out: int) -> tuple[int, int]:
    """The sheet's number of matrix f[:,:,c,o] before the swap (by position: channel by channel,
    filter by filter) and after it (filter by filter, channel by channel)."""
    return c * c_out + o, o * c_in + c


def filter_swap(f, c: int, o: int) -> str:
    """At the step moving f[:,:,c,o] to f_swapped[:,:,o,c]: the sheet's numbering explained once
    (at the first swap), and at a matrix whose number the swap changes, its two numbers; with
    the sheet's bank, the names its question prints and its "24" where they concern the step."""
    c_in, c_out = np.shape(f)[2:]
    if c_in < 2 or c_out < 2:      # the swap moves no matrix: both numberings agree
        return ""
    sheet = _same(f, TASK2A_F)
    before, after = _numbers(c, o, c_in, c_out)
    parts = []
    if (c, o) == (0, 0):
        last = sub(c_in * c_out - 1)
        parts.append(
            f"The sheet numbers the matrices by position, f₀ … f{last}: channel by channel "
            "before the swap (f[:,:,0,0], f[:,:,0,1], … are f₀, f₁, …), filter by filter after "
            "it (f[:,:,0,0], f[:,:,1,0], … are f₀, f₁, …), so a matrix that moves gets a new "
            "number; the app names each by its origin, f[:,:,c,o] (channel c of filter o), "
            "wherever it moves.")
        if sheet:
            names = ", ".join(f"f{sub(n)}" for n in TASK2A_PRINTED_NUMBERS)
            parts.append(f"Its question prints the four names as {names}: read f₀ … f₃.")
    elif before != after:
        text = (f"The sheet calls this matrix f{sub(before)} before the swap and f{sub(after)} "
                f"after it (by position); the app keeps f[:,:,{c},{o}].")
        printed = TASK2A_PRINTED_NUMBERS[before] if sheet else before
        if printed != before:
            text += f" The sheet's question prints its name as f{sub(printed)}."
        parts.append(text)
    if sheet and (c, o) == TASK2A_ODD_ENTRY[2:]:
        r, k = TASK2A_ODD_ENTRY[:2]
        parts.append(f"The sheet's {fmt(TASK2A_F[TASK2A_ODD_ENTRY])} at row {r}, column {k} is "
                     f"kept as printed (the pattern 13 … 18 suggests {TASK2A_SUGGESTED}), so the "
                     "numbers here match the sheet's.")
    return " ".join(parts)


# ---------------------------------------------------------------------------------------------
# Task 2b: the output shape

TASK2B_X_SHAPE = (20, 18, 5)
TASK2B_F_SHAPE = (3, 4, 5, 1337)
TASK2B_STRIDE = (2, 2)
TASK2B_PADDING = (3, 3)


def shape_axis(name: str, x_n: int, k_n: int, s_n: int, p_n: int, o_n: int,
               sheet_inputs: bool) -> str:
    """At the o_x / o_y step: the sheet writes its numbers without the floor, which matters
    whenever (x + 2p − k)/s is not whole. ``sheet_inputs``: the shapes, stride and padding are
    Task 2b's (then the note quotes the printed line)."""
    span = x_n + 2 * p_n - k_n
    if span % s_n == 0:
        return ""
    exact = f"{span}/{s_n} = {fmt(span / s_n)}"
    result = f"{name} = ⌊{fmt(span / s_n)}⌋ + 1 = {o_n}"
    if sheet_inputs:
        return (f"The sheet prints ({x_n} + {2 * p_n} − {k_n})/{s_n} + 1 = {o_n} without the "
                f"floor; {exact} is not whole: {result}.")
    return (f"The sheet's worked line drops the floor once the numbers are in; here {exact} is "
            f"not whole, so the floor matters: {result}.")


def is_task2b(x_shape: Sequence[int], f_shape: Sequence[int], stride: Sequence[int],
              padding: Sequence[int]) -> bool:
    return (tuple(x_shape), tuple(f_shape), tuple(stride), tuple(padding)) == (
        TASK2B_X_SHAPE, TASK2B_F_SHAPE, TASK2B_STRIDE, TASK2B_PADDING)


# ---------------------------------------------------------------------------------------------
# Task 3: the peephole LSTM's δc

#: the sheet's printed δc (its time index i is the app's t)
TASK3_PRINTED_DC = "δcᵢ = δhᵢ·(1 − tanh²(oᵢ·cᵢ))·oᵢ + δcᵢ₊₁·fᵢ₊₁ + δoᵢ₊₁·W_ocᵀ"


#: why the app has two terms more than the sheet (said once, at the first δc step it concerns)
_TASK3_WHY = ("The W_fc and W_ic terms follow from the same equations: cᵢ enters fᵢ₊₁ and iᵢ₊₁ "
              "through W_fc and W_ic as it enters oᵢ₊₁ through W_oc.")


def lstm_dc(t: int, T: int) -> str:
    """At the δc_t step (the first unit's, t from 1): which of the app's five terms the sheet's
    formula has; why the other two belong is said once, at t = T − 1."""
    if t == T:
        return (f"The sheet's {TASK3_PRINTED_DC} keeps 3 of the app's 5 terms (from h, "
                "δcᵢ₊₁·fᵢ₊₁ and δôᵢ₊₁·W_ocᵀ; not δf̂ᵢ₊₁·W_fcᵀ, δîᵢ₊₁·W_icᵀ); at t = T = "
                f"{T} only the term from h is not 0, so here the two agree.")
    n, now = sub(t + 1), sub(t)
    have = (f"✓ δh{now}·(1 − tanh²(o{now}·c{now}))·o{now}, ✓ δc{n}·f{n}, ✗ δf̂{n}·W_fcᵀ, "
            f"✗ δî{n}·W_icᵀ, ✓ δô{n}·W_ocᵀ")
    text = f"The sheet's {TASK3_PRINTED_DC} has 3 of these 5 terms: {have}"
    if t == T - 1:
        return f"{text} (its δoᵢ₊₁ is the delta before σ, δô). {_TASK3_WHY}"
    return text + "."


def lstm_dc0(T: int) -> str:
    """At the δc₀ step (the first unit's): the sheet's formula at i = 0 (there is no h₀); why
    the other terms belong only when no δc_t step said it (T = 1)."""
    text = (f"The sheet's {TASK3_PRINTED_DC} at i = 0 (no h₀: no first term) keeps ✓ δc₁·f₁ and "
            "✓ δô₁·W_ocᵀ but not ✗ δf̂₁·W_fcᵀ, ✗ δî₁·W_icᵀ.")
    return f"{text} {_TASK3_WHY}" if T == 1 else text


# ---------------------------------------------------------------------------------------------
# Task 4: reverse-mode autodiff

#: the sheet's graph of L = cos(x1·x2) + x1·x2 + x1, as :attr:`Graph.labels` writes it, at (1, 2)
TASK4_NODES = ("v0 = x1", "v1 = x2", "v2 = v0 · v1", "v3 = cos(v2)", "v4 = v3 + v2 + v0")
TASK4_VALUES = (1.0, 2.0)
#: the sheet's ∇L at (1, 2), as printed
TASK4_PRINTED_GRADIENT = ("1.19", "0.09")
#: the sheet's reverse-pass line for ∂L/∂v0: its v̄2 = ∂L/∂v2 (rounded), the v1 it used, its result
TASK4_PRINTED_DV2 = "(−0.91 + 1)"
TASK4_PRINTED_V1 = 1
TASK4_PRINTED_DV0 = "1.09"


def is_task4(labels: Sequence[str], inputs: Sequence[float]) -> bool:
    return tuple(labels) == TASK4_NODES and tuple(float(v) for v in inputs) == TASK4_VALUES


def autodiff_gradient(k: int, gradient: float) -> str:
    """At the step ∂L/∂x_{k+1} of Task 4 (call only when :func:`is_task4`)."""
    if k != 0:
        return ""
    return (f"The sheet prints ∇L = [{', '.join(TASK4_PRINTED_GRADIENT)}]: the first entry is "
            f"−sin(2)·2 + 2 + 1 = {fmt(gradient, 5)}, and {TASK4_PRINTED_GRADIENT[0]} is not a "
            f"rounding of it (that would be {gradient:.2f}).")


def autodiff_edge(i: int, j: int, values: Sequence[float], adjoint_i: float, new: float) -> str:
    """At Task 4's backward step v̄j += v̄i·∂vi/∂vj (call only when :func:`is_task4`): the sheet's
    ∂L/∂v0 used v1 = 1. ``adjoint_i`` is v̄i, ``new`` v̄j after the step."""
    if (i, j) != (2, 0):
        return ""
    v1 = values[1]
    return (f"The sheet writes ∂L/∂v0 = {TASK4_PRINTED_DV2}·v1 + 1 = {TASK4_PRINTED_DV0}, with "
            f"v1 = {TASK4_PRINTED_V1}; but v1 = x2 = {fmt(v1)}: ∂L/∂v0 = "
            f"{TASK4_PRINTED_DV2}·{fmt(v1)} + 1 = {new:.2f} ({fmt(adjoint_i)}·{fmt(v1)} + 1 = "
            f"{fmt(new, 5)} unrounded).")
