"""The worked solution of the peephole LSTM (the sheet's Task 3), step by step.

Forward: per time step the three gates, g, c and h (one vector step each). Backward, from
t = T down to 1: δh, δu, δo, the five terms of δc_t and their sum, δf, δi, δg, the
pre-activation deltas and δx, unit by unit; then what flows to t − 1 and δc₀; then every
parameter gradient element. The numbers are those of ``lstm.forward`` and ``lstm.backward``
(never recomputed here, except the products a line substitutes). Past
:data:`~engine.steps.MAX_STEPS` steps the trace is coarsened (see :func:`solve`).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from engine import lstm, printed_sheet
from engine.lstm import GATES, PARAM_KEYS, TERM_KEYS
from engine.steps import MAX_STEPS, Step, Trace, fmt, fmt_paren, products, step, sum_text, vec
from engine.steps import sub as _s

#: Most tensor elements a worked trace writes; larger problems are declined by :func:`solve`.
MAX_TRACE_ELEMENTS = 300_000
#: Up to this many units, vector steps spell out every unit's numbers.
SMALL_UNITS = 4



class BlockStep(Step):
    """A coarsened step writing several tensors at once: its line is the formula and, in place
    of a result, the key quantity it reached (``substituted``), e.g. ``h₄ = [0.1, 0.2]``."""

    @property
    def text(self) -> str:
        return f"{self.formula}; {self.substituted}" if self.substituted else self.formula


def _vstep(phase, title, formula, substituted, reads, writes, values, note="",
           sheet_note="", result_text=None) -> Step:
    vals = tuple(np.asarray(values, dtype=np.float64).ravel().tolist())
    return Step(phase=phase, title=title, formula=formula, substituted=substituted,
                result=vals[0] if vals else float("nan"), reads=tuple(reads),
                writes=tuple(writes), values=vals, note=note, sheet_note=sheet_note,
                result_text=result_text)


def _dc0_term(key: str) -> str:
    """The tensor of δc₀'s term ``key`` (a key of ``TERM_KEYS``): ``dc0_from_next`` …"""
    return "dc0" + key[2:]


def solve(xs, params, c0, dh) -> Trace:
    """Forward over every time step, then BPTT from t = T down to 1, then ΔW, with every step.

    ``c0`` may be ``None`` (zeros). Problems whose trace would write more than
    :data:`MAX_TRACE_ELEMENTS` tensor elements are declined (use ``lstm.forward`` and
    ``lstm.backward``); longer traces than :data:`~engine.steps.MAX_STEPS` are coarsened, with a
    note: per-unit steps become per-time-step vectors, parameter gradients go per row, then per
    tensor, then each time step's backward vectors are merged into six groups (δc keeps its own
    step with its named terms), and at last one forward and one backward step covers one or more
    whole time steps.

    Tensors: the inputs (``xs, c0, dh`` and each parameter by its key), ``f i o g c h``, the
    deltas ``du do dc df di dg df_hat di_hat do_hat dg_hat dx dc0``, the terms of δc
    (:data:`TERM_KEYS`) and of δc₀ (``dc0_from_next …``, written with δc₀), and the parameter
    gradients ``dW_f …`` (``d`` + key).
    """
    run = lstm.forward(xs, params, c0)
    T, n_h = run.c.shape
    n_in = run.xs.shape[1]
    written = T * (23 * n_h + n_in) + n_h + 4 * n_in * n_h + 3 * n_h * n_h + 4 * n_h
    if written > MAX_TRACE_ELEMENTS:
        raise ValueError(f"xs: a worked solution for T = {T:,}, n_in = {n_in:,}, n_h = {n_h:,} "
                         f"would write {written:,} values, more than the "
                         f"{MAX_TRACE_ELEMENTS:,} that can be stepped through; use fewer time "
                         "steps or units")
    grads = lstm.backward(run, dh)
    tensors: dict[str, np.ndarray] = {"xs": run.xs, "c0": run.c0, "dh": grads.dh}
    tensors.update(run.params)
    tensors.update({"f": run.f, "i": run.i, "o": run.o, "g": run.g, "c": run.c, "h": run.h})
    tensors.update({"du": grads.du, "do": grads.do})
    tensors.update(grads.terms)
    tensors.update({"dc": grads.dc, "df": grads.df, "di": grads.di, "dg": grads.dg,
                    "df_hat": grads.df_hat, "di_hat": grads.di_hat, "do_hat": grads.do_hat,
                    "dg_hat": grads.dg_hat, "dx": grads.dx, "dc0": grads.dc0})
    # δc₀'s four terms (dc0_from_next …), written with δc₀
    tensors.update({_dc0_term(k): v for k, v in grads.terms0.items()})
    tensors.update({"d" + k: v for k, v in grads.params.items()})
    trace = _Tracer(tensors, T, n_in, n_h).build()
    trace.settings = {
        "layer": "peephole LSTM through time (sheet 4, Task 3)",
        "sizes": f"T = {T} time steps, n_in = {n_in} inputs, n_h = {n_h} units",
        "time": "row r of every (T, ·) tensor is time step t = r + 1; c0 is c₀, dc0 δc₀",
        "forward": "fₜ = σ(xₜ·W_f + cₜ₋₁·W_fc + b_f); iₜ = σ(xₜ·W_i + cₜ₋₁·W_ic + b_i); "
                   "oₜ = σ(xₜ·W_o + cₜ₋₁·W_oc + b_o); gₜ = tanh(xₜ·W_c + b_c); "
                   "cₜ = fₜ ⊙ cₜ₋₁ + iₜ ⊙ gₜ; hₜ = tanh(uₜ), uₜ = oₜ ⊙ cₜ",
        "backward": "δcₜ = δhₜ ⊙ (1 − tanh²(uₜ)) ⊙ oₜ + δcₜ₊₁ ⊙ fₜ₊₁ + δf̂ₜ₊₁·W_fcᵀ + "
                    "δîₜ₊₁·W_icᵀ + δôₜ₊₁·W_ocᵀ (the five terms: dc_from_h, dc_from_next, "
                    "dc_from_peep_f, dc_from_peep_i, dc_from_peep_o); δf̂, δî, δô, δĝ "
                    "(df_hat … dg_hat) are the deltas before σ and tanh; ΔW_f = Σₜ xₜᵀ·δf̂ₜ, "
                    "ΔW_fc = Σₜ cₜ₋₁ᵀ·δf̂ₜ, Δb_f = Σₜ δf̂ₜ (i, o alike); ΔW_c = Σₜ xₜᵀ·δĝₜ, "
                    "Δb_c = Σₜ δĝₜ",
        "tensors": "xs holds xₜ, dh δhₜ, du δuₜ; d + a parameter's name is its gradient "
                   "(dW_f is ΔW_f)",
    }
    return trace


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
            values, note: str = "", sheet_note: str = "", result_text: str | None = None
            ) -> None:
        if unit:
            self.steps.append(step("backward", title, formula, substituted, reads, writes,
                                   values, note, result_text, sheet_note=sheet_note))
        else:
            self.steps.append(_vstep("backward", title, formula, substituted, reads, writes,
                                     values, note, sheet_note, result_text))

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
                    sub_fn, src: int | None = None, sheet_note: str = "") -> None:
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
                         ((tensor, (r, j)),), (vals[j],),
                         sheet_note=sheet_note if j == 0 else "")  # (once, at the first unit)
        else:
            sub_ = ("[" + ", ".join(sub_fn(j) for j in range(self.n_h)) + "]"
                    if self.small else "")
            reads = sum((self.row(p, src) for p in parts), ())
            self.add(False, title(""), formula("", " ⊙ "), sub_, reads, self.row(tensor, r),
                     vals, self.note, sheet_note)

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
                         lambda J, M: (f"u{τ} = o{τ} ⊙ c{τ}, h{τ} = tanh(u{τ}): δu{τ}{J} = "
                                       f"δh{τ}{J}{M}(1 − tanh²(u{τ}{J}))"),
                         ["dh", "h"], lambda j: f"{fp(v['dh'][j])} · (1 − {fp(v['h'][j])}²)")
        self.product(r, unit, "do", lambda J: f"δo{τ}{J}", (f"δu{τ}", "du"), (f"c{τ}", "c"))
        self.product(r, unit, "dc_from_h", lambda J: f"δc{τ}{J} from h{τ}", (f"δu{τ}", "du"),
                     (f"o{τ}", "o"))
        if r == T - 1:  # nothing flows back from t = T + 1
            zeros = sum((self.row(k, r) for k in TERM_KEYS[1:]), ())
            # each of the four terms is a vector of n_h zeros (not one 4·n_h-long vector)
            self.steps.append(_vstep(
                "backward", f"δc{_s(T + 1)} = 0",
                f"δc{τ} from c{τn} and via the peepholes at t = {T + 1} (none: t = {T} is the "
                "last step)", "", (), zeros, np.zeros(len(zeros)), "",
                result_text=f"{vec(np.zeros(self.n_h))} each"))
            self.elementwise(r, unit, "dc", lambda J: f"δc{τ}{J}",
                             lambda J, M: (f"δc{τ}{J} = δh{τ}{J}{M}(1 − tanh²(u{τ}{J})){M}"
                                           f"o{τ}{J}"),
                             list(TERM_KEYS), lambda j: fmt(t["dc_from_h"][r, j]),
                             sheet_note=printed_sheet.lstm_dc(r + 1, T))
        else:
            full = (f"δh{τ}·(1 − tanh²(u{τ}))·o{τ} + δc{τn}·f{τn} + δf̂{τn}·W_fcᵀ + "
                    f"δî{τn}·W_icᵀ + δô{τn}·W_ocᵀ")
            self.elementwise(r, unit, "dc", lambda J: f"δc{τ}{J}",
                             lambda J, M: f"δc{τ}{J} = ({full}){J}" if J else f"δc{τ} = {full}",
                             list(TERM_KEYS),
                             lambda j: " + ".join(fp(t[k][r, j]) for k in TERM_KEYS),
                             sheet_note=printed_sheet.lstm_dc(r + 1, T))
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
            # δc₀ with its four terms (the line ends on δc₀; the terms are the substitution)
            terms = [_dc0_term(k) for k in TERM_KEYS[1:]]
            if unit:
                for j in range(n_h):
                    self.add(True, f"δc₀[{j}]", f"δc₀[{j}] = ({full})[{j}]",
                             " + ".join(fp(p[j]) for p in parts),
                             (("dc", (0, j)), ("f", (0, j)))
                             + sum((self.row(d, 0) + tuple((w, (j, k)) for k in range(n_h))
                                    for _, d, w in _PEEP), ()),
                             (("dc0", (j,)), *((k, (j,)) for k in terms)),
                             (t["dc0"][j], *(t[k][j] for k in terms)),
                             sheet_note=printed_sheet.lstm_dc0(T) if j == 0 else "",
                             result_text=fmt(t["dc0"][j]))
            else:
                sub_ = ("[" + ", ".join(" + ".join(fp(p[j]) for p in parts)
                                        for j in range(n_h)) + "]") if self.small else ""
                self.add(False, "δc₀", f"δc₀ = {full}", sub_, reads_v,
                         sum((self.row(k, 0) for k in ("dc0", *terms)), ()),
                         np.concatenate([t[k] for k in ("dc0", *terms)]), self.note,
                         printed_sheet.lstm_dc0(T), result_text=vec(t["dc0"]))

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
            for k in ("dc0", *(_dc0_term(k) for k in TERM_KEYS[1:])):
                writes += self.row(k, 0)
                values.append(self.t[k])
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
