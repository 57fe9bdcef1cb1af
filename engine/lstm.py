r"""Peephole LSTM through time (the sheet's Task 3): forward and backpropagation through time.

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
alone. So, given ``δh_t = ∂L/∂h_t`` for every ``t``, backpropagation through time is (in the
code δ is ``d`` and a hat ``_hat``: δf̂_t is row t − 1 of ``df_hat``)::

    δu_t = δh_t ⊙ (1 − h_t²)                  (the delta through tanh(o⊙c))
    δo_t = δu_t ⊙ c_t                         δô_t = δo_t ⊙ o_t ⊙ (1 − o_t)
    δc_t =  δu_t ⊙ o_t                        dc_from_h:       from h_t
          + δc_{t+1} ⊙ f_{t+1}                dc_from_next:    from c_{t+1} through f_{t+1}
          + δf̂_{t+1}·W_fcᵀ                    dc_from_peep_f:  through the peephole W_fc at t+1
          + δî_{t+1}·W_icᵀ                    dc_from_peep_i:  through W_ic
          + δô_{t+1}·W_ocᵀ                    dc_from_peep_o:  through W_oc
    δf_t = δc_t ⊙ c_{t-1}    δi_t = δc_t ⊙ g_t    δg_t = δc_t ⊙ i_t
    δf̂_t = δf_t ⊙ f_t ⊙ (1 − f_t)   δî_t = δi_t ⊙ i_t ⊙ (1 − i_t)   δĝ_t = δg_t ⊙ (1 − g_t²)
    δx_t = δf̂_t·W_fᵀ + δî_t·W_iᵀ + δô_t·W_oᵀ + δĝ_t·W_cᵀ
    δc₀  = δc₁ ⊙ f₁ + δf̂₁·W_fcᵀ + δî₁·W_icᵀ + δô₁·W_ocᵀ   (terms0: δc_t's terms, one step on)
    ΔW_f = Σ_t x_tᵀ·δf̂_t     ΔW_fc = Σ_t c_{t-1}ᵀ·δf̂_t     Δb_f = Σ_t δf̂_t     (i, o alike)
    ΔW_c = Σ_t x_tᵀ·δĝ_t     Δb_c = Σ_t δĝ_t

(The sheet's printed δc_i keeps only the output-gate peephole; the terms above are complete and
the tests check them against central differences.)

Speed: ``x·W`` of all time steps is one matrix product of the stacked gate weights; inside the
time loop only the peephole products and a few element-wise operations remain, and every quantity
that does not feed the recurrence (o, h, δo, δô·W_ocᵀ, the parameter gradients) is computed outside
it, vectorised over time. :func:`backward_plain` is the same backward pass written out one time
step and one term at a time, the tests' reference for the fused :func:`backward`. The worked
solution, step by step: :mod:`engine.traces.lstm`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from engine.validate import MAX_ELEMENTS, MAX_WORK_ELEMENTS, as_array, check_names, check_shape

#: Parameter keys, in the order the sheet introduces them.
PARAM_KEYS = ("W_f", "W_fc", "b_f", "W_i", "W_ic", "b_i", "W_o", "W_oc", "b_o", "W_c", "b_c")
#: The gates with a peephole: (gate, input weights, peephole, bias).
GATES = (("f", "W_f", "W_fc", "b_f"), ("i", "W_i", "W_ic", "b_i"), ("o", "W_o", "W_oc", "b_o"))
#: Longest sequence the time loop runs interactively.
MAX_T = 20_000
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
    it); ``terms0`` the four parts of ``dc0`` (each ``(n_h,)``, under ``TERM_KEYS[1:]``: no h₀
    uses c₀); ``params`` the parameter gradients under the parameters' keys.
    The rest are the intermediate deltas the trace shows (post-activation ``df …``,
    pre-activation ``df_hat …``).
    """

    dc: np.ndarray
    dx: np.ndarray
    dc0: np.ndarray
    params: dict[str, np.ndarray]
    terms: dict[str, np.ndarray]
    terms0: dict[str, np.ndarray]
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

def _check_params(params, n_in: int) -> dict[str, np.ndarray]:
    if not isinstance(params, Mapping):
        raise ValueError(f"params: the LSTM's parameters must be given by name "
                         f"({', '.join(PARAM_KEYS)}), got {type(params).__name__}")
    check_names(params, PARAM_KEYS, PARAM_KEYS, "params", "parameter", "the LSTM")
    w_f = as_array(params["W_f"], "W_f", 2, "(n_in, n_h)")
    check_shape(w_f, "W_f", (n_in, None), f"to match x's {n_in} columns (n_in)")
    n_h = w_f.shape[1]
    units = f"n_h = {n_h}, the columns of W_f"
    out = {}
    for key in PARAM_KEYS:
        if key.startswith("b_"):
            shape, layout, why = (n_h,), "(n_h,)", f"(n_h,), with {units}"
        elif key in ("W_fc", "W_ic", "W_oc"):
            shape, layout, why = (n_h, n_h), "(n_h, n_h)", f"(n_h, n_h), with {units}"
        else:
            shape, layout = (n_in, n_h), "(n_in, n_h)"
            why = f"(n_in, n_h), with n_in = {n_in}, the columns of x, and {units}"
        arr = as_array(params[key], key, len(shape), layout)
        check_shape(arr, key, shape, why)
        out[key] = arr
    return out


def _check(xs, params, c0):
    xs = as_array(xs, "xs", 2, "(T, n_in): one row per time step")
    T, n_in = xs.shape
    if T > MAX_T:
        raise ValueError(f"xs: {T:,} time steps, more than the {MAX_T:,} that can be computed "
                         "interactively; use fewer time steps")
    p = _check_params(params, n_in)
    n_h = p["W_f"].shape[1]
    if T * 4 * n_h > MAX_ELEMENTS:
        raise ValueError(f"xs: T = {T:,} time steps × 4·n_h = {4 * n_h:,} gate values is "
                         f"{T * 4 * n_h:,} elements, more than the {MAX_ELEMENTS:,} that can be "
                         "computed interactively; use fewer time steps or units")
    if T * n_h * (3 * n_h + n_in) > MAX_WORK_ELEMENTS:
        raise ValueError(f"xs: T = {T:,} time steps with n_h = {n_h:,} units needs "
                         f"{T * n_h * (3 * n_h + n_in):,} multiply-adds, more than the "
                         f"{MAX_WORK_ELEMENTS:,} that can be computed interactively; use fewer "
                         "time steps or units")
    if c0 is None:
        c0 = np.zeros(n_h)
    else:
        c0 = as_array(c0, "c0", 1, "(n_h,)")
        check_shape(c0, "c0", (n_h,), f"to match W_f's {n_h} columns (n_h, the units)")
    return xs, p, c0


def _check_dh(dh, shape: tuple[int, int]) -> np.ndarray:
    dh = as_array(dh, "dh", 2, "(T, n_h): ∂L/∂h_t for every time step")
    check_shape(dh, "dh", shape, "(T, n_h): one row per time step, like h")
    return dh


def check(xs, params, c0=None, dh=None) -> None:
    """Every check :func:`forward` and :func:`backward` make before computing (names, shapes,
    finite values, sizes), without computing: a ValueError naming the field, else None. (What
    only the computation can find, an overflow of the pre-activations, is left to it.)"""
    xs, _, c0 = _check(xs, params, c0)
    if dh is not None:
        _check_dh(dh, (xs.shape[0], c0.shape[0]))


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
    terms0 = {"dc_from_next": dc[0] * f[0], "dc_from_peep_f": df_hat[0] @ p["W_fc"].T,
              "dc_from_peep_i": di_hat[0] @ p["W_ic"].T, "dc_from_peep_o": peep_o[0]}
    return LSTMGrads(dc=dc, dx=dx, dc0=dc0, params=grads, terms=terms, terms0=terms0, dh=dh,
                     du=du, do=do,
                     df=dc * c_prev, di=dc * g, dg=dg, df_hat=df_hat, di_hat=di_hat,
                     do_hat=do_hat, dg_hat=dg_hat)


def backward_plain(run: LSTMRun, dh) -> LSTMGrads:
    """:func:`backward` written plainly: one time step at a time, from t = T down to 1, every term
    of δc_t on a line of its own and every parameter gradient summed over t (the reference the
    tests compare the fused version with, like numpy-ml's ``conv2D_naive``)."""
    if not isinstance(run, LSTMRun):
        raise ValueError(f"run: expected the result of lstm.forward, got {type(run).__name__}")
    dh = _check_dh(dh, run.h.shape)
    p = run.params
    T, n = run.c.shape
    d = {k: np.zeros((T, n)) for k in ("du", "do", "dc", "df", "di", "dg",
                                        "df_hat", "di_hat", "do_hat", "dg_hat")}
    terms = {k: np.zeros((T, n)) for k in TERM_KEYS}
    dx = np.zeros_like(run.xs)
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    for t in range(T - 1, -1, -1):
        f, i, o, g, c, h = run.f[t], run.i[t], run.o[t], run.g[t], run.c[t], run.h[t]
        c_prev, x = run.c_prev[t], run.xs[t]
        du = dh[t] * (1 - h ** 2)
        do = du * c
        do_hat = do * o * (1 - o)
        terms["dc_from_h"][t] = du * o                 # from h_t, through o_t ⊙ (1 − tanh²)
        if t + 1 < T:                                  # nothing flows back from t = T + 1
            terms["dc_from_next"][t] = d["dc"][t + 1] * run.f[t + 1]    # the carry δc_{t+1}⊙f_{t+1}
            terms["dc_from_peep_f"][t] = d["df_hat"][t + 1] @ p["W_fc"].T
            terms["dc_from_peep_i"][t] = d["di_hat"][t + 1] @ p["W_ic"].T
            terms["dc_from_peep_o"][t] = d["do_hat"][t + 1] @ p["W_oc"].T
        dc = (terms["dc_from_h"][t] + terms["dc_from_next"][t] + terms["dc_from_peep_f"][t]
              + terms["dc_from_peep_i"][t] + terms["dc_from_peep_o"][t])
        df, di, dg = dc * c_prev, dc * g, dc * i
        df_hat, di_hat, dg_hat = df * f * (1 - f), di * i * (1 - i), dg * (1 - g ** 2)
        dx[t] = (df_hat @ p["W_f"].T + di_hat @ p["W_i"].T + do_hat @ p["W_o"].T
                 + dg_hat @ p["W_c"].T)
        for gate, hat in (("f", df_hat), ("i", di_hat), ("o", do_hat), ("c", dg_hat)):
            grads[f"W_{gate}"] += np.outer(x, hat)
            grads[f"b_{gate}"] += hat
            if gate != "c":
                grads[f"W_{gate}c"] += np.outer(c_prev, hat)
        for k, v in (("du", du), ("do", do), ("dc", dc), ("df", df), ("di", di), ("dg", dg),
                     ("df_hat", df_hat), ("di_hat", di_hat), ("do_hat", do_hat),
                     ("dg_hat", dg_hat)):
            d[k][t] = v
    terms0 = {"dc_from_next": d["dc"][0] * run.f[0],       # (c₀ feeds no h)
              "dc_from_peep_f": d["df_hat"][0] @ p["W_fc"].T,
              "dc_from_peep_i": d["di_hat"][0] @ p["W_ic"].T,
              "dc_from_peep_o": d["do_hat"][0] @ p["W_oc"].T}
    dc0 = (terms0["dc_from_next"] + terms0["dc_from_peep_f"] + terms0["dc_from_peep_i"]
           + terms0["dc_from_peep_o"])
    return LSTMGrads(dx=dx, dc0=dc0, params={k: grads[k] for k in PARAM_KEYS}, terms=terms,
                     terms0=terms0, dh=dh, **d)
