r"""Backward passes written out term by term, as a student does by hand, with a switch per term.

The mistakes that leave out a term of a recursion cannot be simulated from the engine's results:
a term forgotten at t changes δc_t and, through the recursion, every earlier δc. So the two
recursions are derived again here, plainly, named after the math, reading only the engine's
public results (``lstm.forward``'s run, ``autodiff.evaluate``'s nodes). With every switch at its
default they give the engine's numbers (tests/engine/test_practice_by_hand.py says so).

LSTM (the sheet's peephole cell; ``engine/lstm.py`` has the equations), for t = T … 1::

    from_h_t  = δh_t ⊙ (1 − tanh²(o_t⊙c_t)) ⊙ o_t                  the term through h_t
    carry_t   = δc_{t+1} ⊙ f_{t+1}                                   0 at t = T
    peep_t    = δf̂_{t+1}·W_fcᵀ + δî_{t+1}·W_icᵀ + δô_{t+1}·W_ocᵀ     0 at t = T
    δc_t      = from_h_t + carry_t + peep_t
    δf̂_t = δc_t ⊙ c_{t−1} ⊙ f_t ⊙ (1 − f_t)      δî_t = δc_t ⊙ g_t ⊙ i_t ⊙ (1 − i_t)
    δô_t = δh_t ⊙ (1 − h_t²) ⊙ c_t ⊙ o_t ⊙ (1 − o_t)      δĝ_t = δc_t ⊙ i_t ⊙ (1 − g_t²)
    δx_t = δf̂_t·W_fᵀ + δî_t·W_iᵀ + δô_t·W_oᵀ + δĝ_t·W_cᵀ
    ΔW_f = Σ_t x_tᵀ·δf̂_t    ΔW_fc = Σ_t c_{t−1}ᵀ·δf̂_t    Δb_f = Σ_t δf̂_t    (i, o alike)
    ΔW_c = Σ_t x_tᵀ·δĝ_t    Δb_c = Σ_t δĝ_t

Autodiff, over the nodes from the output down (the seed v̄_L = 1)::

    v̄_j += v̄_i · ∂v_i/∂v_j        for every operand j of node i
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import numpy as np

#: How δc_t's term through h_t is written: the right one, the one without ⊙ o_t, and the one
#: of the usual LSTM whose h = o ⊙ tanh(c).
FROM_H = ("tanh(o⊙c)", "no o factor", "o⊙tanh(c)")


def lstm_backward(xs, params, c0, run, dh, *, from_h: str = "tanh(o⊙c)",
                  forget_carry: bool = True,
                  peepholes: Collection[str] = ("f", "i", "o")) -> dict[str, np.ndarray]:
    """BPTT of the peephole LSTM term by term. ``xs``, ``params`` and ``c0`` are the cell's
    inputs, ``run`` is ``lstm.forward(xs, params, c0)`` (its ``f, i, o, g, c, h``, each
    ``(T, n_h)``), ``dh`` the ``(T, n_h)`` gradients δh_t.

    Switches (a student's slips): ``from_h`` (one of :data:`FROM_H`), ``forget_carry`` (keep
    δc_{t+1} ⊙ f_{t+1}), ``peepholes`` (which of the gates f, i, o pass δ back to c_{t−1}).

    Returns the tensors as ``export`` names them: ``dc`` and ``dx`` ``(T, ·)`` and the parameter
    gradients ``dW_f``, ``dW_fc``, ``db_f``, … ``dW_c``, ``db_c``.
    """
    if from_h not in FROM_H:
        raise ValueError(f"from_h: expected one of {', '.join(FROM_H)}, got {from_h!r}")
    W = {key: np.asarray(value, dtype=np.float64) for key, value in params.items()}
    f, i, o, g, c, h = run.f, run.i, run.o, run.g, run.c, run.h
    dh = np.asarray(dh, dtype=np.float64)
    T, n_h = c.shape
    c_prev = np.vstack([np.asarray(c0, dtype=np.float64).reshape(1, n_h), c[:-1]])

    # δh_t through h_t = tanh(o_t ⊙ c_t): the delta of u_t = o_t ⊙ c_t, then of c_t and o_t
    if from_h == "o⊙tanh(c)":      # the usual LSTM's h_t = o_t ⊙ tanh(c_t)
        from_h_term = dh * o * (1 - np.tanh(c) ** 2)
        do = dh * np.tanh(c)
    else:
        du = dh * (1 - h ** 2)
        from_h_term = du * o if from_h == "tanh(o⊙c)" else du
        do = du * c
    do_hat = do * o * (1 - o)

    dc = np.zeros((T, n_h))
    df_hat = np.zeros((T, n_h))
    di_hat = np.zeros((T, n_h))
    for t in range(T - 1, -1, -1):
        dc[t] = from_h_term[t]
        if t + 1 < T:
            if forget_carry:
                dc[t] = dc[t] + dc[t + 1] * f[t + 1]
            if "f" in peepholes:
                dc[t] = dc[t] + df_hat[t + 1] @ W["W_fc"].T
            if "i" in peepholes:
                dc[t] = dc[t] + di_hat[t + 1] @ W["W_ic"].T
            if "o" in peepholes:
                dc[t] = dc[t] + do_hat[t + 1] @ W["W_oc"].T
        df_hat[t] = dc[t] * c_prev[t] * f[t] * (1 - f[t])
        di_hat[t] = dc[t] * g[t] * i[t] * (1 - i[t])
    dg_hat = dc * i * (1 - g ** 2)

    xs = np.asarray(xs, dtype=np.float64)
    out = {"dc": dc,
           "dx": (df_hat @ W["W_f"].T + di_hat @ W["W_i"].T + do_hat @ W["W_o"].T
                  + dg_hat @ W["W_c"].T)}
    for gate, delta in (("f", df_hat), ("i", di_hat), ("o", do_hat)):
        out[f"dW_{gate}"] = xs.T @ delta
        out[f"dW_{gate}c"] = c_prev.T @ delta
        out[f"db_{gate}"] = delta.sum(axis=0)
    out["dW_c"] = xs.T @ dg_hat
    out["db_c"] = dg_hat.sum(axis=0)
    return out


#: An edge of the expression graph as a student walks it backwards: (user i, operand position
#: k); the operand is node ``nodes[i].inputs[k]``.
Use = tuple[int, int]


def adjoints(nodes, *, partial: Callable[[int, int, float], float] | None = None,
             lost: Use | None = None, assigned: int | None = None) -> np.ndarray:
    """The adjoints v̄ of every node, from ``autodiff.evaluate(...).nodes`` (each with
    ``inputs``, ``value`` and ``partials``; a partial of ``None`` is an edge into a constant,
    which is not differentiated). The output is the last node.

    Switches: ``partial(i, k, d)`` replaces the local derivative ∂v_i/∂v_{inputs[k]} = d (a wrong
    derivative); ``lost`` drops that one use's contribution (a forgotten path); at node
    ``assigned`` every contribution is assigned (=) instead of added (+=), so only the last one
    (from the lowest-numbered user) stays.
    """
    n = len(nodes)
    adj = np.zeros(n)
    adj[n - 1] = 1.0
    for i in range(n - 1, -1, -1):
        node = nodes[i]
        for k, (j, d) in enumerate(zip(node.inputs, node.partials, strict=True)):
            if d is None:
                continue
            if partial is not None:
                d = partial(i, k, d)
            if lost == (i, k):
                continue
            if assigned == j:
                adj[j] = adj[i] * d
            else:
                adj[j] += adj[i] * d
    return adj


def uses(nodes) -> dict[int, list[Use]]:
    """For each node, the uses (user i, operand position k) that pass an adjoint back to it, in
    the order the backward pass meets them (highest user first)."""
    out: dict[int, list[Use]] = {}
    for i in range(len(nodes) - 1, -1, -1):
        for k, (j, d) in enumerate(zip(nodes[i].inputs, nodes[i].partials, strict=True)):
            if d is not None:
                out.setdefault(j, []).append((i, k))
    return out
