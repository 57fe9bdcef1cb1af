import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import ShapeError, lstm, traces
from engine.examples import EXAMPLES_DIR, load
from engine.steps import MAX_STEPS, fmt, fmt_paren
from tests.engine.gradcheck import numeric_grad


def make(T, n_in, n_h, seed=0, scale=0.6):
    rng = np.random.default_rng(seed)
    shapes = {k: (n_h,) if k.startswith("b_") else (n_h, n_h) if k in ("W_fc", "W_ic", "W_oc")
              else (n_in, n_h) for k in lstm.PARAM_KEYS}
    params = {k: rng.normal(scale=scale, size=s) for k, s in shapes.items()}
    return (rng.normal(size=(T, n_in)), params, rng.normal(size=n_h),
            rng.normal(size=(T, n_h)))


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def reference_forward(xs, p, c0):
    """The sheet's equations, one time step and one unit at a time."""
    T, n_h = xs.shape[0], p["b_f"].shape[0]
    out = {k: np.zeros((T, n_h)) for k in "fiogch"}
    c_prev = c0
    for t in range(T):
        for j in range(n_h):
            def pre(w, wc, b, j=j, t=t, c_prev=c_prev):
                return (sum(xs[t, k] * p[w][k, j] for k in range(xs.shape[1]))
                        + sum(c_prev[k] * p[wc][k, j] for k in range(n_h)) + p[b][j])
            out["f"][t, j] = sigmoid(pre("W_f", "W_fc", "b_f"))
            out["i"][t, j] = sigmoid(pre("W_i", "W_ic", "b_i"))
            out["o"][t, j] = sigmoid(pre("W_o", "W_oc", "b_o"))
            out["g"][t, j] = np.tanh(sum(xs[t, k] * p["W_c"][k, j] for k in range(xs.shape[1]))
                                     + p["b_c"][j])
            out["c"][t, j] = out["f"][t, j] * c_prev[j] + out["i"][t, j] * out["g"][t, j]
            out["h"][t, j] = np.tanh(out["o"][t, j] * out["c"][t, j])  # tanh(o·c), not o·tanh(c)
        c_prev = out["c"][t]
    return out


SHAPES = [(1, 3, 2), (1, 1, 1), (4, 3, 5), (5, 2, 3), (3, 4, 4), (6, 1, 2)]


@pytest.mark.parametrize("shape", SHAPES)
def test_forward_matches_the_sheets_equations(shape):
    xs, p, c0, _ = make(*shape, seed=3)
    run = lstm.forward(xs, p, c0)
    ref = reference_forward(xs, p, c0)
    for k in "fiogch":
        np.testing.assert_allclose(getattr(run, k), ref[k], rtol=1e-12, atol=1e-14, err_msg=k)
    n = run.n_h
    for k, gate in enumerate((sigmoid, sigmoid, sigmoid, np.tanh)):  # pre = [f̂ î ô ĝ]
        np.testing.assert_allclose(gate(run.pre[:, k * n: (k + 1) * n]), ref["fiog"[k]],
                                   rtol=1e-12, atol=1e-14, err_msg="pre " + "fiog"[k])
    np.testing.assert_array_equal(run.c_prev, np.vstack([c0, run.c[:-1]]))


def test_c0_defaults_to_zeros_and_inputs_are_not_modified():
    xs, p, _, _ = make(3, 2, 3)
    copies = {k: v.copy() for k, v in p.items()}
    xs_copy = xs.copy()
    a = lstm.forward(xs, p)
    b = lstm.forward(xs, p, np.zeros(3))
    np.testing.assert_array_equal(a.h, b.h)
    np.testing.assert_array_equal(a.c0, np.zeros(3))
    np.testing.assert_array_equal(xs, xs_copy)
    for k in p:
        np.testing.assert_array_equal(p[k], copies[k], err_msg=k)


@pytest.mark.parametrize("backward", [lstm.backward, lstm.backward_plain])
@pytest.mark.parametrize("shape", SHAPES)
def test_gradients_match_central_differences(shape, backward):
    xs, p, c0, dh = make(*shape, seed=11)
    g = backward(lstm.forward(xs, p, c0), dh)

    def loss(xs_=xs, p_=p, c0_=c0):
        return float(np.sum(lstm.forward(xs_, p_, c0_).h * dh))

    tol = {"rtol": 1e-6, "atol": 1e-8}
    for key in lstm.PARAM_KEYS:
        num = numeric_grad(lambda v, key=key: loss(p_={**p, key: v}), p[key])
        np.testing.assert_allclose(g.params[key], num, **tol, err_msg=f"d{key}")
    np.testing.assert_allclose(g.dx, numeric_grad(lambda v: loss(xs_=v), xs), **tol,
                               err_msg="dx")
    np.testing.assert_allclose(g.dc0, numeric_grad(lambda v: loss(c0_=v), c0), **tol,
                               err_msg="dc0")
    assert list(g.params) == list(lstm.PARAM_KEYS)


@pytest.mark.parametrize("shape", SHAPES + [(7, 2, 6)])
def test_fused_backward_equals_the_plain_term_by_term_one(shape):
    xs, p, c0, dh = make(*shape, seed=17)
    run = lstm.forward(xs, p, c0)
    fused, plain = lstm.backward(run, dh), lstm.backward_plain(run, dh)
    tol = {"rtol": 1e-12, "atol": 1e-14}
    for name in ("dc", "dx", "dc0", "dh", "du", "do", "df", "di", "dg", "df_hat", "di_hat",
                 "do_hat", "dg_hat"):
        np.testing.assert_allclose(getattr(fused, name), getattr(plain, name), **tol,
                                   err_msg=name)
    assert list(plain.terms) == list(lstm.TERM_KEYS) and list(plain.params) == list(p)
    for key in lstm.TERM_KEYS:
        np.testing.assert_allclose(fused.terms[key], plain.terms[key], **tol, err_msg=key)
    for key in lstm.TERM_KEYS[1:]:
        np.testing.assert_allclose(fused.terms0[key], plain.terms0[key], **tol, err_msg=key)
    for key in lstm.PARAM_KEYS:
        np.testing.assert_allclose(fused.params[key], plain.params[key], **tol,
                                   err_msg="d" + key)


@pytest.mark.parametrize("shape", [(4, 3, 5), (5, 2, 3), (3, 1, 1)])
def test_dc_is_the_total_derivative_with_respect_to_each_c_t(shape):
    """Perturb c_t itself: L(c_t) = δh_t·tanh(o_t⊙c_t) + the loss of the run continued from c_t.

    (o_t depends on c_{t-1}, not on c_t, so it is held fixed.)
    """
    xs, p, c0, dh = make(*shape, seed=5)
    run = lstm.forward(xs, p, c0)
    g = lstm.backward(run, dh)
    T = xs.shape[0]
    for t in range(T):
        def loss_of_ct(ct, t=t):
            val = float(np.sum(dh[t] * np.tanh(run.o[t] * ct)))
            if t + 1 < T:
                val += float(np.sum(lstm.forward(xs[t + 1:], p, ct).h * dh[t + 1:]))
            return val
        num = numeric_grad(loss_of_ct, run.c[t])
        np.testing.assert_allclose(g.dc[t], num, rtol=1e-6, atol=1e-8, err_msg=f"dc[{t}]")


@pytest.mark.parametrize("shape", SHAPES)
def test_dc_is_the_sum_of_its_named_terms(shape):
    xs, p, c0, dh = make(*shape, seed=2)
    run = lstm.forward(xs, p, c0)
    g = lstm.backward(run, dh)
    assert tuple(g.terms) == lstm.TERM_KEYS
    np.testing.assert_allclose(sum(g.terms.values()), g.dc, rtol=1e-12, atol=1e-14)
    # each term is what its name says
    du = dh * (1 - run.h ** 2)
    np.testing.assert_allclose(g.terms["dc_from_h"], du * run.o, rtol=1e-13)
    np.testing.assert_allclose(g.terms["dc_from_next"][:-1], g.dc[1:] * run.f[1:], rtol=1e-13)
    for gate, key in (("f", "W_fc"), ("i", "W_ic"), ("o", "W_oc")):
        hat = getattr(g, f"d{gate}_hat")
        np.testing.assert_allclose(g.terms[f"dc_from_peep_{gate}"][:-1], hat[1:] @ p[key].T,
                                   rtol=1e-12, atol=1e-15, err_msg=gate)
    for k in lstm.TERM_KEYS[1:]:  # nothing flows back from t = T + 1
        np.testing.assert_array_equal(g.terms[k][-1], 0, err_msg=k)
    # δc₀ is the same flow one step further back
    expected = (g.dc[0] * run.f[0] + g.df_hat[0] @ p["W_fc"].T + g.di_hat[0] @ p["W_ic"].T
                + g.do_hat[0] @ p["W_oc"].T)
    np.testing.assert_allclose(g.dc0, expected, rtol=1e-12, atol=1e-15)
    # … and its terms are δc_t's, one step further back (none from an h₀)
    assert tuple(g.terms0) == lstm.TERM_KEYS[1:]
    np.testing.assert_allclose(sum(g.terms0.values()), g.dc0, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(g.terms0["dc_from_next"], g.dc[0] * run.f[0], rtol=1e-13)
    for gate, key in (("f", "W_fc"), ("i", "W_ic"), ("o", "W_oc")):
        np.testing.assert_allclose(g.terms0[f"dc_from_peep_{gate}"],
                                   getattr(g, f"d{gate}_hat")[0] @ p[key].T, rtol=1e-12,
                                   atol=1e-15, err_msg=gate)


def test_every_peephole_term_matters():
    """With the output-gate peephole alone (the sheet's printed δc) the gradient is wrong."""
    xs, p, c0, dh = make(4, 2, 3, seed=9)
    g = lstm.backward(lstm.forward(xs, p, c0), dh)
    for k in lstm.TERM_KEYS:
        assert np.abs(g.terms[k]).max() > 1e-4, k


def test_extreme_gates_saturate_without_warnings():
    xs, p, c0, dh = make(3, 2, 2)
    p = {**p, "b_f": np.array([-1000.0, 1000.0]), "b_o": np.array([800.0, -800.0])}
    run = lstm.forward(xs, p, c0)   # RuntimeWarnings from engine/ are errors in this suite
    assert run.f[:, 0].max() == 0 and run.f[:, 1].min() == 1
    g = lstm.backward(run, dh)
    assert np.isfinite(g.dc).all() and np.isfinite(g.dc0).all()


# ---------------------------------------------------------------------------------------------
# The worked trace

def test_example_is_task3_with_chosen_numbers():
    data = json.loads((EXAMPLES_DIR / "lstm.json").read_text(encoding="utf-8"))
    ex = load("lstm")
    assert "no numbers" in ex.description
    inp = data["inputs"]
    assert np.shape(inp["xs"]) == (3, 2) and np.shape(inp["dh"]) == (3, 2)
    assert inp["c0"] == [0, 0]
    for k in lstm.PARAM_KEYS:
        vals = np.ravel(inp["params"][k])
        assert np.all((np.abs(vals) >= 0.1) & (np.abs(vals) <= 0.9)), k
        np.testing.assert_array_equal(vals, np.round(vals, 1), err_msg=k)


def test_example_trace_reads_like_a_worked_solution():
    ex = load("lstm")
    t = ex.solve()
    g = lstm.backward(lstm.forward(ex.inputs["xs"], ex.inputs["params"], ex.inputs["c0"]),
                      ex.inputs["dh"])
    np.testing.assert_array_equal(t.tensors["dc"], g.dc)
    assert t.note == ""
    assert len(t) <= MAX_STEPS
    titles = [s.title for s in t.steps]
    # forward: f, i, o, g, c, h per time step, each a vector step writing its row
    assert titles[:6] == ["f₁", "i₁", "o₁", "g₁", "c₁", "h₁"]
    assert titles[12:18] == ["f₃", "i₃", "o₃", "g₃", "c₃", "h₃"]
    f1 = t.steps[0]
    assert f1.writes == (("f", (0, 0)), ("f", (0, 1)))
    assert f1.text.startswith("f₁ = σ(x₁·W_f + c₀·W_fc + b_f) = σ([")
    f_row = t.tensors["f"][0]
    assert f1.text.endswith(f" = [{fmt(f_row[0])}, {fmt(f_row[1])}]")
    assert t.steps[5].formula == "h₁ = tanh(o₁ ⊙ c₁)"
    # backward runs from t = 3 down to 1
    back = [s for s in t.steps if s.phase == "backward"]
    assert back[0].title == "δh₃[0]" and back[0].formula == "δh₃[0] = ∂L/∂h₃[0] (given)"
    order = [titles.index(x) for x in ("δh₃[0]", "δu₃[0]", "δo₃[0]", "δc₃[0]", "δf₃[0]",
                                       "δi₃[0]", "δg₃[0]", "δf̂₃[0]", "δî₃[0]", "δô₃[0]",
                                       "δĝ₃[0]", "δx₃[0]", "δc₂[0] from c₃",
                                       "δc₂[0] via W_fc", "δh₂[0]", "δc₁[0]", "δc₀[0]",
                                       "ΔW_f[0,0]", "Δb_c[1]")]
    assert order == sorted(order)
    # δc₂ names and values every term, and they add up to it
    dc2 = t.steps[titles.index("δc₂[0]")]
    assert dc2.formula == ("δc₂[0] = (δh₂·(1 − tanh²(u₂))·o₂ + δc₃·f₃ + δf̂₃·W_fcᵀ + "
                           "δî₃·W_icᵀ + δô₃·W_ocᵀ)[0]")
    terms = [t.tensors[k][1, 0] for k in lstm.TERM_KEYS]
    assert dc2.substituted == " + ".join(fmt_paren(v) for v in terms)
    assert dc2.result == g.dc[1, 0]
    assert set(dc2.reads) == {(k, (1, 0)) for k in lstm.TERM_KEYS}
    assert dc2.writes == (("dc", (1, 0)),)
    # the terms were written before δc₂ reads them
    for k in lstm.TERM_KEYS:
        first = next(n for n, s in enumerate(t.steps) if (k, (1, 0)) in s.writes)
        assert first < titles.index("δc₂[0]"), k
    peep = t.steps[titles.index("δc₂[1] via W_ic")]
    assert peep.formula == "δc₂[1] via W_ic = (δî₃·W_icᵀ)[1]"
    assert peep.result == t.tensors["dc_from_peep_i"][1, 1]
    dc0 = t.steps[titles.index("δc₀[1]")]
    assert dc0.writes[0] == ("dc0", (1,)) and dc0.result == g.dc0[1]
    # … with its four terms (the chart of δc₀'s terms), while the line ends on δc₀ alone
    assert dc0.writes[1:] == tuple(("dc0" + k[2:], (1,)) for k in lstm.TERM_KEYS[1:])
    assert dc0.values[1:] == tuple(g.terms0[k][1] for k in lstm.TERM_KEYS[1:])
    assert dc0.text.endswith(f" = {fmt(g.dc0[1])}")
    dw = t.steps[titles.index("ΔW_fc[1,0]")]
    assert dw.formula == "ΔW_fc[1,0] = Σₜ cₜ₋₁[1]·δf̂ₜ[0]"
    assert dw.writes == (("dW_fc", (1, 0)),) and dw.result == g.params["W_fc"][1, 0]


def test_trace_tensor_names():
    xs, p, c0, dh = make(2, 3, 2)
    t = traces.lstm.solve(xs, p, c0, dh)
    expected = ({"xs", "c0", "dh", "f", "i", "o", "g", "c", "h", "dc", "dx", "dc0"}
                | set(lstm.PARAM_KEYS) | {"d" + k for k in lstm.PARAM_KEYS} | set(lstm.TERM_KEYS))
    assert expected <= set(t.tensors)
    for k in lstm.PARAM_KEYS:
        assert t.tensors["d" + k].shape == p[k].shape


@pytest.mark.parametrize(("shape", "coarse"), [
    ((3, 2, 2), ""), ((1, 3, 1), ""), ((2, 5, 3), ""),
    ((10, 5, 8), ""),                       # per unit, just under the limit
    ((1, 1, 23), "unit"),                   # per unit, parameter gradients per row
    ((6, 1, 21), "vector"),                 # per time step, parameter gradients per element
    ((40, 300, 100), "vector"),             # per time step, parameter gradients per tensor
    ((12, 5, 8), "unit"),                   # per unit, parameter gradients per row
    ((30, 3, 4), "vector"),                 # per time step
    ((64, 32, 64), "vector"),               # the benchmark's size
    ((100, 2, 2), "grouped"),               # per time step, six groups of quantities
    ((170, 2, 2), "block"),                 # one step per time step
    ((1500, 1, 1), "block"),                # several time steps per step
])
def test_replay_reproduces_the_vectorised_results(shape, coarse):
    xs, p, c0, dh = make(*shape, seed=4)
    t = traces.lstm.solve(xs, p, c0, dh)
    replayed = t.replay()
    inputs = {"xs", "c0", *lstm.PARAM_KEYS}
    assert replayed.keys() == set(t.tensors) - inputs
    for name, arr in replayed.items():
        np.testing.assert_array_equal(arr, t.tensors[name], err_msg=name)
    # every element is written exactly once
    writes = [w for s in t.steps for w in s.writes]
    assert len(writes) == len(set(writes)) == sum(t.tensors[k].size for k in replayed)
    assert len(t) <= MAX_STEPS
    assert len(t) == traces.lstm._granularity(*shape)[3]
    assert traces.lstm._granularity(*shape)[0] == (coarse or "unit")
    if coarse:
        assert "coarsened" in t.note and "too many" in t.note
        assert any("coarsened" in s.note for s in t.steps)
    else:
        assert t.note == ""


def test_coarsened_vector_steps_show_every_value():
    xs, p, c0, dh = make(64, 32, 64, seed=1)
    t = traces.lstm.solve(xs, p, c0, dh)
    assert "one step per time step" in t.note
    dc = next(s for s in t.steps if s.title == "δc₆₄" and s.phase == "backward")
    assert len(dc.writes) == 64 and dc.text.endswith("more), " + ", ".join(
        fmt(v) for v in t.tensors["dc"][63, -4:]) + "]")
    dc5 = next(s for s in t.steps if s.title == "δc₅")
    assert "δc₆·f₆ + δf̂₆·W_fcᵀ + δî₆·W_icᵀ + δô₆·W_ocᵀ" in dc5.formula


@settings(max_examples=25, deadline=None)
@given(T=st.integers(1, 5), n_in=st.integers(1, 4), n_h=st.integers(1, 4),
       seed=st.integers(0, 10_000))
def test_property_replay_and_terms(T, n_in, n_h, seed):
    xs, p, c0, dh = make(T, n_in, n_h, seed=seed, scale=1.5)
    t = traces.lstm.solve(xs, p, c0, dh)
    for name, arr in t.replay().items():
        np.testing.assert_array_equal(arr, t.tensors[name], err_msg=name)
    total = sum(t.tensors[k] for k in lstm.TERM_KEYS)
    np.testing.assert_allclose(total, t.tensors["dc"], rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------------------------------------
# Bad input

XS, P, C0, DH = make(3, 2, 2)


def without(key):
    return {k: v for k, v in P.items() if k != key}


def with_(key, value):
    return {**P, key: value}


@pytest.mark.parametrize(("args", "error", "match"), [
    ((XS, without("W_ic")), ValueError, r"^W_ic: W_ic is missing; the LSTM needs W_f, "),
    ((XS, {**P, "W_x": [[1.0]]}), ValueError, r"^params: unknown parameter 'W_x'"),
    ((XS, [1, 2]), ValueError, r"^params: the LSTM's parameters must be given by name"),
    ((XS, with_("W_fc", np.ones((2, 3)))), ShapeError,
     r"^W_fc: W_fc has shape \(2, 3\); it needs shape \(2, 2\) \(n_h, n_h\), with n_h = 2, "
     r"the columns of W_f$"),
    ((XS, with_("W_c", np.ones((3, 2)))), ShapeError,
     r"^W_c: W_c has shape \(3, 2\); it needs shape \(2, 2\) \(n_in, n_h\), with n_in = 2, "
     r"the columns of x, and n_h = 2"),
    ((XS, with_("W_f", np.ones((3, 2)))), ShapeError,
     r"^W_f: W_f has shape \(3, 2\); it needs 2 rows to match x's 2 columns \(n_in\)$"),
    ((XS, with_("b_o", np.ones(3))), ShapeError, r"^b_o: b_o has shape \(3,\); it needs shape "
                                                 r"\(2,\)"),
    ((XS, with_("b_o", np.ones((1, 2)))), ShapeError, r"^b_o: b_o must be 1-D"),
    ((XS, with_("W_i", [[0.1, float("nan")], [0.2, 0.3]])), ValueError,
     r"^W_i: W_i\[0,1\] is nan"),
    ((XS, with_("b_f", [0.1, "x"])), ValueError, r"^b_f: b_f\[1\] is 'x', not a number"),
    ((np.array([[1.0, np.inf]]), P), ValueError, r"^xs: x\[0,1\] is inf"),
    (([[1, "a"], [2, 3]], P), ValueError, r"^xs: x\[0,1\] is 'a', not a number"),
    (([1.0, 2.0], P), ShapeError, r"^xs: x must be 2-D \(T, n_in\)"),
    ((np.zeros((0, 2)), P), ShapeError, r"^xs: x is empty"),
    ((XS, P, [0.0, 0.0, 0.0]), ShapeError, r"^c0: c₀ has shape \(3,\); it needs shape \(2,\) "
                                           r"to match W_f's 2 columns \(n_h, the units\)$"),
    ((XS, P, [0.0, float("nan")]), ValueError, r"^c0: c₀\[1\] is nan"),
    ((np.zeros((lstm.MAX_T + 1, 1)), make(1, 1, 1)[1]), ValueError,
     r"^xs: 20,001 time steps, more than the 20,000"),
    ((np.full((2, 2), 1e200), with_("W_f", np.full((2, 2), 1e200))), ValueError,
     r"^params: the pre-activations overflowed"),
])
def test_bad_input_names_the_argument(args, error, match):
    with pytest.raises(error, match=match):
        lstm.forward(*args)
    with pytest.raises(error, match=match):
        traces.lstm.solve(*(args + (None,) * (3 - len(args))), DH)


@pytest.mark.parametrize(("dh", "error", "match"), [
    (np.zeros((2, 2)), ShapeError, r"^dh: δh has shape \(2, 2\); it needs shape \(3, 2\)"),
    (np.zeros(2), ShapeError, r"^dh: δh must be 2-D"),
    ([[0, 0], [0, np.nan], [0, 0]], ValueError, r"^dh: δh\[1,1\] is nan"),
    (None, ValueError, r"^dh: "),
])
def test_bad_dh(dh, error, match):
    with pytest.raises(error, match=match):
        lstm.backward(lstm.forward(XS, P, C0), dh)
    with pytest.raises(error, match=match):
        traces.lstm.solve(XS, P, C0, dh)


def test_backward_needs_a_run():
    with pytest.raises(ValueError, match=r"^run: expected the result of lstm.forward"):
        lstm.backward({"h": XS}, DH)


def test_a_trace_too_large_to_step_through_is_declined():
    xs, p, c0, dh = make(1000, 1, 16)
    lstm.backward(lstm.forward(xs, p, c0), dh)  # the numbers themselves are fine
    with pytest.raises(ValueError, match=r"^xs: a worked solution .* more than the 300,000"):
        traces.lstm.solve(xs, p, c0, dh)


def test_grouped_steps_keep_dc_with_its_terms():
    xs, p, c0, dh = make(100, 2, 2, seed=8)
    t = traces.lstm.solve(xs, p, c0, dh)
    assert "group of quantities" in t.note and len(t) == 6 * 100 * 2 + len(lstm.PARAM_KEYS)
    dc = next(s for s in t.steps if s.title == "δc₉₉")
    assert dc.writes == (("dc", (98, 0)), ("dc", (98, 1)))
    assert dc.substituted.startswith("[" + " + ".join(
        fmt_paren(t.tensors[k][98, 0]) for k in lstm.TERM_KEYS) + ", ")
    first = next(s for s in t.steps if s.phase == "backward")
    assert first.title == "δh₁₀₀ … δc₁₀₀ from h₁₀₀"
    assert {name for name, _ in first.writes} == {"dh", "du", "do", *lstm.TERM_KEYS}
    assert len(first.writes) == 8 * 2


def test_check_refuses_what_forward_and_backward_refuse_without_computing():
    """``lstm.check`` (the panel's test of an opened session): the same messages as forward and
    backward, and None for inputs they compute."""
    xs, p, c0, dh = make(3, 2, 4, seed=1)
    assert lstm.check(xs, p, c0, dh) is None
    bad_cases = [(xs, {**p, "W_ic": np.ones((3, 3))}, c0, dh), (xs, p, np.ones(3), dh),
                 (xs, p, c0, np.ones((3, 2))), (np.ones((3, 5)), p, c0, dh),
                 (xs, {k: v for k, v in p.items() if k != "b_o"}, c0, dh),
                 (xs, {**p, "W_f": np.full((2, 4), np.inf)}, c0, dh)]
    for case in bad_cases:
        with pytest.raises(ValueError) as expected:
            lstm.backward(lstm.forward(*case[:3]), case[3])
        with pytest.raises(ValueError) as got:
            lstm.check(*case)
        assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("n_h", [1, 2, 3])
def test_the_zero_terms_at_t_T_print_as_vectors_of_n_h(n_h):
    """δc_T gets nothing from t = T + 1: each of the four terms is a vector of n_h zeros, and
    the line says so (it printed one 4·n_h-long vector of zeros)."""
    xs, p, c0, dh = make(3, 2, n_h, seed=6)
    t = traces.lstm.solve(xs, p, c0, dh)
    zero = next(s for s in t.steps if s.title == "δc₄ = 0")
    assert zero.text.endswith(" = [" + ", ".join(["0"] * n_h) + "] each"), zero.text
    assert len(zero.writes) == 4 * n_h and set(zero.values) == {0.0}
