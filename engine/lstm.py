r"""Peephole LSTM through time (the sheet's Task 3): forward, BPTT and the worked trace.

Time steps are numbered ``t = 1 … T`` in formulas (row ``t − 1`` of every ``(T, ·)`` array);
``c₀`` is the initial cell state. Vectors are rows, as on the sheet::

    f̂_t = x_t·W_f + c_{t-1}·W_fc + b_f        f_t = σ(f̂_t)
    î_t = x_t·W_i + c_{t-1}·W_ic + b_i        i_t = σ(î_t)
    ô_t = x_t·W_o + c_{t-1}·W_oc + b_o        o_t = σ(ô_t)
    ĝ_t = x_t·W_c + b_c                       g_t = tanh(ĝ_t)
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    u_t = o_t ⊙ c_t                           h_t = tanh(u_t)        (tanh(o⊙c), not o⊙tanh(c))

``W_*`` is ``(n_in, n_h)``, the peephole matrices ``W_fc, W_ic, W_oc`` are ``(n_h, n_h)``, biases
``(n_h,)``. The hidden state does not feed back into the gates: the recurrence runs through ``c``
alone. So, given ``δh_t = ∂L/∂h_t`` for every ``t``, backpropagation through time is::

    δu_t = δh_t ⊙ (1 − h_t²)                  (the delta through tanh(o⊙c))
    δo_t = δu_t ⊙ c_t                         δô_t = δo_t ⊙ o_t ⊙ (1 − o_t)
    δc_t =  δu_t ⊙ o_t                        from h_t
          + δc_{t+1} ⊙ f_{t+1}                from c_{t+1} through f_{t+1}
          + δf̂_{t+1}·W_fcᵀ + δî_{t+1}·W_icᵀ + δô_{t+1}·W_ocᵀ   through the peepholes at t+1
    δf_t = δc_t ⊙ c_{t-1}    δi_t = δc_t ⊙ g_t    δg_t = δc_t ⊙ i_t
    δf̂_t = δf_t ⊙ f_t ⊙ (1 − f_t)   δî_t = δi_t ⊙ i_t ⊙ (1 − i_t)   δĝ_t = δg_t ⊙ (1 − g_t²)
    δx_t = δf̂_t·W_fᵀ + δî_t·W_iᵀ + δô_t·W_oᵀ + δĝ_t·W_cᵀ
    δc₀  = δc₁ ⊙ f₁ + δf̂₁·W_fcᵀ + δî₁·W_icᵀ + δô₁·W_ocᵀ
    ΔW_f = Σ_t x_tᵀ·δf̂_t     ΔW_fc = Σ_t c_{t-1}ᵀ·δf̂_t     Δb_f = Σ_t δf̂_t     (i, o alike)
    ΔW_c = Σ_t x_tᵀ·δĝ_t     Δb_c = Σ_t δĝ_t

(The sheet's printed δc_i keeps only the output-gate peephole; the terms above are complete and
the tests check them against central differences.)

Speed: ``x·W`` of all time steps is one matrix product of the stacked gate weights; inside the
time loop only the peephole products and a few element-wise operations remain, and every quantity
that does not feed the recurrence (o, h, δo, δô·W_ocᵀ, the parameter gradients) is computed outside
it, vectorised over time.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from engine.steps import MAX_STEPS, Step, Trace, fmt, fmt_paren, products, step, sum_text, vec
from engine.steps import sub as _s
from engine.validate import MAX_ELEMENTS, MAX_WORK_ELEMENTS, as_array, check_shape

#: Parameter keys, in the order the sheet introduces them.
PARAM_KEYS = ("W_f", "W_fc", "b_f", "W_i", "W_ic", "b_i", "W_o", "W_oc", "b_o", "W_c", "b_c")
#: The gates with a peephole: (gate, input weights, peephole, bias).
GATES = (("f", "W_f", "W_fc", "b_f"), ("i", "W_i", "W_ic", "b_i"), ("o", "W_o", "W_oc", "b_o"))
#: Longest sequence the time loop runs interactively.
MAX_T = 20_000
#: Most tensor elements a worked trace writes; larger problems are declined by :func:`solve`.
MAX_TRACE_ELEMENTS = 300_000
#: Up to this many units, vector steps spell out every unit's numbers.
SMALL_UNITS = 4
#: The names of the δc_t terms in :attr:`LSTMGrads.terms` (each ``(T, n_h)``; they sum to δc).
TERM_KEYS = ("dc_from_h", "dc_from_next", "dc_from_peep_f", "dc_from_peep_i", "dc_from_peep_o")


@dataclass(frozen=True, eq=False)
class LSTMRun:
    """What :func:`forward` computed, and what :func:`backward` needs.

    ``f, i, o, g, c, h``: ``(T, n_h)``. ``c_prev`` is ``c_{t-1}`` per row (``c0`` first);
    ``pre`` the pre-activations ``[f̂ î ô ĝ]`` side by side, ``(T, 4·n_h)``.
    """

    xs: np.ndarray
    c0: np.ndarray
    params: dict[str, np.ndarray]
    f: np.ndarray
    i: np.ndarray
    o: np.ndarray
    g: np.ndarray
    c: np.ndarray
    h: np.ndarray
    c_prev: np.ndarray
    pre: np.ndarray
    w_x: np.ndarray      # [W_f W_i W_o W_c], (n_in, 4·n_h)
    w_fi: np.ndarray     # [W_fc W_ic], (n_h, 2·n_h)

    @property
    def n_h(self) -> int:
        return self.c.shape[1]


@dataclass(frozen=True, eq=False)
class LSTMGrads:
    """The backward pass. ``dc`` is the total ``∂L/∂c_t``; ``terms`` its five parts (they sum to
    it); ``params`` the parameter gradients under the parameters' keys. The rest are the
    intermediate deltas the trace shows (post-activation ``df …``, pre-activation ``df_hat …``).
    """

    dc: np.ndarray
    dx: np.ndarray
    dc0: np.ndarray
    params: dict[str, np.ndarray]
    terms: dict[str, np.ndarray]
    dh: np.ndarray
    du: np.ndarray
    do: np.ndarray
    df: np.ndarray
    di: np.ndarray
    dg: np.ndarray
    df_hat: np.ndarray
    di_hat: np.ndarray
    do_hat: np.ndarray
    dg_hat: np.ndarray


# ---------------------------------------------------------------------------------------------
# Checks

def _check_xs(xs) -> np.ndarray:
    xs = as_array(xs, "xs", 2, "(T, n_in): one row per time step")
    return xs


def _check_params(params, n_in: int) -> dict[str, np.ndarray]:
    if not isinstance(params, Mapping):
        raise ValueError(f"params: expected a dict with the keys {', '.join(PARAM_KEYS)}, got "
                         f"{type(params).__name__}")
    unknown = [k for k in params if k not in PARAM_KEYS]
    if unknown:
        raise ValueError(f"params: unknown key {unknown[0]!r}; expected exactly the keys "
                         f"{', '.join(PARAM_KEYS)}")
    missing = [k for k in PARAM_KEYS if k not in params]
    if missing:
        raise ValueError(f"{missing[0]}: missing from params; an LSTM needs all of "
                         f"{', '.join(PARAM_KEYS)}")
    w_f = as_array(params["W_f"], "W_f", 2, "(n_in, n_h)")
    check_shape(w_f, "W_f", (n_in, None), f"(n_in, n_h) to match xs's {n_in} inputs (n_in)")
    n_h = w_f.shape[1]
    out = {}
    for key in PARAM_KEYS:
        if key.startswith("b_"):
            shape, layout = (n_h,), "(n_h,)"
        elif key in ("W_fc", "W_ic", "W_oc"):
            shape, layout = (n_h, n_h), "(n_h, n_h)"
        else:
            shape, layout = (n_in, n_h), "(n_in, n_h)"
        arr = as_array(params[key], key, len(shape), layout)
        check_shape(arr, key, shape, f"{layout} with n_in = {n_in} (xs) and n_h = {n_h} (W_f)")
        out[key] = arr
    return out


def _check(xs, params, c0):
    xs = _check_xs(xs)
    T, n_in = xs.shape
    if T > MAX_T:
        raise ValueError(f"xs: {T:,} time steps, more than the {MAX_T:,} that can be computed "
                         "interactively")
    p = _check_params(params, n_in)
    n_h = p["W_f"].shape[1]
    if T * 4 * n_h > MAX_ELEMENTS:
        raise ValueError(f"xs: T = {T:,} time steps × 4·n_h = {4 * n_h:,} gate values is "
                         f"{T * 4 * n_h:,} elements, more than the {MAX_ELEMENTS:,} that can be "
                         "computed interactively")
    if T * n_h * (3 * n_h + n_in) > MAX_WORK_ELEMENTS:
        raise ValueError(f"xs: T = {T:,} time steps with n_h = {n_h:,} units needs "
                         f"{T * n_h * (3 * n_h + n_in):,} multiply-adds, more than the "
                         f"{MAX_WORK_ELEMENTS:,} that can be computed interactively")
    if c0 is None:
        c0 = np.zeros(n_h)
    else:
        c0 = as_array(c0, "c0", 1, "(n_h,)")
        check_shape(c0, "c0", (n_h,), f"to match the {n_h} units of W_f (n_h)")
    return xs, p, c0


def _check_dh(dh, shape: tuple[int, int]) -> np.ndarray:
    dh = as_array(dh, "dh", 2, "(T, n_h): ∂L/∂h_t for every time step")
    check_shape(dh, "dh", shape, "(T, n_h): one row per time step, like h")
    return dh


# ---------------------------------------------------------------------------------------------
# Numbers

def forward(xs, params, c0=None) -> LSTMRun:
    """Run the peephole cell over the rows of ``xs`` (T, n_in) from ``c0`` (zeros by default)."""
    xs, p, c0 = _check(xs, params, c0)
    T = xs.shape[0]
    n = c0.shape[0]
    w_x = np.concatenate([p["W_f"], p["W_i"], p["W_o"], p["W_c"]], axis=1)
    w_fi = np.concatenate([p["W_fc"], p["W_ic"]], axis=1)
    # exp(-a) → inf for a ≪ 0 gives σ = 0 exactly; any other overflow is refused below
    with np.errstate(over="ignore", invalid="ignore"):
        pre = xs @ w_x + np.concatenate([p["b_f"], p["b_i"], p["b_o"], p["b_c"]])
        g = np.tanh(pre[:, 3 * n:])
        c_all = np.empty((T + 1, n))
        c_all[0] = c0
        fi = np.empty((T, 2 * n))    # σ(f̂), σ(î) side by side
        pre_fi = pre[:, : 2 * n]
        c_prev = c0
        for t in range(T):
            a = c_prev @ w_fi
            a += pre_fi[t]
            pre_fi[t] = a
            s = fi[t]
            np.negative(a, out=s)
            np.exp(s, out=s)
            s += 1.0
            np.reciprocal(s, out=s)
            c_prev = s[:n] * c_prev + s[n:] * g[t]
            c_all[t + 1] = c_prev
        c = c_all[1:]
        c_prev_rows = c_all[:-1]
        pre[:, 2 * n: 3 * n] += c_prev_rows @ p["W_oc"]
        o = 1.0 / (1.0 + np.exp(-pre[:, 2 * n: 3 * n]))
    if not np.isfinite(pre).all() or not np.isfinite(c).all():
        raise ValueError("params: the pre-activations overflowed (values too large to compute "
                         "in float64); use smaller weights or inputs")
    h = np.tanh(o * c)
    return LSTMRun(xs=xs, c0=c0, params=p, f=fi[:, :n], i=fi[:, n:], o=o, g=g, c=c, h=h,
                   c_prev=c_prev_rows, pre=pre, w_x=w_x, w_fi=w_fi)


def backward(run: LSTMRun, dh) -> LSTMGrads:
    """Backpropagation through time from ``dh`` (T, n_h), the loss gradient w.r.t. every h_t."""
    if not isinstance(run, LSTMRun):
        raise ValueError(f"run: expected the result of lstm.forward, got {type(run).__name__}")
    dh = _check_dh(dh, run.h.shape)
    p, f, i, o, g, c, h, c_prev = (run.params, run.f, run.i, run.o, run.g, run.c, run.h,
                                   run.c_prev)
    T, n = c.shape
    du = dh * (1.0 - h * h)
    do = du * c
    do_hat = do * (o * (1.0 - o))
    dc_from_h = du * o
    peep_o = do_hat @ p["W_oc"].T          # δô_t·W_ocᵀ, flows to c_{t-1}
    # δf̂_t = δc_t ⊙ k_f[t], δî_t = δc_t ⊙ k_i[t]: the factors that do not depend on δc
    k_fi = np.empty((T, 2, n))
    k_fi[:, 0] = c_prev * (f * (1.0 - f))
    k_fi[:, 1] = g * (i * (1.0 - i))
    w_fi_t = run.w_fi.T
    dc = np.empty((T, n))
    carry = np.zeros(n)                    # what flows from t+1 into δc_t
    for t in range(T - 1, -1, -1):
        d = dc_from_h[t] + carry
        dc[t] = d
        dfi = k_fi[t] * d
        carry = d * f[t]
        carry += dfi.reshape(2 * n) @ w_fi_t
        carry += peep_o[t]
    dc0 = carry
    df_hat = dc * k_fi[:, 0]
    di_hat = dc * k_fi[:, 1]
    dg = dc * i
    dg_hat = dg * (1.0 - g * g)
    d_pre = np.concatenate([df_hat, di_hat, do_hat, dg_hat], axis=1)
    dx = d_pre @ run.w_x.T
    dw_x = run.xs.T @ d_pre
    dw_p = c_prev.T @ d_pre[:, : 3 * n]
    db = d_pre.sum(axis=0)
    grads = {}
    for k, (_, w, wc, b) in enumerate(GATES):
        grads[w] = dw_x[:, k * n: (k + 1) * n]
        grads[wc] = dw_p[:, k * n: (k + 1) * n]
        grads[b] = db[k * n: (k + 1) * n]
    grads["W_c"] = dw_x[:, 3 * n:]
    grads["b_c"] = db[3 * n:]
    grads = {key: grads[key] for key in PARAM_KEYS}
    terms = {"dc_from_h": dc_from_h,
             "dc_from_next": np.zeros((T, n)),
             "dc_from_peep_f": np.zeros((T, n)),
             "dc_from_peep_i": np.zeros((T, n)),
             "dc_from_peep_o": np.zeros((T, n))}
    terms["dc_from_next"][:-1] = dc[1:] * f[1:]
    terms["dc_from_peep_f"][:-1] = df_hat[1:] @ p["W_fc"].T
    terms["dc_from_peep_i"][:-1] = di_hat[1:] @ p["W_ic"].T
    terms["dc_from_peep_o"][:-1] = peep_o[1:]
    return LSTMGrads(dc=dc, dx=dx, dc0=dc0, params=grads, terms=terms, dh=dh, du=du, do=do,
                     df=dc * c_prev, di=dc * g, dg=dg, df_hat=df_hat, di_hat=di_hat,
                     do_hat=do_hat, dg_hat=dg_hat)


# ---------------------------------------------------------------------------------------------
# The worked solution

class BlockStep(Step):
    """A coarsened step writing several tensors at once: its line is the formula and, in place
    of a result, the key quantity it reached (``substituted``), e.g. ``h₄ = [0.1, 0.2]``."""

    @property
    def text(self) -> str:
        return f"{self.formula}; {self.substituted}" if self.substituted else self.formula


def _vstep(phase, title, formula, substituted, reads, writes, values, note="") -> Step:
    vals = tuple(np.asarray(values, dtype=np.float64).ravel().tolist())
    return Step(phase=phase, title=title, formula=formula, substituted=substituted,
                      result=vals[0] if vals else float("nan"), reads=tuple(reads),
                      writes=tuple(writes), values=vals, note=note)


def solve(xs, params, c0, dh) -> Trace:
    """Forward over every time step, then BPTT from t = T down to 1, then ΔW, with every step.

    ``c0`` may be ``None`` (zeros). Problems whose trace would write more than
    :data:`MAX_TRACE_ELEMENTS` tensor elements are declined (use :func:`forward` and
    :func:`backward`); longer traces than :data:`~engine.steps.MAX_STEPS` are coarsened, with a
    note: per-unit steps become per-time-step vectors, parameter gradients go per row, then per
    tensor, then each time step's backward vectors are merged into six groups (δc keeps its own
    step with its named terms), and at last one forward and one backward step covers one or more
    whole time steps.

    Tensors: the inputs (``xs, c0, dh`` and each parameter by its key), ``f i o g c h``, the
    deltas ``du do dc df di dg df_hat di_hat do_hat dg_hat dx dc0``, the terms of δc
    (:data:`TERM_KEYS`) and the parameter gradients ``dW_f …`` (``d`` + key).
    """
    run = forward(xs, params, c0)
    T, n_h = run.c.shape
    n_in = run.xs.shape[1]
    written = T * (23 * n_h + n_in) + n_h + 4 * n_in * n_h + 3 * n_h * n_h + 4 * n_h
    if written > MAX_TRACE_ELEMENTS:
        raise ValueError(f"xs: a worked solution for T = {T:,}, n_in = {n_in:,}, n_h = {n_h:,} "
                         f"would write {written:,} values, more than the "
                         f"{MAX_TRACE_ELEMENTS:,} that can be stepped through; use fewer time "
                         "steps or units")
    grads = backward(run, dh)
    tensors: dict[str, np.ndarray] = {"xs": run.xs, "c0": run.c0, "dh": grads.dh}
    tensors.update(run.params)
    tensors.update({"f": run.f, "i": run.i, "o": run.o, "g": run.g, "c": run.c, "h": run.h})
    tensors.update({"du": grads.du, "do": grads.do})
    tensors.update(grads.terms)
    tensors.update({"dc": grads.dc, "df": grads.df, "di": grads.di, "dg": grads.dg,
                    "df_hat": grads.df_hat, "di_hat": grads.di_hat, "do_hat": grads.do_hat,
                    "dg_hat": grads.dg_hat, "dx": grads.dx, "dc0": grads.dc0})
    tensors.update({"d" + k: v for k, v in grads.params.items()})
    return _Tracer(tensors, T, n_in, n_h).build()


def _granularity(T: int, n_in: int, n_h: int) -> tuple[str, str, int, int, int]:
    """The finest granularity that fits :data:`MAX_STEPS`: (time steps "unit" | "vector" |
    "block", parameter gradients "element" | "row" | "tensor", time steps per block, number of
    steps, number of steps at the finest granularity)."""
    fwd = 6 * T
    back = {"unit": T * (12 * n_h + n_in) + (T - 1) * 4 * n_h + n_h + 1,
            "vector": 13 * T + 4 * (T - 1) + 2, "grouped": 6 * T}
    par = {"element": 4 * n_in * n_h + 3 * n_h * n_h + 4 * n_h,
           "row": 4 * n_in + 3 * n_h + 4, "tensor": len(PARAM_KEYS)}
    fine = fwd + back["unit"] + par["element"]
    for t_gran, p_gran in (("unit", "element"), ("unit", "row"), ("vector", "element"),
                           ("vector", "row"), ("vector", "tensor"), ("grouped", "tensor")):
        n = fwd + back[t_gran] + par[p_gran]
        if n <= MAX_STEPS:
            return t_gran, p_gran, 1, n, fine
    block = math.ceil(T / ((MAX_STEPS - par["tensor"]) // 2))
    blocks = math.ceil(T / block)
    return "block", "tensor", block, 2 * blocks + par["tensor"], fine


#: Parameter key -> (pre-activation delta it is summed from, what multiplies it: xs, c_{t-1}, 1)
_PARAM_SOURCE = {"W_f": ("df_hat", "x"), "W_fc": ("df_hat", "c"), "b_f": ("df_hat", ""),
                 "W_i": ("di_hat", "x"), "W_ic": ("di_hat", "c"), "b_i": ("di_hat", ""),
                 "W_o": ("do_hat", "x"), "W_oc": ("do_hat", "c"), "b_o": ("do_hat", ""),
                 "W_c": ("dg_hat", "x"), "b_c": ("dg_hat", "")}
_HAT = {"df_hat": "δf̂", "di_hat": "δî", "do_hat": "δô", "dg_hat": "δĝ"}
_PEEP = (("dc_from_peep_f", "df_hat", "W_fc"), ("dc_from_peep_i", "di_hat", "W_ic"),
         ("dc_from_peep_o", "do_hat", "W_oc"))


class _Tracer:
    """Builds the steps of :func:`solve` from the vectorised tensors (never recomputing them).

    Formulas number time steps from 1 (``τ = r + 1`` for row ``r``); in per-unit steps the unit
    follows in brackets: ``δc₂[0]``. Element-wise products are ``·`` per unit, ``⊙`` per vector.
    """

    def __init__(self, t: dict[str, np.ndarray], T: int, n_in: int, n_h: int):
        self.t, self.T, self.n_in, self.n_h = t, T, n_in, n_h
        self.small = n_h <= SMALL_UNITS
        self.steps: list[Step] = []
        self.note = ""          # per-step note of coarsened backward / parameter steps
        self._rows: dict[tuple[str, int], tuple] = {}
        self._all: dict[str, tuple] = {}
        self._index: dict[tuple[int, ...], list[tuple[int, ...]]] = {}

    # -- refs, cached so that long traces share their tuples ----------------------------------
    def row(self, name: str, r: int) -> tuple:
        """Refs of row ``r`` of a (T, ·) tensor (all of a vector); ``"cprev"`` is c_{t-1}
        (c0 for row 0)."""
        if name == "cprev":
            return self.row("c0", 0) if r == 0 else self.row("c", r - 1)
        key = (name, r)
        if key not in self._rows:
            arr = self.t[name]
            n = arr.shape[-1]
            self._rows[key] = (self.whole(name) if arr.ndim == 1
                               else self.whole(name)[r * n: (r + 1) * n])
        return self._rows[key]

    def whole(self, name: str) -> tuple:
        """Refs of every element of a tensor, row-major; index tuples are shared by shape."""
        if name not in self._all:
            shape = self.t[name].shape
            if shape not in self._index:
                self._index[shape] = list(itertools.product(*(range(n) for n in shape)))
            self._all[name] = tuple(zip(itertools.repeat(name), self._index[shape]))
        return self._all[name]

    def elem(self, name: str, r: int, j: int) -> tuple:
        if name == "cprev":
            return (("c0", (j,)),) if r == 0 else (("c", (r - 1, j)),)
        return ((name, (r, j)),)

    def val(self, name: str, r: int) -> np.ndarray:
        if name == "cprev":
            return self.t["c0"] if r == 0 else self.t["c"][r - 1]
        return self.t[name][r]

    def column(self, name: str, k: int) -> tuple[tuple, np.ndarray]:
        """Refs and values of column k over time; ``"cprev"`` is c0 then c rows 0…T−2."""
        if name == "cprev":
            refs = (("c0", (k,)),) + tuple(("c", (r, k)) for r in range(self.T - 1))
            vals = np.concatenate([self.t["c0"][k:k + 1], self.t["c"][:-1, k]])
            return refs, vals
        return tuple((name, (r, k)) for r in range(self.T)), self.t[name][:, k]

    # -- assembly ---------------------------------------------------------------------------
    def build(self) -> Trace:
        T, n_in, n_h = self.T, self.n_in, self.n_h
        t_gran, p_gran, block, _, fine = _granularity(T, n_in, n_h)
        if t_gran == "block":
            self.note = ("coarsened: one step per " + ("time step" if block == 1
                                                       else f"{block} time steps"))
            for r0 in range(0, T, block):
                self.forward_block(r0, min(T, r0 + block))
            for r1 in range(T, 0, -block):
                self.backward_block(max(0, r1 - block), r1)
        else:
            for r in range(T):
                self.forward_row(r)
            unit = t_gran == "unit"
            if t_gran == "vector":
                self.note = "coarsened: one step per time step (vectors over the units)"
            elif t_gran == "grouped":
                self.note = "coarsened: one step per time step and group of quantities"
            for r in range(T - 1, -1, -1):
                if t_gran == "grouped":
                    self.backward_grouped(r)
                else:
                    self.backward_row(r, unit)
        self.param_grads(p_gran)
        note = ""
        if (t_gran, p_gran) != ("unit", "element"):
            how = {"unit": "one step per unit",
                   "vector": "one step per time step and quantity (vectors over the units)",
                   "grouped": "one step per time step and group of quantities (δh to δc from h; "
                   "δc; δf, δi, δg; δf̂ to δĝ; δx; what flows to t − 1)",
                   "block": "one forward and one backward step per "
                   + ("time step" if block == 1 else f"{block} time steps")}[t_gran]
            note = (f"{fine:,} steps would be too many to step through (limit {MAX_STEPS:,}); "
                    f"coarsened: {how}; parameter gradients one step per {p_gran}")
        return Trace(self.steps, self.t, note)

    def add(self, unit: bool, title: str, formula: str, substituted: str, reads, writes,
            values, note: str = "") -> None:
        if unit:
            self.steps.append(step("backward", title, formula, substituted, reads, writes,
                                   values, note))
        else:
            self.steps.append(_vstep("backward", title, formula, substituted, reads, writes,
                                     values, note))

    # -- forward ----------------------------------------------------------------------------
    def forward_row(self, r: int) -> None:
        t, n_h = self.t, self.n_h
        τ, τp = _s(r + 1), _s(r)
        x, cp = t["xs"][r], self.val("cprev", r)
        for gate, w, wc, b in GATES:
            xw, cw, bb = x @ t[w], cp @ t[wc], t[b]
            if self.small:
                sub_ = "σ([" + ", ".join(f"{fmt(xw[j])} + {fmt_paren(cw[j])} + {fmt_paren(bb[j])}"
                                         for j in range(n_h)) + "])"
            else:
                sub_ = "σ(" + vec(xw + cw + bb) + ")"
            self.steps.append(_vstep(
                "forward", f"{gate}{τ}", f"{gate}{τ} = σ(x{τ}·{w} + c{τp}·{wc} + {b})", sub_,
                self.row("xs", r) + self.whole(w) + self.row("cprev", r) + self.whole(wc)
                + self.whole(b), self.row(gate, r), t[gate][r]))
        xw, bb = x @ t["W_c"], t["b_c"]
        sub_ = ("tanh([" + ", ".join(f"{fmt(xw[j])} + {fmt_paren(bb[j])}" for j in range(n_h))
                + "])") if self.small else "tanh(" + vec(xw + bb) + ")"
        self.steps.append(_vstep(
            "forward", f"g{τ}", f"g{τ} = tanh(x{τ}·W_c + b_c)", sub_,
            self.row("xs", r) + self.whole("W_c") + self.whole("b_c"), self.row("g", r),
            t["g"][r]))
        f, i, g, c, o = (t[k][r] for k in ("f", "i", "g", "c", "o"))
        sub_ = ("[" + ", ".join(f"{fmt(f[j])} · {fmt_paren(cp[j])} + {fmt(i[j])} · "
                                f"{fmt_paren(g[j])}" for j in range(n_h)) + "]"
                if self.small else "")
        self.steps.append(_vstep(
            "forward", f"c{τ}", f"c{τ} = f{τ} ⊙ c{τp} + i{τ} ⊙ g{τ}", sub_,
            self.row("f", r) + self.row("cprev", r) + self.row("i", r) + self.row("g", r),
            self.row("c", r), c))
        sub_ = ("tanh([" + ", ".join(f"{fmt(o[j])} · {fmt_paren(c[j])}" for j in range(n_h))
                + "])") if self.small else "tanh(" + vec(o * c) + ")"
        self.steps.append(_vstep(
            "forward", f"h{τ}", f"h{τ} = tanh(o{τ} ⊙ c{τ})", sub_,
            self.row("o", r) + self.row("c", r), self.row("h", r), t["h"][r]))

    def forward_block(self, r0: int, r1: int) -> None:
        names = ("f", "i", "o", "g", "c", "h")
        writes = sum((self.row(k, r) for r in range(r0, r1) for k in names), ())
        values = np.concatenate([self.t[k][r] for r in range(r0, r1) for k in names])
        reads = sum((self.row("xs", r) for r in range(r0, r1)), self.row("cprev", r0))
        reads += sum((self.whole(k) for k in PARAM_KEYS), ())
        span = f"t = {r0 + 1}" if r1 == r0 + 1 else f"t = {r0 + 1} … {r1}"
        self.steps.append(BlockStep(
            phase="forward", title=f"forward, {span}", formula=f"f, i, o, g, c, h for {span}",
            substituted=f"h{_s(r1)} = {vec(self.t['h'][r1 - 1])}", result=float(values[0]),
            reads=reads, writes=writes, values=tuple(values.tolist()), note=self.note))

    # -- backward ---------------------------------------------------------------------------
    def elementwise(self, r: int, unit: bool, tensor: str, title, formula, parts,
                    sub_fn, src: int | None = None) -> None:
        """Row ``r`` of a (T, n_h) quantity, unit by unit from same-unit values of ``parts``
        (in row ``src``, by default ``r``).

        ``title(J)`` and ``formula(J, M)`` get the unit suffix ``J`` ("[0]" or "") and the
        product sign ``M`` ("·" or " ⊙ "); ``sub_fn(j)`` substitutes unit j's numbers.
        """
        vals = self.t[tensor][r]
        src = r if src is None else src
        if unit:
            for j in range(self.n_h):
                reads = sum((self.elem(p, src, j) for p in parts), ())
                self.add(True, title(f"[{j}]"), formula(f"[{j}]", "·"), sub_fn(j), reads,
                         ((tensor, (r, j)),), (vals[j],))
        else:
            sub_ = ("[" + ", ".join(sub_fn(j) for j in range(self.n_h)) + "]"
                    if self.small else "")
            reads = sum((self.row(p, src) for p in parts), ())
            self.add(False, title(""), formula("", " ⊙ "), sub_, reads, self.row(tensor, r),
                     vals, self.note)

    def product(self, r: int, unit: bool, tensor: str, title, a: tuple[str, str],
                b: tuple[str, str], src: int | None = None) -> None:
        """Row ``r`` of ``tensor`` as the unit-by-unit product ``a ⊙ b`` (see :meth:`elementwise`);
        ``a`` and ``b`` are (symbol, tensor name) pairs read in row ``src``, e.g. ("δu₂", "du")."""
        (sym_a, name_a), (sym_b, name_b) = a, b
        row = r if src is None else src
        va, vb = self.val(name_a, row), self.val(name_b, row)
        self.elementwise(r, unit, tensor, title,
                         lambda J, M: f"{title(J)} = {sym_a}{J}{M}{sym_b}{J}", [name_a, name_b],
                         lambda j: f"{fmt_paren(va[j])} · {fmt_paren(vb[j])}", src)

    def backward_row(self, r: int, unit: bool) -> None:
        t, T, n_h, n_in = self.t, self.T, self.n_h, self.n_in
        τ, τp, τn = _s(r + 1), _s(r), _s(r + 2)
        v = {k: t[k][r] for k in ("dh", "h", "du", "c", "o", "dc", "f", "i", "g", "df", "di",
                                  "dg", "do")}

        def fp(x):
            return fmt_paren(x)

        self.elementwise(r, unit, "dh", lambda J: f"δh{τ}{J}",
                         lambda J, M: f"δh{τ}{J} = ∂L/∂h{τ}{J} (given)", ["dh"],
                         lambda j: fmt(v["dh"][j]))
        self.elementwise(r, unit, "du", lambda J: f"δu{τ}{J}",
                         lambda J, M: f"δu{τ}{J} = δh{τ}{J}{M}(1 − tanh²(o{τ}{J}{M}c{τ}{J}))",
                         ["dh", "h"], lambda j: f"{fp(v['dh'][j])} · (1 − {fp(v['h'][j])}²)")
        self.product(r, unit, "do", lambda J: f"δo{τ}{J}", (f"δu{τ}", "du"), (f"c{τ}", "c"))
        self.product(r, unit, "dc_from_h", lambda J: f"δc{τ}{J} from h{τ}", (f"δu{τ}", "du"),
                     (f"o{τ}", "o"))
        if r == T - 1:  # nothing flows back from t = T + 1
            zeros = sum((self.row(k, r) for k in TERM_KEYS[1:]), ())
            self.steps.append(_vstep(
                "backward", f"δc{_s(T + 1)} = 0",
                f"δc{τ} from c{τn} and via the peepholes at t = {T + 1} (none: t = {T} is the "
                "last step)", "", (), zeros, np.zeros(len(zeros)), ""))
            self.elementwise(r, unit, "dc", lambda J: f"δc{τ}{J}",
                             lambda J, M: (f"δc{τ}{J} = δh{τ}{J}{M}(1 − tanh²(o{τ}{J}{M}c{τ}{J}))"
                                           f"{M}o{τ}{J}"),
                             list(TERM_KEYS), lambda j: fmt(t["dc_from_h"][r, j]))
        else:
            full = (f"δh{τ}·(1 − tanh²(o{τ}c{τ}))·o{τ} + δc{τn}·f{τn} + δf̂{τn}·W_fcᵀ + "
                    f"δî{τn}·W_icᵀ + δô{τn}·W_ocᵀ")
            self.elementwise(r, unit, "dc", lambda J: f"δc{τ}{J}",
                             lambda J, M: f"δc{τ}{J} = ({full}){J}" if J else f"δc{τ} = {full}",
                             list(TERM_KEYS),
                             lambda j: " + ".join(fp(t[k][r, j]) for k in TERM_KEYS))
        for d, (sym, name) in (("df", (f"c{τp}", "cprev")), ("di", (f"g{τ}", "g")),
                               ("dg", (f"i{τ}", "i"))):
            self.product(r, unit, d, lambda J, d=d: f"δ{d[1]}{τ}{J}", (f"δc{τ}", "dc"),
                         (sym, name))
        for hat, d, gate in (("df_hat", "df", "f"), ("di_hat", "di", "i"),
                             ("do_hat", "do", "o")):
            sym = _HAT[hat]
            self.elementwise(
                r, unit, hat, lambda J, sym=sym: f"{sym}{τ}{J}",
                lambda J, M, sym=sym, gate=gate:
                    f"{sym}{τ}{J} = δ{gate}{τ}{J}{M}{gate}{τ}{J}{M}(1 − {gate}{τ}{J})",
                [d, gate],
                lambda j, d=d, gate=gate: (f"{fp(v[d][j])} · {fp(v[gate][j])} · "
                                           f"(1 − {fp(v[gate][j])})"))
        self.elementwise(r, unit, "dg_hat", lambda J: f"δĝ{τ}{J}",
                         lambda J, M: f"δĝ{τ}{J} = δg{τ}{J}{M}(1 − g{τ}{J}²)", ["dg", "g"],
                         lambda j: f"{fp(v['dg'][j])} · (1 − {fp(v['g'][j])}²)")
        # δx_t = δf̂_t·W_fᵀ + δî_t·W_iᵀ + δô_t·W_oᵀ + δĝ_t·W_cᵀ
        pairs = (("df_hat", "W_f"), ("di_hat", "W_i"), ("do_hat", "W_o"), ("dg_hat", "W_c"))
        full = " + ".join(f"{_HAT[d]}{τ}·{w}ᵀ" for d, w in pairs)
        hat_rows = sum((self.row(d, r) for d, _ in pairs), ())
        if unit:
            for k in range(n_in):
                terms = [p for d, w in pairs for p in products(t[d][r], t[w][k])]
                reads = hat_rows + tuple((w, (k, j)) for _, w in pairs for j in range(n_h))
                self.add(True, f"δx{τ}[{k}]", f"δx{τ}[{k}] = ({full})[{k}]", sum_text(terms),
                         reads, (("dx", (r, k)),), (t["dx"][r, k],))
        else:
            reads = hat_rows + sum((self.whole(w) for _, w in pairs), ())
            self.add(False, f"δx{τ}", f"δx{τ} = {full}", "", reads, self.row("dx", r),
                     t["dx"][r], self.note)
        # what flows to t − 1
        if r > 0:
            self.product(r - 1, unit, "dc_from_next", lambda J: f"δc{τp}{J} from c{τ}",
                         (f"δc{τ}", "dc"), (f"f{τ}", "f"), src=r)
            for term, d, w in _PEEP:
                formula = f"{_HAT[d]}{τ}·{w}ᵀ"
                if unit:
                    for j in range(n_h):
                        self.add(True, f"δc{τp}[{j}] via {w}",
                                 f"δc{τp}[{j}] via {w} = ({formula})[{j}]",
                                 sum_text(products(t[d][r], t[w][j])),
                                 self.row(d, r) + tuple((w, (j, k)) for k in range(n_h)),
                                 ((term, (r - 1, j)),), (t[term][r - 1, j],))
                else:
                    self.add(False, f"δc{τp} via {w}", f"δc{τp} via {w} = {formula}", "",
                             self.row(d, r) + self.whole(w), self.row(term, r - 1),
                             t[term][r - 1], self.note)
        else:
            full = "δc₁·f₁ + δf̂₁·W_fcᵀ + δî₁·W_icᵀ + δô₁·W_ocᵀ"
            parts = [v["dc"] * v["f"]] + [t[d][0] @ t[w].T for _, d, w in _PEEP]
            reads_v = (self.row("dc", 0) + self.row("f", 0)
                       + sum((self.row(d, 0) + self.whole(w) for _, d, w in _PEEP), ()))
            if unit:
                for j in range(n_h):
                    self.add(True, f"δc₀[{j}]", f"δc₀[{j}] = ({full})[{j}]",
                             " + ".join(fp(p[j]) for p in parts),
                             (("dc", (0, j)), ("f", (0, j)))
                             + sum((self.row(d, 0) + tuple((w, (j, k)) for k in range(n_h))
                                    for _, d, w in _PEEP), ()),
                             (("dc0", (j,)),), (t["dc0"][j],))
            else:
                sub_ = ("[" + ", ".join(" + ".join(fp(p[j]) for p in parts)
                                        for j in range(n_h)) + "]") if self.small else ""
                self.add(False, "δc₀", f"δc₀ = {full}", sub_, reads_v, self.row("dc0", 0),
                         t["dc0"], self.note)

    def backward_grouped(self, r: int) -> None:
        """The vector steps of row ``r`` merged into six: δh, δu, δo, δc from h (and, at t = T,
        the zero terms); δc; δf, δi, δg; the pre-activation deltas; δx; what flows to t − 1."""
        start = len(self.steps)
        self.backward_row(r, unit=False)
        steps = self.steps[start:]
        del self.steps[start:]
        first = 5 if r == self.T - 1 else 4
        k = 0
        for size in (first, 1, 3, 4, 1, len(steps) - first - 9):
            group = steps[k: k + size]
            k += size
            if size == 1:
                self.steps.append(group[0])
                continue
            key = next(s for s in reversed(group) if not s.title.endswith("= 0"))
            self.steps.append(BlockStep(
                phase="backward", title=f"{group[0].title} … {key.title}",
                formula="; ".join(s.formula for s in group),
                substituted=f"{key.title} = {vec(key.values)}", result=group[0].result,
                reads=tuple(dict.fromkeys(ref for s in group for ref in s.reads)),
                writes=sum((s.writes for s in group), ()),
                values=sum((s.values for s in group), ()), note=self.note))

    def backward_block(self, r0: int, r1: int) -> None:
        names = ("dh", "du", "do", "dc_from_h") + TERM_KEYS[1:] + (
            "dc", "df", "di", "dg", "df_hat", "di_hat", "do_hat", "dg_hat", "dx")
        writes = sum((self.row(k, r) for r in range(r1 - 1, r0 - 1, -1) for k in names), ())
        values = [self.t[k][r] for r in range(r1 - 1, r0 - 1, -1) for k in names]
        if r0 == 0:
            writes += self.row("dc0", 0)
            values.append(self.t["dc0"])
        reads = sum((self.row(k, r) for r in range(r0, r1) for k in
                     ("dh", "xs", "f", "i", "o", "g", "c", "h")), self.row("cprev", r0))
        if r1 < self.T:
            reads += sum((self.row(k, r1) for k in ("dc", "f", "df_hat", "di_hat", "do_hat")),
                         ())
        reads += sum((self.whole(k) for k in PARAM_KEYS), ())
        span = f"t = {r0 + 1}" if r1 == r0 + 1 else f"t = {r1} … {r0 + 1}"
        values = np.concatenate(values)
        self.steps.append(BlockStep(
            phase="backward", title=f"backward, {span}",
            formula=(f"δh, δu, δo, δc and its terms, δf, δi, δg, δf̂, δî, δô, δĝ, δx for {span}"
                     + (", then δc₀" if r0 == 0 else "")),
            substituted=f"δc{_s(r0 + 1)} = {vec(self.t['dc'][r0])}", result=float(values[0]),
            reads=reads, writes=writes, values=tuple(values.tolist()), note=self.note))

    # -- parameter gradients ----------------------------------------------------------------
    def param_grads(self, gran: str) -> None:
        t = self.t
        note = "" if gran == "element" else f"coarsened: one step per {gran}"
        for key in PARAM_KEYS:
            d, by = _PARAM_SOURCE[key]
            hat, name = _HAT[d], "d" + key
            grad = t[name]
            src = {"x": "xs", "c": "cprev"}.get(by)
            sym = {"x": "xₜ", "c": "cₜ₋₁"}.get(by)
            if gran == "tensor":
                formula = (f"Δ{key} = Σₜ {sym}ᵀ·{hat}ₜ" if by else f"Δ{key} = Σₜ {hat}ₜ")
                reads = self.whole(d) + ((self.whole("xs") if by == "x" else
                                          self.whole("c0") + self.whole("c")) if by else ())
                self.steps.append(_vstep("backward", f"Δ{key}", formula, "", reads,
                                         self.whole(name), grad.ravel(), note))
                continue
            if not by:  # a bias
                if gran == "row":
                    self.steps.append(_vstep("backward", f"Δ{key}", f"Δ{key} = Σₜ {hat}ₜ", "",
                                             self.whole(d), self.whole(name), grad, note))
                    continue
                for j in range(grad.shape[0]):
                    refs, vals = self.column(d, j)
                    self.steps.append(step("backward", f"Δ{key}[{j}]",
                                           f"Δ{key}[{j}] = Σₜ {hat}ₜ[{j}]",
                                           sum_text([fmt_paren(x) for x in vals]), refs,
                                           ((name, (j,)),), (grad[j],)))
                continue
            for k in range(grad.shape[0]):
                src_refs, src_vals = self.column(src, k)
                if gran == "row":
                    self.steps.append(_vstep("backward", f"Δ{key}[{k},:]",
                                             f"Δ{key}[{k},:] = Σₜ {sym}[{k}]·{hat}ₜ", "",
                                             src_refs + self.whole(d), self.row(name, k),
                                             grad[k], note))
                    continue
                for j in range(grad.shape[1]):
                    refs, vals = self.column(d, j)
                    self.steps.append(step("backward", f"Δ{key}[{k},{j}]",
                                           f"Δ{key}[{k},{j}] = Σₜ {sym}[{k}]·{hat}ₜ[{j}]",
                                           sum_text(products(src_vals, vals)), src_refs + refs,
                                           ((name, (k, j)),), (grad[k, j],)))
