"""The term-by-term backward passes (engine/practice/by_hand.py): with nothing dropped they give
the engine's numbers; each switch drops exactly its term."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import autodiff, lstm
from engine.practice import by_hand, exercise

SEEDS = st.integers(0, 10**6)


def _lstm_inputs(ex):
    return (ex.inputs[k] for k in ("xs", "params", "c0", "dh"))


def _engine_lstm(ex):
    xs, params, c0, dh = _lstm_inputs(ex)
    run = lstm.forward(xs, params, c0)
    grads = lstm.backward(run, dh)
    return run, grads


def _by_hand_lstm(ex, **switches):
    xs, params, c0, dh = _lstm_inputs(ex)
    return by_hand.lstm_backward(xs, params, c0, lstm.forward(xs, params, c0), dh, **switches)


def _assert_lstm_equal(ex):
    _, grads = _engine_lstm(ex)
    ours = _by_hand_lstm(ex)
    # The engine sums the f and i peephole terms in one product of the stacked matrices; here
    # they are three products, as on paper: the same numbers up to the order of the additions.
    np.testing.assert_allclose(ours["dc"], grads.dc, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(ours["dx"], grads.dx, rtol=1e-13, atol=1e-16)
    for key, value in grads.params.items():
        np.testing.assert_allclose(ours["d" + key], value, rtol=1e-13, atol=1e-16, err_msg=key)


def test_lstm_with_nothing_dropped_is_the_engine_on_the_example():
    _assert_lstm_equal(exercise("lstm"))


@settings(max_examples=25, deadline=None)
@given(SEEDS)
def test_lstm_with_nothing_dropped_is_the_engine_on_fresh_exercises(seed):
    _assert_lstm_equal(exercise("lstm", seed))


def test_lstm_each_switch_drops_its_term_and_changes_the_earlier_steps():
    """Worked from the engine's forward run and its δc alone: at t = T−1 each switch leaves out
    exactly its term; at t = 1 the loss has travelled down the recursion."""
    ex = exercise("lstm")
    run, grads = _engine_lstm(ex)
    dh = np.asarray(ex.inputs["dh"], dtype=float)
    W_oc = np.asarray(ex.inputs["params"]["W_oc"], dtype=float)
    du = dh * (1 - run.h ** 2)                       # through h_t = tanh(o_t ⊙ c_t)
    from_h = du * run.o
    carry = grads.dc[-1] * run.f[-1]                 # δc_T ⊙ f_T, into δc_(T−1)
    peep_o = (du[-1] * run.c[-1] * run.o[-1] * (1 - run.o[-1])) @ W_oc.T
    np.testing.assert_allclose(grads.dc[-1], from_h[-1], rtol=1e-13)   # δc_T: only from h_T

    no_carry = _by_hand_lstm(ex, forget_carry=False)["dc"]
    np.testing.assert_allclose(no_carry[-1], grads.dc[-1], rtol=1e-13)
    np.testing.assert_allclose(no_carry[-2], grads.dc[-2] - carry, rtol=1e-12)
    no_peep = _by_hand_lstm(ex, peepholes=())["dc"]
    np.testing.assert_allclose(no_peep[-2], from_h[-2] + carry, rtol=1e-12)
    only_o = _by_hand_lstm(ex, peepholes=("o",))["dc"]
    np.testing.assert_allclose(only_o[-2], from_h[-2] + carry + peep_o, rtol=1e-12)
    no_o = _by_hand_lstm(ex, from_h="no o factor")["dc"]
    np.testing.assert_allclose(no_o[-1], du[-1], rtol=1e-13)
    usual = _by_hand_lstm(ex, from_h="o⊙tanh(c)")["dc"]
    np.testing.assert_allclose(usual[-1], dh[-1] * run.o[-1] * (1 - np.tanh(run.c[-1]) ** 2),
                               rtol=1e-13)
    for wrong in (no_carry, no_peep, only_o, no_o, usual):
        # every slip changes δc_1 too (a dropped carry or peephole only through the recursion)
        assert not np.allclose(wrong[0], grads.dc[0], rtol=1e-6)


def test_lstm_refuses_an_unknown_from_h():
    ex = exercise("lstm")
    with pytest.raises(ValueError, match="from_h"):
        _by_hand_lstm(ex, from_h="tanh(c)")


def _assert_adjoints_equal(expression, values, exact=True):
    ev = autodiff.evaluate(expression, values)
    ours = by_hand.adjoints(ev.nodes)
    theirs = np.array([node.adjoint for node in ev.nodes])
    if exact:
        np.testing.assert_array_equal(ours, theirs)
    else:
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-300)


def test_adjoints_with_nothing_dropped_are_the_engines_exactly_on_the_example():
    ex = exercise("autodiff")
    _assert_adjoints_equal(ex.inputs["expression"], ex.inputs["values"])
    ev = autodiff.evaluate(ex.inputs["expression"], ex.inputs["values"])
    np.testing.assert_allclose(by_hand.adjoints(ev.nodes)[:2], [1.1814051463486366,
                                                                0.09070257317431829])


@settings(max_examples=30, deadline=None)
@given(SEEDS)
def test_adjoints_with_nothing_dropped_are_the_engines_exactly_on_fresh_exercises(seed):
    ex = exercise("autodiff", seed)
    _assert_adjoints_equal(ex.inputs["expression"], ex.inputs["values"])


@pytest.mark.parametrize("expression", [
    "x*x*y + sin(x*y) - exp(-y) / (1 + x*x)",
    "tanh(a*b + c) * (a - b) ** 2 + log(c * c + 1) - sqrt(a*a + 2)",
    "sigmoid(x) * relu(y - 1) + abs(x - y) * 2 - -x",
])
def test_adjoints_with_nothing_dropped_match_the_engine_on_larger_expressions(expression):
    names = sorted({n for n in ("x", "y", "a", "b", "c") if n in expression})
    values = {n: 0.7 + 0.4 * k for k, n in enumerate(names)}
    _assert_adjoints_equal(expression, values, exact=False)


def test_adjoint_switches_on_the_sheets_graph():
    """v0 = x1, v1 = x2, v2 = v0·v1, v3 = cos(v2), v4 = v3 + v2 + v0."""
    ev = autodiff.evaluate("cos(x1*x2) + x1*x2 + x1", {"x1": 1, "x2": 2})
    nodes = ev.nodes
    s = np.sin(2.0)
    uses = by_hand.uses(nodes)
    assert uses[2] == [(4, 1), (3, 0)] and uses[0] == [(4, 2), (2, 0)]
    # the path v2 → v4 lost: v̄2 = v̄3·(−sin v2) only
    lost = by_hand.adjoints(nodes, lost=(4, 1))
    np.testing.assert_allclose(lost[2], -s)
    np.testing.assert_allclose(lost[0], 1 + 2 * (-s))       # and it reaches v̄0 through v2
    # a wrong sign for d cos: v̄2 = 1 + sin(2)
    flipped = by_hand.adjoints(nodes, partial=lambda i, k, d: -d if i == 3 else d)
    np.testing.assert_allclose(flipped[2], 1 + s)
    np.testing.assert_allclose(flipped[1], (1 + s) * 1)
    # assigned at v0: only the last contribution (from v2, met last) stays
    assigned = by_hand.adjoints(nodes, assigned=0)
    np.testing.assert_allclose(assigned[0], (1 - s) * 2)
