r"""The classic mistakes, each simulated whole on an exercise's inputs.

Invariants:

* :data:`CATALOGUE` lists every mistake; its ``id`` s (``fc.dw-transposed`` …) are an interface:
  the command line prints them (``mistake: ID — explanation``) and the app may key on them.
  Never rename one; add new ones.
* A mistake is *simulated whole*: the wrong rule is applied to the exercise's inputs from start to
  end, with the engine's public math (``fully_connected``, ``conv2d``, ``pooling``, ``lstm``,
  ``autodiff``) or, where a term of a recursion is left out, with the term-by-term derivation in
  :mod:`engine.practice.by_hand`. A term forgotten at t changes every earlier δc_t; a lost path
  in autodiff changes every adjoint below it. Nothing is guessed from one cell.
* :func:`simulate` gives one :class:`Simulation` per way the mistake can be made on the exercise
  (``ad.missing-path`` has one per node with several uses and per lost use); an empty list when
  it does not apply (``fc.db-mean`` without a batch of two or more rows). Each holds the wrong
  values of the result tensors it changes, named as ``export`` names them, and an explanation in
  words for this exercise with the right formula beside the wrong one.
* A mistake is *distinguishable* on an exercise when one of its simulations differs from the
  right answer (a different shape, or a cell beyond the :class:`~engine.practice.tolerance.
  Tolerance`). Fresh exercises are drawn so that every mistake that applies is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine import autodiff, conv2d, lstm, pooling
from engine import fully_connected as fc
from engine.practice import by_hand
from engine.practice.exercises import Exercise, dims
from engine.practice.tolerance import SIZES, Tolerance
from engine.steps import fmt

Simulator = Callable[[Exercise], list[tuple[dict[str, np.ndarray], str]]]


@dataclass(frozen=True)
class Mistake:
    """One entry of the catalogue."""

    id: str
    kinds: tuple[str, ...]          # the example kinds it can occur in
    what: str                       # what the student did, in a few words
    when: str                       # when it applies (and so can be told from the right answer)
    simulator: Simulator


@dataclass(frozen=True, eq=False)
class Simulation:
    """One way of making ``mistake`` on an exercise: the wrong tensors and the words for it."""

    mistake: Mistake
    tensors: dict[str, np.ndarray]
    explanation: str


def _arr(value) -> np.ndarray:
    return np.asarray(value, dtype=np.float64)


def _pair(value) -> tuple[int, int]:
    if isinstance(value, (list, tuple)):
        return int(value[0]), int(value[1])
    return int(value), int(value)



# ---------------------------------------------------------------------------------------------
# Fully connected


def _fc_dw_transposed(ex):
    x, w, dy = (_arr(ex.inputs[k]) for k in ("x", "w", "dy"))
    dw = fc.backward(x, w, dy).dw
    return [({"dw": dw.T},
             f"Your ΔW is the transpose of the right one: ΔW = xᵀ·δy ({dims(dw.shape)}, a row "
             f"per input, like W), not δyᵀ·x ({dims(dw.T.shape)}).")]


def _fc_db_mean(ex):
    x, w, dy = (_arr(ex.inputs[k]) for k in ("x", "w", "dy"))
    if x.ndim != 2 or x.shape[0] < 2:
        return []
    rows = x.shape[0]
    return [({"db": fc.backward(x, w, dy).db / rows},
             f"Your Δb is the mean of δy over the batch: Δb = Σₙ δyₙ, the sum over the {rows} "
             f"rows (every row adds its own gradient), not (1/{rows})·Σₙ δyₙ.")]


def _fc_y_no_bias(ex):
    x, w, b = (_arr(ex.inputs[k]) for k in ("x", "w", "b"))
    if not b.any():
        return []
    return [({"y": fc.forward(x, w, np.zeros_like(b))},
             "Your y leaves out the bias: y = x·W + b, not x·W.")]


# ---------------------------------------------------------------------------------------------
# Conv2D


_F_BACK = "f_back[:,:,o,c] = rot180(f[:,:,c,o]) (swap channels and filters, then turn each " \
          "matrix 180°)"


def _conv_filter_not_rotated(ex):
    f = _arr(ex.inputs["f"])
    return [({"f_back": f.transpose(0, 1, 3, 2)},
             f"Your f_back has channels and filters swapped but its matrices not turned: "
             f"{_F_BACK}, not f[:,:,c,o] unturned.")]


def _conv_filter_not_swapped(ex):
    f = _arr(ex.inputs["f"])
    return [({"f_back": f[::-1, ::-1]},
             f"Your f_back has each matrix turned 180° but channels and filters not swapped: "
             f"{_F_BACK}; you put rot180(f[:,:,c,o]) at f_back[:,:,c,o].")]


def _conv_filter_transposed(ex):
    f = _arr(ex.inputs["f"])
    return [({"f_back": f.transpose(1, 0, 3, 2)},
             f"Your f_back has each matrix transposed instead of turned 180°: {_F_BACK}, which "
             f"reverses the order of the rows and of the columns, not f[:,:,c,o]ᵀ.")]


def _conv_geometry(ex):
    x, f, dy = (_arr(ex.inputs[k]) for k in ("x", "f", "dy"))
    return x, f, dy, ex.inputs.get("stride", 1), ex.inputs.get("padding", 0)


def _conv_dx_not_rotated(ex):
    if ex.inputs.get("dy") is None:
        return []
    x, f, dy, stride, padding = _conv_geometry(ex)
    dx = conv2d.backward(x, f[::-1, ::-1], dy, stride, padding).dx
    return [({"dx": dx},
             f"Your δx uses the swapped filters without turning them: δx = δy (dilated, padded "
             f"by k − 1) correlated with f_back, where {_F_BACK}, not with the swapped "
             f"filters unturned.")]


def _conv_dy_not_dilated(ex):
    if ex.inputs.get("dy") is None:
        return []
    x, f, dy, stride, padding = _conv_geometry(ex)
    s, p = _pair(stride), _pair(padding)
    k = f.shape[:2]
    pad = (k[0] - 1 - p[0], k[1] - 1 - p[1])
    if s == (1, 1) or min(pad) < 0:
        return []
    dx = conv2d.forward(dy, conv2d.backward_filter(f), None, 1, pad)
    zeros = s[0] - 1 if s[0] == s[1] else f"{s[0] - 1} (rows), {s[1] - 1} (columns)"
    return [({"dx": dx},
             f"Your δx comes from δy padded by k − 1 − p but not dilated: with stride "
             f"{_stride_text(s)} first put s − 1 = {zeros} zeros between neighbouring δy "
             f"values, then pad and correlate with f_back; δx then has x's "
             f"{dims(x.shape[:2])} cells, not {dims(dx.shape[:2])}.")]


def _stride_text(s: tuple[int, int]) -> str:
    return str(s[0]) if s[0] == s[1] else f"({s[0]}, {s[1]})"


def _conv_y_no_bias(ex):
    b = ex.inputs.get("b")
    if b is None or not _arr(b).any():
        return []
    x, f = _arr(ex.inputs["x"]), _arr(ex.inputs["f"])
    y = conv2d.forward(x, f, None, ex.inputs.get("stride", 1), ex.inputs.get("padding", 0))
    return [({"y": y}, "Your y leaves out the bias: y[r,c,o] = Σᵢⱼₖ x_pad·f[:,:,:,o] + b[o], "
                       "not without b[o].")]


def _shape_args(ex):
    xs, fs = ex.inputs["x_shape"], ex.inputs["f_shape"]
    s, p = _pair(ex.inputs.get("stride", 1)), _pair(ex.inputs.get("padding", 0))
    return [int(v) for v in xs], [int(v) for v in fs], s, p


def _conv_shape_no_padding(ex):
    xs, fs, s, p = _shape_args(ex)
    if p == (0, 0) or xs[0] < fs[0] or xs[1] < fs[1]:
        return []
    wrong = [(xs[a] - fs[a]) // s[a] + 1 for a in (0, 1)] + [fs[3]]
    return [({"output_shape": np.array(wrong, dtype=np.float64)},
             "Your output shape leaves out the padding: o = ⌊(x + 2p − k)/s⌋ + 1 (p zeros on "
             "both sides), not ⌊(x − k)/s⌋ + 1.")]


def _conv_shape_rounded_up(ex):
    xs, fs, s, p = _shape_args(ex)
    if s == (1, 1):
        return []
    wrong = [-(-(xs[a] + 2 * p[a] - fs[a]) // s[a]) + 1 for a in (0, 1)] + [fs[3]]
    return [({"output_shape": np.array(wrong, dtype=np.float64)},
             "Your output shape rounds the division up: o = ⌊(x + 2p − k)/s⌋ + 1, rounded "
             "down (a window that would stick out of the padded input is not counted), not "
             "⌈(x + 2p − k)/s⌉ + 1.")]


def _conv_shape_channels(ex):
    xs, fs, s, p = _shape_args(ex)
    if fs[2] == fs[3]:
        return []
    right = conv2d.output_shape(xs, fs, s, p)
    return [({"output_shape": np.array(right[:2] + (fs[2],), dtype=np.float64)},
             f"Your output has as many channels as the input: o_c = c_out = {fs[3]}, one channel "
             f"per filter, not c_in = {fs[2]}.")]


# ---------------------------------------------------------------------------------------------
# Pooling


def _pool_args(ex):
    return (_arr(ex.inputs["x"]), ex.inputs["size"], ex.inputs.get("stride"),
            _arr(ex.inputs["dy"]))


def _pool_windows(x_shape, size, stride):
    g = pooling.window(x_shape, size, stride)
    return g, [((r, c), (slice(r * g.s_rows, r * g.s_rows + g.k_rows),
                         slice(c * g.s_cols, c * g.s_cols + g.k_cols)))
               for r in range(g.o_rows) for c in range(g.o_cols)]


def _pool_avg_no_divide(ex):
    x, size, stride, dy = _pool_args(ex)
    k = pooling.window(x.shape, size, stride).k
    if k == 1:
        return []
    return [({"dx": pooling.avg_backward(x.shape, dy * k, size, stride)},
             f"Your δx copies each δy to every cell of its window without dividing: "
             f"δx[window] += δy/k with k = {k} cells, not += δy.")]


def _pool_overwrite(ex):
    x, size, stride, dy = _pool_args(ex)
    g, windows = _pool_windows(x.shape, size, stride)
    if g.s_rows >= g.k_rows and g.s_cols >= g.k_cols:
        return []   # the windows do not overlap: = and += give the same
    dx = np.zeros(x.shape)
    for (r, c), (rows, cols) in windows:
        dx[rows, cols, :] = dy[r, c, :] / g.k
    return [({"dx": dx},
             f"Your δx assigns where the windows overlap, so the last window wins: start from "
             f"δx = 0 and add, δx[window] += δy/{g.k}, not δx[window] = δy/{g.k}.")]


def _pool_max_spread(ex):
    x, size, stride, dy = _pool_args(ex)
    k = pooling.window(x.shape, size, stride).k
    if k == 1:
        return []
    return [({"dx": pooling.avg_backward(x.shape, dy, size, stride)},
             f"Your δx spreads each δy over its window as average pooling does: max pooling "
             f"gives δy whole to the window's maximum, δx[argmax] += δy, not δx[window] += "
             f"δy/{k}.")]


def _pool_max_every_tie(ex):
    x, size, stride, dy = _pool_args(ex)
    _, windows = _pool_windows(x.shape, size, stride)
    dx = np.zeros(x.shape)
    tie = False
    for (r, c), (rows, cols) in windows:
        for ch in range(x.shape[2]):
            box = x[rows, cols, ch]
            top = box == box.max()
            tie = tie or np.count_nonzero(top) > 1
            dx[rows, cols, ch] += np.where(top, dy[r, c, ch], 0.0)
    if not tie:
        return []
    return [({"dx": dx},
             "Your δx gives δy to every maximum of a window where the maximum appears twice: "
             "it goes whole to one of them, the first (row by row), δx[first argmax] += δy, "
             "not to each tied one.")]


# ---------------------------------------------------------------------------------------------
# LSTM

_FROM_H = "δhₜ ⊙ (1 − tanh²(oₜ⊙cₜ)) ⊙ oₜ"
_CARRY = "δcₜ₊₁ ⊙ fₜ₊₁"
_PEEP_F, _PEEP_I, _PEEP_O = "δf̂ₜ₊₁·W_fcᵀ", "δîₜ₊₁·W_icᵀ", "δôₜ₊₁·W_ocᵀ"
_RIGHT_DC = f"δcₜ = {_FROM_H} + {_CARRY} + {_PEEP_F} + {_PEEP_I} + {_PEEP_O}"


def _lstm(ex, **switches):
    xs, params, c0, dh = (ex.inputs[k] for k in ("xs", "params", "c0", "dh"))
    run = lstm.forward(xs, params, c0)
    return by_hand.lstm_backward(xs, params, c0, run, dh, **switches)


def _lstm_missing_forget_carry(ex):
    if np.shape(ex.inputs["xs"])[0] < 2:
        return []
    return [(_lstm(ex, forget_carry=False),
             f"Your δcₜ leaves out what flows back from cₜ₊₁ through the forget gate: "
             f"{_RIGHT_DC}, not without {_CARRY}. (A term left out at t changes every earlier "
             f"δc.)")]


def _lstm_missing_peepholes(ex):
    if np.shape(ex.inputs["xs"])[0] < 2:
        return []
    return [(_lstm(ex, peepholes=()),
             f"Your δcₜ leaves out the three peephole terms (cₜ feeds the gates f, i and o of "
             f"step t+1): {_RIGHT_DC}, not {_FROM_H} + {_CARRY}.")]


def _lstm_sheet_formula(ex):
    if np.shape(ex.inputs["xs"])[0] < 2:
        return []
    return [(_lstm(ex, peepholes=("o",)),
             f"Your δcₜ is the sheet's printed formula, with only the output gate's peephole: "
             f"cₜ feeds all three gates of step t+1, so {_RIGHT_DC}, not "
             f"{_FROM_H} + {_CARRY} + {_PEEP_O}.")]


def _lstm_missing_o_factor(ex):
    return [(_lstm(ex, from_h="no o factor"),
             f"Your δcₜ takes the term through hₜ = tanh(oₜ ⊙ cₜ) without the inner "
             f"derivative oₜ: it is {_FROM_H}, not δhₜ ⊙ (1 − tanh²(oₜ⊙cₜ)).")]


def _lstm_standard_h(ex):
    return [(_lstm(ex, from_h="o⊙tanh(c)"),
             f"Your δcₜ takes the term through hₜ from the usual LSTM, whose h = o ⊙ tanh(c); "
             f"this cell has hₜ = tanh(oₜ ⊙ cₜ), so the term is {_FROM_H}, not "
             f"δhₜ ⊙ oₜ ⊙ (1 − tanh²(cₜ)) (and δoₜ = δhₜ ⊙ (1 − hₜ²) ⊙ cₜ).")]


# ---------------------------------------------------------------------------------------------
# Autodiff


def _evaluation(ex):
    return autodiff.evaluate(ex.inputs["expression"], ex.inputs["values"])


def _adjoint_tensors(nodes, adj: np.ndarray) -> dict[str, np.ndarray]:
    n_inputs = sum(1 for node in nodes if node.op == "input")
    return {"adjoint": adj, "gradient": adj[:n_inputs].copy()}


def _bar(node) -> str:
    """v̄2 for node v2."""
    return "v\u0304" + node.name[1:]


def _path_to_output(nodes, start: int) -> str:
    """``v3 → v4 = L``: from node ``start`` along its first user to the output."""
    users: dict[int, list[int]] = {}
    for i, node in enumerate(nodes):
        for j in node.inputs:
            users.setdefault(j, []).append(i)
    path = [start]
    while path[-1] != len(nodes) - 1 and users.get(path[-1]):
        path.append(max(users[path[-1]]))
    names = [nodes[i].name for i in path]
    if path[-1] == len(nodes) - 1:
        names[-1] += " = L"
    return " → ".join(names)


def _use_term(nodes, i: int, k: int, j: int) -> str:
    node = nodes[i]
    term = f"{_bar(node)}·∂{node.name}/∂{nodes[j].name}"
    if list(node.inputs).count(j) > 1:
        term += f" (operand {k + 1})"
    return term


def _ad_missing_path(ex):
    ev = _evaluation(ex)
    nodes = ev.nodes
    out = []
    for j, used in by_hand.uses(nodes).items():
        if len(used) < 2:
            continue
        name = nodes[j].name
        gradient = f" (= ∂L/∂{list(ev.gradient)[j]})" if nodes[j].op == "input" else ""
        terms = [_use_term(nodes, i, k, j) for i, k in used]
        right = " + ".join(terms)
        for lost, (i, k) in enumerate(used):
            kept = " + ".join(t for n, t in enumerate(terms) if n != lost)
            adj = by_hand.adjoints(nodes, lost=(i, k))
            out.append((_adjoint_tensors(nodes, adj),
                        f"Your {_bar(nodes[j])}{gradient} misses the path through "
                        f"{nodes[i].name} ({name} → {_path_to_output(nodes, i)}): {name} is "
                        f"used {len(used)} times, so {_bar(nodes[j])} = {right}, one term per "
                        f"use, added (+=), not {kept}."))
        if len(used) > 2:
            last = terms[-1]
            out.append((_adjoint_tensors(nodes, by_hand.adjoints(nodes, assigned=j)),
                        f"Your {_bar(nodes[j])}{gradient} keeps only its last contribution, "
                        f"assigned (=) instead of added (+=): {name} is used {len(used)} times, "
                        f"so {_bar(nodes[j])} = {right}, not {last} alone."))
    return out


#: d op(u)/du for each unary operation, right and with the sign flipped; ``{u}`` is the operand.
_UNARY_DERIVATIVE = {
    "neg": ("−1", "+1"),
    "sin": ("cos({u})", "−cos({u})"),
    "cos": ("−sin({u})", "sin({u})"),
    "tan": ("1 + tan²({u})", "−(1 + tan²({u}))"),
    "exp": ("exp({u})", "−exp({u})"),
    "log": ("1/{u}", "−1/{u}"),
    "sqrt": ("1/(2·√{u})", "−1/(2·√{u})"),
    "tanh": ("1 − tanh²({u})", "tanh²({u}) − 1"),
    "sigmoid": ("σ({u})·(1 − σ({u}))", "−σ({u})·(1 − σ({u}))"),
    "relu": ("1 if {u} > 0 else 0", "−1 if {u} > 0 else 0"),
    "abs": ("sign({u})", "−sign({u})"),
}


def _ad_derivative_sign(ex):
    ev = _evaluation(ex)
    nodes = ev.nodes
    out = []
    for i, node in enumerate(nodes):
        if node.op not in _UNARY_DERIVATIVE or node.partials[0] is None:
            continue
        u = nodes[node.inputs[0]].name
        right, wrong = (t.format(u=u) for t in _UNARY_DERIVATIVE[node.op])
        d = node.partials[0]
        adj = by_hand.adjoints(nodes, partial=lambda a, k, p, i=i: -p if a == i else p)
        out.append((_adjoint_tensors(nodes, adj),
                    f"Your adjoints take the derivative of {node.name} = {_op_text(node, u)} "
                    f"with the wrong sign: ∂{node.name}/∂{u} = {right} = {fmt(d)}, not "
                    f"{wrong} = {fmt(-d)}."))
    return out


def _op_text(node, u: str) -> str:
    return f"−{u}" if node.op == "neg" else f"{node.op}({u})"


def _ad_subtraction_sign(ex):
    ev = _evaluation(ex)
    nodes = ev.nodes
    out = []
    for i, node in enumerate(nodes):
        if node.op != "add":
            continue
        for k, (j, d) in enumerate(zip(node.inputs, node.partials, strict=True)):
            if d is None or d >= 0:
                continue
            adj = by_hand.adjoints(nodes, partial=lambda a, b, p, i=i, k=k:
                                   -p if (a, b) == (i, k) else p)
            out.append((_adjoint_tensors(nodes, adj),
                        f"Your adjoints take the subtracted {nodes[j].name} in "
                        f"{ex.node_definition(i)} as added: ∂{node.name}/∂{nodes[j].name} = −1, "
                        f"not +1."))
    return out


def _ad_product_swapped(ex):
    ev = _evaluation(ex)
    nodes = ev.nodes
    out = []
    for i, node in enumerate(nodes):
        if node.op != "mul" or node.inputs[0] == node.inputs[1]:
            continue
        a, b = (nodes[j] for j in node.inputs)
        own = {k: nodes[j].value for k, j in enumerate(node.inputs)}
        adj = by_hand.adjoints(nodes, partial=lambda m, k, p, i=i, own=own:
                               own[k] if m == i else p)
        out.append((_adjoint_tensors(nodes, adj),
                    f"Your adjoints take the product rule the wrong way round: for "
                    f"{node.name} = {a.name} · {b.name}, ∂{node.name}/∂{a.name} = {b.name} = "
                    f"{fmt(b.value)} and ∂{node.name}/∂{b.name} = {a.name} = {fmt(a.value)} "
                    f"(the other factor), not {a.name} and {b.name}."))
    return out


# ---------------------------------------------------------------------------------------------
# The catalogue

CATALOGUE: tuple[Mistake, ...] = (
    Mistake("fc.dw-transposed", ("fully_connected",),
            "ΔW given as (xᵀ·δy)ᵀ = δyᵀ·x, with the transposed shape", "always",
            _fc_dw_transposed),
    Mistake("fc.db-mean", ("fully_connected",),
            "with a batch, Δb as the mean of δy over the batch instead of the sum",
            "a batch of two or more rows (never on the fc example's exercises: one row)",
            _fc_db_mean),
    Mistake("fc.y-no-bias", ("fully_connected",), "y = x·W, the bias left out",
            "b is not all zero", _fc_y_no_bias),
    Mistake("conv.filter-not-rotated", ("conv2d_filter", "conv2d"),
            "f_back = channels and filters swapped, matrices not turned", "always",
            _conv_filter_not_rotated),
    Mistake("conv.filter-not-swapped", ("conv2d_filter", "conv2d"),
            "f_back = each matrix turned 180°, channels and filters not swapped", "always",
            _conv_filter_not_swapped),
    Mistake("conv.filter-transposed", ("conv2d_filter", "conv2d"),
            "f_back = swapped, each matrix transposed instead of turned 180°", "always",
            _conv_filter_transposed),
    Mistake("conv.dx-not-rotated", ("conv2d",),
            "δx computed with the swapped filters not turned (each δy sent back through its "
            "filter turned 180°)", "δy is given", _conv_dx_not_rotated),
    Mistake("conv.dy-not-dilated", ("conv2d",),
            "stride > 1: δy padded by k−1−p but not dilated (δx smaller than x)",
            "a stride above 1 and p ≤ k − 1", _conv_dy_not_dilated),
    Mistake("conv.y-no-bias", ("conv2d",), "y without the bias", "b is not all zero",
            _conv_y_no_bias),
    Mistake("conv.shape-no-padding", ("conv2d_shape",), "o = ⌊(x − k)/s⌋ + 1, padding left out",
            "a padding above 0", _conv_shape_no_padding),
    Mistake("conv.shape-rounded-up", ("conv2d_shape",),
            "o = ⌈(x + 2p − k)/s⌉ + 1, the division rounded up",
            "a stride above 1 (differs where the division is not whole)",
            _conv_shape_rounded_up),
    Mistake("conv.shape-channels", ("conv2d_shape",), "o_c = c_in instead of c_out",
            "c_in ≠ c_out", _conv_shape_channels),
    Mistake("pool.avg-no-divide", ("avgpool",),
            "average pooling's δy copied to each cell of its window, not δy/k",
            "a window of two or more cells", _pool_avg_no_divide),
    Mistake("pool.overwrite", ("avgpool",),
            "overlapping windows: δx[window] = δy/k assigned in window order (the last window "
            "wins) instead of +=", "windows that overlap (stride < size)", _pool_overwrite),
    Mistake("pool.max-spread", ("maxpool",), "max pooling's δy spread as δy/k over the window",
            "a window of two or more cells", _pool_max_spread),
    Mistake("pool.max-every-tie", ("maxpool",),
            "a tied maximum: δy given to every tied cell instead of the first",
            "a window whose maximum appears twice", _pool_max_every_tie),
    Mistake("lstm.missing-forget-carry", ("lstm",), "δcₜ without δcₜ₊₁ ⊙ fₜ₊₁",
            "T ≥ 2", _lstm_missing_forget_carry),
    Mistake("lstm.missing-peepholes", ("lstm",),
            "δcₜ without the three peephole terms (W_fc, W_ic, W_oc)", "T ≥ 2",
            _lstm_missing_peepholes),
    Mistake("lstm.sheet-formula", ("lstm",),
            "δcₜ with only the W_oc peephole term, the sheet's printed formula", "T ≥ 2",
            _lstm_sheet_formula),
    Mistake("lstm.missing-o-factor", ("lstm",),
            "the term from hₜ as δhₜ ⊙ (1 − tanh²(oₜ⊙cₜ)) without ⊙ oₜ", "always",
            _lstm_missing_o_factor),
    Mistake("lstm.standard-h", ("lstm",),
            "the term from hₜ taken from the usual LSTM, h = o ⊙ tanh(c): δhₜ ⊙ oₜ ⊙ "
            "(1 − tanh²(cₜ))", "always", _lstm_standard_h),
    Mistake("ad.missing-path", ("autodiff",),
            "an adjoint assigned (=) instead of accumulated (+=) at a node with several users: "
            "one path's contribution lost", "a node used more than once", _ad_missing_path),
    Mistake("ad.derivative-sign", ("autodiff",),
            "a unary derivative with the wrong sign (d cos = +sin, d(−x) = +1, …)",
            "a function or a negation of an input-dependent node", _ad_derivative_sign),
    Mistake("ad.subtraction-sign", ("autodiff",),
            "a subtracted term's local derivative taken as +1", "a subtraction",
            _ad_subtraction_sign),
    Mistake("ad.product-swapped", ("autodiff",),
            "∂(a·b)/∂a taken as a instead of b", "a product of two different nodes",
            _ad_product_swapped),
)

BY_ID: dict[str, Mistake] = {m.id: m for m in CATALOGUE}


def for_kind(kind: str) -> tuple[Mistake, ...]:
    """The mistakes that can occur in an exercise of ``kind``."""
    return tuple(m for m in CATALOGUE if kind in m.kinds)


def simulate(ex: Exercise) -> list[Simulation]:
    """Every applicable mistake simulated on ``ex``, in catalogue order."""
    return [Simulation(m, tensors, text) for m in for_kind(ex.kind)
            for tensors, text in m.simulator(ex)]


def differs(sim: Simulation, ex: Exercise, tolerance: Tolerance | None = None) -> bool:
    """Does ``sim`` give another answer than the right one for some tensor (another shape, or a
    cell beyond the tolerance)?"""
    tol = tolerance or Tolerance()
    for name, wrong in sim.tensors.items():
        right = np.asarray(ex.trace.tensors[name], dtype=np.float64)
        if wrong.shape != right.shape or not tol.close(wrong, right, name in SIZES).all():
            return True
    return False


def distinguishable(ex: Exercise, tolerance: Tolerance | None = None) -> dict[str, bool]:
    """For each mistake that applies to ``ex``: can its answer be told from the right one?"""
    out: dict[str, bool] = {}
    for sim in ex.simulations:
        out[sim.mistake.id] = out.get(sim.mistake.id, False) or differs(sim, ex, tolerance)
    return out

